"""Brief benchmark: what one story's brief costs, by story size, beside LexRank.

The real articles of the story sets (gold fields removed) are annotated and grouped once in
a temporary database. For each size of ``--sizes`` the gold story (or ECB+ topic, or mixed
topics) nearest it (:func:`choose`) is timed warm in this process, stage by stage, beside
sumy's LexRank on the same sources; our own story nearest 20 articles is timed warm through
``Library.brief``'s path and cold as a fresh ``storyline brief`` process, beside the bare
start-up. What each column means is in the notes of ``bench/results/brief.md``.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from bench import harness

#: The gold fields of the shared data, removed before ingest (as storyline.evaluate does).
GOLD_FIELDS = ("story", "story_name", "topic", "noise", "published_raw")
DEFAULT_TARGETS = (2, 5, 10, 20, 40, 80)
#: --quick: ECB+ and gvc only, and only the topics and stories these sizes pick.
QUICK_TARGETS = (2, 5, 10, 20, 40)
SMOKE_TARGETS = (2,)
DEFAULT_REPEATS = 7
QUICK_REPEATS = 3
DEFAULT_COLD_RUNS = 5
QUICK_COLD_RUNS = 2
#: A story of another size may stand for a target within this share of it.
NEAR = 0.1
#: LexRank runs on one story stop once they took this long in all.
PEER_BUDGET = 10.0
GOAL_ARTICLES = 20
GOAL_SECONDS = 1.0
GROWTH_BASE = 5
SET_ORDER = {"ecbplus": 0, "gvc": 1, "wikiref220": 2}
STAGES = ("load", "build", "json", "md", "html")
_TOPIC = re.compile(r"ecbplus/(\d+)_")


@dataclass(frozen=True)
class Pick:
    """A set of real articles timed as one story."""

    name: str  # e.g. "ecbplus 1ecbplus"
    kind: str  # "gold story", "ECB+ topic", "ECB+ topics (mixed)", "our story"
    ids: tuple[str, ...]


def read_records(data: Path) -> list[dict]:
    """Every record of the three sets, each with its set (``_set``) and file order (``_n``)."""
    return [{**record, "id": str(record["id"]), "_n": n}
            for n, record in enumerate(harness.real_records(data, harness.STORY_SETS))]


def topic_of(article_id: str) -> str | None:
    match = _TOPIC.match(article_id)
    return match.group(1) if match else None


def candidates(records: Sequence[dict]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(gold stories, ECB+ topics): name -> article ids in file order."""
    gold: dict[str, list[str]] = {}
    topics: dict[str, list[str]] = {}
    for r in records:
        gold.setdefault(f"{r['_set']} {r['story']}", []).append(r["id"])
        topic = topic_of(r["id"])
        if topic is not None:
            topics.setdefault(f"ecbplus topic {topic}", []).append(r["id"])
    return gold, topics


def closest(groups: dict[str, list[str]], target: int) -> str | None:
    """The group whose size is closest to ``target`` within ``NEAR`` (ECB+ first, then the
    larger, then the first in the data), or None."""
    slack = max(1, round(NEAR * target))
    found = [(abs(len(ids) - target), SET_ORDER.get(name.split(" ", 1)[0], 9), -len(ids), n, name)
             for n, (name, ids) in enumerate(groups.items()) if abs(len(ids) - target) <= slack]
    return min(found)[-1] if found else None


