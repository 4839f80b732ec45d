"""Ingest benchmark: storyline's ``ingest`` against the cheapest peer doing the same job.

Two replay corpora are built from a seed out of ``../shared/data``: JSON Lines articles mixing
real paragraphs (about 1 in 20 a near-copy), and copies of the real pages of the extraction
set, each with its own canonical URL. Each is ingested by ``storyline ingest --no-annotate``
in a child process (annotation is ``bench/annotate.py``'s); the peers are plain
``trafilatura.extract`` and ``json.loads`` plus a SQLite insert. Corpora and databases live in
``bench/out/``. The notes of ``bench/results/ingest.md`` say what each figure means.
"""

from __future__ import annotations

import html as html_lib
import os
import random
import re
import shutil
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from bench import harness

PAGES_FILE = Path("article-extraction") / "pages.jsonl"
KINDS = ("jsonl", "html")
DEFAULT_SIZES = (1000, 10000)
QUICK_SIZES = (200,)
SMOKE_SIZES = (20,)

#: Share of JSONL articles that are planted near-copies of an earlier one.
DUPLICATE_SHARE = 0.05
#: Every date of a real article is shifted by a seeded number of days below this.
SHIFT_DAYS = 730
#: Paragraphs longer than this are cut into runs of sentences, so that mixing has a grain.
LONG_PARAGRAPH_WORDS = 80
SENTENCES_PER_PASSAGE = 3
#: Draws allowed to find a replacement sentence of about the same length.
MAX_DRAWS = 50
FLOOR_BATCH = 200  # storyline commits one transaction per 200 articles; the floor does too

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


@dataclass(frozen=True)
class RealArticle:
    """One real article, cut into passages (paragraphs, or sentence runs of long ones)."""

    title: str
    published: date | None
    passages: tuple[str, ...]


@dataclass(frozen=True)
class Material:
    """The real articles, and every passage with the index of its article (foreign passages
    are drawn from this flat list, so that every passage is equally likely)."""

    articles: tuple[RealArticle, ...]
    passages: tuple[tuple[int, str], ...]


def passages_of(text: str) -> list[str]:
    """A text's paragraphs, long ones (ecbplus gives one per article) cut into runs of
    sentences, so that every article has several units to mix."""
    result: list[str] = []
    for paragraph in (p.strip() for p in text.splitlines()):
        if not paragraph:
            continue
        if len(paragraph.split()) <= LONG_PARAGRAPH_WORDS:
            result.append(paragraph)
            continue
        sentences = harness.split_sentences(paragraph)
        for i in range(0, len(sentences), SENTENCES_PER_PASSAGE):
            result.append(" ".join(sentences[i:i + SENTENCES_PER_PASSAGE]))
    return result


def load_material(data: Path) -> Material:
    """Every real article with text, from the four text sets, in a fixed order."""
    articles = []
    for record in harness.real_records(data):
        passages = passages_of(record.get("text") or "")
        if passages:
            title = record.get("title") or passages[0][:80]
            articles.append(RealArticle(title, harness.parse_date(record.get("published")),
                                        tuple(passages)))
    if len(articles) < 2:
        raise harness.BenchError(f"{data}: fewer than two real articles with text; cannot mix "
                                 "a corpus")
    flat = tuple((i, p) for i, article in enumerate(articles) for p in article.passages)
    return Material(tuple(articles), flat)


def load_pages(data: Path) -> list[dict]:
    """The real HTML pages (``url`` and ``html``) of the extraction set."""
    pages = [p for p in harness.read_jsonl(data / PAGES_FILE) if isinstance(p.get("html"), str)]
    if not pages:
        raise harness.BenchError(f"{data / PAGES_FILE}: no records with an 'html' field")
    return pages


