"""Ingest benchmark: storyline's ``ingest`` against the cheapest peer doing the same job.

Run from the repository root as ``make bench`` (or ``.venv/bin/python bench/ingest.py``).

Two replay corpora are built, deterministically from a seed, out of the real articles and
pages in ``../shared/data`` (``--data`` to point elsewhere):

* **jsonl** -- N articles in one JSON Lines file. Each mixes a run of one real article's
  paragraphs with paragraphs of other real articles, so that the corpus is not N copies of
  a few hundred texts; about 1 in 20 is a near-copy of an earlier one (one sentence changed),
  so that the near-duplicate path is exercised.
* **html** -- N ``.html`` files replaying the 60 real pages of the extraction set. Each copy
  gets its own canonical URL: storyline keys an HTML page by its URL, so byte-identical
  copies would be skipped as "unchanged" re-ingests of one article and the run would measure
  almost nothing but extraction. With distinct URLs every copy after a page's first is
  stored as a near-duplicate of it, which is realistic for wire copy.

Each corpus is ingested by the ``storyline`` command in a child process (fresh database,
``--quiet``), on one process and, for HTML, on two. It runs with ``--no-annotate``, so this
bench keeps measuring ingest alone (``bench/annotate.py`` measures annotation). Wall time,
the child's CPU time (``os.wait4``) and peak RSS (its processes' own ``VmHWM``, sampled from
``/proc``: see ``run_child``) are measured, and a run during which other processes kept a
core busy is flagged, since on a 2-core machine that skews everything. The peers, run the same way in a child process, are plain
``trafilatura.extract`` over the same pages and, for JSONL, ``json.loads`` plus a SQLite
insert: the floor cost of storing the rows at all. Generated corpora and databases live in
``bench/out/`` (git-ignored); databases are deleted after each run. Results go to
``bench/results/ingest.json`` and ``bench/results/ingest.md``.
"""

from __future__ import annotations

import argparse
import html as html_lib
import json
import os
import platform
import random
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from importlib import metadata as importlib_metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data"
OUT = REPO / "bench" / "out"
DEFAULT_RESULTS = REPO / "bench" / "results"
QUICK_RESULTS = OUT / "quick-results"

TEXT_SETS = ("gvc", "ecbplus", "wikiref220", "polnear")
PAGES_FILE = Path("article-extraction") / "pages.jsonl"
KINDS = ("jsonl", "html")
DEFAULT_SIZES = (1000, 10000)
QUICK_SIZES = (200,)
DEFAULT_SEED = 20240601

#: Fictional outlets: few enough that an outlet's repeated lines get learned, as in real feeds.
OUTLETS = ("Northern Ledger", "Harbour Gazette", "Valley Courier", "Capital Wire",
           "Evening Sentinel", "Coastal Herald", "Metro Dispatch", "River Times",
           "Plains Observer", "Summit Post", "Lakeside Tribune", "Union Chronicle")
#: Share of JSONL articles that are planted near-copies of an earlier one.
DUPLICATE_SHARE = 0.05
#: Real articles without a date are placed from here, then every date is shifted.
FALLBACK_DATE = date(2019, 1, 1)
SHIFT_DAYS = 730
#: Paragraphs longer than this are cut into runs of sentences, so that mixing has a grain.
LONG_PARAGRAPH_WORDS = 80
SENTENCES_PER_PASSAGE = 3
#: Draws allowed to find a replacement sentence of about the same length.
MAX_DRAWS = 50
#: Other processes using more than this share of one core during a run make it suspect;
#: below the floor it is the kernel and clock-tick rounding, whatever the share.
DISTURBED_SHARE = 0.1
DISTURBED_FLOOR_SECONDS = 1.0
FLOOR_BATCH = 200  # storyline commits one transaction per 200 articles; the floor does too

_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"'’”)]))\s+(?=[\"'‘“(]?[A-Z])")
_ABBREVIATION = re.compile(r"(?:^|\s)(?:[A-Z][a-z]{0,3}|[A-Za-z](?:\.[A-Za-z])+)\.$")
_CANONICAL = re.compile(r"<link\b[^>]*\brel\s*=\s*[\"']?canonical\b[^>]*>", re.IGNORECASE)
_META_URL = re.compile(r"<meta\b[^>]*\b(property|name)\s*=\s*[\"']?(og|twitter):url\b[^>]*>",
                       re.IGNORECASE)
_HEAD = re.compile(r"<head\b[^>]*>", re.IGNORECASE)

# Child programs for the peers; argv[1] is the corpus, argv[2] (floor only) the database.
TRAFILATURA_PEER = """
import pathlib, sys
import trafilatura
found = 0
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.html")):
    if trafilatura.extract(path.read_bytes()):
        found += 1
print(found)
"""
SQLITE_FLOOR_PEER = f"""
import json, sqlite3, sys
conn = sqlite3.connect(sys.argv[2], isolation_level=None)
conn.execute("PRAGMA journal_mode = WAL")
conn.execute("PRAGMA synchronous = NORMAL")
conn.execute("CREATE TABLE articles (id TEXT PRIMARY KEY, outlet TEXT, title TEXT, "
             "published TEXT, text TEXT NOT NULL)")
def flush(rows):
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT INTO articles VALUES (?, ?, ?, ?, ?)", rows)
    conn.execute("COMMIT")
rows, stored = [], 0
with open(sys.argv[1], "rb") as fh:
    for line in fh:
        r = json.loads(line)
        rows.append((r["id"], r.get("outlet"), r.get("title"), r.get("published"), r["text"]))
        if len(rows) == {FLOOR_BATCH}:
            flush(rows); stored += len(rows); rows = []
if rows:
    flush(rows); stored += len(rows)
conn.close()
print(stored)
"""


