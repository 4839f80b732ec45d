"""Backfill benchmark: what ingesting a large archive costs on this machine's two cores, what
stays sequential, and what one more machine would buy.

The corpus is the stories bench's stream (:func:`bench.stories.replay`): the real articles
of the story sets, annotated once (``harness.prepare_sources``), replayed round after round
with new ids and dates and, from the second round on, renamed names; written as the JSON
Lines ``storyline ingest`` reads. Each system runs in its own child process: ``storyline
ingest -j 2`` on the local engine, ``storyline ingest --engine ray`` and plain spaCy
``nlp.pipe(n_process=2)`` over the same texts (timed whole and parse alone).

Two kinds of figure. A *full* run (``--sizes``) ingests the first S articles of the stream
into an empty database, the whole command timed. A *marginal* point (``--marginal``) times
the next ``--timed`` T articles at archive size S: the first S - T are stored first, through
the real writer (``Library.ingest`` without annotation, so signatures, outlet lines and
search rows are there), with their replayed annotations stored and grouped by
``Library.group`` (the real Store and StoryGrouper, as the stories bench grows its archive),
and each system then ingests the next T into its own copy of that database. Seconds per
1,000 articles across marginal points is the figure that must stay flat as the archive grows,
since a backfill's last articles land in its largest archive.

A "stages" child ingests the same T through the Python API with a
:class:`storyline.timing.Timings` and reports each stage's rate; the driver's sequential
stages (look up, write, store annotations, group) cap what a cluster could do, and the notes
project a 10-million-article backfill on N nodes from the measured rates.
"""

from __future__ import annotations

import dataclasses
import itertools
import random
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench import harness
from bench.annotate import MODEL_PACKAGE, PEER_BATCH_SIZE
from bench.stories import annotated_pairs, replay

DEFAULT_SIZES = (1000, 10000)
QUICK_SIZES = (200, 1000)
#: --smoke makes no full run: its one marginal point covers the same path and the archive's.
SMOKE_SIZES = ()
DEFAULT_MARGINAL = (1000, 10000, 100000)
#: 200 is --quick's full run of 200 again (an empty archive), so it costs only its stages.
QUICK_MARGINAL = (200, 1000)
SMOKE_MARGINAL = (20,)
DEFAULT_TIMED = 1000
QUICK_TIMED = 200
SMOKE_TIMED = 10
#: --smoke annotates only this many sources (spread over the three story sets).
SMOKE_SOURCES = 12
JOBS = 2
SYSTEMS = ("local", "ray", "peer")
SMOKE_SYSTEMS = ("local", "peer")
LABELS = {"local": f"storyline ingest -j {JOBS} (local)",
          "ray": "storyline ingest --engine ray",
          "peer": f"nlp.pipe n_process={JOBS}, whole child",
          "peer-parse": f"nlp.pipe n_process={JOBS}, parse only"}
#: The stages of ``Library.ingest`` as ``Timings`` names them, and where each runs.
STAGES = (("read", "driver"), ("extract", "engine"), ("prepare", "engine"),
          ("look up", "driver"), ("write", "driver"), ("annotate", "engine"),
          ("store annotations", "driver"), ("group", "driver"), ("commit", "driver"))
SEQUENTIAL = ("look up", "write", "store annotations", "group", "commit")
BACKFILL = 10_000_000
NODES = (1, 2, 4, 8, 16, 32)
GROUP_BATCH = 500


def timeout_for(n: int) -> int:
    """Generous: a tenth of the ~40 articles/s a 2-core ingest makes, plus start-up."""
    return int(300 + n / 4)


def record_of(article, copy: int, rng: random.Random) -> dict:
    """One replayed article as a JSON Lines record of ``storyline ingest``: its clean body as
    raw ``text`` (cleaned again at ingest, as any input is), an outlet from the bench's
    fictional ones where the source names none, and its own link."""
    url = article.url and f"{article.url}#r{copy}"
    return {"id": article.id, "outlet": article.outlet or rng.choice(harness.OUTLETS),
            "title": article.title, "published": article.published, "text": article.body,
            "url": url}