def choose(records: Sequence[dict], targets: Sequence[int]) -> list[Pick]:
    """The stories to time, per target size (see the module's docstring)."""
    gold, topics = candidates(records)
    picks: list[Pick] = []
    for target in targets:
        chosen = []
        name = closest(gold, target)
        if name is not None:
            chosen.append(Pick(name, "gold story", tuple(gold[name])))
        if name is None or not name.startswith("ecbplus "):
            topic = closest(topics, target)
            if topic is not None:
                chosen.append(Pick(topic, "ECB+ topic", tuple(topics[topic])))
        if not chosen:
            ranked = sorted(topics.items(), key=lambda kv: (-len(kv[1]), int(kv[0].split()[-1])))
            ids: list[str] = []
            used = []
            for topic, members in ranked:
                if len(ids) >= target:
                    break
                ids += members
                used.append(topic.split()[-1])
            if len(ids) >= target:
                chosen.append(Pick(f"ecbplus topics {'+'.join(used)}", "ECB+ topics (mixed)",
                                   tuple(ids[:target])))
        for pick in chosen:
            if all(set(pick.ids) != set(p.ids) for p in picks):
                picks.append(pick)
    return picks


def quick_records(records: Sequence[dict], targets: Sequence[int]) -> list[dict]:
    """A few ECB+ topics and gvc stories: those the targets pick among ECB+ and gvc."""
    pool = [r for r in records if r["_set"] in ("ecbplus", "gvc")]
    picks = choose(pool, targets)
    keep_topics = {topic_of(i) for p in picks for i in p.ids} - {None}
    keep_ids = {i for p in picks for i in p.ids}
    return [r for r in pool if topic_of(r["id"]) in keep_topics or r["id"] in keep_ids]


def write_sources(records: Sequence[dict], directory: Path) -> Path:
    """The records without gold fields, one ``<set>/articles.jsonl`` per set (empty ones
    too, as ``child_prepare`` reads all three)."""
    for name in harness.STORY_SETS:
        harness.write_jsonl(directory / name / "articles.jsonl",
                            ({k: v for k, v in r.items()
                              if k not in GOLD_FIELDS and not k.startswith("_")}
                             for r in records if r["_set"] == name))
    return directory


def in_publication_order(lib, pick: Pick, position: dict[str, int]) -> Pick:
    """The pick's stored articles by publication date (undated last), then file order."""
    from storyline.errors import NotFoundError

    found = []
    for i in pick.ids:
        with suppress(NotFoundError):  # not stored (an ingest error): the row's count says so
            found.append(lib.article(i))
    found.sort(key=lambda a: (a.published is None, a.published or "", position.get(a.id, 0)))
    return Pick(pick.name, pick.kind, tuple(a.id for a in found))


def prepare(records: Sequence[dict], work: Path, out: Path,
            say: Callable[[str], None]) -> tuple[Path, float]:
    """Ingest and annotate the records into a new database, then group them; untimed."""
    db = work / "brief.db"
    found = harness.prepare_sources(write_sources(records, work / "data"), db, 0,
                                    out / "logs" / "brief-prepare")
    say(f"  {found['articles']} articles annotated in {found['seconds']:.0f} s")
    harness.fail_on(harness.run_child(harness.storyline_cli("--db", db, "recluster", "--quiet"),
                                      out / "logs" / "recluster"), "storyline recluster")
    return db, found["seconds"]


def our_stories(db: Path, out: Path) -> list[dict]:
    listed = harness.run_child(harness.storyline_cli("--db", db, "stories", "--json"),
                               out / "logs" / "stories")
    harness.fail_on(listed, "storyline stories --json")
    return json.loads(listed.stdout)


@dataclass
class Point(harness.Measured):
    """One story, timed warm in this process."""

    pick: Pick
    articles: int
    sources: int  # distinct articles (near-duplicate copies folded under their originals)
    sentences: int  # sentences of the distinct sources (what LexRank ranks)
    stages: dict[str, list[float]]  # stage -> seconds of each run
    totals: list[float]  # load + build + json of each run
    lexrank: list[float]
    peak_rss_mb: float
    other_cpu_seconds: float | None
    seconds: float  # wall time of the whole measurement

    def median(self, stage: str) -> float:
        return statistics.median(self.stages[stage])

    @property
    def brief(self) -> float:
        return statistics.median(self.totals)

    @property
    def per_second(self) -> float:
        return self.articles / self.brief

    @property
    def ms_per_article(self) -> float:
        return 1000 * self.brief / self.articles