class BenchError(Exception):
    """A problem that stops the benchmark; main prints it and exits with status 1."""


# -- real data ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RealArticle:
    """One real article, cut into passages (paragraphs, or sentence runs of long ones)."""

    title: str
    published: date | None
    passages: tuple[str, ...]


@dataclass(frozen=True)
class Material:
    """The real articles, and every passage flattened with the index of its article.

    Foreign passages are drawn from the flat list, so that every passage is equally likely;
    drawing an article first would favour the passages of short articles and make chance
    overlaps between mixed articles more common.
    """

    articles: tuple[RealArticle, ...]
    passages: tuple[tuple[int, str], ...]


def split_sentences(text: str) -> list[str]:
    """Sentences by end punctuation: crude, but only used to cut and to change one sentence.

    A piece ending in an abbreviation ("Feb.", "Mr.", "a.m.", "U.S.") is joined to the next,
    so that mixed passages do not start in the middle of a sentence.
    """
    sentences: list[str] = []
    for piece in (p.strip() for p in _SENTENCE_END.split(text)):
        if not piece:
            continue
        if sentences and _ABBREVIATION.search(sentences[-1]):
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    return sentences


def passages_of(text: str) -> list[str]:
    """A text's paragraphs, long ones cut into runs of sentences.

    Some sets (ecbplus) give an article as one long paragraph; cutting gives every article
    several units to mix, so mixed articles read like articles and differ from each other.
    """
    result: list[str] = []
    for paragraph in (p.strip() for p in text.splitlines()):
        if not paragraph:
            continue
        if len(paragraph.split()) <= LONG_PARAGRAPH_WORDS:
            result.append(paragraph)
            continue
        sentences = split_sentences(paragraph)
        for i in range(0, len(sentences), SENTENCES_PER_PASSAGE):
            result.append(" ".join(sentences[i:i + SENTENCES_PER_PASSAGE]))
    return result


