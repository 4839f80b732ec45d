"""Story grouping benchmark: what placing one article in its story costs as the archive grows.

The real articles of the story sets are annotated once (``harness.prepare_sources``) and
replayed as an endless feed (:func:`replay`: new ids and dates, names renamed from the second
round on). The stream is grouped by :class:`storyline.stories.StoryGrouper` in batches of
``BATCH``; at each archive size of ``--sizes`` the next ``--timed`` articles are measured by
the pure :class:`storyline.stories.StoryIndex`, by a fresh grouper's load and by the grouper
itself (SQL time split by store method). The peer is ``storyline.evaluate``'s offline
TF-IDF + average-linkage clustering at ``--peer-sizes`` in a child process; larger sizes are
estimated. What each column means is in the notes of ``bench/results/stories.md``.
"""

from __future__ import annotations

import dataclasses
import gc
import itertools
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from bench import harness

DEFAULT_SIZES = (1000, 10000, 100000)
QUICK_SIZES = (500, 1000)
SMOKE_SIZES = (100,)
DEFAULT_TIMED = 2000
QUICK_TIMED = 500
SMOKE_TIMED = 50
#: --quick (--smoke) annotates only this many of the sources (spread over the three sets).
QUICK_SOURCES = 120
SMOKE_SOURCES = 12
DEFAULT_PEER_SIZES = (1000, 2000)
QUICK_PEER_SIZES = (300,)
SMOKE_PEER_SIZES = (50,)
#: A peer run that takes longer is stopped, and larger peer sizes are not tried.
PEER_TIMEOUT = 240
#: Articles per transaction: what ``Library.group`` and ingest's grouping use.
BATCH = 500
#: Replayed articles per simulated day of publication.
PER_DAY = 300
REPLAY_START = date(2020, 1, 1)
GOAL_PER_SECOND = 500.0
INPUT_HASH = "bench"
#: The store's methods that story grouping calls; their time is "SQL s".
STORE_METHODS = ("meta", "set_meta", "story_states", "story_state", "put_story", "merge_story",
                 "put_story_articles", "grouped", "story_of", "term_documents",
                 "add_term_documents", "resolve_story")
STORY_TABLES = ("stories", "story_articles", "story_merges", "story_terms")


def load_pairs(db: Path) -> list[tuple]:
    """(article, annotation) of every annotated article in the source database, in ingest
    order."""
    from storyline.store import Store

    with closing(Store(db)) as store:
        pairs = [(article, store.annotation(article.id)) for article in store.articles()]
    pairs = [(a, n) for a, n in pairs if n is not None]
    if not pairs:
        raise harness.BenchError(f"{db}: no annotated source articles")
    return pairs


def annotated_pairs(options: harness.Options, source_db: Path, sources: int,
                    say: Callable[[str], None]) -> tuple[list[tuple], dict]:
    """``sources`` articles of the story sets (all: 0) annotated once into ``source_db``
    (untimed by the benches that replay them), as :func:`load_pairs`, and what preparing
    them cost (``harness.prepare_sources``)."""
    say(f"[bold]sources[/]: ingesting and annotating {sources or 'all'} articles of "
        f"{', '.join(harness.STORY_SETS)} (jobs={harness.ANNOTATE_JOBS})")
    prepared = harness.prepare_sources(options.data, source_db, sources,
                                       options.out / "logs" / "prepare")
    pairs = load_pairs(source_db)
    say(f"  {len(pairs)} annotated articles in {prepared['seconds']:.0f} s")
    return pairs, prepared


_CAPITALISED = re.compile(r"\b([A-Z][a-z]+)")


def _marker(copy: int) -> str:
    """Letters that mark round ``copy`` (none for the first): 1 -> "b", 26 -> "ba"."""
    letters = ""
    while copy:
        copy, digit = divmod(copy, 26)
        letters = "abcdefghijklmnopqrstuvwxyz"[digit] + letters
    return letters