def one_run(load: Callable[[], tuple[str, str, list]]) -> tuple[dict[str, float], object]:
    """One brief, stage by stage: (seconds by stage, the brief)."""
    from storyline.brief import build_brief

    t0 = time.perf_counter()
    story_id, title, sources = load()
    t1 = time.perf_counter()
    brief = build_brief(story_id, title, sources)
    t2 = time.perf_counter()
    json.dumps(brief.to_dict(), ensure_ascii=False, indent=2)
    t3 = time.perf_counter()
    brief.to_markdown()
    t4 = time.perf_counter()
    brief.to_html()
    t5 = time.perf_counter()
    return {"load": t1 - t0, "build": t2 - t1, "json": t3 - t2, "md": t4 - t3,
            "html": t5 - t4}, brief


def measure(pick: Pick, load: Callable[[], tuple[str, str, list]], repeats: int,
            lexrank) -> Point:
    """Our brief ``repeats`` times after one untimed run, then LexRank on the same sources."""
    from storyline.evaluate import lexrank_sentences

    section = harness.Section().start()
    _, brief = one_run(load)  # warm-up: lazy imports, SQLite's page cache
    stages: dict[str, list[float]] = {stage: [] for stage in STAGES}
    totals = []
    for _ in range(repeats):
        seconds, brief = one_run(load)
        for stage in STAGES:
            stages[stage].append(seconds[stage])
        totals.append(seconds["load"] + seconds["build"] + seconds["json"])
    sources = brief.sources
    originals = [s.annotation.sentences if s.annotation else [] for s in sources]
    count = max(1, len(brief.summary))
    peer: list[float] = []
    while len(peer) < repeats and sum(peer) < PEER_BUDGET:
        start = time.perf_counter()
        picked = lexrank_sentences(originals, count, lexrank)
        peer.append(time.perf_counter() - start)
        if not picked:
            break
    section.finish()
    return Point(pick=pick, articles=len(pick.ids), sources=len(sources),
                 sentences=sum(len(o) for o in originals),
                 stages=stages, totals=totals, lexrank=peer,
                 peak_rss_mb=harness.own_peak_rss_mb(),
                 other_cpu_seconds=section.other_cpu_seconds, seconds=section.seconds)


def gold_loader(lib, pick: Pick) -> Callable[[], tuple[str, str, list]]:
    """What ``Library.brief`` does for a story of these articles: read them with their
    annotations (``brief_sources``); the title is the first stored headline."""
    from storyline.library import brief_sources

    titles = [lib.article(i).title for i in pick.ids]
    title = next((t.strip() for t in titles if t and t.strip()), pick.name)

    def load() -> tuple[str, str, list]:
        return pick.name, title, brief_sources(lib.store, pick.ids)
    return load


def story_loader(lib, story_id: str) -> Callable[[], tuple[str, str, list]]:
    """``Library.brief``'s own reading: the story, then ``brief_sources``."""
    from storyline.library import brief_sources

    def load() -> tuple[str, str, list]:
        story = lib.story(story_id)
        return (story.story_id, story.title,
                brief_sources(lib.store, [s.article_id for s in story.sources]))
    return load


_IMPORT_TIME = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)$", re.MULTILINE)
#: Modules imported at the top level of the brief command costing at least this, reported.
IMPORT_FLOOR_MS = 20.0


@dataclass
class Cold:
    """Fresh processes: the brief command, and the start-up floors beside it."""

    story: dict
    brief: list[float] = field(default_factory=list)
    imports: list[float] = field(default_factory=list)
    bare: list[float] = field(default_factory=list)
    other_cpu_seconds: float = 0.0
    sources: int | None = None
    peak_rss_mb: float | None = None
    #: (module, cumulative ms) of the top-level imports, from one ``-X importtime`` run
    import_costs: list[tuple[str, float]] = field(default_factory=list)
    import_total_ms: float | None = None

    @property
    def disturbed(self) -> bool:
        wall = sum(self.brief) + sum(self.imports) + sum(self.bare)
        return harness.disturbed(self.other_cpu_seconds, wall)


