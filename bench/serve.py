"""Service benchmark: ``storyline serve`` under a bounded load of concurrent readers.

The ECB+ dev set is ingested once by the real command into ``bench/out/serve/archive.db``
(reused while its stamp ``archive.json`` matches the source; delete ``bench/out/serve`` to
rebuild) and served from a fresh copy, so the brief cache starts empty. An untimed discovery
pass lists every story and picks the search terms; every story's brief is then requested once
("first brief"), and ``--clients`` lean asyncio clients work through ``--requests`` requests of
``MIX`` in a closed loop, after ``--warmup`` untimed ones, then again from httpx.Client threads
as a cross-check. The peer is the brief built without the cache, in-process. What each figure
means is in the notes of ``bench/results/serve.md`` (``serve-workers-N.md`` for ``--workers N``).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import os
import random
import re
import shlex
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

from bench import harness

SOURCE = Path("ecbplus") / "articles.jsonl"
HOST = "127.0.0.1"
DEFAULT_REQUESTS = 5000
QUICK_REQUESTS = 500
SMOKE_REQUESTS = 60
#: --smoke serves an archive of this many ECB+ articles, with this many clients.
SMOKE_ARTICLES = 16
SMOKE_CLIENTS = 4
DEFAULT_CLIENTS = 50
#: Untimed requests per client before the load, unless --warmup says otherwise.
WARMUP_PER_CLIENT = 10
#: The load's mix: request kind -> share of the requests.
MIX = {"brief": 0.6, "search": 0.3, "list": 0.1}
PAGE_SIZE = 20
SEARCH_LIMIT = 20
SEARCH_TERMS = 20
#: Capitalised words that start sentences rather than name things; never search terms.
NOT_TERMS = frozenset("""about after again also another before being could from have here
into just more most other over says said some than that their then there these they this
those three what when where which while with will would your year years""".split())
INGEST_JOBS = 2
GOAL_P99_MS = 200.0
GOAL_ERRORS = 0
#: Seconds the server may take to answer /healthz after it is started.
START_TIMEOUT = 60.0
REQUEST_TIMEOUT = 30.0
_WORD = re.compile(r"\b[A-Z][a-z]{3,}\b")


def counts(db: Path) -> tuple[int, int]:
    """(articles, stories) in the database, read straight from its tables."""
    return harness.query(db, "SELECT (SELECT count(*) FROM articles), "
                             "(SELECT count(*) FROM stories)")


def remove_database(db: Path) -> None:
    for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        path.unlink(missing_ok=True)


def archive(data: Path, out: Path, limit: int | None,
            say: Callable[[str], None]) -> tuple[Path, dict]:
    """The ingested ECB+ archive (its first ``limit`` articles if given), built once (see the
    module's docstring): (db, its stamp)."""
    source = harness.data_file(data / SOURCE)
    if limit:
        source = out / "sources.jsonl"
        harness.write_jsonl(source, harness.read_jsonl(data / SOURCE)[:limit])
    db, stamp_path = out / "archive.db", out / "archive.json"
    digest = hashlib.sha1(source.read_bytes()).hexdigest()
    try:
        stamp = json.loads(stamp_path.read_text(encoding="utf-8"))
        if stamp.get("sha1") == digest and db.is_file() and \
                counts(db) == (stamp["articles"], stamp["stories"]):
            say(f"[bold]archive[/]: reusing {db} ({stamp['articles']} articles, "
                f"{stamp['stories']} stories)")
            return db, stamp
    except (OSError, ValueError, KeyError, sqlite3.Error):
        pass
    say(f"[bold]archive[/]: ingesting {source} with annotation (jobs={INGEST_JOBS}), once")
    stamp_path.unlink(missing_ok=True)
    remove_database(db)
    out.mkdir(parents=True, exist_ok=True)
    result = harness.run_child(harness.storyline_cli("--db", db, "ingest", source, "--quiet",
                                                     "--jobs", INGEST_JOBS),
                               out / "logs" / "ingest")
    harness.fail_on(result, "storyline ingest")
    articles, stories = counts(db)
    if not stories:
        raise harness.BenchError(f"{db}: the ingest grouped no stories")
    stamp = {"source": str(SOURCE), "sha1": digest, "articles": articles, "stories": stories,
             "seconds": round(result.seconds, 1)}
    stamp_path.write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
    say(f"  {articles} articles, {stories} stories in {result.seconds:.0f} s")
    return db, stamp


def fresh_copy(db: Path) -> Path:
    """A copy of the archive to serve (its brief cache as the ingest left it: empty)."""
    copy = db.with_name("run.db")
    remove_database(copy)
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as src, \
            closing(sqlite3.connect(copy)) as dst:
        src.backup(dst)
    return copy


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """``storyline serve`` in a child process, stopped on leaving the ``with`` block."""

    def __init__(self, db: Path, log: Path, workers: int = 1) -> None:
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.cmd = [sys.executable, "-m", "storyline", "--db", str(db), "serve", "--host", HOST,
                    "--port", str(self.port), "--workers", str(workers)]
        self.proc: subprocess.Popen | None = None
        self.start_seconds = 0.0
        self.peak_rss_mb: float | None = None
        self.log = log

    def __enter__(self) -> Server:
        import httpx

        self.log.mkdir(parents=True, exist_ok=True)
        began = time.perf_counter()
        with open(self.log / "stdout.log", "wb") as out, open(self.log / "stderr.log", "wb") as err:
            self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        try:
            with httpx.Client(base_url=self.base, trust_env=False, timeout=5.0) as client:
                while True:
                    if self.proc.poll() is not None:
                        raise harness.BenchError(f"the server exited with status "
                                                 f"{self.proc.returncode}:\n{self.stderr_tail()}")
                    try:
                        if client.get("/healthz").status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if time.perf_counter() - began > START_TIMEOUT:
                        raise harness.BenchError(f"the server did not answer /healthz within "
                                                 f"{START_TIMEOUT:.0f} s:\n{self.stderr_tail()}")
                    time.sleep(0.05)
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.perf_counter() - began
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def cpu_seconds(self) -> float | None:
        """CPU seconds of the server and its worker processes."""
        if not self.proc:
            return None
        seconds = [harness.process_cpu_seconds(pid) for pid in harness.process_tree(self.proc.pid)]
        return sum(s for s in seconds if s is not None)

    def stderr_tail(self, lines: int = 15) -> str:
        try:
            text = (self.log / "stderr.log").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.strip().splitlines()[-lines:])

    def stop(self) -> None:
        """Read the peak RSS, then SIGTERM (uvicorn shuts down cleanly), SIGKILL after 10 s."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            kbs = [harness.vm_hwm_kb(pid) for pid in harness.process_tree(proc.pid)]
            if any(kb is not None for kb in kbs):  # summed over the worker processes
                self.peak_rss_mb = sum(kb for kb in kbs if kb is not None) / 1024
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@dataclass
class Sample:
    """One request as the client saw it."""

    kind: str
    seconds: float
    error: str | None  # None when 2xx


@dataclass
class Site:
    """What the discovery pass found: story ids and titles, page cursors, search terms."""

    stories: list[dict]
    cursors: list[str | None]  # one per page of PAGE_SIZE stories; None = the first page
    terms: list[str]  # each finds at least one article


def search_terms(stories: Sequence[dict]) -> list[str]:
    """Capitalised words of the story titles, most common first (then alphabetical)."""
    found = Counter(word for story in stories for word in set(_WORD.findall(story["title"] or ""))
                    if word.lower() not in NOT_TERMS)
    return [word for word, _ in sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))]


def discover(base: str) -> Site:
    """Walk the story list and pick the search terms (untimed)."""
    import httpx

    stories: list[dict] = []
    cursors: list[str | None] = []
    cursor = None
    with httpx.Client(base_url=base, trust_env=False, timeout=REQUEST_TIMEOUT) as client:
        while True:
            params = {"limit": PAGE_SIZE, **({"cursor": cursor} if cursor else {})}
            response = client.get("/api/stories", params=params)
            if not response.is_success:
                raise harness.BenchError(f"/api/stories answered {response.status_code}: "
                                         f"{response.text[:200]}")
            page = response.json()
            cursors.append(cursor)
            stories += page["stories"]
            cursor = page["next_cursor"]
            if not cursor:
                break
        terms = []
        for term in search_terms(stories):
            response = client.get("/api/search", params={"q": term, "limit": SEARCH_LIMIT})
            if response.is_success and response.json()["results"]:
                terms.append(term)
            if len(terms) == SEARCH_TERMS:
                break
    if not stories:
        raise harness.BenchError("the server lists no stories")
    if not terms:
        raise harness.BenchError("no capitalised word of the story titles finds any article")
    return Site(stories, cursors, terms)


def request_plan(site: Site, total: int, seed: int) -> list[tuple[str, str]]:
    """``total`` (kind, url) in the exact proportions of ``MIX``, shuffled with ``seed``."""
    from urllib.parse import urlencode

    rng = random.Random(seed)
    sizes = {kind: round(share * total) for kind, share in MIX.items()}
    sizes["brief"] += total - sum(sizes.values())  # rounding
    plan = []
    for _ in range(sizes["brief"]):
        plan.append(("brief", f"/api/stories/{rng.choice(site.stories)['story_id']}/brief"))
    for _ in range(sizes["search"]):
        query = {"q": rng.choice(site.terms), "limit": SEARCH_LIMIT}
        plan.append(("search", "/api/search?" + urlencode(query)))
    for _ in range(sizes["list"]):
        cursor = rng.choice(site.cursors)
        query = {"limit": PAGE_SIZE, **({"cursor": cursor} if cursor else {})}
        plan.append(("list", "/api/stories?" + urlencode(query)))
    rng.shuffle(plan)
    return plan


class LeanConnection:
    """One kept-alive HTTP/1.1 connection on asyncio streams: GETs, bodies by Content-Length
    or chunked, a reconnect after ``Connection: close`` or an error. httpx's clients cost 1-5
    ms of CPU a request on the server's cores (see the notes); this about 0.15 ms."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n\r\n"
                          .encode("ascii"))
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head[:-4].split(b"\r\n")
        status = int(status_line.split()[1])
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip().lower()
        if b"content-length" in headers:
            body = await self.reader.readexactly(int(headers[b"content-length"]))
        elif headers.get(b"transfer-encoding") == b"chunked":
            parts = []
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                parts.append((await self.reader.readexactly(size + 2))[:-2])
            while await self.reader.readuntil(b"\r\n") != b"\r\n":  # trailers
                pass
            body = b"".join(parts)
        else:  # the body runs to the end of the connection
            body = await self.reader.read()
            headers[b"connection"] = b"close"
        if headers.get(b"connection") == b"close":
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def _sample(kind: str, start: float, status: int | None = None, body: bytes = b"",
            exc: Exception | None = None) -> Sample:
    """A request sent at ``start``: answered with ``status`` and ``body``, or failed (``exc``)."""
    seconds = time.perf_counter() - start
    if exc is not None:
        return Sample(kind, seconds, f"{type(exc).__name__}: {exc}")
    ok = 200 <= status < 300
    return Sample(kind, seconds,
                  None if ok else f"HTTP {status}: {body[:200].decode('utf-8', 'replace')}")