def parse_date(value: object) -> date | None:
    """The date of a real record's ``published`` (ISO, possibly with a time), or None."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def read_jsonl(path: Path) -> list[dict]:
    """Records of a JSON Lines file; a missing or broken file stops the benchmark clearly."""
    if not path.is_file():
        raise BenchError(f"missing data file {path} (give the data directory with --data)")
    records = []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise BenchError(f"{path}:{number}: invalid JSON: {exc.msg}") from None
    return records


def load_material(data: Path) -> Material:
    """Every real article with text, from the four text sets, in a fixed order."""
    articles = []
    for name in TEXT_SETS:
        for record in read_jsonl(data / name / "articles.jsonl"):
            passages = passages_of(record.get("text") or "")
            if passages:
                title = record.get("title") or passages[0][:80]
                articles.append(RealArticle(title, parse_date(record.get("published")),
                                            tuple(passages)))
    if len(articles) < 2:
        raise BenchError(f"{data}: fewer than two real articles with text; cannot mix a corpus")
    flat = tuple((i, p) for i, article in enumerate(articles) for p in article.passages)
    return Material(tuple(articles), flat)


def load_pages(data: Path) -> list[dict]:
    """The real HTML pages (``url`` and ``html``) of the extraction set."""
    pages = [p for p in read_jsonl(data / PAGES_FILE) if isinstance(p.get("html"), str)]
    if not pages:
        raise BenchError(f"{data / PAGES_FILE}: no records with an 'html' field")
    return pages


# -- JSONL corpus ------------------------------------------------------------------------


def mixed_text(rng: random.Random, material: Material, base: int) -> str:
    """A run of article ``base``'s passages with passages of other articles mixed in.

    Foreign passages are added until they hold as many words as the base run, so two articles
    built on the same run share at most about a third of their words: far from the 0.7
    Jaccard at which storyline calls them near-duplicates.
    """
    own = material.articles[base].passages
    length = min(len(own), rng.randint(3, 8))
    start = rng.randrange(len(own) - length + 1)
    body = list(own[start:start + length])
    base_words = sum(len(p.split()) for p in body)
    foreign_words, added = 0, 0
    while added < 2 or foreign_words < base_words:
        owner, passage = rng.choice(material.passages)
        if owner == base:
            continue
        body.insert(rng.randint(1, len(body)), passage)  # the lede stays the base's
        foreign_words += len(passage.split())
        added += 1
    return "\n\n".join(body)


def similar_sentence(rng: random.Random, material: Material, words: int) -> str:
    """A sentence from the real passages of about ``words`` words (within half as many)."""
    candidate = ""
    for _ in range(MAX_DRAWS):
        candidate = rng.choice(split_sentences(rng.choice(material.passages)[1]) or ["."])
        if abs(len(candidate.split()) - words) <= max(2, words // 2):
            break
    return candidate


def change_one_sentence(rng: random.Random, text: str, material: Material) -> str:
    """The same text with one short sentence replaced by a real sentence of similar length.

    The sentence is one of at most a tenth of the text's words (else the shortest), so that
    the copy stays a near-duplicate in fact (Jaccard around 0.8 or more) and the share of
    planted copies found measures the engine, not this generator.
    """
    paragraphs = [split_sentences(p) or [p] for p in text.split("\n\n")]
    spots = [(i, j) for i, sentences in enumerate(paragraphs) for j in range(len(sentences))]
    limit = max(1, len(text.split()) // 10)
    short = [spot for spot in spots if len(paragraphs[spot[0]][spot[1]].split()) <= limit]
    i, j = rng.choice(short) if short else \
        min(spots, key=lambda spot: len(paragraphs[spot[0]][spot[1]].split()))
    paragraphs[i][j] = similar_sentence(rng, material, len(paragraphs[i][j].split()))
    return "\n\n".join(" ".join(sentences) for sentences in paragraphs)


def shifted(published: date | None, rng: random.Random) -> str:
    """A publication date moved by a seeded number of days, as an ISO date."""
    return ((published or FALLBACK_DATE) + timedelta(days=rng.randrange(SHIFT_DAYS))).isoformat()


def jsonl_records(n: int, material: Material, seed: int) -> Iterable[dict]:
    """N article records; about 1 in 20 a near-copy of an earlier original."""
    rng = random.Random(seed)
    originals: list[dict] = []
    for i in range(n):
        ident = f"bench-{i:06d}"
        if originals and rng.random() < DUPLICATE_SHARE:
            original = rng.choice(originals)
            record = {**original, "id": ident, "outlet": rng.choice(OUTLETS),
                      "text": change_one_sentence(rng, original["text"], material),
                      "copy_of": original["id"]}
        else:
            base = rng.randrange(len(material.articles))
            article = material.articles[base]
            record = {"id": ident, "title": article.title, "outlet": rng.choice(OUTLETS),
                      "published": shifted(article.published, rng),
                      "text": mixed_text(rng, material, base)}
            originals.append(record)
        yield record


def build_jsonl_corpus(path: Path, n: int, material: Material, seed: int) -> int:
    """Write the JSONL corpus; returns how many near-copies were planted.

    Planted copies carry ``copy_of`` (kept by storyline as metadata) so that a reader of the
    corpus can check what the engine found against what was planted.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    planted = 0
    with open(path, "w", encoding="utf-8") as fh:
        for record in jsonl_records(n, material, seed):
            planted += "copy_of" in record
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return planted


# -- HTML corpus -------------------------------------------------------------------------


def replay_url(url: str | None, page_number: int, copy: int) -> str:
    """The real page URL with a ``replay`` query parameter naming the copy."""
    url = (url or f"https://replay.invalid/page-{page_number}").split("#", 1)[0]
    return f"{url}{'&' if '?' in url else '?'}replay={copy}"


def with_url(page_html: str, url: str) -> str:
    """The page with its own URL markup (canonical, og:url, twitter:url) replaced by ``url``.

    trafilatura reads og:url and twitter:url before the canonical link, so all three go and
    one canonical link plus one og:url are put at the start of ``<head>``.
    """
    page_html = _META_URL.sub("", _CANONICAL.sub("", page_html))
    quoted = html_lib.escape(url, quote=True)
    tags = f'<link rel="canonical" href="{quoted}"><meta property="og:url" content="{quoted}">'
    head = _HEAD.search(page_html)
    if head is None:
        return f"<head>{tags}</head>{page_html}"
    return f"{page_html[:head.end()]}{tags}{page_html[head.end():]}"