class Stream:
    """The replayed stream, as records and (for the archive) annotations, from position 0."""

    def __init__(self, pairs: Sequence[tuple], seed: int) -> None:
        self.pairs, self.seed = pairs, seed

    def items(self, start: int, stop: int) -> Iterator[tuple[dict, object]]:
        rng = random.Random(self.seed)
        for article, annotation in itertools.islice(replay(self.pairs, self.seed), stop):
            copy = int(article.id.rpartition("#r")[2])
            record = record_of(article, copy, rng)
            if start > 0:
                start -= 1
                continue
            yield record, annotation

    def write(self, path: Path, start: int, stop: int, *, clean: bool = False) -> Path:
        """The records from ``start`` to ``stop`` as JSON Lines; with ``clean``, each body as
        ``body`` (stored as it is), so that the replayed annotation indexes the stored body."""
        records = (record for record, _ in self.items(start, stop))
        if clean:
            records = ({**{k: v for k, v in r.items() if k != "text"}, "body": r["text"]}
                       for r in records)
        harness.write_jsonl(path, records)
        return path


def child_peer(corpus: str) -> dict:
    """``python -m bench.backfill --child peer CORPUS``: the model's full default pipeline
    over the corpus texts on two processes; load and parse timed apart."""
    import importlib

    texts = [r["text"] for r in harness.read_jsonl(Path(corpus))]
    start = time.perf_counter()
    nlp = importlib.import_module(MODEL_PACKAGE).load()
    load = time.perf_counter() - start
    start = time.perf_counter()
    docs = sum(1 for _ in nlp.pipe(texts, batch_size=PEER_BATCH_SIZE, n_process=JOBS))
    return {"load_seconds": load, "parse_seconds": time.perf_counter() - start, "docs": docs,
            "pipes": list(nlp.pipe_names)}


def child_stages(db: str, corpus: str) -> dict:
    """``python -m bench.backfill --child stages DB CORPUS``: the corpus through
    ``Library.ingest(jobs=2)`` with a Timings; reading is timed on its own first (Timings
    does not record it), and the stored articles are annotated again afterwards on two
    processes, timed by the wall clock: a 2-core node's annotation rate."""
    from storyline.annotate import annotate_articles
    from storyline.library import Library
    from storyline.nlp import load_pipeline
    from storyline.readers import read_inputs
    from storyline.timing import Timings

    start = time.perf_counter()
    read = sum(1 for _ in read_inputs([corpus]))
    read_seconds = time.perf_counter() - start
    timings = Timings()
    with Library(db) as lib:
        start = time.perf_counter()
        report = lib.ingest([corpus], jobs=JOBS, timings=timings)
        ingest_seconds = time.perf_counter() - start
        if report.errors:
            raise harness.BenchError(f"ingest refused records: {report.errors[:3]}")
        articles = [lib.store.article(article_id) for article_id in report.ids]
    load_pipeline()
    start = time.perf_counter()
    annotated = sum(1 for _ in annotate_articles(articles, jobs=JOBS))
    annotate_seconds = time.perf_counter() - start
    stages = {name: {"seconds": seconds, "items": timings.items.get(name, 0)}
              for name, seconds in timings.seconds.items()}
    stages["read"] = {"seconds": read_seconds, "items": read}
    return {"ingest_seconds": ingest_seconds, "new": report.new, "stages": stages,
            "annotate_2_seconds": annotate_seconds, "annotate_2_items": annotated}