async def _lean_load(base: str, plan: Sequence[tuple[str, str]], clients: int) -> list[Sample]:
    from urllib.parse import urlsplit

    where = urlsplit(base)
    samples: list[Sample | None] = [None] * len(plan)
    pending = iter(enumerate(plan))  # shared: each client takes the next request when free

    async def one_client() -> None:
        connection = LeanConnection(where.hostname, where.port)
        try:
            for i, (kind, url) in pending:
                start = time.perf_counter()
                try:
                    status, body = await asyncio.wait_for(connection.get(url), REQUEST_TIMEOUT)
                except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                        TimeoutError, ValueError, IndexError) as exc:
                    connection.close()
                    samples[i] = _sample(kind, start, exc=exc)
                    continue
                samples[i] = _sample(kind, start, status, body)
        finally:
            connection.close()

    await asyncio.gather(*(one_client() for _ in range(clients)))
    return [s for s in samples if s is not None]


def _httpx_threads_load(base: str, plan: Sequence[tuple[str, str]],
                        clients: int) -> list[Sample]:
    """The cross-check: ``clients`` threads, each with its own ``httpx.Client``."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    samples: list[Sample | None] = [None] * len(plan)
    pending = iter(enumerate(plan))
    lock = threading.Lock()

    def one_client(_: int) -> None:
        with httpx.Client(base_url=base, trust_env=False, timeout=REQUEST_TIMEOUT) as client:
            while (item := next_item()) is not None:
                i, (kind, url) = item
                start = time.perf_counter()
                try:
                    response = client.get(url)
                except httpx.HTTPError as exc:
                    samples[i] = _sample(kind, start, exc=exc)
                    continue
                samples[i] = _sample(kind, start, response.status_code, response.content)

    def next_item():
        with lock:
            return next(pending, None)

    with ThreadPoolExecutor(clients, thread_name_prefix="client") as pool:
        list(pool.map(one_client, range(clients)))
    return [s for s in samples if s is not None]


@dataclass
class Load(harness.Measured):
    """One pass of requests: its samples, and what it cost the machine."""

    samples: list[Sample]
    seconds: float
    server_cpu: float | None
    client_cpu: float
    other_cpu_seconds: float | None


def run_load(server: Server, plan: Sequence[tuple[str, str]], clients: int,
             say: Callable[[str], None], client: str = "lean") -> Load:
    """The requests from ``clients`` clients: "lean" (asyncio tasks on LeanConnection, the
    measurement) or "httpx" (threads of httpx.Client, a cross-check with a common client
    library)."""
    server_before = server.cpu_seconds()
    section = harness.Section().start()
    if client == "lean":
        samples = asyncio.run(_lean_load(server.base, plan, clients))
    else:
        samples = _httpx_threads_load(server.base, plan, clients)
    section.stop()
    server_after = server.cpu_seconds()
    server_cpu = None if server_before is None or server_after is None else \
        server_after - server_before
    section.exclude(server_cpu)
    section.finish()
    load = Load(samples, section.seconds, server_cpu, section.cpu_seconds,
                section.other_cpu_seconds)
    row = Row("all", samples, load.seconds)
    say(f"  {load.seconds:.1f} s, {len(samples) / load.seconds:,.0f} requests/s, p50 "
        f"{_ms(row.p(0.5))} ms, p99 {_ms(row.p(0.99))} ms, {row.errors} errors")
    return load


def peer(db: Path, site: Site) -> tuple[list[Sample], list[Sample]]:
    """(built without the cache, read from the cache): in this process, every story once
    each, after one untimed pass of both."""
    from storyline.library import Library

    ids = [s["story_id"] for s in site.stories]
    with Library(db) as lib:
        calls = {"no cache": lambda i: json.dumps(lib.brief(i).to_dict(), ensure_ascii=False),
                 "cache": lib.brief_json}
        for story_id in ids:  # lazy imports, SQLite's page cache
            for call in calls.values():
                call(story_id)
        found: dict[str, list[Sample]] = {kind: [] for kind in calls}
        for kind, call in calls.items():
            for story_id in ids:
                start = time.perf_counter()
                call(story_id)
                found[kind].append(Sample(kind, time.perf_counter() - start, None))
    return found["no cache"], found["cache"]


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank percentile: the smallest value with at least ``q`` of them at or
    below it (so p99 of 48 values is the largest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


@dataclass
class Row:
    name: str
    samples: list[Sample]
    seconds: float | None  # wall time the requests shared (for requests/s), None: n/a
    disturbed: bool = False

    @property
    def latencies(self) -> list[float]:
        return [s.seconds for s in self.samples]

    @property
    def errors(self) -> int:
        return sum(s.error is not None for s in self.samples)

    def p(self, q: float) -> float:
        return percentile(self.latencies, q)


COLUMNS = ("requests", "count", "errors", "p50 ms", "p90 ms", "p99 ms", "max ms", "requests/s")


_ms = harness.ms


def row_cells(row: Row) -> list[str]:
    star = "*" if row.disturbed else ""
    rate = "" if row.seconds is None else f"{len(row.samples) / row.seconds:,.0f}"
    return [row.name, f"{len(row.samples):,}", str(row.errors),
            *(_ms(row.p(q)) + star for q in (0.5, 0.9, 0.99)), _ms(max(row.latencies)), rate]


@dataclass
class Report:
    clients: int
    requests: int
    seed: int
    load: Load  # the measurement (lean clients)
    warmup: Load  # untimed pass before it
    cross: Load | None  # the same requests from httpx.Client threads
    first: list[Sample]
    built: list[Sample]
    cached: list[Sample]
    site: Site
    server_start: float
    server_rss_mb: float | None
    server_cpu_total: float | None
    stamp: dict
    workers: int

    def load_rows(self) -> list[Row]:
        rows = []
        for kind, label in (("brief", "brief (cached)"), ("search", "search"),
                            ("list", "story list page")):
            samples = [s for s in self.load.samples if s.kind == kind]
            if samples:
                rows.append(Row(label, samples, self.load.seconds, self.load.disturbed))
        rows.append(self.overall)
        if self.cross is not None:
            rows.append(Row(f"all, httpx.Client × {self.clients} threads (cross-check)",
                            self.cross.samples, self.cross.seconds, self.cross.disturbed))
        return rows

    def other_rows(self) -> list[Row]:
        return [Row(name, samples, sum(s.seconds for s in samples)) for name, samples in (
            ("first brief (build + cache), HTTP, one at a time", self.first),
            ("peer: Library.brief + json.dumps (no cache), in-process", self.built),
            ("Library.brief_json (cache hit), in-process", self.cached))]

    @property
    def overall(self) -> Row:
        return Row("all", self.load.samples, self.load.seconds, self.load.disturbed)


def _per_request_ms(cpu: float | None, load: Load) -> str:
    return "?" if cpu is None else f"{1000 * cpu / len(load.samples):.2f}"


def summary(report: Report) -> list[str]:
    overall, load = report.overall, report.load
    rate = len(overall.samples) / load.seconds
    met = overall.p(0.99) * 1000 < GOAL_P99_MS and overall.errors <= GOAL_ERRORS
    verdict = "met" if met else "NOT met"
    mean = sum(overall.latencies) / len(overall.samples)
    needed = report.clients * (overall.p(0.99) / mean) / (GOAL_P99_MS / 1000)
    lines = [(f"Goal p99 < {GOAL_P99_MS:.0f} ms, {GOAL_ERRORS} errors with {report.clients} "
              f"concurrent clients on {os.cpu_count()} cores: {verdict} (p99 "
              f"{_ms(overall.p(0.99))} ms, {overall.errors} errors of "
              f"{len(overall.samples):,} requests, {rate:,.0f} requests/s). In a closed loop "
              f"the mean latency is the clients over the rate (Little's law: {report.clients} "
              f"/ {rate:,.0f} per s = {_ms(report.clients / rate)} ms; measured "
              f"{_ms(mean)} ms), and here the p99 was {overall.p(0.99) / mean:.1f}× the mean, "
              f"so the goal needs some {needed:,.0f} requests/s of this mix.")]
    brief = next((r for r in report.load_rows() if r.name == "brief (cached)"), None)
    if brief is not None and report.built:
        built, first = Row("", report.built, None), Row("", report.first, None)
        lines.append(
            f"What the cache buys: building a story's brief without it takes {_ms(built.p(0.5))}"
            f" ms median ({_ms(built.p(0.99))} ms p99) in-process, one at a time; reading it "
            f"from the cache {_ms(Row('', report.cached, None).p(0.5))} ms. Over HTTP the first "
            f"request of each story, which builds and stores it, took {_ms(first.p(0.5))} ms "
            f"median, {_ms(max(first.latencies))} ms at most; under the load the cached "
            f"brief was served in {_ms(brief.p(0.5))} ms median, {_ms(brief.p(0.99))} ms p99, "
            "most of it waiting behind the other clients' requests. Without the cache the "
            f"load's {len(brief.samples):,} brief reads alone would cost some "
            f"{built.p(0.5) * len(brief.samples):,.0f} CPU s at the median build, against "
            f"{load.seconds:.1f} s of wall time for the whole load.")
    lines.append(
        f"During the load ({load.seconds:.1f} s) the server used "
        + ("?" if load.server_cpu is None else f"{load.server_cpu:.1f}")
        + f" CPU s ({_per_request_ms(load.server_cpu, load)} ms a request"
        + ("" if load.server_cpu is None else f", {load.server_cpu / load.seconds:.2f} cores")
        + f") and the lean clients {load.client_cpu:.1f} CPU s "
        f"({_per_request_ms(load.client_cpu, load)} ms a request), on the same "
        f"{os.cpu_count()} cores. The server answered /healthz {report.server_start:.1f} s "
        "after it was started; "
        + (f"its peak RSS was {report.server_rss_mb:.0f} MB" if report.server_rss_mb else
           "its peak RSS could not be read")
        + ("" if report.server_cpu_total is None else
           f" and it used {report.server_cpu_total:.1f} CPU s in all") + ".")
    warm = Row("warm-up", report.warmup.samples, report.warmup.seconds)
    lines.append(f"Warm-up before the load (untimed in the table): {len(warm.samples):,} requests "
                 f"of the same mix, p50 {_ms(warm.p(0.5))} ms, p99 {_ms(warm.p(0.99))} ms, "
                 f"{warm.errors} errors (the server's pool opens a SQLite connection per "
                 "worker thread as the concurrency first rises, each with a cold page cache).")
    if report.cross is not None:
        cross = Row("cross", report.cross.samples, report.cross.seconds)
        lines.append(
            f"Cross-check with a common client library: the same {len(cross.samples):,} "
            f"requests from {report.clients} threads of httpx.Client gave p50 "
            f"{_ms(cross.p(0.5))} ms, p99 {_ms(cross.p(0.99))} ms, {cross.errors} errors, "
            f"{len(cross.samples) / report.cross.seconds:,.0f} requests/s; those clients used "
            f"{_per_request_ms(report.cross.client_cpu, report.cross)} ms of CPU a request "
            f"(the server {_per_request_ms(report.cross.server_cpu, report.cross)}), taken "
            "from the same cores.")
    loads = [report.warmup, report.load] + ([report.cross] if report.cross else [])
    failed = [s for s in report.first + [s for load in loads for s in load.samples] if s.error]
    if failed:
        kinds = Counter(s.error.split(":")[0] for s in failed)
        lines.append("Errors: " + ", ".join(f"{n} × {kind}" for kind, n in kinds.most_common())
                     + f"; the first: {failed[0].error}")
    return lines


def notes(report: Report) -> list[str]:
    terms = ", ".join(report.site.terms)
    disturbed = any(load.disturbed for load in (report.load, report.cross) if load is not None)
    return harness.notes([
        f"load: {report.clients} clients, asyncio tasks each on its own kept-alive HTTP/1.1 "
        "connection (a minimal client on asyncio streams, see LeanConnection: httpx cost 1-5 "
        f"ms of CPU a request on the server's cores), working through {report.requests:,} "
        f"requests in a closed loop after {len(report.warmup.samples):,} untimed ones; mix "
        f"(seed {report.seed}): " + ", ".join(f"{share:.0%} {kind}" for kind, share in MIX.items())
        + f". brief = GET /api/stories/ID/brief of one of the {len(report.site.stories)} "
        "stories at random (all cached by then); search = GET /api/search?q=TERM&limit="
        f"{SEARCH_LIMIT}; story list page = GET /api/stories?limit={PAGE_SIZE} at one of its "
        f"{len(report.site.cursors)} pages (by cursor).",
        f"search terms: the {len(report.site.terms)} most common capitalised words of the "
        f"story titles that find articles: {terms}.",
        "latency: from sending the request to having read the whole response, in the client; "
        "p50/p90/p99 are nearest-rank percentiles. error: a status outside 2xx or no "
        "response. requests/s: the row's requests over the load's wall time (for the "
        "one-at-a-time rows: over the sum of their latencies).",
        "first brief: each story's brief requested once, one at a time, before the load: "
        "built and written to the cache. peer: in the bench process after the server "
        "stopped, one untimed pass, then each story once.",
        (f"server: `storyline serve --workers {report.workers}` (uvicorn, "
         f"{'uvloop' if find_spec('uvloop') else 'asyncio'} loop, "  # what its "auto" picks
         f"{'httptools' if find_spec('httptools') else 'h11'} parser)"
         + ("; its peak RSS is its own VmHWM." if report.workers == 1 else
            f": {report.workers} worker processes under a supervisor; peak RSS and CPU are "
            "summed over all of them (each its own VmHWM).")),
    ], disturbed, "the load")


def markdown(report: Report, env: dict) -> str:
    stamp = report.stamp
    return harness.document(
        [harness.reproduce_line(env, f"uvicorn {env['uvicorn']}, FastAPI {env['fastapi']}, "
                                     f"httpx {env['httpx']}; whole run {env['seconds']:.0f} s")],
        [f"Command: `{env['command']}`"],
        [f"Archive: the ECB+ dev set ({stamp['source']}: {stamp['articles']} articles, "
         f"{stamp['stories']} stories), ingested once with `storyline ingest --jobs "
         f"{INGEST_JOBS}` (annotation and grouping, {stamp['seconds']:.0f} s, not counted) "
         "and served from a fresh copy with an empty brief cache."],
        harness.markdown_table(COLUMNS, map(row_cells, report.load_rows()), text=("requests",)),
        ["A brief without the cache, for comparison (one at a time):"],
        harness.markdown_table(COLUMNS, map(row_cells, report.other_rows()), text=("requests",)),
        summary(report), harness.bullets(notes(report)))


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = harness.parser(__doc__, "ecbplus/articles.jsonl", quick=f"{QUICK_REQUESTS} requests")
    harness.planned(parser, "--requests", harness.size, "requests of the load", DEFAULT_REQUESTS,
                    QUICK_REQUESTS, SMOKE_REQUESTS)
    harness.planned(parser, "--clients", harness.size, "concurrent clients", DEFAULT_CLIENTS,
                    DEFAULT_CLIENTS, SMOKE_CLIENTS)
    parser.add_argument("--warmup", type=int, default=None,
                        help="untimed requests before the load (default: 10 per client)")
    parser.add_argument("--no-cross-check", dest="cross_check", action="store_false",
                        help="skip the second pass of the requests from httpx.Client threads")
    parser.add_argument("--workers", type=harness.size, default=1,
                        help="server processes (`storyline serve --workers`; default 1); "
                             "results go to serve.md for 1, serve-workers-N.md otherwise")
    args, options = harness.parse(parser, argv, "serve")
    if args.warmup is not None and args.warmup < 0:
        parser.error("--warmup must be 0 or more")
    requests, clients = args.requests, args.clients
    warmup = WARMUP_PER_CLIENT * clients if args.warmup is None else args.warmup
    seed, workers = options.seed, args.workers

    def body(say: Callable[[str], None]) -> None:
        if find_spec("httpx") is None:
            raise harness.BenchError(f"httpx is not importable by {sys.executable}; install the "
                                     "package with its extras into this environment (make install)")
        began = time.perf_counter()
        commit = harness.git_commit()  # the code measured is the code imported now
        db, stamp = archive(options.data, options.out, options.smoke and SMOKE_ARTICLES, say)
        copy = fresh_copy(db)
        try:
            with Server(copy, options.out / "logs" / "server", workers) as server:
                say(f"[bold]server[/]: {server.base} up in {server.start_seconds:.1f} s")
                site = discover(server.base)
                say(f"  {len(site.stories)} stories on {len(site.cursors)} pages, "
                    f"{len(site.terms)} search terms")
                briefs = [("first brief", f"/api/stories/{s['story_id']}/brief")
                          for s in site.stories]  # one at a time: each built and cached
                first = asyncio.run(_lean_load(server.base, briefs, 1))
                say(f"[bold]first briefs[/]: {len(first)}, median "
                    f"{_ms(percentile([s.seconds for s in first], 0.5))} ms, max "
                    f"{_ms(max(s.seconds for s in first))} ms")
                plan = request_plan(site, requests, seed)
                warm = Load([], 0.0, None, 0.0, None)
                if warmup:
                    say(f"[bold]warm-up[/]: {warmup:,} requests, {clients} clients (untimed)")
                    warm = run_load(server, request_plan(site, warmup, seed + 1), clients, say)
                say(f"[bold]load[/]: {requests:,} requests, {clients} clients")
                load = run_load(server, plan, clients, say)
                cross = None
                if args.cross_check:
                    say(f"[bold]cross-check[/]: the same requests from {clients} threads of "
                        "httpx.Client")
                    cross = run_load(server, plan, clients, say, client="httpx")
                server_cpu_total = server.cpu_seconds()
            say("[bold]peer[/]: the same briefs without the cache, in-process")
            built, cached = peer(copy, site)
        finally:
            remove_database(copy)
        report = Report(clients, requests, seed, load, warm, cross, first, built, cached, site,
                        server.start_seconds, server.peak_rss_mb, server_cpu_total, stamp,
                        workers)
        env = {**harness.machine(commit, uvicorn="uvicorn", fastapi="fastapi", httpx="httpx"),
               "command": shlex.join(["python", "-m", "bench.serve", *argv]),
               "seconds": time.perf_counter() - began}
        harness.publish(options, markdown(report, env),
                        name="serve" if workers == 1 else f"serve-workers-{workers}")

    return harness.main(body)


if __name__ == "__main__":
    sys.exit(main())