def build_html_corpus(directory: Path, n: int, pages: Sequence[dict], seed: int) -> int:
    """Write N pages as ``page-NNNNNN.html``; returns how many are copies of an earlier page.

    Pages are replayed in rounds, each round a seeded permutation of all pages, so the first
    round holds every page once and later rounds are copies.
    """
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    rng = random.Random(seed)
    order: list[int] = []
    for i in range(n):
        if not order:
            order = list(range(len(pages)))
            rng.shuffle(order)
        number = order.pop()
        page = pages[number]
        html = with_url(page["html"], replay_url(page.get("url"), number, i // len(pages)))
        (directory / f"page-{i:06d}.html").write_text(html, encoding="utf-8")
    return max(0, n - len(pages))


# -- measuring ---------------------------------------------------------------------------


@dataclass
class Run:
    """One measured child process."""

    kind: str
    n: int
    system: str
    seconds: float
    peak_rss_mb: float
    cpu_seconds: float
    other_cpu_seconds: float | None = None
    jobs: int | None = None
    stored: int | None = None
    duplicates: int | None = None
    planted: int | None = None
    errors: int = 0
    vs_peer: float | None = None
    first_errors: list[str] = field(default_factory=list)

    @property
    def disturbed(self) -> bool:
        """True when other work used more than a tenth of a core during the run."""
        return self.other_cpu_seconds is not None and \
            self.other_cpu_seconds > max(DISTURBED_FLOOR_SECONDS, DISTURBED_SHARE * self.seconds)

    @property
    def per_second(self) -> float:
        return self.n / self.seconds if self.seconds else float("inf")

    def to_dict(self) -> dict:
        data = asdict(self)
        data["seconds"] = round(self.seconds, 3)
        data["peak_rss_mb"] = round(self.peak_rss_mb, 1)
        data["cpu_seconds"] = round(self.cpu_seconds, 2)
        if self.other_cpu_seconds is not None:
            data["other_cpu_seconds"] = round(self.other_cpu_seconds, 2)
        data["per_second"] = round(self.per_second, 2)
        data["vs_peer"] = round(self.vs_peer, 3) if self.vs_peer is not None else None
        return data


@dataclass(frozen=True)
class ChildResult:
    """What one child cost and what it said (see ``run_child`` for how each figure is taken).

    ``cpu_seconds`` is its rusage, reaped descendants included; ``peak_rss_mb`` is the largest
    single process's own peak; ``peak_rss_sum_mb`` adds up every process's own peak as
    sampled (they need not have coincided, and shared pages count once per process), never
    below ``peak_rss_mb``; None without ``/proc``.
    """

    seconds: float
    peak_rss_mb: float
    cpu_seconds: float
    other_cpu_seconds: float | None
    exit_code: int
    stdout: str
    stderr: str
    peak_rss_sum_mb: float | None = None


def own_cpu_seconds() -> float:
    """CPU seconds of this process so far (user + system)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def own_peak_rss_mb() -> float:
    """This process's largest resident size so far."""
    return maxrss_mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def disturbed(other_cpu_seconds: float | None, seconds: float | None) -> bool:
    """Whether other processes kept the machine busy enough during a measurement (more than
    ``DISTURBED_SHARE`` of a core, and ``DISTURBED_FLOOR_SECONDS`` at least) to skew it."""
    return other_cpu_seconds is not None and seconds is not None and \
        other_cpu_seconds > max(DISTURBED_FLOOR_SECONDS, DISTURBED_SHARE * seconds)


def maxrss_mb(ru_maxrss: int) -> float:
    """ru_maxrss in MB: Linux counts kilobytes, macOS bytes."""
    return ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)


def busy_cpu_seconds() -> float | None:
    """CPU seconds the whole machine has spent busy since boot (Linux ``/proc/stat``).

    Compared before and after a run, minus the child's own CPU time, it tells how much other
    work shared the two cores with the measurement (the load average cannot: it still counts
    the previous run). Steal time counts as busy: a hypervisor taking the CPU skews us too.
    """
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = fh.readline().split()
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[1:9])
        return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


#: How often ``run_child`` samples the peak RSS of the child and its descendants (Linux).
RSS_POLL_SECONDS = 0.025

#: Slack when telling whether ``wait4``'s ``ru_maxrss`` can be the parent's inherited figure:
#: RSS counters are per-CPU batched, so two reads of one size may differ by a little.
INHERITED_SLACK_KB = 1024


def _vm_hwm_kb(pid: int) -> int | None:
    """The process's own peak RSS since its last ``exec`` (``VmHWM``, kB); None once it is
    gone or a zombie (whose memory is already released)."""
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            text = fh.read()
    except OSError:
        return None
    at = text.find(b"\nVmHWM:")
    if at < 0:
        return None
    try:
        return int(text[at + 7:text.index(b"\n", at + 1)].split()[0])
    except (ValueError, IndexError):
        return None


def _parent_pid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            # "pid (comm) state ppid ...": comm may itself hold spaces and parentheses
            return int(fh.read().rpartition(b")")[2].split()[1])
    except (OSError, ValueError, IndexError):
        return None


class _PeakSampler:
    """Follows one child and its descendants through ``/proc`` and keeps each one's ``VmHWM``.

    Processes that already existed before the child was started cannot be its descendants,
    so each sample only reads the parent pid of processes new since the last one (no
    ``/proc/<pid>/task/*/children``: not every kernel has it), and lists ``/proc`` at all only
    when the last pid handed out (``/proc/loadavg``) has moved. A pid that left and was
    reused within one interval would be missed; pids are allocated cyclically, so it does
    not happen in practice.
    """

    def __init__(self) -> None:
        self.last_pid = self._last_pid()
        try:
            self.seen = self._pids()
            self.available = os.path.exists(f"/proc/{os.getpid()}/status")
        except OSError:
            self.seen, self.available = set(), False
        self.tree: set[int] = set()  # the child and its descendants, alive at the last sample
        self.peaks_kb: dict[int, int] = {}  # last VmHWM read of every process of the tree

    @staticmethod
    def _pids() -> set[int]:
        return {int(name) for name in os.listdir("/proc") if name.isdigit()}

    @staticmethod
    def _last_pid() -> bytes | None:
        try:
            with open("/proc/loadavg", "rb") as fh:
                return fh.read().rsplit(None, 1)[-1]
        except (OSError, IndexError):
            return None

    def follow(self, pid: int) -> None:
        self.tree = {pid}
        self.sample()

    def sample(self) -> None:
        last_pid = self._last_pid()
        if last_pid is None or last_pid != self.last_pid:
            self.last_pid = last_pid
            self.rescan()
        for pid in self.tree:
            # the last read, not the largest: after an exec the new image starts from zero
            if (kb := _vm_hwm_kb(pid)) is not None:
                self.peaks_kb[pid] = kb

    def rescan(self) -> None:
        """Add the tree's new processes and drop those that are gone."""
        try:
            alive = self._pids()
        except OSError:
            return
        parents = {pid: ppid for pid in alive - self.seen
                   if (ppid := _parent_pid(pid)) is not None}
        self.seen = alive
        grown = True
        while grown:  # a grandchild may turn up in the same sample as its parent
            grown = False
            for pid, ppid in list(parents.items()):
                if ppid in self.tree:
                    self.tree.add(pid)
                    del parents[pid]
                    grown = True
        self.tree &= alive