@dataclass
class Run(harness.Measured):
    """One system at one point: ``seconds`` is the whole child unless ``parse_only``."""

    system: str
    mode: str  # "full" or "marginal"
    size: int  # S: the archive's size once the timed articles are in
    archive: int  # articles stored before the timed ones
    timed: int
    seconds: float | None = None
    cpu_seconds: float | None = None
    peak_rss_mb: float | None = None
    other_cpu_seconds: float | None = None
    stored: int | None = None
    duplicates: int | None = None
    annotated: int | None = None
    stories: int | None = None
    error: str | None = None

    @property
    def label(self) -> str:
        return LABELS.get(self.system, self.system)

    @property
    def per_thousand(self) -> float | None:
        return 1000 * self.seconds / self.timed if self.seconds else None

    @property
    def per_second(self) -> float | None:
        return self.timed / self.seconds if self.seconds else None

    def to_dict(self) -> dict:
        return super().to_dict(label=self.label, seconds_per_1000=self.per_thousand,
                               per_second=self.per_second)


@dataclass
class Stages(harness.Measured):
    """The stages child at one point."""

    size: int
    archive: int
    timed: int
    seconds: float | None = None  # the whole child
    peak_rss_mb: float | None = None
    other_cpu_seconds: float | None = None
    found: dict = field(default_factory=dict)
    error: str | None = None

    def stage_rate(self, name: str) -> float | None:
        stage = self.found.get("stages", {}).get(name)
        if not stage or not stage["seconds"]:
            return None
        return stage["items"] / stage["seconds"]

    @property
    def sequential_seconds(self) -> float:
        stages = self.found["stages"]
        return sum(stages[name]["seconds"] for name in SEQUENTIAL if name in stages)

    @property
    def sequential_rate(self) -> float:
        return self.timed / self.sequential_seconds

    @property
    def node_rate(self) -> float:
        return self.found["annotate_2_items"] / self.found["annotate_2_seconds"]


def failure(result: harness.ChildResult) -> str:
    if result.exit_code == 124:
        return "timed out"
    tail = [line.strip() for line in result.stderr.strip().splitlines() if line.strip()][-3:]
    return f"exit status {result.exit_code}: " + (" | ".join(tail) or "no output")


def counts(db: Path, before: int) -> dict:
    stored, duplicates = harness.stored_counts(db)
    annotated = harness.query(db, "SELECT count(*) FROM annotations")[0]
    stories = harness.query(db, "SELECT count(*) FROM stories")[0]
    return {"stored": stored - before, "duplicates": duplicates, "annotated": annotated,
            "stories": stories}


def measure(system: str, mode: str, size: int, archive_db: Path | None, corpus: Path,
            timed: int, work: Path, logs: Path) -> list[Run]:
    """One system on one corpus, into a copy of ``archive_db`` (or an empty database); a
    failure is recorded in the run, not raised."""
    archive = size - timed
    base = Run(system, mode, size, archive, timed)
    if system == "peer":
        result, found = harness.run_json_child(
            harness.child_command("backfill", timeout_for(timed), "peer", corpus), logs)
        if found is None or found["docs"] != timed:
            base.error = failure(result) if found is None else \
                f"parsed {found['docs']} of {timed} texts"
            base.peak_rss_mb = result.peak_rss_mb
            return [base]
        whole = dataclasses.replace(base, seconds=result.seconds, cpu_seconds=result.cpu_seconds,
                                    peak_rss_mb=result.peak_rss_mb,
                                    other_cpu_seconds=result.other_cpu_seconds)
        parse = dataclasses.replace(base, system="peer-parse", seconds=found["parse_seconds"],
                                    peak_rss_mb=result.peak_rss_mb,
                                    other_cpu_seconds=result.other_cpu_seconds)
        return [whole, parse]
    db = work / f"{system}.db"
    if archive_db is not None:
        shutil.copyfile(archive_db, db)
    flags = ["-j", JOBS] if system == "local" else ["--engine", system]
    result = harness.run_child(["timeout", "-k", "10", timeout_for(timed), *harness.storyline_cli(
        "--db", db, "ingest", corpus, *flags, "--quiet")], logs)
    run = dataclasses.replace(base, seconds=result.seconds, cpu_seconds=result.cpu_seconds,
                              peak_rss_mb=result.peak_rss_mb,
                              other_cpu_seconds=result.other_cpu_seconds)
    if result.exit_code != 0:
        return [dataclasses.replace(run, seconds=None, error=failure(result))]
    found = counts(db, archive)
    run = dataclasses.replace(run, **found)
    if found["stored"] != timed:
        run.error = f"stored {found['stored']} of {timed} articles"
    elif found["annotated"] != size:
        run.error = f"{found['annotated']} of {size} articles annotated"
    return [run]


