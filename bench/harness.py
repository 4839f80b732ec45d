"""What every bench shares: the plan's common options, the child-process runner, in-process
timed sections, the machine line, Markdown and JSON results, and the real articles of
``../shared/data`` the corpora are built from.

Each bench runs from the repository root as ``python -m bench.NAME`` (``make bench`` runs
them all); ``--quick`` is a short run and ``--smoke`` a tiny one (the test suite's), both
writing to ``bench/out/quick-results`` unless ``--results`` says where, so the committed
``bench/results`` stay.

Measurements. A child process is timed by :func:`run_child`: wall time, its CPU time from
``os.wait4`` and its peak RSS sampled from ``/proc``. A section of the bench's own process
is timed by :class:`Section`. Either flags a measurement during which other processes kept
more than ``DISTURBED_SHARE`` of a core busy (``/proc/stat``), since on a 2-core machine that
skews everything; tables mark its figures with ``*``.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import os
import platform
import re
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from importlib import metadata as importlib_metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data"
OUT = REPO / "bench" / "out"
DEFAULT_RESULTS = REPO / "bench" / "results"
QUICK_RESULTS = OUT / "quick-results"
DEFAULT_SEED = 20240601

TEXT_SETS = ("gvc", "ecbplus", "wikiref220", "polnear")
#: The sets with gold stories that the grouping and brief benches replay.
STORY_SETS = ("ecbplus", "gvc", "wikiref220")
#: Fictional outlets: few enough that an outlet's repeated lines get learned, as in real feeds.
OUTLETS = ("Northern Ledger", "Harbour Gazette", "Valley Courier", "Capital Wire",
           "Evening Sentinel", "Coastal Herald", "Metro Dispatch", "River Times",
           "Plains Observer", "Summit Post", "Lakeside Tribune", "Union Chronicle")
#: Real articles without a date are placed from here.
FALLBACK_DATE = date(2019, 1, 1)
#: Annotation processes when a bench ingests its sources.
ANNOTATE_JOBS = 2
#: Other processes using more than this share of one core during a run make it suspect;
#: below the floor it is the kernel and clock-tick rounding, whatever the share.
DISTURBED_SHARE = 0.1
DISTURBED_FLOOR_SECONDS = 1.0
#: How often ``run_child`` samples the peak RSS of the child and its descendants (Linux).
RSS_POLL_SECONDS = 0.025
#: Slack when telling whether ``wait4``'s ``ru_maxrss`` can be the parent's inherited figure.
INHERITED_SLACK_KB = 1024

_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"'’”)]))\s+(?=[\"'‘“(]?[A-Z])")
_ABBREVIATION = re.compile(r"(?:^|\s)(?:[A-Z][a-z]{0,3}|[A-Za-z](?:\.[A-Za-z])+)\.$")


class BenchError(Exception):
    """A problem that stops the benchmark; :func:`main` prints it and exits with status 1."""


@dataclass(frozen=True)
class Options:
    """The options every bench takes: where the data is and where its results go."""

    name: str
    data: Path
    seed: int
    quick: bool
    smoke: bool
    results: Path
    out: Path

    def scale(self, given, default, quick, smoke):
        """The option given on the command line, else the smoke, quick or default one."""
        if given:
            return given
        return smoke if self.smoke else quick if self.quick else default


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


def names_of(names: Sequence[str]) -> Callable[[str], tuple]:
    """An argparse type for a comma-separated list of ``names``."""
    def check(text: str) -> str:
        if text not in names:
            raise ValueError(f"unknown {text!r}; expected one of {', '.join(names)}")
        return text
    return csv_of(check)


def size(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(f"size must be at least 1, got {value}")
    return value


def sizes(text: str) -> tuple[int, ...]:
    """Sizes, comma-separated, sorted and without repeats."""
    return tuple(sorted(set(csv_of(size)(text))))


def parser(doc: str, data_help: str | None = "gvc/, ecbplus/, wikiref220/ and polnear/",
           quick: str = "a short run") -> argparse.ArgumentParser:
    """An argument parser with the options of :class:`Options`, described by the first
    paragraph of ``doc`` (``data_help`` None: no ``--data``)."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    if data_help:
        parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                            help=f"data directory with {data_help} (default: ../shared/data)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="corpus seed")
    parser.add_argument("--quick", action="store_true",
                        help=f"{quick}; results go to bench/out/quick-results")
    parser.add_argument("--smoke", action="store_true",
                        help="a tiny run, as the test suite makes (results as for --quick)")
    parser.add_argument("--results", type=Path, default=None,
                        help="where the results go (default: bench/results)")
    return parser