def import_costs(stderr: str) -> tuple[float, list[tuple[str, float]]]:
    """(total ms, [(module, ms)] costlier than IMPORT_FLOOR_MS, costliest first) of the
    top-level imports in ``-X importtime`` output; a module imported inside a function (as
    the brief imports some lazily) is top-level there too."""
    top = [(m.group(4), int(m.group(2)) / 1000) for m in _IMPORT_TIME.finditer(stderr)
           if not m.group(3)[1:]]
    return (sum(ms for _, ms in top),
            sorted(((name, ms) for name, ms in top if ms >= IMPORT_FLOOR_MS),
                   key=lambda item: -item[1]))


def measure_cold(db: Path, story: dict, runs: int, out: Path,
                 say: Callable[[str], None]) -> Cold:
    """``python -m storyline brief ID --format json`` ``runs`` times (after one untimed run
    that warms the OS file cache), interleaved with the two start-up floors."""
    def run_logged(cmd: Sequence[object], log_name: str, what: str = "") -> harness.ChildResult:
        result = harness.run_child(cmd, out / "logs" / log_name)
        if what:
            harness.fail_on(result, what)
        return result

    cold = Cold(story)
    args = ["--db", str(db), "brief", story["story_id"], "--format", "json"]
    brief_cmd = [sys.executable, "-m", "storyline", *args]
    first = run_logged(brief_cmd, "cold-warmup", "storyline brief")
    cold.sources = len(json.loads(first.stdout)["sources"])
    profile = run_logged([sys.executable, "-X", "importtime", "-m", "storyline", *args],
                         "cold-importtime", "storyline brief (-X importtime)")
    cold.import_total_ms, cold.import_costs = import_costs(profile.stderr)
    run_logged([sys.executable, "-c", "import storyline.cli"], "cold-import-warmup")
    for n in range(runs):
        result = run_logged(brief_cmd, f"cold-{n}", "storyline brief")
        cold.brief.append(result.seconds)
        cold.peak_rss_mb = max(cold.peak_rss_mb or 0.0, result.peak_rss_mb)  # its own VmHWM
        imports = run_logged([sys.executable, "-c", "import storyline.cli"], f"import-{n}",
                             "python -c 'import storyline.cli'")
        cold.imports.append(imports.seconds)
        bare = run_logged([sys.executable, "-c", "pass"], f"bare-{n}")
        cold.bare.append(bare.seconds)
        cold.other_cpu_seconds += sum(r.other_cpu_seconds or 0.0 for r in (result, imports, bare))
    say(f"  cold CLI {1000 * statistics.median(cold.brief):.0f} ms (max "
        f"{1000 * max(cold.brief):.0f}), import storyline.cli "
        f"{1000 * statistics.median(cold.imports):.0f} ms, python -c pass "
        f"{1000 * statistics.median(cold.bare):.0f} ms")
    return cold


COLUMNS = ("story", "articles", "sources", "sentences", "load ms", "build ms", "json ms",
           "md ms", "html ms", "brief ms (max)", "articles/s", "ms/article (growth)",
           "LexRank ms (max)", "peak RSS MB")
RATE_COLUMNS = ("story", "articles", "load", "build", "json", "md", "html", "brief",
                "LexRank")


_ms = harness.ms


def nearest(points: Sequence[Point], size: int, tie: int = 1) -> Point | None:
    """The point of a gold pick nearest ``size`` articles (the smaller on a tie; ``tie`` -1:
    the larger)."""
    gold = [p for p in points if p.pick.kind != "our story"]
    return min(gold, key=lambda p: (abs(p.articles - size), tie * p.articles)) if gold else None


def label(point: Point) -> str:
    kind = "" if point.pick.kind == "gold story" else f" ({point.pick.kind})"
    return f"{point.pick.name}{kind}"