def measure_stages(size: int, archive_db: Path | None, corpus: Path, timed: int, work: Path,
                   logs: Path) -> Stages:
    db = work / "stages.db"
    if archive_db is not None:
        shutil.copyfile(archive_db, db)
    result, found = harness.run_json_child(
        harness.child_command("backfill", timeout_for(2 * timed), "stages", db, corpus), logs)
    stages = Stages(size, size - timed, timed, result.seconds, result.peak_rss_mb,
                    result.other_cpu_seconds)
    if found is None:
        stages.error = failure(result)
    elif found["new"] != timed:
        stages.error = f"stored {found['new']} of {timed} articles"
    else:
        stages.found = found
    return stages


class Archive:
    """The growing archive of the marginal points: the stream's first articles, stored by
    the real writer, their replayed annotations stored and grouped into stories."""

    def __init__(self, stream: Stream, path: Path, corpora: Path) -> None:
        self.stream, self.path, self.corpora = stream, path, corpora
        self.size = 0
        self.build_seconds = 0.0

    def grow(self, size: int, say: Callable[[str], None]) -> None:
        from storyline.annotate import ANNOTATOR_VERSION
        from storyline.library import Library

        if size <= self.size:
            return
        start = time.perf_counter()
        chunk = self.stream.write(self.corpora / f"archive-{self.size}-{size}.jsonl",
                                  self.size, size, clean=True)
        with Library(self.path) as lib:
            report = lib.ingest([chunk], jobs=JOBS, annotate=False, stories=False)
            if report.errors or report.new != size - self.size:
                raise harness.BenchError(f"building the archive: {report.new} of "
                                         f"{size - self.size} stored, {report.errors[:3]}")
            stored = time.perf_counter()
            items = self.stream.items(self.size, size)
            while batch := list(itertools.islice(items, GROUP_BATCH)):
                with lib.store.transaction():
                    for _, annotation in batch:
                        lib.store.put_annotation(annotation, ANNOTATOR_VERSION)
            annotated = time.perf_counter()
            lib.group(batch_size=GROUP_BATCH)
        chunk.unlink()
        end = time.perf_counter()
        self.build_seconds += end - start
        say(f"  archive of {size:,}: written in {stored - start:.0f} s, annotations stored in "
            f"{annotated - stored:.0f} s, grouped in {end - annotated:.0f} s")
        self.size = size


def progress_line(run: Run) -> str:
    if run.error:
        return f"  {run.label}: [red]failed[/] ({run.error})"
    line = f"  {run.label}: {run.seconds:.1f} s, {run.per_thousand:.1f} s per 1,000"
    return line + (harness.busy_note(run.other_cpu_seconds) if run.disturbed else "")