def run_child(cmd: Sequence[str], log_dir: Path) -> ChildResult:
    """Run a command, timing it and measuring its CPU time and its own peak RSS.

    CPU time and the exit status come from ``os.wait4`` on the pid: that child's rusage only
    (not the bench's or earlier runs'), its reaped descendants included. Its ``ru_maxrss``
    is no measure of the child's memory on Linux, though: a child starts from its parent's
    high-water mark (``exec`` carries the old image's peak over), so with this process
    holding 500 MB a child that never passed 9 MB read 519 MB. The peak is instead the
    process's own ``VmHWM`` (its peak since ``exec``, which is not inherited), read from
    ``/proc`` every ``RSS_POLL_SECONDS`` for the child and every descendant it starts. The
    figure is the largest single process, not the sum (for ``--jobs 2``, the parent or one
    worker); ``peak_rss_sum_mb`` adds up each process's own peak. A process's last read
    comes up to one interval before it exits, so growth in that last interval, or a
    descendant that lived less than one interval, is missed. Where ``wait4``'s figure is
    larger than anything the child could have inherited (this process's ``VmHWM`` just after
    the start), it is the child tree's true peak (the kernel folds in reaped descendants as a
    maximum) and is used, which closes that gap whenever the child outgrows the bench. Where
    there is no ``/proc`` (macOS) the peak is ``wait4``'s figure, as it is if the child left
    before a first sample could be read.

    Our own CPU time while sampling is not counted as other processes' work. Output goes to
    files, not pipes, so a chatty child cannot block on a full pipe while we wait.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    sampler = _PeakSampler()
    busy_before = busy_cpu_seconds()
    own_before = time.process_time()
    out_path, err_path = log_dir / "stdout.log", log_dir / "stderr.log"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        reaped: list = []
        done = threading.Event()

        def reap() -> None:  # blocks in wait4, so the end time is not rounded to a sample
            try:
                _, status, usage = os.wait4(proc.pid, 0)
                reaped.extend((status, usage, time.perf_counter()))
            except BaseException as exc:  # noqa: BLE001  (raised again below)
                reaped.append(exc)
            finally:
                done.set()

        threading.Thread(target=reap, name=f"wait4-{proc.pid}", daemon=True).start()
        # Popen returns once the child has exec'd, so what it inherited is at most this
        inherited_kb = _vm_hwm_kb(os.getpid()) if sampler.available else None
        if sampler.available:
            sampler.follow(proc.pid)
        while not done.wait(RSS_POLL_SECONDS if sampler.available else None):
            sampler.sample()
        if isinstance(reaped[0], BaseException):
            raise reaped[0]
        status, usage, end = reaped
        seconds = end - start
    own_cpu = time.process_time() - own_before
    busy_after = busy_cpu_seconds()
    proc.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not wait again
    cpu = usage.ru_utime + usage.ru_stime
    other = None if busy_before is None or busy_after is None else \
        max(0.0, busy_after - busy_before - cpu - own_cpu)
    peak_rss_mb = maxrss_mb(usage.ru_maxrss)
    peak_sum_mb = None
    if sampler.peaks_kb:
        peak_sum_mb = sum(sampler.peaks_kb.values()) / 1024
        sampled_kb = max(sampler.peaks_kb.values())
        own_figure = inherited_kb is not None and \
            usage.ru_maxrss > inherited_kb + INHERITED_SLACK_KB
        peak_rss_mb = max(sampled_kb, usage.ru_maxrss if own_figure else 0) / 1024
        peak_sum_mb = max(peak_sum_mb, peak_rss_mb)
    return ChildResult(seconds, peak_rss_mb, cpu, other, proc.returncode,
                       out_path.read_text(encoding="utf-8", errors="replace"),
                       err_path.read_text(encoding="utf-8", errors="replace"),
                       peak_rss_sum_mb=peak_sum_mb)


def storyline_command() -> Path:
    """The ``storyline`` entry point installed next to this interpreter."""
    exe = Path(sys.executable).parent / ("storyline.exe" if os.name == "nt" else "storyline")
    if not exe.exists():
        raise BenchError(f"no storyline command next to {sys.executable}; install the package "
                         "into this environment (make install)")
    return exe


def fail_on(result: ChildResult, what: str, allowed: Iterable[int] = (0,)) -> None:
    """Stop with the tail of the child's stderr when it exited in a way we do not expect."""
    if result.exit_code not in allowed:
        tail = "\n".join(result.stderr.strip().splitlines()[-15:])
        raise BenchError(f"{what} exited with status {result.exit_code}:\n{tail}")