def rows(points: Sequence[Point]) -> list[list[str]]:
    base = nearest(points, GROWTH_BASE)
    result = []
    for p in points:
        star = "*" if p.disturbed else ""
        growth = p.ms_per_article / base.ms_per_article if base else 1.0
        peer = f"{_ms(statistics.median(p.lexrank))} ({_ms(max(p.lexrank))})"
        if len(p.lexrank) < len(p.totals):
            peer += f" [{len(p.lexrank)} run{'s' if len(p.lexrank) > 1 else ''}]"
        result.append([
            label(p), str(p.articles), str(p.sources), f"{p.sentences:,}",
            *(_ms(p.median(stage)) for stage in STAGES),
            f"{_ms(p.brief)}{star} ({_ms(max(p.totals))})", f"{p.per_second:,.0f}",
            f"{p.ms_per_article:.1f} (×{growth:.2f})", peer, f"{p.peak_rss_mb:.0f}"])
    return result


def rate_rows(points: Sequence[Point]) -> list[list[str]]:
    def rate(p: Point, seconds: float) -> str:
        return f"{p.articles / seconds:,.0f}" if seconds > 0 else "∞"

    return [[label(p), str(p.articles), *(rate(p, p.median(stage)) for stage in STAGES),
             rate(p, p.brief), rate(p, statistics.median(p.lexrank))] for p in points]


def cold_line(cold: Cold | None, warm: Point | None) -> str:
    if cold is None:
        return "Cold CLI: not run (no story of ours in the database)."
    star = "*" if cold.disturbed else ""
    line = (f"Cold CLI: `python -m storyline --db DB brief {cold.story['story_id']} --format json` "
            f"on our story of {cold.story['articles']} articles ({cold.sources} sources): "
            f"median {_ms(statistics.median(cold.brief))}{star} ms, max {_ms(max(cold.brief))} ms "
            f"over {len(cold.brief)} fresh processes"
            + (f", peak RSS {cold.peak_rss_mb:.0f} MB" if cold.peak_rss_mb else "")
            + f"; of which start-up: `python -c \"import storyline.cli\"` "
            f"{_ms(statistics.median(cold.imports))} ms, `python -c pass` "
            f"{_ms(statistics.median(cold.bare))} ms.")
    if cold.import_total_ms is not None:
        line += (f" Imports of one run (`-X importtime`, which inflates them a little): "
                 f"{_ms(cold.import_total_ms / 1000)} ms in all; "
                 + ", ".join(f"{name} {ms:,.0f}" for name, ms in cold.import_costs) + " ms.")
    if warm is not None:
        line += (f" The same story warm through Library.brief's path: "
                 f"{_ms(warm.brief)} ms (load {_ms(warm.median('load'))}, build "
                 f"{_ms(warm.median('build'))}, json {_ms(warm.median('json'))}).")
    return line