def bench(options: harness.Options, sizes: Sequence[int], marginal: Sequence[int], timed: int,
          systems: Sequence[str], sources: int, say: Callable[[str], None]) -> dict:
    out = options.out
    corpora = out / "corpora"
    with harness.fresh_workdir(out) as work:
        pairs, prepared = annotated_pairs(options, work / "sources.db", sources, say)
        stream = Stream(pairs, options.seed)
        runs: list[Run] = []
        stages: list[Stages] = []
        done_full: dict[int, list[Run]] = {}
        for size in sizes:
            say(f"[bold]full run × {size:,}[/]")
            corpus = stream.write(corpora / f"full-{size}.jsonl", 0, size)
            for system in systems:
                with harness.fresh_workdir(out) as run_work:
                    found = measure(system, "full", size, None, corpus, size, run_work,
                                    out / "logs" / f"full-{size}-{system}")
                for run in found:
                    say(progress_line(run))
                runs += found
                done_full.setdefault(size, []).extend(found)
        archive = Archive(stream, work / "archive.db", corpora)
        for size in marginal:
            t = min(timed, size)
            say(f"[bold]marginal at {size:,}[/]: {size - t:,} archived, the next {t:,} timed")
            archive.grow(size - t, say)
            corpus = stream.write(corpora / f"next-{size}.jsonl", size - t, size)
            source = archive.path if archive.size else None
            for system in systems:
                if size - t == 0 and size in done_full:
                    found = [dataclasses.replace(r, mode="marginal")
                             for r in done_full[size] if r.system in (system, f"{system}-parse")]
                    say(f"  {LABELS[system]}: the full run of {size:,} (an empty archive)")
                else:
                    with harness.fresh_workdir(out) as run_work:
                        found = measure(system, "marginal", size, source, corpus, t, run_work,
                                        out / "logs" / f"marginal-{size}-{system}")
                    for run in found:
                        say(progress_line(run))
                runs += found
            with harness.fresh_workdir(out) as run_work:
                point = measure_stages(size, source, corpus, t, run_work,
                                       out / "logs" / f"stages-{size}")
            say("  stages: " + (f"[red]failed[/] ({point.error})" if point.error else
                                 f"sequential part {point.sequential_rate:,.0f} articles/s, "
                                 f"annotation on {JOBS} processes {point.node_rate:.1f}"))
            stages.append(point)
    return {"runs": runs, "stages": stages, "sources": len(pairs),
            "prepare_seconds": prepared["seconds"], "build_seconds": archive.build_seconds}


COLUMNS = ("mode", "archive", "timed", "system", "seconds", "s per 1,000", "articles/s",
           "CPU s", "peak RSS MB", "stored (near-dups)", "stories")


def row_cells(run: Run) -> list[str]:
    head = [run.mode, f"{run.archive:,}", f"{run.timed:,}", run.label]
    if run.error:
        return head + ["failed", "", "", "", "" if run.peak_rss_mb is None
                       else f"{run.peak_rss_mb:.0f}", "", ""]
    star = "*" if run.disturbed else ""
    stored = "" if run.stored is None else f"{run.stored:,} ({run.duplicates:,})"
    return head + [f"{run.seconds:.1f}{star}", f"{run.per_thousand:.1f}",
                   f"{run.per_second:.1f}",
                   "" if run.cpu_seconds is None else f"{run.cpu_seconds:.1f}",
                   f"{run.peak_rss_mb:.0f}", stored,
                   "" if run.stories is None else f"{run.stories:,}"]


def stage_table(points: Sequence[Stages]) -> tuple[list[str], list[list[str]]]:
    """Articles/s per stage, one column per marginal point."""
    points = [p for p in points if not p.error]
    header = ["stage", "runs on"] + [f"at {p.size:,}" for p in points]
    body = []
    for name, where in STAGES:
        rates = [p.stage_rate(name) for p in points]
        body.append([name, where] + ["" if r is None else f"{r:,.1f}" for r in rates])
    body.append(["sequential: " + " + ".join(SEQUENTIAL), "driver"]
                + [f"{p.sequential_rate:,.1f}" for p in points])
    body.append([f"annotate_articles jobs={JOBS}, wall clock", "2 processes"]
                + [f"{p.node_rate:,.1f}" for p in points])
    body.append(["whole Library.ingest call", "all"]
                + [f"{p.timed / p.found['ingest_seconds']:,.1f}" for p in points])
    body.append(["peak RSS MB (the stages child)", ""]
                + [f"{p.peak_rss_mb:.0f}" for p in points])
    return header, body