def renamed(article, annotation, copy: int) -> tuple:
    """The article as a new event of the same kind: every capitalised word and every word of
    an entity's name gets the round's marker ("Khan" -> "Khanb"), so that copies share topic
    words with earlier rounds but no names, and the vocabulary grows as a feed's does."""
    mark = _marker(copy)
    if not mark:
        return article, annotation

    def rename(text: str | None) -> str | None:
        return None if text is None else _CAPITALISED.sub(lambda m: m.group(1) + mark, text)

    entities = []
    for entity in annotation.entities:
        kind, _, name = entity.key.partition(":")
        entities.append(dataclasses.replace(
            entity, name=rename(entity.name),
            key=f"{kind}:{' '.join(w + mark for w in name.split())}"))
    return (dataclasses.replace(article, title=rename(article.title), body=rename(article.body)),
            dataclasses.replace(annotation, entities=entities))


def replay(pairs: Sequence[tuple], seed: int) -> Iterator[tuple]:
    """The endless feed: round after round of every source, each round in a seeded order, as
    copies with id ``<id>#r<round>``, no duplicate link, ``PER_DAY`` articles a day from
    ``REPLAY_START`` and, from the second round on, names renamed (:func:`renamed`); the
    annotation is the source's under the copy's id."""
    rng = random.Random(seed)
    position = 0
    for copy in itertools.count():
        order = list(range(len(pairs)))
        rng.shuffle(order)
        for k in order:
            article, annotation = renamed(*pairs[k], copy)
            new_id = f"{article.id}#r{copy}"
            published = (REPLAY_START + timedelta(days=position // PER_DAY)).isoformat()
            yield (dataclasses.replace(article, id=new_id, revision=1, published=published,
                                       duplicate_of=None, duplicates=[]),
                   dataclasses.replace(annotation, article_id=new_id))
            position += 1


def child_peer(db: str, n: str, seed: str) -> dict:
    """``python -m bench.stories --child peer DB N SEED``: the offline peer timed on the first
    N articles of the stream."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from storyline.evaluate.clustering import OFFLINE_DISTANCE, offline_baseline

    stream = replay(load_pairs(Path(db)), int(seed))
    texts = [f"{article.title or ''}\n{article.body}"
             for article, _ in itertools.islice(stream, int(n))]
    # The width of the dense matrix the peer clusters (for the memory estimate); untimed.
    vocabulary = len(TfidfVectorizer(stop_words="english").fit(sorted(set(texts))).vocabulary_)
    harness.deadline(PEER_TIMEOUT)
    start = time.perf_counter()
    labels = offline_baseline(texts, OFFLINE_DISTANCE)
    seconds = time.perf_counter() - start
    harness.deadline(0)
    return {"seconds": seconds, "clusters": len(set(labels)), "vocabulary": vocabulary,
            "distance": OFFLINE_DISTANCE}


class StoreTimer:
    """Seconds and calls spent in the store's story methods, wrapped on one instance."""

    def __init__(self, store) -> None:
        self.seconds: Counter = Counter()
        self.calls: Counter = Counter()
        for name in STORE_METHODS:
            setattr(store, name, self._wrap(name, getattr(store, name)))

    def _wrap(self, name: str, method: Callable) -> Callable:
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.add(name, time.perf_counter() - start)
        return timed

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] += seconds
        self.calls[name] += 1


@dataclass
class Point:
    """Storyline at one archive size: the next ``timed`` articles, measured."""

    archive: int
    timed: int
    seconds: float  # StoryGrouper: BEGIN to COMMIT, the articles' own rows excluded
    sql_seconds: float  # of which inside the store's story methods and COMMIT
    write_seconds: float  # the articles' own rows (not counted)
    core_seconds: float  # StoryIndex alone
    candidates: float  # stories an article was compared with, on average
    load_seconds: float
    stories: int
    active: int
    terms: int
    created: int
    merges: int
    peak_rss_mb: float
    db_mb: float
    story_mb: float
    same_as_core: bool
    other_cpu_seconds: float | None
    sql: dict = field(default_factory=dict)  # method -> [seconds, calls]

    @property
    def per_second(self) -> float:
        return self.timed / self.seconds

    @property
    def core_per_second(self) -> float:
        return self.timed / self.core_seconds

    @property
    def disturbed(self) -> bool:
        wall = self.seconds + self.core_seconds + self.load_seconds
        return harness.disturbed(self.other_cpu_seconds, wall)


def group_batch(store, grouper, batch: Sequence[tuple], timer: StoreTimer) -> tuple:
    """One batch as ingest commits it, in one transaction: (seconds writing the articles'
    rows, seconds grouping with BEGIN and COMMIT, assignments)."""
    start = time.perf_counter()
    with store.transaction():
        written = time.perf_counter()
        for article, _ in batch:
            store.write_revision(article, input_hash=INPUT_HASH)
        wrote = time.perf_counter()
        assignments = grouper.group(batch)
        commit = time.perf_counter()
    end = time.perf_counter()
    timer.add("COMMIT", end - commit)
    return wrote - written, (end - start) - (wrote - written), assignments


def database_mb(store, path: Path) -> tuple[float, float]:
    """(the file with its WAL, the story tables and their indexes) in MB."""
    size = sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())
    names = [r[0] for r in store.conn.execute(
        f"SELECT name FROM sqlite_master WHERE tbl_name IN ({','.join('?' * len(STORY_TABLES))})",
        STORY_TABLES)]
    story = store.conn.execute(
        f"SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name IN ({','.join('?' * len(names))})",
        names).fetchone()[0]
    return size / 1e6, story / 1e6