def summary(points: Sequence[Point], cold: Cold | None) -> list[str]:
    lines = []
    goal = nearest(points, GOAL_ARTICLES, tie=-1)
    if goal is not None:
        warm_ok = goal.brief < GOAL_SECONDS
        cold_ms = statistics.median(cold.brief) if cold else None
        cold_ok = cold_ms is not None and cold_ms < GOAL_SECONDS
        cold_text = (f"{_ms(cold_ms)} ms cold CLI (our story of {cold.story['articles']} "
                     "articles)") if cold else "cold CLI not run"
        verdict = "met" if warm_ok and cold_ok else \
            ("met warm, NOT met cold" if warm_ok else "NOT met")
        lines.append(f"{GOAL_ARTICLES}-article brief: {_ms(goal.brief)} ms warm ({label(goal)}, "
                     f"{goal.articles} articles), {cold_text} (goal < {GOAL_SECONDS:g} s on "
                     f"{os.cpu_count()} cores: {verdict}).")
        peer = statistics.median(goal.lexrank)
        build = goal.median("build")
        lines.append(f"At {goal.articles} articles, building the brief (summary, quotes, "
                     f"entities, timeline, facts) takes {_ms(build)} ms against "
                     f"{_ms(peer)} ms for LexRank's summary alone: "
                     + (f"{peer / build:.1f}× faster." if build <= peer else
                        f"{build / peer:.1f}× slower."))
    base = nearest(points, GROWTH_BASE)
    gold = [p for p in points if p.pick.kind != "our story"]
    if base is not None and len(gold) >= 2:
        largest = max(gold, key=lambda p: p.articles)

        def change(per: Callable[[Point], float], unit: str, digits: int = 0) -> str:
            """``per`` at the base and at the largest story, and their ratio."""
            a, b = per(base), per(largest)
            return f"{a:.{digits}f} then {b:.{digits}f} {unit} (×{b / a:.2f})"

        def lexrank_of(p: Point) -> float:
            return statistics.median(p.lexrank)

        lines.append(
            f"Growth from {base.articles} to {largest.articles} articles: per article the brief "
            f"costs {change(lambda p: p.ms_per_article, 'ms', 1)}, per sentence "
            f"{change(lambda p: 1e6 * p.brief / max(1, p.sentences), 'µs')}; LexRank per "
            f"article {change(lambda p: 1000 * lexrank_of(p) / p.articles, 'ms', 1)}, per sentence "
            f"{change(lambda p: 1e6 * lexrank_of(p) / max(1, p.sentences), 'µs')}: its "
            "sentence graph is quadratic in the story's sentences.")
    return lines


NOTES = (
    "story: a gold story of the shared data (set and gold id); (ECB+ topic) = the topic's "
    "ecb and ecbplus gold stories together (two events of one kind); (ECB+ topics (mixed)) = "
    "several topics concatenated and cut at the size, for scaling only; (our story) = a "
    "story of storyline's own grouping, timed through Library.brief's path.",
    "articles = the story's articles; sources = distinct ones (near-duplicate copies folded "
    "under their original); sentences = the stored sentences of the sources.",
    "load = brief_sources (SQLite reads, annotation JSON parsed; for our story also "
    "Library.story); build = build_brief; json = to_dict + json.dumps as `brief --format "
    "json` prints it; md = to_markdown; html = to_html. Medians of the warm runs, after one "
    "untimed run. brief = load + build + json, median (max of the runs); articles/s = "
    "articles ÷ brief. ms/article (growth) = brief per article (÷ the same at the story "
    "nearest 5 articles).",
    "LexRank = sumy's LexRankSummarizer on our sentence splits and the loaded sources, as "
    "many sentences as our summary; median (max); [n runs] when its time budget cut the "
    "runs short. Compare it with build: it makes only the summary.",
    "peak RSS = this bench process's largest resident size so far (numpy, scipy, sumy and "
    "spaCy's stop-word module loaded; no spaCy model); the cold command's is its own "
    "(its VmHWM, the largest of the timed runs).",
)


def markdown(points: Sequence[Point], cold: Cold | None, our_warm: Point | None, env: dict,
             data: dict) -> str:
    disturbed = any(p.disturbed for p in points) or (cold is not None and cold.disturbed)
    return harness.document(
        [harness.reproduce_line(env, f"sumy {env['sumy']}, spaCy {env['spacy']}; {env['repeats']} "
                                     f"warm runs; whole run {env['seconds']:.0f} s")],
        [f"Sources: {data['articles']} real articles ({', '.join(data['sets'])}; annotated "
         f"in {data['prepare_seconds']:.0f} s, not counted) in one database; stories by the "
         "gold `story` field unless marked, default BriefSettings."],
        harness.markdown_table(COLUMNS, rows(points), text=("story",)),
        ["Articles per second by stage (medians):"],
        harness.markdown_table(RATE_COLUMNS, rate_rows(points), text=("story",)),
        [cold_line(cold, our_warm)], summary(points, cold),
        harness.bullets(harness.notes(NOTES, disturbed, "this measurement")))