def hours(seconds: float) -> str:
    return f"{seconds / 3600:,.1f} h"


def projection(point: Stages) -> tuple[list[str], list[list[str]]]:
    header = ["nodes", "cores", "annotate term", "sequential term", "projected time", "bound by"]
    body = []
    sequential = BACKFILL / point.sequential_rate
    for n in NODES:
        annotate = BACKFILL / (n * point.node_rate)
        body.append([str(n), str(n * JOBS), hours(annotate), hours(sequential),
                     hours(max(annotate, sequential)),
                     "annotation" if annotate >= sequential else "sequential part"])
    return header, body


def flat_lines(runs: Sequence[Run]) -> list[str]:
    lines = []
    for system in (*SYSTEMS, "peer-parse"):
        points = sorted((r for r in runs if r.mode == "marginal" and r.system == system
                         and not r.error), key=lambda r: r.size)
        if len(points) < 2:
            continue
        first, last = points[0], points[-1]
        ratio = last.per_thousand / first.per_thousand
        verdict = "flat (within 20%)" if 0.8 <= ratio <= 1.2 else f"NOT flat (×{ratio:.2f})"
        lines.append(f"{LABELS[system]}: {first.per_thousand:.1f} s per 1,000 at an archive of "
                     f"{first.size:,}, {last.per_thousand:.1f} at {last.size:,}: {verdict}.")
    return lines


def summary(result: dict) -> list[str]:
    runs, points = result["runs"], [p for p in result["stages"] if not p.error]
    lines = flat_lines(runs)
    if points:
        p = points[-1]
        cap = p.sequential_rate / p.node_rate
        lines.append(
            f"Projection (computed from the rates measured at an archive of {p.size:,}, not "
            f"measured at 10M): the driver's sequential part runs at {p.sequential_rate:,.0f} "
            f"articles/s and annotation at {p.node_rate:.1f} articles/s per 2-core node, so "
            f"{BACKFILL:,} articles need at least {hours(BACKFILL / p.sequential_rate)} "
            f"whatever the cluster, and nodes beyond about {cap:.0f} buy nothing; it assumes "
            "the sequential rate holds at 10M and that shipping articles to the nodes and "
            "readings back costs the driver nothing.")
    for mode in ("full", "marginal"):
        for r in runs:
            peer = next((p for p in runs if p.mode == mode and p.size == r.size
                         and p.system == "peer" and not p.error), None)
            if r.mode == mode and r.system in ("local", "ray") and not r.error and peer:
                lines.append(f"{r.label} ({mode}, {r.size:,}): ×{r.seconds / peer.seconds:.2f} "
                             f"the time of plain nlp.pipe's whole child on the same texts.")
    failures: dict[tuple[str, str], list[Run]] = {}
    for r in runs:
        if r.error:
            failures.setdefault((r.label, r.error), []).append(r)
    for (label, error), failed in failures.items():
        points = ", ".join(f"{r.mode} {r.size:,}" for r in failed)
        lines.append(f"{label} failed ({points}): {error}")
    for p in result["stages"]:
        if p.error:
            lines.append(f"The stages child at {p.size:,} failed: {p.error}")
    return lines