def measure(store, grouper, timer: StoreTimer, upcoming: Sequence[tuple], archive: int,
            db: Path) -> Point:
    """The next articles at one archive size: the core alone, a fresh load, the grouper."""
    from storyline.stories import StoryGrouper, Vocabulary, story_article

    settings = grouper.settings
    section = harness.Section().start()
    # the StoryIndex a StoryGrouper loads, every document count read up front: no SQLite
    index = StoryGrouper(store, settings)._load()
    index.vocabulary = Vocabulary(index.vocabulary.documents)
    index.vocabulary.counts = dict(store.conn.execute("SELECT term, documents FROM story_terms"))
    compared = []
    find = index.candidates

    def candidates(query, exclude=None):
        found = find(query, exclude)
        compared.append(len(found))
        return found

    index.candidates = candidates  # counts the stories each article is compared with
    start = time.perf_counter()
    core = []
    for n, (article, annotation) in enumerate(upcoming, start=1):
        core.append(index.assign_story(story_article(article, annotation, settings)).story_id)
        if n % BATCH == 0 or n == len(upcoming):
            index.retire()
    core_seconds = time.perf_counter() - start
    index = find = None  # frees the core (it and its wrapper hold each other)
    gc.collect()  # the core's copy of every document count must not weigh on what follows

    start = time.perf_counter()
    StoryGrouper(store, settings)._load()  # what a new `storyline ingest` pays once
    load_seconds = time.perf_counter() - start

    sql_before, calls_before = Counter(timer.seconds), Counter(timer.calls)
    write_seconds = seconds = 0.0
    assignments = []
    for start in range(0, len(upcoming), BATCH):
        wrote, grouped, placed = group_batch(store, grouper, upcoming[start:start + BATCH], timer)
        write_seconds += wrote
        seconds += grouped
        assignments += placed
    sql_after, calls_after = timer.seconds, timer.calls
    sql = {name: [sql_after[name] - sql_before[name], calls_after[name] - calls_before[name]]
           for name in sql_after if calls_after[name] > calls_before[name]}
    section.finish()
    db_mb, story_mb = database_mb(store, db)
    count = store.conn.execute
    return Point(
        archive=archive, timed=len(upcoming), seconds=seconds,
        sql_seconds=sum(s for s, _ in sql.values()), write_seconds=write_seconds,
        core_seconds=core_seconds, candidates=sum(compared) / max(1, len(compared)),
        load_seconds=load_seconds,
        stories=count("SELECT count(*) FROM stories").fetchone()[0],
        active=len(grouper.index.stories),
        terms=count("SELECT count(*) FROM story_terms").fetchone()[0],
        created=sum(a.created for a in assignments),
        merges=sum(len(a.merged) for a in assignments),
        peak_rss_mb=harness.own_peak_rss_mb(), db_mb=db_mb, story_mb=story_mb,
        same_as_core=[a.story_id for a in assignments] == core,
        other_cpu_seconds=section.other_cpu_seconds, sql=sql)