def main(argv: Sequence[str] | None = None) -> int:
    parser = harness.parser(
        __doc__, "ecbplus/, gvc/ and wikiref220/",
        quick=f"only the ECB+ topics and gvc stories that sizes "
              f"{','.join(map(str, QUICK_TARGETS))} pick, {QUICK_REPEATS} runs, "
              f"{QUICK_COLD_RUNS} cold")
    harness.planned(parser, "--sizes", harness.sizes, "story sizes to time, comma-separated",
                    DEFAULT_TARGETS, QUICK_TARGETS, SMOKE_TARGETS)
    harness.planned(parser, "--repeats", harness.size, "warm runs per story", DEFAULT_REPEATS,
                    QUICK_REPEATS, 1)
    harness.planned(parser, "--cold-runs", harness.size, "fresh CLI processes",
                    DEFAULT_COLD_RUNS, QUICK_COLD_RUNS, 1)
    args, options = harness.parse(parser, argv, "brief")
    targets, repeats, cold_runs = args.sizes, args.repeats, args.cold_runs

    def body(say: Callable[[str], None]) -> None:
        from storyline.evaluate.summaries import load_lexrank
        from storyline.library import Library

        began = time.perf_counter()
        commit = harness.git_commit()  # the code measured is the code imported now
        points: list[Point] = []
        cold = our_warm = None
        with tempfile.TemporaryDirectory(prefix="storyline-brief-bench-",
                                         ignore_cleanup_errors=True) as work:
            lexrank = load_lexrank()  # a missing sumy is reported before the long part
            records = read_records(options.data)
            if options.quick or options.smoke:
                records = quick_records(records, targets)
            picks = choose(records, targets)
            if not picks:
                raise harness.BenchError("no gold story of the data comes near the sizes asked")
            sets = sorted({r["_set"] for r in records}, key=SET_ORDER.get)
            say(f"[bold]sources[/]: ingesting and annotating {len(records)} articles of "
                f"{', '.join(sets)} (jobs={harness.ANNOTATE_JOBS}), then grouping")
            db, prepare_seconds = prepare(records, Path(work), options.out, say)
            position = {r["id"]: r["_n"] for r in records}
            with Library(db) as lib:
                for pick in picks:
                    pick = in_publication_order(lib, pick, position)
                    say(f"[bold]{pick.name}[/] ({pick.kind}, {len(pick.ids)} articles)")
                    point = measure(pick, gold_loader(lib, pick), repeats, lexrank)
                    say(f"  brief {_ms(point.brief)} ms (build {_ms(point.median('build'))}), "
                        f"LexRank {_ms(statistics.median(point.lexrank))} ms")
                    points.append(point)
                story = min(our_stories(db, options.out), default=None,  # larger on a tie
                            key=lambda s: (abs(s["articles"] - GOAL_ARTICLES), -s["articles"]))
                if story is not None:
                    ours = Pick(f"our story {story['story_id']}", "our story",
                                tuple(s.article_id for s in lib.story(story["story_id"]).sources))
                    say(f"[bold]{ours.name}[/] (our grouping, {len(ours.ids)} articles)")
                    our_warm = measure(ours, story_loader(lib, story["story_id"]), repeats,
                                       lexrank)
                    points.append(our_warm)
            if story is not None:
                say(f"[bold]cold CLI[/] × {cold_runs}")
                cold = measure_cold(db, story, cold_runs, options.out, say)
        env = {**harness.machine(commit, sumy="sumy", spacy="spacy"), "repeats": repeats,
               "seconds": time.perf_counter() - began}
        data = {"articles": len(records), "sets": sets, "prepare_seconds": prepare_seconds}
        harness.publish(options, markdown(points, cold, our_warm, env, data))

    return harness.main(body)


if __name__ == "__main__":
    sys.exit(main())