NOTES = (
    "full = the first S articles of the stream ingested into an empty database; marginal = "
    "the next T articles ingested into a copy of an archive of S - T (built untimed, see "
    "below); at S = T a marginal point is the full run of S. seconds = the whole child "
    "process (interpreter start-up, model load, reading, cleaning, storing, annotating, "
    "grouping); s per 1,000 = seconds × 1,000 / timed, start-up included once.",
    "The marginal archive: the stream's first S - T articles written by Library.ingest(jobs=2, "
    "annotate=False, stories=False) (clean, de-duplicate, store, signatures), then their "
    "replayed annotations stored and Library.group run, so it holds what an ingest would "
    "have stored but for annotations read afresh.",
    f"nlp.pipe = the model's full default pipeline ({MODEL_PACKAGE}), batch_size="
    f"{PEER_BATCH_SIZE}, n_process={JOBS}, over the same texts, nothing stored: whole child = "
    "its run_child wall time (start-up, model load, parse); parse only = the nlp.pipe loop. It "
    "has no archive, so its marginal figures only show the noise between runs.",
    "stored (near-dups) = articles the command added (near-duplicates in the whole database); "
    "stories = stories in the database after it; peak RSS = largest single process of the "
    "child's tree; CPU s = user + system of the child and its reaped descendants.",
    "Stages: articles/s = items ÷ seconds Timings recorded for the stage. Driver stages are "
    "wall time in the ingesting process; engine stages are the workers' own time summed over "
    "both workers, so each is the rate of one process. read is timed apart (Timings does not "
    "record it) by iterating read_inputs over the file; extract runs only for HTML inputs "
    "(empty for this JSON Lines text corpus). The 2-process annotation row annotates the "
    "stored articles again with annotate_articles(jobs=2), model loaded, by the wall clock: "
    "the projection's rate per 2-core node. The stages child's peak RSS covers that too.",
    "Projection: time = max(10M ÷ (N × annotation rate per 2-core node), 10M ÷ sequential "
    "rate), both rates measured at the largest marginal point; computed, not measured.",
)


def markdown(result: dict, env: dict) -> str:
    runs, points = result["runs"], result["stages"]
    done = [p for p in points if not p.error]
    disturbed = any(r.disturbed for r in runs if not r.error)
    stage_header, stage_body = stage_table(points) if done else ((), ())
    proj_header, proj_body = projection(done[-1]) if done else ((), ())
    plot = env.get("plot")
    return harness.document(
        [harness.reproduce_line(env, f"spaCy {env['spacy']}, {MODEL_PACKAGE} {env['model']}; "
                                     f"whole run {env['seconds']:.0f} s")],
        "# Backfill",
        [f"Corpus: {result['sources']} real annotated articles ({', '.join(harness.STORY_SETS)}"
         f"; annotated in {result['prepare_seconds']:.0f} s, not counted) replayed round after "
         f"round with new ids and dates (seed {env['seed']}; bench.stories.replay), as JSON "
         f"Lines. Run as `python -m bench.backfill{env['arguments']}`. Full runs at {', '.join(f'{s:,}' for s in env['sizes']) or 'none'}; "
         f"marginal points at {', '.join(f'{s:,}' for s in env['marginal']) or 'none'} "
         f"(T = {env['timed']:,}; building the archives took {result['build_seconds']:.0f} s, "
         "not counted)."],
        harness.markdown_table(COLUMNS, (row_cells(r) for r in runs), text=("mode", "system")),
        done and [f"Stages of Library.ingest(jobs={JOBS}) on the marginal points' T articles, "
                  "articles/s:"],
        done and harness.markdown_table(stage_header, stage_body, text=("stage", "runs on")),
        done and [f"What more nodes buy, computed from the rates measured at {done[-1].size:,}: "
                  f"a {BACKFILL:,}-article backfill on N nodes of {JOBS} cores:"],
        done and harness.markdown_table(proj_header, proj_body, text=("bound by",)),
        summary(result),
        plot and [f"![seconds per 1,000 articles against archive size]({plot})"],
        harness.bullets(harness.notes(NOTES, disturbed)))