def error_lines(stderr: str) -> list[str]:
    """The per-input error lines storyline prints (``error: ...``)."""
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def stored_counts(db: Path) -> tuple[int, int]:
    """(articles stored, of which near-duplicates), read straight from the database file.

    The public API has no count of duplicates, and loading 10,000 articles to count them would
    cost more than the question is worth; this relies on the ``articles`` table's columns.
    """
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*), count(duplicate_of) FROM articles").fetchone()
    finally:
        conn.close()


def fresh_workdir(out: Path) -> Path:
    """A new directory for one run's database, removed by the caller afterwards."""
    (out / "db").mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="run-", dir=out / "db"))


def measure_storyline(kind: str, n: int, corpus: Path, jobs: int, planted: int,
                      out: Path) -> Run:
    """Ingest the corpus into a fresh database with the storyline command; delete it after."""
    work = fresh_workdir(out)
    try:
        db = work / "bench.db"
        cmd = [str(storyline_command()), "--db", str(db), "ingest", str(corpus), "--quiet",
               "--jobs", str(jobs), "--no-annotate"]
        result = run_child(cmd, out / "logs" / f"{kind}-{n}-storyline-j{jobs}")
        fail_on(result, f"storyline ingest ({kind}, {n}, jobs={jobs})", allowed=(0, 1))
        errors = error_lines(result.stderr)
        if result.exit_code == 1 and not errors:
            fail_on(result, f"storyline ingest ({kind}, {n}, jobs={jobs})")
        stored, duplicates = stored_counts(db)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return Run(kind, n, f"storyline jobs={jobs}", result.seconds, result.peak_rss_mb,
               result.cpu_seconds, result.other_cpu_seconds, jobs=jobs, stored=stored, duplicates=duplicates, planted=planted,
               errors=len(errors), first_errors=errors[:3])


def measure_trafilatura(n: int, corpus: Path, out: Path) -> Run:
    """Plain ``trafilatura.extract`` over the same pages, in one process."""
    result = run_child([sys.executable, "-c", TRAFILATURA_PEER, str(corpus)],
                       out / "logs" / f"html-{n}-trafilatura")
    fail_on(result, "trafilatura peer")
    return Run("html", n, "trafilatura.extract", result.seconds, result.peak_rss_mb,
               result.cpu_seconds, result.other_cpu_seconds, jobs=1, stored=int(result.stdout.strip() or 0))


def measure_sqlite_floor(n: int, corpus: Path, out: Path) -> Run:
    """``json.loads`` plus batched SQLite inserts: what storing the rows costs at the least."""
    work = fresh_workdir(out)
    try:
        result = run_child([sys.executable, "-c", SQLITE_FLOOR_PEER, str(corpus),
                            str(work / "floor.db")], out / "logs" / f"jsonl-{n}-floor")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    fail_on(result, "json+sqlite floor peer")
    return Run("jsonl", n, "json+sqlite floor", result.seconds, result.peak_rss_mb,
               result.cpu_seconds, result.other_cpu_seconds, jobs=1, stored=int(result.stdout.strip() or 0))


# -- the benchmark -----------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    kinds: tuple[str, ...]
    sizes: tuple[int, ...]
    seed: int
    data: Path
    out: Path
    results: Path


def jobs_for(kind: str) -> tuple[int, ...]:
    """HTML extraction runs on a process pool, so it is measured on 1 and 2; JSONL has none."""
    return (1, 2) if kind == "html" else (1,)


def progress_line(run: Run) -> str:
    """One finished run, as the bench goes; flags a run that other work disturbed."""
    line = f"  {run.system}: {run.seconds:.1f} s"
    if run.system.startswith("storyline"):
        line += f", {run.errors} errors"
    if run.disturbed:
        line += (f" [yellow](other processes used {run.other_cpu_seconds:.0f} CPU s meanwhile;"
                 " rerun on a quiet machine)[/]")
    return line


def bench_kind(kind: str, plan: Plan, say: Callable[[str], None]) -> list[Run]:
    """Build each size's corpus of one kind and measure the peer and storyline on it."""
    corpora = plan.out / "corpora"
    runs: list[Run] = []
    material = load_material(plan.data) if kind == "jsonl" else None
    pages = load_pages(plan.data) if kind == "html" else None
    for n in plan.sizes:
        say(f"[bold]{kind} × {n}[/]: building corpus")
        if kind == "jsonl":
            corpus = corpora / f"jsonl-{n}.jsonl"
            planted = build_jsonl_corpus(corpus, n, material, plan.seed)
            peer = measure_sqlite_floor(n, corpus, plan.out)
        else:
            corpus = corpora / f"html-{n}"
            planted = build_html_corpus(corpus, n, pages, plan.seed)
            peer = measure_trafilatura(n, corpus, plan.out)
        say(progress_line(peer))
        runs.append(peer)
        for jobs in jobs_for(kind):
            run = measure_storyline(kind, n, corpus, jobs, planted, plan.out)
            run.vs_peer = run.per_second / peer.per_second
            say(progress_line(run))
            runs.append(run)
    return runs


