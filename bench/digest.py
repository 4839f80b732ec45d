"""Digest benchmark: what `storyline digest` costs over 100 follows on a 10k-article archive.

The archive is the backfill bench's (:class:`bench.backfill.Archive`): the real annotated
articles of the story sets (``harness.prepare_sources``, untimed) replayed round after round
with new ids, dates and, from the second round on, renamed names, stored through the real
writer with their replayed annotations and grouped by ``Library.group``. It is built to
``--archive`` less ``--arrivals`` articles (untimed), then ``--follows`` follows are made
through ``Library.follow`` (timed: following builds and keeps the briefs of what a follow
matches), a stated mix of stories, searches and names picked by fixed rules from the archive
(see NOTES). The archive then grows by the arrivals, so some followed stories get new
articles and searches match new stories, and the digests are timed in this process with the
real clock: the first one after the arrivals (briefs of changed stories rebuilt and kept, new
stories' briefs built) and one right after it (nothing new: every brief cached). Last,
``python -m storyline --db DB digest`` as a user runs it, in a child process, on a copy of
the database taken before the first digest (the same cold work, plus start-up and Markdown)
and once more on that copy (nothing new): wall seconds and peak RSS.
"""

from __future__ import annotations

import re
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import closing
from pathlib import Path

from bench import harness
from bench.backfill import SMOKE_SOURCES, Archive, Stream
from bench.stories import PER_DAY, annotated_pairs

DEFAULT_ARCHIVE, QUICK_ARCHIVE, SMOKE_ARCHIVE = 10000, 2000, 60
DEFAULT_ARRIVALS, QUICK_ARRIVALS, SMOKE_ARRIVALS = 500, 200, 10
DEFAULT_FOLLOWS, QUICK_FOLLOWS, SMOKE_FOLLOWS = 100, 100, 10
#: The share of each kind of follow; the entity follows take what the others leave.
MIX = (("story", 0.6), ("query", 0.2), ("entity", 0.2))
ENTITY_TYPES = ("PERSON", "ORG")
#: Title words shorter than this are not made into query follows.
MIN_QUERY_LETTERS = 4
#: The update items a digest counts per story (``updates.schema.json``).
PARTS = ("sources", "facts", "quotes", "timeline")
CLI_TIMEOUT = 1800
COLUMNS = ("step", "follows", "stories", "with updates", "items", "seconds", "ms per follow",
           "peak RSS MB")
NOTES = (
    "Follows (picked by fixed rules, so the same seed gives the same ones): story = the "
    "stories of 2+ articles whose last article is the most recent (ties: more articles, then "
    "id), as a reader follows stories that are live; query = single lowercase title words "
    f"(≥ {MIN_QUERY_LETTERS} letters, not English stop words) ranked by how many stories' "
    "titles have them (2 at least); entity = PERSON and ORG names ranked by how many articles "
    "name them (2 at least). A kind with too few candidates makes fewer follows. Each replayed "
    "round renames capitalised words (Khan -> Khanb) but not words in capitals (EU), so such "
    "names, and lowercase title words, recur in every round, while a story's own names do "
    "not: a story follow gets news only while its round is still arriving.",
    "follows = follows the step covered; stories = distinct stories they match after it; with "
    "updates = distinct stories the digest lists (new to a search or name follow, or with "
    "updates); items = their update items (new sources + facts + new speakers' quotes + "
    "timeline entries), each story counted once; ms per follow = seconds ÷ follows.",
    "follow = Library.follow for each, real clock; digest = Library.digest() in this process "
    "(first: after the arrivals; again: right after, nothing new); CLI digest = `python -m "
    "storyline --db DB digest` in a child process (interpreter start-up, Markdown on a pipe) "
    "on a copy of the database made before the in-process digest, then again on that copy. "
    "Stories listed by the CLI are counted from its Markdown headings; peak RSS = the child's.",
    "The arrivals are stored as the archive is (Library.ingest(annotate=False, stories=False), "
    "then Library.group), a path that does not keep new versions of followed briefs as an "
    "annotating ingest does (Library._keep_followed_briefs runs only with a grouper in "
    "ingest), so the first digest builds the changed briefs itself.",
)


def quota(total: int) -> dict[str, int]:
    """How many follows of each kind ``total`` makes (:data:`MIX`)."""
    counts = {kind: int(round(total * share)) for kind, share in MIX[:-1]}
    counts[MIX[-1][0]] = max(0, total - sum(counts.values()))
    return counts