def bench_storyline(pairs: Sequence[tuple], sizes: Sequence[int], timed: int, seed: int,
                    work: Path, say: Callable[[str], None]) -> list[Point]:
    """Grow one archive through every size, measuring the next ``timed`` articles at each."""
    from storyline.store import Store
    from storyline.stories import StoryGrouper, StorySettings

    db = work / "stories.db"
    store = Store(db)
    timer = StoreTimer(store)
    grouper = StoryGrouper(store, StorySettings())
    stream = replay(pairs, seed)
    archive = 0
    points = []
    try:
        for size in sizes:
            start, built_from = time.perf_counter(), archive
            while archive < size:
                batch = list(itertools.islice(stream, min(BATCH, size - archive)))
                group_batch(store, grouper, batch, timer)
                archive += len(batch)
                if archive % 10000 == 0 and archive < size:
                    rate = (archive - built_from) / (time.perf_counter() - start)
                    say(f"  built {archive:,} ({rate:.0f} articles/s)")
            say(f"[bold]archive of {archive:,}[/]: timing the next {timed:,} articles")
            point = measure(store, grouper, timer, list(itertools.islice(stream, timed)),
                            archive, db)
            archive += point.timed
            say(progress_line(point))
            points.append(point)
    finally:
        store.close()
    return points


def progress_line(point: Point) -> str:
    line = (f"  StoryGrouper {point.per_second:.0f} articles/s (SQL {point.sql_seconds:.2f} s of "
            f"{point.seconds:.2f} s), StoryIndex alone {point.core_per_second:.0f} articles/s, "
            f"{point.stories:,} stories")
    return line + (harness.busy_note(point.other_cpu_seconds) if point.disturbed else "")


@dataclass
class PeerRun:
    n: int
    seconds: float | None = None
    peak_rss_mb: float | None = None
    clusters: int | None = None
    vocabulary: int | None = None
    other_cpu_seconds: float | None = None
    timed_out: bool = False
    estimated: bool = False  # not run: seconds and memory_gb are estimates
    memory_gb: float | None = None

    @property
    def per_second(self) -> float | None:
        return self.n / self.seconds if self.seconds else None

    @property
    def disturbed(self) -> bool:
        return not self.estimated and harness.disturbed(self.other_cpu_seconds, self.seconds)


def peer_memory_gb(n: int, vocabulary: int) -> float:
    """What the peer holds at once: scipy's condensed distance matrix (n(n-1)/2 doubles)
    and the dense TF-IDF matrix it is computed from (n × vocabulary doubles)."""
    return (n * (n - 1) / 2 + n * vocabulary) * 8 / 1e9


def bench_peer(source_db: Path, sizes: Sequence[int], seed: int, out: Path,
               say: Callable[[str], None]) -> list[PeerRun]:
    runs = []
    for n in sizes:
        say(f"[bold]offline peer × {n:,}[/]")
        result, found = harness.run_json_child(
            harness.child_command("stories", "peer", source_db, n, seed),
            out / "logs" / f"peer-{n}")
        if result.exit_code == 3:
            say(f"  timed out after {PEER_TIMEOUT} s; larger sizes not tried")
            runs.append(PeerRun(n, timed_out=True, peak_rss_mb=result.peak_rss_mb))
            break
        if found is None:
            harness.fail_on(result, f"offline peer ({n})", allowed=())
        run = PeerRun(n, found["seconds"], result.peak_rss_mb, found["clusters"],
                      found["vocabulary"], result.other_cpu_seconds)
        run.memory_gb = peer_memory_gb(n, run.vocabulary)
        say(f"  {run.seconds:.1f} s, {run.clusters} clusters, peak RSS {run.peak_rss_mb:.0f} MB")
        runs.append(run)
    return runs


def estimate_peer(runs: Sequence[PeerRun], sizes: Sequence[int]) -> list[PeerRun]:
    """Rows for the sizes the peer was not run at: memory from the matrix sizes, time
    quadratic in N from its largest finished run."""
    done = [r for r in runs if r.seconds]
    if not done:
        return []
    largest = max(done, key=lambda r: r.n)
    return [PeerRun(n, largest.seconds * (n / largest.n) ** 2, vocabulary=largest.vocabulary,
                    estimated=True, memory_gb=peer_memory_gb(n, largest.vocabulary))
            for n in sizes if n > largest.n]


COLUMNS = ("system", "archive", "timed", "seconds", "articles/s", "s per 500 new", "SQL s",
           "load s", "stories (active)", "compared", "peak RSS MB", "DB MB (stories)")