def planned(parser: argparse.ArgumentParser, flag: str, kind: Callable, what: str,
            default: object, quick: object, smoke: object) -> None:
    """Add ``flag``, which :func:`parse` sets when it is not given to ``default``, or to
    ``quick`` or ``smoke`` for those runs."""
    shown = ",".join(map(str, default)) if isinstance(default, tuple) else default
    dest = parser.add_argument(flag, type=kind, help=f"{what} (default: {shown})").dest
    vars(parser).setdefault("plans", {})[dest] = (default, quick, smoke)


def parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None,
          name: str) -> tuple[argparse.Namespace, Options]:
    args = parser.parse_args(argv)
    data = getattr(args, "data", DEFAULT_DATA).resolve()
    if hasattr(args, "data") and not data.is_dir():
        parser.error(f"data directory {data} not found; it should hold the shared evaluation "
                     "data (../shared/data from the repo root), or give one with --data")
    short = args.quick or args.smoke
    results = args.results or (QUICK_RESULTS if short else DEFAULT_RESULTS)
    out = results / "out" / name if args.smoke else OUT / name
    options = Options(name, data, args.seed, args.quick, args.smoke, results.resolve(), out)
    for dest, plan in vars(parser).get("plans", {}).items():
        setattr(args, dest, options.scale(getattr(args, dest), *plan))
    return args, options


def main(body: Callable[[Callable[[str], None]], int | None]) -> int:
    """Run a bench's ``body(say)``, printing progress to stderr; a :class:`BenchError`, or a
    storyline that cannot be imported, stops it with status 1."""
    from rich.console import Console
    from rich.markup import escape

    progress = Console(stderr=True, highlight=False)
    if importlib.util.find_spec("storyline") is None:
        progress.print(f"[red]bench failed:[/] storyline is not importable by {sys.executable}; "
                       "install the package into this environment (make install)")
        return 1
    try:
        return body(progress.print) or 0
    except BenchError as exc:
        progress.print(f"[red]bench failed:[/] {escape(str(exc))}")
        return 1


def split_sentences(text: str) -> list[str]:
    """Sentences by end punctuation (crude); a piece ending in an abbreviation ("Feb.",
    "U.S.") is joined to the next."""
    sentences: list[str] = []
    for piece in (p.strip() for p in _SENTENCE_END.split(text)):
        if not piece:
            continue
        if sentences and _ABBREVIATION.search(sentences[-1]):
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    return sentences


def parse_date(value: object) -> date | None:
    """The date of a real record's ``published`` (ISO, possibly with a time), or None."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def data_file(path: Path) -> Path:
    """``path``; a missing one stops the benchmark clearly."""
    if not path.is_file():
        raise BenchError(f"missing data file {path} (give the data directory with --data)")
    return path


def read_jsonl(path: Path) -> list[dict]:
    """Records of a JSON Lines file; a missing or broken file stops the benchmark clearly."""
    records = []
    with open(data_file(path), encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise BenchError(f"{path}:{number}: invalid JSON: {exc.msg}") from None
    return records


def write_jsonl(path: Path, records: Iterable[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")


def real_records(data: Path, sets: Sequence[str] = TEXT_SETS) -> list[dict]:
    """Every record of the sets, in a fixed order, each with its set (``_set``)."""
    return [{**record, "_set": name} for name in sets
            for record in read_jsonl(data / name / "articles.jsonl")]


def story_files(data: Path) -> list[Path]:
    return [data_file(data / name / "articles.jsonl") for name in STORY_SETS]


def spread(files: Sequence[Path], limit: int, out: Path) -> Path:
    """``limit`` records spread evenly over the files, as one JSONL file."""
    records = [line for path in files for line in path.read_text(encoding="utf-8").splitlines()
               if line.strip()]
    step = max(1, len(records) // limit)
    out.write_text("\n".join(records[::step][:limit]) + "\n", encoding="utf-8")
    return out


def child_prepare(data: str, db: str, limit: str) -> dict:
    """Ingest and annotate the story sets of ``data`` (``limit`` records spread over them,
    0 for all) into ``db``, without grouping: the sources of the grouping and brief benches."""
    from storyline.library import Library

    files = story_files(Path(data))
    if int(limit):
        files = [spread(files, int(limit), Path(db).parent / "sources.jsonl")]
    start = time.perf_counter()
    with Library(db) as lib:
        report = lib.ingest(files, jobs=ANNOTATE_JOBS, stories=False)
    if report.errors:
        raise BenchError(f"ingesting the sources failed: {report.errors[:3]}")
    return {"seconds": time.perf_counter() - start, "articles": report.new}


def prepare_sources(data: Path, db: Path, limit: int, log: Path) -> dict:
    """:func:`child_prepare` in a child process, so that the spaCy model is neither timed nor
    held in the bench's memory."""
    result, found = run_json_child(child_command("harness", "prepare", data, db, limit), log)
    if found is None:
        fail_on(result, "ingesting the sources", allowed=())
    return found