def mixed_text(rng: random.Random, material: Material, base: int) -> str:
    """A run of article ``base``'s passages with as many words of other articles' passages
    mixed in, so two articles built on one run are far from near-duplicates."""
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
        candidate = rng.choice(harness.split_sentences(rng.choice(material.passages)[1]) or ["."])
        if abs(len(candidate.split()) - words) <= max(2, words // 2):
            break
    return candidate


def change_one_sentence(rng: random.Random, text: str, material: Material) -> str:
    """The same text with one sentence of at most a tenth of its words (else the shortest)
    replaced by a real sentence of similar length: a near-duplicate in fact."""
    paragraphs = [harness.split_sentences(p) or [p] for p in text.split("\n\n")]
    spots = [(i, j) for i, sentences in enumerate(paragraphs) for j in range(len(sentences))]
    limit = max(1, len(text.split()) // 10)
    short = [spot for spot in spots if len(paragraphs[spot[0]][spot[1]].split()) <= limit]
    i, j = rng.choice(short) if short else \
        min(spots, key=lambda spot: len(paragraphs[spot[0]][spot[1]].split()))
    paragraphs[i][j] = similar_sentence(rng, material, len(paragraphs[i][j].split()))
    return "\n\n".join(" ".join(sentences) for sentences in paragraphs)


def shifted(published: date | None, rng: random.Random) -> str:
    """A publication date moved by a seeded number of days, as an ISO date."""
    days = timedelta(days=rng.randrange(SHIFT_DAYS))
    return ((published or harness.FALLBACK_DATE) + days).isoformat()


def jsonl_records(n: int, material: Material, seed: int) -> Iterable[dict]:
    """N article records; about 1 in 20 a near-copy of an earlier original."""
    rng = random.Random(seed)
    originals: list[dict] = []
    for i in range(n):
        ident = f"bench-{i:06d}"
        if originals and rng.random() < DUPLICATE_SHARE:
            original = rng.choice(originals)
            record = {**original, "id": ident, "outlet": rng.choice(harness.OUTLETS),
                      "text": change_one_sentence(rng, original["text"], material),
                      "copy_of": original["id"]}
        else:
            base = rng.randrange(len(material.articles))
            article = material.articles[base]
            record = {"id": ident, "title": article.title, "outlet": rng.choice(harness.OUTLETS),
                      "published": shifted(article.published, rng),
                      "text": mixed_text(rng, material, base)}
            originals.append(record)
        yield record


def build_jsonl_corpus(path: Path, n: int, material: Material, seed: int) -> int:
    """Write the JSONL corpus; returns how many near-copies (with ``copy_of``) were planted."""
    records = list(jsonl_records(n, material, seed))
    harness.write_jsonl(path, records)
    return sum("copy_of" in record for record in records)


def replay_url(url: str | None, page_number: int, copy: int) -> str:
    """The real page URL with a ``replay`` query parameter naming the copy."""
    url = (url or f"https://replay.invalid/page-{page_number}").split("#", 1)[0]
    return f"{url}{'&' if '?' in url else '?'}replay={copy}"


def with_url(page_html: str, url: str) -> str:
    """The page with its own URL markup (canonical, og:url, twitter:url: trafilatura reads
    all three) replaced by a canonical link and og:url of ``url`` at the start of <head>."""
    page_html = _META_URL.sub("", _CANONICAL.sub("", page_html))
    quoted = html_lib.escape(url, quote=True)
    tags = f'<link rel="canonical" href="{quoted}"><meta property="og:url" content="{quoted}">'
    head = _HEAD.search(page_html)
    if head is None:
        return f"<head>{tags}</head>{page_html}"
    return f"{page_html[:head.end()]}{tags}{page_html[head.end():]}"


def build_html_corpus(directory: Path, n: int, pages: Sequence[dict], seed: int) -> int:
    """Write N pages as ``page-NNNNNN.html``, in rounds of a seeded permutation of all pages;
    returns how many are copies of an earlier page."""
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


@dataclass
class Run(harness.Measured):
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
    def per_second(self) -> float:
        return self.n / self.seconds if self.seconds else float("inf")

    def to_dict(self) -> dict:
        return super().to_dict(per_second=self.per_second)


def storyline_command() -> Path:
    """The ``storyline`` entry point installed next to this interpreter."""
    exe = Path(sys.executable).parent / ("storyline.exe" if os.name == "nt" else "storyline")
    if not exe.exists():
        raise harness.BenchError(f"no storyline command next to {sys.executable}; install the "
                                 "package into this environment (make install)")
    return exe


def measure_storyline(kind: str, n: int, corpus: Path, jobs: int, planted: int,
                      out: Path) -> Run:
    """Ingest the corpus into a fresh database with the storyline command; delete it after."""
    with harness.fresh_workdir(out) as work:
        db = work / "bench.db"
        result = harness.run_child([storyline_command(), "--db", db, "ingest", corpus, "--quiet",
                                    "--jobs", jobs, "--no-annotate"],
                                   out / "logs" / f"{kind}-{n}-storyline-j{jobs}")
        harness.fail_on(result, f"storyline ingest ({kind}, {n}, jobs={jobs})", allowed=(0, 1))
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        if result.exit_code == 1 and not errors:
            harness.fail_on(result, f"storyline ingest ({kind}, {n}, jobs={jobs})")
        stored, duplicates = harness.stored_counts(db)
    return Run(kind, n, f"storyline jobs={jobs}", result.seconds, result.peak_rss_mb,
               result.cpu_seconds, result.other_cpu_seconds, jobs=jobs, stored=stored,
               duplicates=duplicates, planted=planted, errors=len(errors),
               first_errors=errors[:3])


def measure_peer(kind: str, n: int, corpus: Path, out: Path) -> Run:
    """The peer of a kind, in one process: plain ``trafilatura.extract`` over the same pages,
    or ``json.loads`` plus batched SQLite inserts (what storing the rows costs at the least)."""
    system, program, log = ("trafilatura.extract", TRAFILATURA_PEER, "trafilatura") \
        if kind == "html" else ("json+sqlite floor", SQLITE_FLOOR_PEER, "floor")
    with harness.fresh_workdir(out) as work:
        result = harness.run_child([sys.executable, "-c", program, corpus, work / "floor.db"],
                                   out / "logs" / f"{kind}-{n}-{log}")
    harness.fail_on(result, f"{system} peer")
    return Run(kind, n, system, result.seconds, result.peak_rss_mb, result.cpu_seconds,
               result.other_cpu_seconds, jobs=1, stored=int(result.stdout.strip() or 0))


def progress_line(run: Run) -> str:
    """One finished run, as the bench goes; flags a run that other work disturbed."""
    line = f"  {run.system}: {run.seconds:.1f} s"
    if run.system.startswith("storyline"):
        line += f", {run.errors} errors"
    return line + (harness.busy_note(run.other_cpu_seconds) if run.disturbed else "")


def bench_kind(kind: str, sizes: Sequence[int], options: harness.Options,
               say: Callable[[str], None]) -> list[Run]:
    """Build each size's corpus of one kind and measure the peer and storyline on it."""
    corpora, out = options.out / "corpora", options.out
    runs: list[Run] = []
    material = load_material(options.data) if kind == "jsonl" else None
    pages = load_pages(options.data) if kind == "html" else None
    for n in sizes:
        say(f"[bold]{kind} × {n}[/]: building corpus")
        if kind == "jsonl":
            corpus = corpora / f"jsonl-{n}.jsonl"
            planted = build_jsonl_corpus(corpus, n, material, options.seed)
        else:
            corpus = corpora / f"html-{n}"
            planted = build_html_corpus(corpus, n, pages, options.seed)
        peer = measure_peer(kind, n, corpus, out)
        say(progress_line(peer))
        runs.append(peer)
        for jobs in (1, 2) if kind == "html" else (1,):  # HTML extraction runs on a pool
            run = measure_storyline(kind, n, corpus, jobs, planted, out)
            run.vs_peer = run.per_second / peer.per_second
            say(progress_line(run))
            runs.append(run)
    return runs


def growth(runs: Sequence[Run]) -> list[dict]:
    """Per kind and system: throughput at the largest size ÷ at the smallest (1.0: linear)."""
    result = []
    keys = dict.fromkeys((r.kind, r.system) for r in runs)
    for kind, system in keys:
        rates = {r.n: r.per_second for r in runs if (r.kind, r.system) == (kind, system)}
        if len(rates) >= 2:
            small, large = min(rates), max(rates)
            result.append({"kind": kind, "system": system, "from": small, "to": large,
                           "ratio": round(rates[large] / rates[small], 3)})
    return result


COLUMNS = ("kind", "N", "system", "seconds", "CPU s", "articles/s", "peak RSS MB", "vs peer",
           "stored", "near-dups (planted)", "errors")
GROWTH_COLUMNS = ("kind", "system", "sizes", "ratio")


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


def markdown(runs: Sequence[Run], grown: Sequence[dict], env: dict, notes: list[str]) -> str:
    growth_rows = [(g["kind"], g["system"], f"{g['from']} → {g['to']}", f"{g['ratio']:.2f}")
                   for g in grown]
    return harness.document(
        [harness.reproduce_line({**env, "platform": None, "git_dirty": None})],
        harness.markdown_table(COLUMNS, map(row_cells, runs)),
        growth_rows and ["Throughput growth (articles/s at the larger N ÷ at the smaller):"],
        growth_rows and harness.markdown_table(GROWTH_COLUMNS, growth_rows,
                                               text=("kind", "system", "sizes")),
        harness.bullets(notes))


def main(argv: Sequence[str] | None = None) -> int:
    parser = harness.parser(__doc__, "gvc/, ecbplus/, wikiref220/, polnear/ and "
                            "article-extraction/", quick=f"size {QUICK_SIZES[0]} only")
    harness.planned(parser, "--sizes", harness.sizes, "corpus sizes, comma-separated",
                    DEFAULT_SIZES, QUICK_SIZES, SMOKE_SIZES)
    parser.add_argument("--kinds", type=harness.names_of(KINDS), default=KINDS,
                        help="corpus kinds, comma-separated (default: jsonl,html)")
    args, options = harness.parse(parser, argv, "ingest")
    sizes = args.sizes
    kinds = tuple(dict.fromkeys(args.kinds))

    def body(say: Callable[[str], None]) -> None:
        storyline_command()
        runs = [run for kind in kinds for run in bench_kind(kind, sizes, options, say)]
        for run in runs:
            for line in run.first_errors:
                say(f"[red]{run.kind} {run.n} {run.system}:[/] {line}")
        grown = growth(runs)
        env = {**harness.machine(storyline="storyline", trafilatura="trafilatura"),
               "seed": options.seed, "sizes": list(sizes), "kinds": list(kinds)}
        notes = harness.notes(NOTES, any(run.disturbed for run in runs))
        harness.publish(options, markdown(runs, grown, env, notes),
                        {**env, "runs": [r.to_dict() for r in runs], "growth": grown,
                         "notes": notes})

    return harness.main(body)


if __name__ == "__main__":
    sys.exit(main())