GROUPER = "StoryGrouper (SQLite)"
CORE = "StoryIndex (memory)"
PEER = "offline peer"


def _human_seconds(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.0f} h"


def physical_gb() -> float | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    except (ValueError, OSError, AttributeError):
        return None


def rows(points: Sequence[Point], peers: Sequence[PeerRun]) -> list[list[str]]:
    """Storyline's rows and the peer's, by archive size."""
    keyed = []
    for p in points:
        star = "*" if p.disturbed else ""
        keyed.append((p.archive, 0, [
            GROUPER, f"{p.archive:,}", f"{p.timed:,}", f"{p.seconds:.2f}{star}",
            f"{p.per_second:,.0f}", f"{BATCH / p.per_second:.2f}", f"{p.sql_seconds:.2f}",
            f"{p.load_seconds:.2f}", f"{p.stories:,} ({p.active:,})", "", f"{p.peak_rss_mb:.0f}",
            f"{p.db_mb:,.0f} ({p.story_mb:.1f})"]))
        keyed.append((p.archive, 1, [
            CORE, f"{p.archive:,}", f"{p.timed:,}", f"{p.core_seconds:.2f}{star}",
            f"{p.core_per_second:,.0f}", f"{BATCH / p.core_per_second:.2f}", "", "", "",
            f"{p.candidates:.1f}", "", ""]))
    ram = physical_gb()
    for r in peers:  # (system, seconds, articles/s, s per 500 new, stories, peak RSS MB)
        if r.estimated:
            fits = "" if ram is None or r.memory_gb < ram else ", > RAM"
            cells = (f"{PEER} (estimate)", f"~{_human_seconds(r.seconds)}",
                     f"~{r.per_second:,.1f}", f"≥ ~{_human_seconds(r.seconds)}", "",
                     f"~{r.memory_gb * 1000:,.0f}{fits}")
        elif r.timed_out:
            cells = (PEER, f"> {PEER_TIMEOUT} (timed out)", "", "", "", f"{r.peak_rss_mb:.0f}")
        else:
            cells = (PEER, f"{r.seconds:.2f}{'*' if r.disturbed else ''}",
                     f"{r.per_second:,.1f}", f"≥ {r.seconds:.2f}", f"{r.clusters:,}",
                     f"{r.peak_rss_mb:.0f}")
        name, seconds, rate, per_batch, stories, rss = cells
        keyed.append((r.n, 2, [name, f"{r.n:,}", f"{r.n:,} (all)", seconds, rate, per_batch,
                               "", "", stories, "", rss, ""]))
    return [cells for _, _, cells in sorted(keyed, key=lambda k: (k[0], k[1]))]


def sql_rows(points: Sequence[Point]) -> tuple[list[str], list[list[str]]]:
    """Milliseconds (calls) per store method over the timed articles, one column a size."""
    names = sorted({name for p in points for name in p.sql},
                   key=lambda name: -max(p.sql.get(name, [0, 0])[0] for p in points))
    header = ["store method"] + [f"at {p.archive:,}" for p in points]
    body = [[name] + [f"{1000 * p.sql[name][0]:.0f} ({p.sql[name][1]:,})" if name in p.sql else ""
                      for p in points] for name in names]
    body.append(["Python (the rest)"] + [f"{1000 * (p.seconds - p.sql_seconds):,.0f}"
                                         for p in points])
    body.append(["articles' own rows (not counted)"]
                + [f"{1000 * p.write_seconds:,.0f}" for p in points])
    return header, body