def own_cpu_seconds(children: bool = False) -> float:
    """CPU seconds of this process so far (user + system), its reaped children's too if
    asked."""
    usages = [resource.getrusage(resource.RUSAGE_SELF)]
    if children:
        usages.append(resource.getrusage(resource.RUSAGE_CHILDREN))
    return sum(u.ru_utime + u.ru_stime for u in usages)


def maxrss_mb(ru_maxrss: int) -> float:
    """ru_maxrss in MB: Linux counts kilobytes, macOS bytes."""
    return ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)


def own_peak_rss_mb() -> float:
    """This process's largest resident size so far."""
    return maxrss_mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def busy_cpu_seconds() -> float | None:
    """CPU seconds the whole machine has spent busy since boot (``/proc/stat``, steal
    included): before and after a run, less its own CPU time, the other work meanwhile."""
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = fh.readline().split()
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[1:9])
        return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def disturbed(other_cpu_seconds: float | None, seconds: float | None) -> bool:
    """Whether other processes kept the machine busy enough during a measurement (more than
    ``DISTURBED_SHARE`` of a core, and ``DISTURBED_FLOOR_SECONDS`` at least) to skew it."""
    return other_cpu_seconds is not None and seconds is not None and \
        other_cpu_seconds > max(DISTURBED_FLOOR_SECONDS, DISTURBED_SHARE * seconds)


def busy_note(other_cpu_seconds: float | None) -> str:
    """What a progress line adds for a disturbed measurement."""
    return (f" [yellow](other processes used {other_cpu_seconds:.0f} CPU s meanwhile;"
            " rerun on a quiet machine)[/]")


class Measured:
    """A dataclass measurement with ``seconds`` and ``other_cpu_seconds``: whether other work
    disturbed it, and its fields (with ``extra``) as JSON, floats rounded."""

    @property
    def disturbed(self) -> bool:
        return disturbed(self.other_cpu_seconds, self.seconds)

    def to_dict(self, **extra: object) -> dict:
        data = {**dataclasses.asdict(self), **extra, "disturbed": self.disturbed}
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in data.items()}


class Section:
    """A timed block of this process: wall seconds, its CPU seconds (reaped children too
    with ``children``) and other processes' CPU seconds meanwhile (less ``exclude()``-d
    work that is also ours, a server's say)."""

    def __init__(self, children: bool = False) -> None:
        self.children = children
        self.seconds = self.cpu_seconds = 0.0
        self.other_cpu_seconds: float | None = None
        self._excluded = 0.0

    def start(self) -> Section:
        self._busy = busy_cpu_seconds()
        self._cpu = own_cpu_seconds(self.children)
        self._start = time.perf_counter()
        return self

    def stop(self) -> None:
        """End the wall time here; CPU time runs on to :meth:`finish` (reaping, say)."""
        self.seconds = time.perf_counter() - self._start

    def exclude(self, cpu_seconds: float | None) -> None:
        if cpu_seconds is None:
            self._excluded = None
        elif self._excluded is not None:
            self._excluded += cpu_seconds

    def finish(self) -> Section:
        if not self.seconds:
            self.stop()
        self.cpu_seconds = own_cpu_seconds(self.children) - self._cpu
        busy = busy_cpu_seconds()
        if None not in (busy, self._busy, self._excluded):
            self.other_cpu_seconds = max(0.0, busy - self._busy - self.cpu_seconds
                                         - self._excluded)
        return self

    def __enter__(self) -> Section:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.finish()


@dataclass(frozen=True)
class ChildResult:
    """What one child cost and what it said (see ``run_child`` for how each figure is taken)."""

    seconds: float
    peak_rss_mb: float
    cpu_seconds: float
    other_cpu_seconds: float | None
    exit_code: int
    stdout: str
    stderr: str


def vm_hwm_kb(pid: int) -> int | None:
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


