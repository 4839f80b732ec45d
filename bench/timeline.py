"""Timeline benchmark: what the brief's timeline lists per story, before and after it
became one entry per event with the background apart.

The real articles of ECB+ and GVC (gold fields removed) are ingested, annotated and
grouped once in a temporary database with the code of this work tree. Then the briefs of
every story, grouped by the gold ``story`` field and by storyline's own online grouping,
are built twice, each time in a fresh process: with ``src/`` of the ``--before`` commit
(``git archive``, the timeline that listed every dated sentence) and with this work tree's
``src/``. Counted per story: timeline entries, sentences listed more than once (a sentence
with two time expressions), entries with ``also_in`` (the same event in several sources),
background entries, and timeline entries dated more than ``BACKGROUND_DAYS`` before the
story's first publication (what the background is for).
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

from bench import harness
from bench.brief import Pick, in_publication_order, prepare

SETS = ("ecbplus", "gvc")
#: The commit whose timeline listed every dated sentence (the parent of the change).
BEFORE = "c82ff40"
#: As BriefSettings.background_days's default; the "old in timeline" column counts by it
#: for both versions alike.
BACKGROUND_DAYS = 30
QUICK_RECORDS = 160
SMOKE_RECORDS = 24
EXAMPLES = 8
GROUPINGS = ("gold ecbplus", "gold gvc", "our stories")
NOTES = (
    "stories: every story of the grouping (gold: the `story` field of ecbplus and gvc; "
    "our stories: storyline's own online grouping of the same articles, after `recluster`); "
    "each brief built with default BriefSettings from the story's articles in publication "
    "order (undated last), near-duplicates folded under their originals.",
    "entries: timeline entries in all; per story: mean / median / max over the stories.",
    "listed twice: sentences that appear more than once in the timeline and background "
    "(as an entry or as another entry's `also_in`), e.g. a sentence with two time "
    "expressions under two dates.",
    "with also_in: entries that cite the same event in another source; also_in spans: the "
    "other sources' sentences they cite. Before, two sentences that shared two dates made two "
    "entries with also_in, which is why there are fewer such entries after for about as many "
    "sentences joined.",
    "background: entries in the brief's `background` list (none before: there was none).",
    f"old in timeline: timeline entries whose date ends more than {BACKGROUND_DAYS} days "
    "before the story's earliest publication date (sources and copies), counted alike for "
    "both versions; stories with no publication date have none.",
    "dated sentences: the stories' distinct sentences with a resolved time expression (the "
    "same for both versions: annotation is unchanged).",
)


def _anchor(brief) -> date | None:
    days = []
    for source in brief.sources:
        for article in [source.article, *(copy for copy, _ in source.copies)]:
            try:
                days.append(date.fromisoformat((article.published or "")[:10]))
            except ValueError:
                continue
    return min(days, default=None)


def _last_day(iso: str) -> date:
    if len(iso) == 4:
        return date(int(iso), 12, 31)
    if len(iso) == 7:
        year, month = int(iso[:4]), int(iso[5:7])
        return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return date.fromisoformat(iso[:10])


def child_measure(db: str, groups_path: str) -> dict:
    """The timeline counts of every group's brief, with the code on PYTHONPATH."""
    import storyline
    from storyline.brief import build_brief
    from storyline.library import Library, brief_sources

    groups = json.loads(Path(groups_path).read_text(encoding="utf-8"))
    rows, examples = [], {"background": [], "also_in": [], "twice": []}
    start = time.perf_counter()
    with Library(db) as lib:
        for group in groups:
            sources = brief_sources(lib.store, group["ids"])
            brief = build_brief(group["name"], "", sources)
            background = list(getattr(brief, "background", []))
            listed: dict[tuple[str, int], int] = {}
            for entry in brief.timeline + background:
                for span in [entry.span, *entry.also_in]:
                    listed[(span.article_id, span.start)] = \
                        listed.get((span.article_id, span.start), 0) + 1
            dated = {(e.span.article_id, e.span.start) for s in sources if s.annotation
                     for e in s.annotation.events}
            anchor = _anchor(brief)
            cutoff = anchor - timedelta(days=BACKGROUND_DAYS) if anchor else None
            old = [t for t in brief.timeline if cutoff and _last_day(t.date) < cutoff]
            rows.append({"grouping": group["grouping"], "name": group["name"],
                         "articles": len(group["ids"]), "sources": len(sources),
                         "timeline": len(brief.timeline), "background": len(background),
                         "twice": sum(1 for n in listed.values() if n > 1),
                         "also_in": sum(1 for t in brief.timeline + background if t.also_in),
                         "also_in_spans": sum(len(t.also_in) for t in brief.timeline + background),
                         "old_in_timeline": len(old), "dated_sentences": len(dated)})
            found = {"background": background,
                     "also_in": [t for t in brief.timeline if t.also_in],
                     "twice": [t for t in brief.timeline + background
                               if listed[(t.span.article_id, t.span.start)] > 1]}
            for key, entries in found.items():
                for t in entries[:2]:
                    if len(examples[key]) < EXAMPLES and group["grouping"] != "our stories":
                        examples[key].append({
                            "story": group["name"], "date": t.date, "expression": t.expression,
                            "text": " ".join(t.span.text.split())[:110],
                            "also_in": [s.article_id for s in t.also_in]})
    return {"storyline": str(Path(storyline.__file__).parent), "rows": rows,
            "examples": examples, "seconds": time.perf_counter() - start}