def summary(points: Sequence[Point], peers: Sequence[PeerRun], stream: dict) -> list[str]:
    lines = []
    if points:
        rates = ", ".join(f"{p.per_second:,.0f} at {p.archive:,}" for p in points)
        met = all(p.per_second >= GOAL_PER_SECOND for p in points)
        lines.append(f"Goal ≥ {GOAL_PER_SECOND:.0f} articles/s of assignment after annotation on "
                     f"{os.cpu_count()} cores: {'met' if met else 'NOT met'} "
                     f"(StoryGrouper: {rates} articles in the archive; StoryIndex alone: "
                     + ", ".join(f"{p.core_per_second:,.0f}" for p in points) + ").")
    if len(points) >= 2:
        first, last = points[0], points[-1]
        ratio = last.per_second / first.per_second
        core_ratio = last.core_per_second / first.core_per_second
        if ratio >= 0.8:
            verdict = "stayed flat (within 20%)"
        else:
            verdict = f"did NOT stay flat: it fell to {ratio:.0%}"
        lines.append(f"From {first.archive:,} to {last.archive:,} archived articles the "
                     f"StoryGrouper's rate {verdict} (×{ratio:.2f}; StoryIndex alone ×"
                     f"{core_ratio:.2f}, comparing each article with {first.candidates:.1f} "
                     f"then {last.candidates:.1f} stories); the store's share of its time went "
                     f"from {first.sql_seconds / first.seconds:.0%} to "
                     f"{last.sql_seconds / last.seconds:.0%}, and loading the active stories "
                     f"from {first.load_seconds:.2f} s to {last.load_seconds:.2f} s.")
    done = [r for r in peers if r.seconds and not r.estimated]
    if done and points:
        p, r = points[0], min(done, key=lambda r: abs(r.n - points[0].archive))
        lines.append(
            f"The offline peer clustered {r.n:,} articles in {r.seconds:.1f} s "
            f"({r.per_second:.1f} articles/s even counting every article as placed)"
            + (f" and {done[-1].n:,} in {done[-1].seconds:.1f} s" if done[-1] is not r else "")
            + f". It has no incremental mode: to place a batch of {BATCH} new articles in an "
            f"archive of {r.n:,} it must cluster all {r.n + BATCH:,} again (≥ {r.seconds:.1f}"
            f" s), where StoryGrouper takes {BATCH / p.per_second:.2f} s at {p.archive:,}.")
    estimated = [r for r in peers if r.estimated]
    if estimated:
        r, ram = estimated[-1], physical_gb()
        needs = (f"a {r.n * (r.n - 1) / 2 * 8 / 1e9:,.1f} GB condensed distance matrix plus a "
                 f"{r.n * r.vocabulary * 8 / 1e9:,.1f} GB dense TF-IDF matrix "
                 f"({r.vocabulary:,} terms)")
        took = f"about {_human_seconds(r.seconds)} per clustering extrapolated quadratically"
        if ram is not None and r.memory_gb > ram:
            lines.append(f"At {r.n:,} articles the peer is infeasible: it needs {needs}, on a "
                         f"machine with {ram:.0f} GB, and {took}; it was not run.")
        else:
            lines.append(f"At {r.n:,} articles the peer was not run: it would need {needs} "
                         f"and {took}.")
    if points:
        last = points[-1]
        lines.append(f"The replayed stream recycles {stream['sources']} real articles, a round "
                     f"every ~{stream['sources'] / PER_DAY:.1f} simulated days, each round's "
                     "names renamed so that it reports new events of the same kinds: at "
                     f"{last.archive:,} articles there are {last.stories:,} stories "
                     f"({last.active:,} active) and {last.terms:,} distinct terms; "
                     f"{last.created} of the last {last.timed:,} articles started a story and "
                     f"{last.merges} merges happened.")
    wrong = [p for p in points if not p.same_as_core]
    if wrong:
        lines.append("WARNING: StoryIndex alone and StoryGrouper placed articles differently at "
                     + ", ".join(f"{p.archive:,}" for p in wrong) + ".")
    return lines


NOTES = (
    f"archive = articles already grouped (and stored) when the timed ones arrive; timed = the "
    f"next articles of the stream, measured in batches of {BATCH} as ingest commits them.",
    "seconds, articles/s: StoryGrouper = BEGIN to COMMIT of each batch, story_article() and "
    "every store write included, the articles' own rows (written first, in the same "
    "transaction, for the foreign key) excluded; StoryIndex = the pure core over the same "
    "articles from the same state, no SQLite. s per 500 new = what one batch of new articles "
    "costs at that archive size.",
    "SQL s = time inside the store's story methods (grouped, put_story_articles, put_story, "
    "term_documents, ...) and COMMIT; the rest of seconds is Python. load s = a new "
    "StoryGrouper loading the active stories (once per ingest command), not in seconds.",
    "stories = stories in the archive (active = held in memory by the grouper: touched in the "
    "last 30 simulated days or among the 1,000 most recently touched). compared = active "
    "stories an article was scored against, on average (the inverted index's candidates, at "
    "most max_candidates = 40): the core's cost per article follows it.",
    "peak RSS = this bench process's largest resident size so far (it grows with every size "
    "before; it holds the source articles and annotations); for the peer, its child's own "
    "(largest single process), not counting what it inherits from this bench process.",
    "DB MB = the database file with its WAL (articles, revisions and full-text index of every "
    "copy included); in brackets the story tables and their indexes.",
    "offline peer = storyline.evaluate's offline baseline (TfidfVectorizer, then "
    "AgglomerativeClustering with average linkage, cosine distance threshold) over the first "
    "N articles of the same stream at once, in a child process; its articles/s counts every "
    "archived article as placed, and it must run again over the whole archive to place new "
    "ones; stories = the clusters it found. (estimate) rows were not run: seconds quadratic "
    "from the largest run, peak RSS = what its condensed distance matrix and dense TF-IDF "
    "matrix alone would take.",
)