def _stat_fields(pid: int | str) -> list[bytes]:
    """``/proc/<pid>/stat`` after "pid (comm)": comm may itself hold spaces and parentheses."""
    with open(f"/proc/{pid}/stat", "rb") as fh:
        return fh.read().rpartition(b")")[2].split()


def parent_pid(pid: int | str) -> int | None:
    try:
        return int(_stat_fields(pid)[1])
    except (OSError, ValueError, IndexError):
        return None


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a live process (``/proc/<pid>/stat``), None without."""
    try:
        fields = _stat_fields(pid)
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def process_tree(pid: int) -> list[int]:
    """``pid`` and its live descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (ppid := parent_pid(entry)) is not None:
            children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        tree.append(todo.pop())
        todo += children.get(tree[-1], [])
    return tree


class _PeakSampler:
    """Follows one child and its descendants through ``/proc`` and keeps each one's ``VmHWM``.

    A sample reads the parent pid only of processes new since the last one, and lists
    ``/proc`` only when the last pid handed out (``/proc/loadavg``) has moved.
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
            if (kb := vm_hwm_kb(pid)) is not None:
                self.peaks_kb[pid] = kb

    def rescan(self) -> None:
        """Add the tree's new processes and drop those that are gone."""
        try:
            alive = self._pids()
        except OSError:
            return
        parents = {pid: ppid for pid in alive - self.seen
                   if (ppid := parent_pid(pid)) is not None}
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


def run_child(cmd: Sequence[object], log_dir: Path) -> ChildResult:
    """Run a command from the repository root: wall time, CPU time and exit status from
    ``os.wait4`` (reaped descendants included), and its peak RSS.

    ``wait4``'s ``ru_maxrss`` starts from the parent's high-water mark on Linux, so the peak
    is each process's own ``VmHWM`` sampled every ``RSS_POLL_SECONDS`` (the largest single
    process, not their sum), or ``wait4``'s figure where it exceeds what the
    child could have inherited, or where there is no ``/proc``. Output goes to
    ``stdout.log`` and ``stderr.log`` in ``log_dir``, not pipes, so a chatty child cannot block.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    sampler = _PeakSampler()
    busy_before = busy_cpu_seconds()
    own_before = time.process_time()
    out_path, err_path = log_dir / "stdout.log", log_dir / "stderr.log"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen([str(part) for part in cmd], stdin=subprocess.DEVNULL,
                                stdout=out, stderr=err, cwd=REPO)
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
        inherited_kb = vm_hwm_kb(os.getpid()) if sampler.available else None
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
    if sampler.peaks_kb:
        sampled_kb = max(sampler.peaks_kb.values())
        own_figure = inherited_kb is not None and \
            usage.ru_maxrss > inherited_kb + INHERITED_SLACK_KB
        peak_rss_mb = max(sampled_kb, usage.ru_maxrss if own_figure else 0) / 1024
    return ChildResult(seconds, peak_rss_mb, cpu, other, proc.returncode,
                       out_path.read_text(encoding="utf-8", errors="replace"),
                       err_path.read_text(encoding="utf-8", errors="replace"))


def fail_on(result: ChildResult, what: str, allowed: Iterable[int] = (0,)) -> None:
    """Stop with the tail of the child's stderr when it exited in a way we do not expect."""
    if result.exit_code not in allowed:
        tail = "\n".join(result.stderr.strip().splitlines()[-15:])
        raise BenchError(f"{what} exited with status {result.exit_code}:\n{tail}")


def query(db: Path, sql: str) -> tuple:
    """The one row a query gives, read straight from the database file (read-only)."""
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        return conn.execute(sql).fetchone()


def stored_counts(db: Path) -> tuple[int, int]:
    """(articles stored, of which near-duplicates), from the file: the API counts neither."""
    return query(db, "SELECT count(*), count(duplicate_of) FROM articles")


@contextmanager
def fresh_workdir(out: Path) -> Iterator[Path]:
    """A new directory for one run's database, removed on leaving the ``with`` block."""
    (out / "db").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="run-", dir=out / "db",
                                     ignore_cleanup_errors=True) as work:
        yield Path(work)


def storyline_cli(*args: object) -> list[object]:
    return [sys.executable, "-m", "storyline", *args]


def child_command(bench: str, *args: object) -> list[object]:
    """``python -m bench.BENCH --child ARGS``: one measured part of a bench in its own
    process, answering with one JSON object on its last line of stdout."""
    return [sys.executable, "-m", f"bench.{bench}", "--child", *args]