def story_choices(lib, wanted: int) -> list[str]:
    """The live stories: 2+ articles, the most recently published first (see NOTES)."""
    stories = [s for s in lib.stories() if s.articles >= 2]
    stories.sort(key=lambda s: (s.last_published or "", s.articles, s.story_id), reverse=True)
    return [s.story_id for s in stories[:wanted]]


def query_choices(lib, wanted: int) -> list[str]:
    """Lowercase title words in the most stories' titles (see NOTES)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    stories_of: Counter[str] = Counter()
    for story in lib.stories():
        words = set(re.findall(r"\b[a-z]+\b", story.title or ""))
        stories_of.update(w for w in words
                          if len(w) >= MIN_QUERY_LETTERS and w not in ENGLISH_STOP_WORDS)
    ranked = sorted((n, w) for w, n in stories_of.items() if n >= 2)
    ranked.sort(key=lambda item: (-item[0], item[1]))
    return [word for _, word in ranked[:wanted]]


def entity_choices(lib, wanted: int) -> list[str]:
    """PERSON and ORG names that the most articles name (see NOTES)."""
    articles_of: Counter[str] = Counter()
    for article in lib.store.articles():
        annotation = lib.store.annotation(article.id)
        if annotation is None:
            continue
        articles_of.update({" ".join(e.name.split()) for e in annotation.entities
                            if e.type in ENTITY_TYPES and re.search(r"\w", e.name)})
    ranked = sorted(((n, name) for name, n in articles_of.items() if n >= 2),
                    key=lambda item: (-item[0], item[1]))
    return [name for _, name in ranked[:wanted]]


def pick_follows(lib, total: int) -> list[tuple[str, str]]:
    """(kind, value) of every follow to make."""
    counts = quota(total)
    return ([("story", s) for s in story_choices(lib, counts["story"])]
            + [("query", q) for q in query_choices(lib, counts["query"])]
            + [("entity", e) for e in entity_choices(lib, counts["entity"])])


def was_disturbed(section: harness.Section) -> bool:
    return harness.disturbed(section.other_cpu_seconds, section.seconds)


def wait_past(iso: str) -> None:
    """Sleep until the UTC second after ``iso``: kept brief versions and follows are timed to
    the second, so a digest in the second a follow was made would compare with the brief it
    keeps itself (a tiny run's arrivals can take less than a second)."""
    from datetime import datetime, timezone

    from storyline.brief.updates import iso_time

    while iso_time(datetime.now(timezone.utc)) <= iso:
        time.sleep(0.05)


def make_follows(lib, chosen: Sequence[tuple[str, str]]) -> dict:
    """Every follow through ``Library.follow``, timed together."""
    from storyline.errors import QueryError

    refused = []
    with harness.Section() as section:
        for kind, value in chosen:
            try:
                if kind == "story":
                    lib.follow(value)
                else:
                    lib.follow(**{kind: value})
            except QueryError as exc:
                refused.append(f"{kind} {value!r}: {exc}")
    follows = lib.follows()
    matched = {s for f in follows for s in f.stories}
    by_kind = Counter(f.kind for f in follows)
    return {"step": f"follow (create {len(follows)})", "follows": len(follows),
            "stories": len(matched), "with_updates": None, "items": None,
            "seconds": section.seconds, "peak_rss_mb": None, "disturbed": was_disturbed(section),
            "kinds": dict(by_kind), "refused": refused,
            "last_created": max((f.created_at for f in follows), default=""),
            "stories_per_kind": {k: len({s for f in follows if f.kind == k for s in f.stories})
                                 for k in by_kind}}


def digest_counts(found: dict) -> dict:
    """Follows, distinct stories listed and their update items, of one digest's dict."""
    listed = {s["story_id"]: s for item in found["follows"] for s in item["stories"]}
    items = sum(len(s["updates"][part]) for s in listed.values() for part in PARTS)
    new = sum(1 for s in listed.values() if s["new"])
    with_items = sum(1 for s in listed.values() if any(s["updates"][p] for p in PARTS))
    per_kind = Counter(item["follow"]["kind"] for item in found["follows"] if item["stories"])
    return {"follows": len(found["follows"]), "with_updates": len(listed), "items": items,
            "new_stories": new, "stories_with_items": with_items,
            "follows_with_news": dict(per_kind)}


def time_digest(lib, step: str) -> dict:
    with harness.Section() as section:
        found = lib.digest()
    matched = {s for f in lib.follows() for s in f.stories}
    return {"step": step, **digest_counts(found), "stories": len(matched),
            "seconds": section.seconds, "peak_rss_mb": None, "disturbed": was_disturbed(section)}


def cli_digest(db: Path, step: str, follows: int, logs: Path) -> dict:
    """``python -m storyline --db DB digest`` in a child process; stories from its headings."""
    result = harness.run_child(["timeout", "-k", "10", CLI_TIMEOUT,
                                *harness.storyline_cli("--db", db, "digest")], logs)
    harness.fail_on(result, "storyline digest")
    listed = set(re.findall(r"^### (?:New story|Story): .* \[([^\]\s]+)\]$", result.stdout,
                            re.MULTILINE))
    return {"step": step, "follows": follows, "stories": None, "with_updates": len(listed),
            "items": None, "seconds": result.seconds, "peak_rss_mb": result.peak_rss_mb,
            "cpu_seconds": result.cpu_seconds,
            "disturbed": harness.disturbed(result.other_cpu_seconds, result.seconds)}


def copy_database(source: Path, target: Path) -> Path:
    """A consistent copy of a SQLite database (WAL included), by SQLite's backup."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    return target


def bench(options: harness.Options, archive_size: int, arrivals: int, follows: int,
          sources: int, say: Callable[[str], None]) -> dict:
    from storyline.library import Library

    out = options.out
    with harness.fresh_workdir(out) as work:
        pairs, prepared = annotated_pairs(options, work / "sources.db", sources, say)
        archive = Archive(Stream(pairs, options.seed), work / "archive.db", work / "corpora")
        before = max(1, archive_size - arrivals)
        say(f"[bold]archive[/] of {before:,} articles")
        archive.grow(before, say)
        build_seconds = archive.build_seconds
        with Library(archive.path) as lib:
            stories_before = len(lib.stories())
            chosen = pick_follows(lib, follows)
            say(f"[bold]follows[/]: {len(chosen)} ({dict(Counter(k for k, _ in chosen))})")
            steps = [make_follows(lib, chosen)]
        say(f"  made in {steps[0]['seconds']:.1f} s")
        say(f"[bold]arrivals[/]: {archive_size - before:,} more articles")
        archive.grow(archive_size, say)
        grow_seconds = archive.build_seconds - build_seconds
        cli_db = copy_database(archive.path, work / "cli.db")
        wait_past(steps[0]["last_created"])
        with Library(archive.path) as lib:
            stories_after = len(lib.stories())
            steps.append(time_digest(lib, f"digest (first, after {archive_size - before:,} "
                                          "arrivals)"))
            say(f"  first digest {steps[-1]['seconds']:.1f} s")
            steps.append(time_digest(lib, "digest again (nothing new)"))
            say(f"  digest again {steps[-1]['seconds']:.2f} s")
        count = steps[0]["follows"]
        steps.append(cli_digest(cli_db, "CLI digest (first, on a copy)", count,
                                out / "logs" / "cli-first"))
        say(f"  CLI digest {steps[-1]['seconds']:.1f} s")
        steps.append(cli_digest(cli_db, "CLI digest again (nothing new)", count,
                                out / "logs" / "cli-again"))
        say(f"  CLI digest again {steps[-1]['seconds']:.1f} s")
    return {"steps": steps, "sources": len(pairs), "prepare_seconds": prepared["seconds"],
            "archive": archive_size, "before": before, "build_seconds": build_seconds,
            "grow_seconds": grow_seconds, "stories_before": stories_before,
            "stories_after": stories_after, "chosen": chosen}


def cells(step: dict) -> list[str]:
    def count(value) -> str:
        return "" if value is None else f"{value:,}"

    star = "*" if step["disturbed"] else ""
    per_follow = harness.ms(step["seconds"] / step["follows"]) if step["follows"] else ""
    rss = "" if step["peak_rss_mb"] is None else f"{step['peak_rss_mb']:.0f}"
    return [step["step"], count(step["follows"]), count(step["stories"]),
            count(step["with_updates"]), count(step["items"]), f"{step['seconds']:.2f}{star}",
            per_follow, rss]


def summary(result: dict) -> list[str]:
    made, first, again, cli = result["steps"][:4]
    lines = [f"A digest over {first['follows']} follows on a {result['archive']:,}-article "
             f"archive: {first['seconds']:.1f} s in process after "
             f"{result['archive'] - result['before']:,} arrivals "
             f"({first['with_updates']} stories listed, {first['items']:,} items), "
             f"{again['seconds']:.2f} s when nothing is new; `storyline digest` "
             f"{cli['seconds']:.1f} s as a command (peak RSS {cli['peak_rss_mb']:.0f} MB). "
             f"Making the follows took {made['seconds']:.1f} s."]
    kinds = ", ".join(f"{n} {k}" for k, n in made["kinds"].items())
    news = ", ".join(f"{n} {k}" for k, n in first["follows_with_news"].items()) or "none"
    lines.append(f"Follows made: {kinds}; they matched {made['stories']} stories "
                 f"({', '.join(f'{k} {n}' for k, n in made['stories_per_kind'].items())}). "
                 f"Follows with news in the first digest: {news}; of the stories listed, "
                 f"{first['new_stories']} new to a search or name follow and "
                 f"{first['stories_with_items']} with update items.")
    for kind, label in (("query", "Queries followed"), ("entity", "Names followed")):
        values = [value for k, value in result["chosen"] if k == kind]
        if values:
            lines.append(f"{label}: {', '.join(values)}.")
    if made["refused"]:
        lines.append(f"Refused follows: {'; '.join(made['refused'][:5])}")
    return lines


def markdown(result: dict, env: dict) -> str:
    disturbed = any(s["disturbed"] for s in result["steps"])
    return harness.document(
        [harness.reproduce_line(env, f"spaCy {env['spacy']}; whole run {env['seconds']:.0f} s")],
        "# Digest",
        [f"Archive: {result['sources']} real annotated articles ({', '.join(harness.STORY_SETS)}"
         f"; annotated in {result['prepare_seconds']:.0f} s, not counted) replayed with new ids "
         f"and dates, {PER_DAY} a day (seed {env['seed']}; bench.backfill.Archive): "
         f"{result['before']:,} articles in {result['stories_before']:,} stories when the "
         f"follows are made (built in {result['build_seconds']:.0f} s, not counted), then "
         f"{result['archive'] - result['before']:,} arrivals to {result['archive']:,} articles "
         f"in {result['stories_after']:,} stories ({result['grow_seconds']:.0f} s, not counted)."
         f" Run as `python -m bench.digest{env['arguments']}`."],
        harness.markdown_table(COLUMNS, (cells(s) for s in result["steps"]), text=("step",)),
        summary(result),
        harness.bullets(harness.notes(NOTES, disturbed)))


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = harness.parser(
        __doc__, "ecbplus/, gvc/ and wikiref220/",
        quick=f"an archive of {QUICK_ARCHIVE:,} with {QUICK_ARRIVALS} arrivals")
    harness.planned(parser, "--archive", harness.size, "articles once the arrivals are in",
                    DEFAULT_ARCHIVE, QUICK_ARCHIVE, SMOKE_ARCHIVE)
    harness.planned(parser, "--arrivals", harness.size, "articles arriving after the follows",
                    DEFAULT_ARRIVALS, QUICK_ARRIVALS, SMOKE_ARRIVALS)
    harness.planned(parser, "--follows", harness.size, "follows to make (mixed as NOTES say)",
                    DEFAULT_FOLLOWS, QUICK_FOLLOWS, SMOKE_FOLLOWS)
    args, options = harness.parse(parser, argv, "digest")
    if args.arrivals >= args.archive:
        parser.error("--arrivals must be fewer than --archive")
    sources = options.scale(None, 0, 0, SMOKE_SOURCES)

    def body(say: Callable[[str], None]) -> None:
        began = time.perf_counter()
        commit = harness.git_commit()
        harness.story_files(options.data)
        result = bench(options, args.archive, args.arrivals, args.follows, sources, say)
        env = {**harness.machine(commit, spacy="spacy"), "seed": options.seed,
               "arguments": "".join(f" {a}" for a in argv),
               "seconds": time.perf_counter() - began}
        harness.publish(options, markdown(result, env))
        say(summary(result)[0])

    return harness.main(body)


if __name__ == "__main__":
    sys.exit(main())