def growth(runs: Sequence[Run]) -> list[dict]:
    """Per kind and system: throughput at the largest size divided by at the smallest.

    1.0 means cost grows linearly with N; below 1.0 each article costs more in a bigger batch.
    """
    result = []
    keys = dict.fromkeys((r.kind, r.system) for r in runs)
    for kind, system in keys:
        rates = {r.n: r.per_second for r in runs if (r.kind, r.system) == (kind, system)}
        if len(rates) >= 2:
            small, large = min(rates), max(rates)
            result.append({"kind": kind, "system": system, "from": small, "to": large,
                           "ratio": round(rates[large] / rates[small], 3)})
    return result


# -- reporting ---------------------------------------------------------------------------

COLUMNS = ("kind", "N", "system", "seconds", "CPU s", "articles/s", "peak RSS MB", "vs peer",
           "stored", "near-dups (planted)", "errors")


def row_cells(run: Run) -> list[str]:
    """One run as table cells; peers leave the storyline-only cells empty."""
    dups = "" if run.duplicates is None else f"{run.duplicates} ({run.planted})"
    seconds = f"{run.seconds:.1f}" + ("*" if run.disturbed else "")
    return [run.kind, str(run.n), run.system, seconds, f"{run.cpu_seconds:.1f}",
            f"{run.per_second:.1f}",
            f"{run.peak_rss_mb:.0f}", "" if run.vs_peer is None else f"{run.vs_peer:.2f}×",
            "" if run.stored is None else str(run.stored), dups,
            str(run.errors) if run.system.startswith("storyline") else ""]


NOTES = (
    "articles/s = N / wall seconds of the whole command, interpreter start-up included.",
    "vs peer = storyline's articles/s ÷ the peer's on the same corpus (the peer runs on one "
    "process).",
    "CPU s = user + system time of the command and its workers; CPU s ÷ seconds near 2 "
    "means both cores were busy.",
    "peak RSS = largest single process (for jobs=2 the parent or one worker), not their sum.",
    "html replays the 60 extraction-set pages, each copy under its own canonical URL, so "
    "copies after a page's first are stored as near-duplicates (realistic for wire copy); "
    "storyline extracts with metadata and dates, trafilatura.extract runs with defaults.",
    "json+sqlite floor = json.loads + INSERT in batches of 200: no cleaning, de-duplication, "
    "outlet-line learning or full-text index.",
)


def notes(runs: Sequence[Run]) -> list[str]:
    """The fixed notes, plus a warning when other work disturbed some run."""
    result = list(NOTES)
    if any(run.disturbed for run in runs):
        result.append(f"* other processes used more than {DISTURBED_SHARE:.0%} of a core "
                      "during this run: its figures are suspect.")
    return result


def print_report(runs: Sequence[Run], grown: Sequence[dict]) -> None:
    """The results as rich tables on stdout."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    # Piped to a file or a log, rich would assume 80 columns and truncate every cell.
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 140)
    table = Table(title="storyline ingest vs peers")
    for name in COLUMNS:
        table.add_column(name, justify="left" if name in ("kind", "system") else "right",
                         no_wrap=True)
    for run in runs:
        table.add_row(*row_cells(run))
    console.print(table)
    if grown:
        table = Table(title="throughput growth (articles/s at the larger N ÷ at the smaller)")
        for name in ("kind", "system", "sizes", "ratio"):
            table.add_column(name, justify="right" if name == "ratio" else "left")
        for g in grown:
            table.add_row(g["kind"], g["system"], f"{g['from']} → {g['to']}", f"{g['ratio']:.2f}")
        console.print(table)
    for note in notes(runs):
        console.print(f"[dim]- {escape(note)}[/]")
    for run in runs:
        for line in run.first_errors:
            console.print(f"[red]{run.kind} {run.n} {run.system}:[/] {escape(line)}")


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]],
                   text: Sequence[str] = ("kind", "system", "stage", "store method")) -> list[str]:
    """A Markdown table: the ``text`` columns left-aligned, figures right-aligned."""
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---" if c in text else "---:" for c in header) + "|"]
    return lines + ["| " + " | ".join(cells) + " |" for cells in rows]


def reproduce_line(env: dict, versions: str = "") -> str:
    """The first line of a results file: how to rerun it, when, on what, at which commit."""
    dirty = " with uncommitted changes" if env.get("git_dirty") else ""
    machine = f", {env['platform']}" if env.get("platform") else ""
    versions = f"; {versions}" if versions else ""
    return (f"Reproduce: `make bench` (ran {env['date'][:10]}, Python {env['python']}, "
            f"{env['cpu_count']} CPUs{machine}, commit {env['git_commit'] or 'unknown'}{dirty}"
            f"{versions}).")


def markdown(runs: Sequence[Run], grown: Sequence[dict], env: dict) -> str:
    """The same tables in Markdown, small enough to commit."""
    lines = [reproduce_line({**env, "platform": None, "git_dirty": None}), "",
             *markdown_table(COLUMNS, (row_cells(run) for run in runs))]
    if grown:
        lines += ["", "Throughput growth (articles/s at the larger N ÷ at the smaller):", "",
                  "| kind | system | sizes | ratio |", "|---|---|---|---:|"]
        lines += [f"| {g['kind']} | {g['system']} | {g['from']} → {g['to']} | {g['ratio']:.2f} |"
                  for g in grown]
    lines += [""] + [f"- {note}" for note in notes(runs)]
    return "\n".join(lines) + "\n"


def git_commit() -> tuple[str | None, bool | None]:
    """(short commit, whether the work tree has changes), or (None, None) outside git."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                                capture_output=True, text=True, check=True).stdout.strip()
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                                cwd=REPO, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None, None
    return commit or None, bool(status.strip())