def run_json_child(cmd: Sequence[object], log_dir: Path) -> tuple[ChildResult, dict | None]:
    """:func:`run_child`, and the JSON object the child printed last (None if none)."""
    result = run_child(cmd, log_dir)
    try:
        found = json.loads(result.stdout.strip().splitlines()[-1]) if result.exit_code == 0 \
            else None
    except (ValueError, IndexError):
        found = None
    return result, found


def _on_timeout(signum, frame) -> None:  # noqa: ARG001
    """A hung child (spaCy's workers, say) kills its workers and exits with status 3."""
    import multiprocessing

    sys.stderr.write("timed out: the run took longer than the bench allows\n")
    sys.stderr.flush()
    for process in multiprocessing.active_children():
        process.kill()
    os._exit(3)


def deadline(seconds: int) -> None:
    """Exit with status 3 ``seconds`` from now (0: no longer)."""
    signal.signal(signal.SIGALRM, _on_timeout)
    signal.alarm(seconds)


def child_main(argv: Sequence[str], children: dict[str, Callable[..., dict]],
               timeout: int | None = None) -> int:
    """The child side of :func:`child_command`: ``children[argv[0]](*argv[1:])``, printed as
    JSON; exit status 3 past ``timeout`` seconds, 1 on a :class:`BenchError`."""
    kind, *rest = argv
    if kind not in children:
        sys.stderr.write(f"unknown child {kind!r}\n")
        return 1
    if timeout:
        deadline(timeout)
    try:
        result = children[kind](*rest)
    except BenchError as exc:
        sys.stderr.write(f"bench failed: {exc}\n")
        return 1
    signal.alarm(0)
    print(json.dumps(result))
    return 0


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


def machine(commit: tuple[str | None, bool | None] | None = None, **versions: str) -> dict:
    """When and where a bench ran: date, interpreter, platform, cores, commit, and the
    versions of the packages named (``key=distribution``)."""
    commit, dirty = commit if commit is not None else git_commit()
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "git_commit": commit,
        "git_dirty": dirty,
        **{key: package_version(name) for key, name in versions.items()},
    }


def reproduce_line(env: dict, versions: str = "") -> str:
    """The first line of a results file: how to rerun it, when, on what, at which commit."""
    dirty = " with uncommitted changes" if env.get("git_dirty") else ""
    machine = f", {env['platform']}" if env.get("platform") else ""
    versions = f"; {versions}" if versions else ""
    return (f"Reproduce: `make bench` (ran {env['date'][:10]}, Python {env['python']}, "
            f"{env['cpu_count']} CPUs{machine}, commit {env['git_commit'] or 'unknown'}{dirty}"
            f"{versions}).")


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]],
                   text: Sequence[str] = ("kind", "system", "stage", "store method")) -> list[str]:
    """A Markdown table: the ``text`` columns left-aligned, figures right-aligned."""
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---" if c in text else "---:" for c in header) + "|"]
    return lines + ["| " + " | ".join(cells) + " |" for cells in rows]


def ms(seconds: float) -> str:
    """Seconds as milliseconds: one decimal under 100 ms."""
    ms = 1000 * seconds
    return f"{ms:,.1f}" if ms < 100 else f"{ms:,.0f}"


def bullets(lines: Iterable[str]) -> list[str]:
    return [f"- {line}" for line in lines]


def notes(fixed: Iterable[str], disturbed: bool, during: str = "this run") -> list[str]:
    """The fixed notes, plus a warning when other work disturbed some measurement."""
    result = list(fixed)
    if disturbed:
        result.append(f"* other processes used more than {DISTURBED_SHARE:.0%} of a core "
                      f"during {during}: its figures are suspect.")
    return result


def document(*blocks: Sequence[str] | str) -> str:
    """Markdown: blocks of lines (or one line each) with a blank line between blocks."""
    return "\n\n".join(b if isinstance(b, str) else "\n".join(b) for b in blocks if b) + "\n"


def publish(options: Options, markdown: str, payload: dict | None = None,
            name: str | None = None) -> None:
    """Write ``NAME.md`` (and ``NAME.json`` of ``payload``) in the results directory and
    show the Markdown on stdout."""
    name = name or options.name
    options.results.mkdir(parents=True, exist_ok=True)
    md_path = options.results / f"{name}.md"
    md_path.write_text(markdown, encoding="utf-8")
    if payload is not None:
        (options.results / f"{name}.json").write_text(
            json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(markdown, end="")
    shown = md_path.relative_to(REPO) if md_path.is_relative_to(REPO) else md_path
    print(f"wrote {shown}" + (" and its .json" if payload is not None else ""), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[2:], {"prepare": child_prepare}))
