"""Updates benchmark: what `storyline updates` costs for a story of up to 80 articles.

Real ECB+ articles (gold fields removed) of its largest topics are ingested and annotated
once into a temporary database (untimed). For each size of ``--sizes`` the first that many of
them in publication order stand for a story that grew from half its articles to all of them:
its brief at half (the kept version) and at all (now) are built, and the updates between
them computed as ``Library.updates`` does after it has built the brief of now: the diff of the
two briefs (``brief_updates``) over the bodies they cite. Timed warm in this process, median
of ``--repeats`` runs after one untimed run: building the brief of now (what an update
costs when the story changed since its last read), the diff alone, and the two together.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bench import harness
from bench.brief import Pick, candidates, in_publication_order, prepare

DEFAULT_SIZES = (20, 40, 80)
QUICK_SIZES = (20, 40)
SMOKE_SIZES = (6,)
REPEATS = 5
NOTES = (
    "articles: the story now (the first that many ECB+ articles of its largest topics, in "
    "publication order); before: the first half of them, the brief kept at the last read.",
    "build now: build_brief of the story now, to_dict and JSON, as Library.brief_json does "
    "when the story changed; diff: brief_updates between the two briefs; updates = both; "
    "median (max) ms over the timed runs.",
    "items: what the updates list (new sources, facts new / newly corroborated / in conflict, "
    "new speakers' quotes, new timeline entries).",
)


def time_ms(call: Callable[[], object], repeats: int) -> tuple[float, float, object]:
    call()
    runs, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = call()
        runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs), max(runs), result


def measure(lib, ids: Sequence[str], repeats: int) -> dict:
    from storyline.brief import build_brief
    from storyline.brief.updates import brief_updates
    from storyline.library import brief_sources

    half = ids[:max(1, len(ids) // 2)]
    title = next((t for t in (lib.article(i).title for i in ids) if t), "story")
    old = build_brief("bench", title, brief_sources(lib.store, half)).to_dict()

    def build_now() -> dict:
        brief = build_brief("bench", title, brief_sources(lib.store, ids)).to_dict()
        json.dumps(brief)
        return brief

    new = build_now()
    bodies = {i: lib.article(i).body for i in ids}

    def diff() -> dict:
        return brief_updates(old, new, old_bodies=bodies, new_bodies=bodies)

    build = time_ms(build_now, repeats)
    compared = time_ms(diff, repeats)
    both = time_ms(lambda: (build_now(), diff()), repeats)
    found = compared[2]
    items = {part: len(found[part]) for part in ("sources", "facts", "quotes", "timeline")}
    return {"articles": len(ids), "before": len(half),
            "sources": len(new["sources"]), "build": build[:2], "diff": compared[:2],
            "updates": both[:2], "items": items}


def rows(points: Sequence[dict]) -> list[list[str]]:
    def ms(pair) -> str:
        return f"{pair[0]:.1f} ({pair[1]:.1f})"

    return [[str(p["articles"]), str(p["before"]), str(p["sources"]), ms(p["build"]),
             ms(p["diff"]), ms(p["updates"]),
             ", ".join(f"{v} {k}" for k, v in p["items"].items())] for p in points]


def main(argv: Sequence[str] | None = None) -> int:
    parser = harness.parser(__doc__, "ecbplus/", quick=f"sizes {QUICK_SIZES}")
    harness.planned(parser, "--sizes", harness.sizes, "story sizes in articles",
                    DEFAULT_SIZES, QUICK_SIZES, SMOKE_SIZES)
    parser.add_argument("--repeats", type=int, default=REPEATS, help="timed runs per size")
    args, options = harness.parse(parser, argv, "updates")

    def body(say: Callable[[str], None]) -> None:
        from storyline.library import Library

        began = time.perf_counter()
        commit = harness.git_commit()
        records = [{**r, "id": str(r["id"]), "_n": n}
                   for n, r in enumerate(harness.real_records(options.data, ("ecbplus",)))]
        _, topics = candidates(records)
        ranked = sorted(topics.values(), key=len, reverse=True)
        wanted: list[str] = []
        for members in ranked:
            if len(wanted) >= max(args.sizes):
                break
            wanted += members
        chosen = set(wanted)
        records = [r for r in records if r["id"] in chosen]
        with tempfile.TemporaryDirectory(prefix="storyline-updates-bench-",
                                         ignore_cleanup_errors=True) as work:
            work = Path(work)
            say(f"[bold]sources[/]: ingesting and annotating {len(records)} ECB+ articles")
            db, prepare_seconds = prepare(records, work, options.out, say)
            position = {r["id"]: r["_n"] for r in records}
            points = []
            with Library(db) as lib:
                story = in_publication_order(lib, Pick("story", "ECB+ topics", tuple(wanted)),
                                             position)
                for size in args.sizes:
                    ids = list(story.ids[:size])
                    say(f"[bold]{len(ids)} articles[/]")
                    points.append(measure(lib, ids, args.repeats))
        env = {**harness.machine(commit, spacy="spacy"), "seconds": time.perf_counter() - began}
        biggest = points[-1]
        line = (f"Updates of a story of {biggest['articles']} articles (from "
                f"{biggest['before']}): {biggest['updates'][0]:.1f} ms warm, of which the diff "
                f"{biggest['diff'][0]:.1f} ms and building the brief of now "
                f"{biggest['build'][0]:.1f} ms.")
        harness.publish(options, harness.document(
            harness.reproduce_line(env, f"spaCy {env.get('spacy')}"),
            f"Sources: {len(records)} real ECB+ articles (annotated in {prepare_seconds:.0f} s, "
            "not counted).",
            harness.markdown_table(("articles", "before", "sources", "build now ms",
                                    "diff ms", "updates ms", "items"), rows(points),
                                   text=("items",)),
            line,
            harness.bullets(NOTES)))
        say(line)

    return harness.main(body)


if __name__ == "__main__":
    sys.exit(main())