def draw(runs: Sequence[Run], path: Path) -> bool:
    """The plot: seconds per 1,000 against archive size, log x, marginal points as solid
    lines and full runs dotted; False without matplotlib."""
    try:
        import matplotlib
    except ImportError:
        return False
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    colours = {}
    for mode, style in (("marginal", "-o"), ("full", ":s")):
        for system in (*SYSTEMS, "peer-parse"):
            points = sorted((r for r in runs if r.mode == mode and r.system == system
                             and not r.error), key=lambda r: r.size)
            if not points:
                continue
            line, = ax.plot([r.size for r in points], [r.per_thousand for r in points], style,
                            color=colours.get(system), label=f"{LABELS[system]} ({mode})")
            colours[system] = line.get_color()
    ax.set_xscale("log")
    ax.set_xlabel("archive size (articles, once the timed ones are in)")
    ax.set_ylabel("seconds per 1,000 articles")
    ax.set_ylim(bottom=0)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    ax.set_title("Backfill on 2 cores: marginal (solid) and full runs (dotted)", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["--child"]:
        return harness.child_main(argv[2:], {"peer": child_peer, "stages": child_stages},
                                  timeout=int(argv[1]))
    parser = harness.parser(
        __doc__, "ecbplus/, gvc/ and wikiref220/",
        quick=f"full runs at {','.join(map(str, QUICK_SIZES))}, marginal at "
              f"{','.join(map(str, QUICK_MARGINAL))}, {QUICK_TIMED} timed")
    harness.planned(parser, "--sizes", harness.sizes, "sizes of the full runs, comma-separated",
                    DEFAULT_SIZES, QUICK_SIZES, SMOKE_SIZES)
    harness.planned(parser, "--marginal", harness.sizes, "archive sizes S of the marginal "
                    "points (S - T archived, the next T timed)", DEFAULT_MARGINAL,
                    QUICK_MARGINAL, SMOKE_MARGINAL)
    harness.planned(parser, "--timed", harness.size, "T: articles timed at a marginal point",
                    DEFAULT_TIMED, QUICK_TIMED, SMOKE_TIMED)
    harness.planned(parser, "--systems", harness.names_of(SYSTEMS), "systems, comma-separated",
                    SYSTEMS, SYSTEMS, SMOKE_SYSTEMS)
    parser.add_argument("--no-full", action="store_true", help="marginal points only")
    args, options = harness.parse(parser, argv, "backfill")
    sizes = () if args.no_full else args.sizes
    systems = tuple(dict.fromkeys(args.systems))
    sources = options.scale(None, 0, 0, SMOKE_SOURCES)

    def body(say: Callable[[str], None]) -> None:
        began = time.perf_counter()
        commit = harness.git_commit()
        harness.story_files(options.data)
        result = bench(options, sizes, args.marginal, args.timed, systems, sources, say)
        plot = options.results / "backfill.png"
        drawn = draw(result["runs"], plot)
        if not drawn:
            say("[yellow]no plot: matplotlib is not installed (pip install matplotlib)[/]")
        env = {**harness.machine(commit, spacy="spacy", model=MODEL_PACKAGE.replace("_", "-")),
               "arguments": "".join(f" {a}" for a in argv), "seed": options.seed,
               "sizes": list(sizes), "marginal": list(args.marginal),
               "timed": args.timed, "systems": list(systems),
               "seconds": time.perf_counter() - began, "plot": drawn and plot.name}
        summary_lines = summary(result)
        harness.publish(options, markdown(result, env), {
            "environment": env, "runs": [r.to_dict() for r in result["runs"]],
            "stages": [{**dataclasses.asdict(p), "disturbed": p.disturbed}
                       for p in result["stages"]],
            "projection": projection_dict(result["stages"]), "summary": summary_lines})

    return harness.main(body)


def projection_dict(points: Sequence[Stages]) -> dict | None:
    done = [p for p in points if not p.error]
    if not done:
        return None
    p = done[-1]
    return {"archive": p.size, "articles": BACKFILL, "sequential_per_second": p.sequential_rate,
            "annotate_per_second_per_node": p.node_rate, "computed": True,
            "nodes": {n: {"annotate_seconds": BACKFILL / (n * p.node_rate),
                          "sequential_seconds": BACKFILL / p.sequential_rate} for n in NODES}}


if __name__ == "__main__":
    sys.exit(main())