def extract_before(ref: str, into: Path) -> Path:
    """``src/`` of commit ``ref``, written under ``into``."""
    try:
        archive = subprocess.run(["git", "archive", "--format=tar", ref, "src"], cwd=harness.REPO,
                                 capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        raise harness.BenchError(f"cannot read src/ of commit {ref!r} with git archive "
                                 f"(give another with --before): "
                                 f"{detail.decode(errors='replace').strip() or exc}") from None
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def as_known_by(src: Path, db: Path, into: Path) -> Path:
    """A copy of ``db`` that the code in ``src`` opens: the schema versions it does not know
    are forgotten in the copy (their tables stay, and older code never reads them)."""
    known = subprocess.run(
        [sys.executable, "-c", "from storyline.store._schema import SCHEMA_VERSION as v; print(v)"],
        env={**os.environ, "PYTHONPATH": str(src)}, capture_output=True, text=True)
    if known.returncode != 0:
        raise harness.BenchError(f"cannot read the schema version of {src}: {known.stderr[-500:]}")
    copy = into / "before.db"
    with sqlite3.connect(db) as conn, sqlite3.connect(copy) as target:
        conn.backup(target)
        target.execute("DELETE FROM schema_migrations WHERE version > ?",
                       (int(known.stdout.strip()),))
    return copy


def measure(src: Path, db: Path, groups: Path, log: Path) -> dict:
    """:func:`child_measure` in a fresh process that imports storyline from ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    log.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([sys.executable, "-m", "bench.timeline", "--child", "measure", db,
                           groups], cwd=harness.REPO, env=env, capture_output=True, text=True)
    (log / "stderr.log").write_text(proc.stderr, encoding="utf-8")
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        raise harness.BenchError(f"measuring with {src} exited with {proc.returncode}:\n{tail}")
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    if Path(found["storyline"]).resolve() != (src / "storyline").resolve():
        raise harness.BenchError(f"the child imported storyline from {found['storyline']}, "
                                 f"not {src}")
    return found


def _per_story(values: Sequence[int]) -> str:
    if not values:
        return "–"
    return f"{statistics.mean(values):.1f} / {statistics.median(values):g} / {max(values)}"


def summary_rows(runs: dict[str, dict]) -> list[tuple[str, ...]]:
    table = []
    for grouping in GROUPINGS:
        for version, found in runs.items():
            rows = [r for r in found["rows"] if r["grouping"] == grouping]
            if not rows:
                continue
            total = lambda key: sum(r[key] for r in rows)  # noqa: E731
            table.append((grouping, version, f"{len(rows):,}", f"{total('dated_sentences'):,}",
                          f"{total('timeline'):,}", _per_story([r["timeline"] for r in rows]),
                          f"{total('twice'):,}", f"{total('also_in'):,}",
                          f"{total('also_in_spans'):,}",
                          f"{total('background'):,}",
                          f"{sum(1 for r in rows if r['background']):,}",
                          f"{total('old_in_timeline'):,}"))
    return table


def _example_lines(examples: dict) -> list[str]:
    lines = []
    heads = {"background": "Moved to background (after)", "also_in": "Entries with also_in "
             "(after)", "twice": "Sentences listed twice (before)"}
    for key, head in heads.items():
        if not examples.get(key):
            continue
        lines += [f"{head}:", ""]
        for e in examples[key]:
            also = f" — also in {', '.join(e['also_in'])}" if e["also_in"] else ""
            lines.append(f"- {e['story']}: **{e['date']}** ({e['expression']}) "
                         f"{e['text']}{also}")
        lines.append("")
    return lines[:-1]


def markdown(runs: dict[str, dict], env: dict, data: dict) -> str:
    header = ("grouping", "code", "stories", "dated sentences", "entries",
              "per story (mean / median / max)", "listed twice", "with also_in", "also_in spans",
              "background", "stories with background", "old in timeline")
    before, after = runs.get("before"), runs["after"]
    examples = {"background": after["examples"]["background"],
                "also_in": after["examples"]["also_in"],
                "twice": before["examples"]["twice"] if before else []}
    return harness.document(
        harness.reproduce_line(env, f"spaCy {env.get('spacy')}"),
        f"Sources: {data['articles']:,} real articles of {', '.join(data['sets'])} (annotated "
        f"in {data['prepare_seconds']:.0f} s, not counted) in one database; before = `src/` of "
        f"commit {data['before']}, after = this work tree's; briefs built in "
        f"{before['seconds']:.1f} s (before) and {after['seconds']:.1f} s (after)."
        if before else f"Sources: {data['articles']:,} real articles (after only).",
        harness.markdown_table(header, summary_rows(runs), text=("grouping", "code")),
        harness.bullets(NOTES),
        _example_lines(examples))


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["--child"]:
        return harness.child_main(argv[1:], {"measure": child_measure})
    parser = harness.parser(__doc__, "ecbplus/ and gvc/",
                            quick=f"the first {QUICK_RECORDS} records of ecbplus and gvc")
    parser.add_argument("--before", default=BEFORE,
                        help=f"the commit whose src/ is 'before' (default: {BEFORE}); "
                             "'none' measures this work tree only")
    args, options = harness.parse(parser, argv, "timeline")

    def body(say: Callable[[str], None]) -> None:
        from storyline.library import Library

        began = time.perf_counter()
        commit = harness.git_commit()
        records = [{**r, "id": str(r["id"]), "_n": n}
                   for n, r in enumerate(harness.real_records(options.data, SETS))]
        if options.quick or options.smoke:
            limit = SMOKE_RECORDS if options.smoke else QUICK_RECORDS
            records = records[::max(1, len(records) // limit)][:limit]
        with tempfile.TemporaryDirectory(prefix="storyline-timeline-bench-",
                                         ignore_cleanup_errors=True) as work:
            work = Path(work)
            say(f"[bold]sources[/]: ingesting and annotating {len(records)} articles of "
                f"{', '.join(SETS)} (jobs={harness.ANNOTATE_JOBS}), then grouping")
            db, prepare_seconds = prepare(records, work, options.out, say)
            position = {r["id"]: r["_n"] for r in records}
            gold: dict[str, list[str]] = {}
            for r in records:
                gold.setdefault(f"{r['_set']} {r['story']}", []).append(r["id"])
            groups = []
            with Library(db) as lib:
                for name, ids in gold.items():
                    pick = in_publication_order(lib, Pick(name, "gold story", tuple(ids)),
                                                position)
                    groups.append({"grouping": f"gold {name.split()[0]}", "name": name,
                                   "ids": list(pick.ids)})
                for story in lib.stories():
                    ids = [s.article_id for s in lib.story(story.story_id).sources]
                    groups.append({"grouping": "our stories", "name": story.story_id,
                                   "ids": ids})
            groups_path = work / "groups.json"
            groups_path.write_text(json.dumps(groups), encoding="utf-8")
            runs = {}
            if args.before != "none":
                say(f"[bold]before[/]: src/ of {args.before}, {len(groups)} briefs")
                before = extract_before(args.before, work / "before")
                runs["before"] = measure(before, as_known_by(before, db, work), groups_path,
                                         options.out / "logs" / "before")
            say(f"[bold]after[/]: this work tree, {len(groups)} briefs")
            runs["after"] = measure(harness.REPO / "src", db, groups_path,
                                    options.out / "logs" / "after")
        env = {**harness.machine(commit, spacy="spacy"), "seconds": time.perf_counter() - began}
        data = {"articles": len(records), "sets": list(SETS), "prepare_seconds": prepare_seconds,
                "before": args.before}
        harness.publish(options, markdown(runs, env, data))

    return harness.main(body)


if __name__ == "__main__":
    sys.exit(main())