def package_version(name: str) -> str | None:
    try:
        return importlib_metadata.version(name)
    except importlib_metadata.PackageNotFoundError:
        return None


def machine(commit: tuple[str | None, bool | None] | None = None) -> dict:
    """When and where a bench ran: date, interpreter, platform, cores, commit."""
    commit, dirty = commit if commit is not None else git_commit()
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "git_commit": commit,
        "git_dirty": dirty,
    }


def environment(plan: Plan) -> dict:
    """What the numbers depend on besides the code: machine, interpreter, versions, inputs."""
    return {
        **machine(),
        "storyline": package_version("storyline"),
        "trafilatura": package_version("trafilatura"),
        "seed": plan.seed,
        "sizes": list(plan.sizes),
        "kinds": list(plan.kinds),
    }


def write_results(directory: Path, runs: Sequence[Run], grown: Sequence[dict],
                  env: dict) -> tuple[Path, Path]:
    """``ingest.json`` (machine-readable) and ``ingest.md`` (the table) in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    json_path, md_path = directory / "ingest.json", directory / "ingest.md"
    payload = {**env, "runs": [r.to_dict() for r in runs], "growth": list(grown),
               "notes": notes(runs)}
    json_path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n",
                         encoding="utf-8")
    md_path.write_text(markdown(runs, grown, env), encoding="utf-8")
    return json_path, md_path


# -- command line ------------------------------------------------------------------------


def csv_of(convert):
    """An argparse type for a comma-separated list of ``convert``-ed values."""
    def parse(text: str) -> tuple:
        try:
            values = tuple(convert(part.strip()) for part in text.split(",") if part.strip())
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        if not values:
            raise argparse.ArgumentTypeError("expected at least one value")
        return values
    return parse


def kind_name(text: str) -> str:
    if text not in KINDS:
        raise ValueError(f"unknown kind {text!r}; expected {' or '.join(KINDS)}")
    return text


def size(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(f"size must be at least 1, got {value}")
    return value


def parse_args(argv: Sequence[str] | None) -> Plan:
    parser = argparse.ArgumentParser(
        description="Benchmark `storyline ingest` against plain trafilatura and a json+sqlite "
                    "floor on seeded replay corpora of real articles.")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="data directory with gvc/, ecbplus/, wikiref220/, polnear/ and "
                             "article-extraction/ (default: ../shared/data from the repo root)")
    parser.add_argument("--sizes", type=csv_of(size), default=None,
                        help="corpus sizes, comma-separated (default: 1000,10000)")
    parser.add_argument("--kinds", type=csv_of(kind_name), default=KINDS,
                        help="corpus kinds, comma-separated (default: jsonl,html)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="corpus seed")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: size 200 only; results go to bench/out/quick-results "
                             "so the committed ones stay")
    parser.add_argument("--results", type=Path, default=None,
                        help="where ingest.json and ingest.md go (default: bench/results)")
    args = parser.parse_args(argv)
    if args.quick and args.sizes:
        parser.error("--quick and --sizes cannot be used together")
    data = args.data.resolve()
    if not data.is_dir():
        parser.error(f"data directory {data} not found; it should hold the shared evaluation "
                     "data (../shared/data from the repo root), or give one with --data")
    sizes = QUICK_SIZES if args.quick else (args.sizes or DEFAULT_SIZES)
    results = args.results or (QUICK_RESULTS if args.quick else DEFAULT_RESULTS)
    return Plan(kinds=tuple(dict.fromkeys(args.kinds)), sizes=tuple(sorted(set(sizes))),
                seed=args.seed, data=data, out=OUT, results=results)


def main(argv: Sequence[str] | None = None) -> int:
    from rich.console import Console
    from rich.markup import escape

    plan = parse_args(argv)
    progress = Console(stderr=True, highlight=False)
    try:
        storyline_command()
        runs = [run for kind in plan.kinds for run in bench_kind(kind, plan, progress.print)]
    except BenchError as exc:
        progress.print(f"[red]bench failed:[/] {escape(str(exc))}")
        return 1
    grown = growth(runs)
    print_report(runs, grown)
    json_path, md_path = write_results(plan.results, runs, grown, environment(plan))
    progress.print(f"wrote {json_path.relative_to(REPO) if json_path.is_relative_to(REPO) else json_path}"
                   f" and {md_path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