def markdown(points: Sequence[Point], peers: Sequence[PeerRun], stream: dict, env: dict) -> str:
    header, body = sql_rows(points) if points else ((), ())
    disturbed = any(p.disturbed for p in points) or any(r.disturbed for r in peers)
    return harness.document(
        [harness.reproduce_line(
            env, f"scikit-learn {env['scikit-learn']}; whole run {env['seconds']:.0f} s")],
        [f"Stream: {stream['sources']} real annotated articles ({', '.join(harness.STORY_SETS)}; "
         f"annotated in {stream['prepare_seconds']:.0f} s, not counted) replayed round after "
         f"round in a seeded order (seed {env['seed']}) with new ids and dates, "
         f"{PER_DAY} articles a simulated day; grouped with the default StorySettings."],
        harness.markdown_table(COLUMNS, rows(points, peers)),
        points and ["StoryGrouper: milliseconds (calls) by store method over the timed articles:"],
        points and harness.markdown_table(header, body),
        summary(points, peers, stream),
        harness.bullets(harness.notes(NOTES, disturbed, "this measurement")))


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["--child"]:
        return harness.child_main(argv[1:], {"peer": child_peer})
    parser = harness.parser(
        __doc__, "ecbplus/, gvc/ and wikiref220/",
        quick=f"{QUICK_SOURCES} sources, sizes {','.join(map(str, QUICK_SIZES))}, {QUICK_TIMED} "
              f"timed, peer at {','.join(map(str, QUICK_PEER_SIZES))}")
    harness.planned(parser, "--sizes", harness.sizes, "archive sizes to measure at, "
                    "comma-separated", DEFAULT_SIZES, QUICK_SIZES, SMOKE_SIZES)
    harness.planned(parser, "--timed", harness.size, "articles timed at each size",
                    DEFAULT_TIMED, QUICK_TIMED, SMOKE_TIMED)
    harness.planned(parser, "--peer-sizes", harness.sizes, "archive sizes the offline peer is "
                    "run at (larger --sizes are estimated)", DEFAULT_PEER_SIZES,
                    QUICK_PEER_SIZES, SMOKE_PEER_SIZES)
    args, options = harness.parse(parser, argv, "stories")
    sizes, timed, peer_sizes = args.sizes, args.timed, args.peer_sizes
    sources = options.scale(None, 0, QUICK_SOURCES, SMOKE_SOURCES)

    def body(say: Callable[[str], None]) -> None:
        began = time.perf_counter()
        commit = harness.git_commit()  # the code measured is the code imported now
        with tempfile.TemporaryDirectory(prefix="storyline-stories-bench-",
                                         ignore_cleanup_errors=True) as tmp:
            work = Path(tmp)
            harness.story_files(options.data)
            source_db = work / "sources.db"
            pairs, found = annotated_pairs(options, source_db, sources, say)
            stream = {"sources": len(pairs), "prepare_seconds": found["seconds"]}
            points = bench_storyline(pairs, sizes, timed, options.seed, work, say)
            del pairs
            peers = bench_peer(source_db, peer_sizes, options.seed, options.out, say)
            peers += estimate_peer(peers, sizes)
        env = {**harness.machine(commit, **{"scikit-learn": "scikit-learn"}),
               "seed": options.seed, "seconds": time.perf_counter() - began}
        harness.publish(options, markdown(points, peers, stream, env))

    return harness.main(body)


if __name__ == "__main__":
    sys.exit(main())
