"""Worker processes for the local engine (:class:`~storyline.engine.LocalEngine`).

:class:`WorkerPool` runs one task at a time on each worker and knows which task each worker
holds, so a task that raises, a worker that dies (a segfault, the out-of-memory killer, a
``kill``), a task past its time limit and a worker past its memory limit each cost that one
task: the task comes back as a :class:`Failure`, the worker is replaced, and the rest goes
on. ``concurrent.futures.ProcessPoolExecutor`` marks the whole pool broken when one worker
dies (every pending future fails with ``BrokenProcessPool``) and cannot stop a task that
runs too long; pebble can, but manages its pool from background threads, and the workers
here are forked from the parent so that they share its loaded models, which is unsafe in a
process that runs threads.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any, TypeVar

T = TypeVar("T")

#: How often a busy worker's memory is read when a memory limit is set.
MEMORY_POLL_SECONDS = 0.2


def batches(items: Iterable[T], size: int, *, max_cost: int | None = None,
            cost: Callable[[T], int] | None = None) -> Iterator[list[T]]:
    """Consecutive lists of ``size`` items (the last may be shorter); with ``max_cost``, a
    list also ends once its items' ``cost`` reaches it, so a batch of large records stays
    bounded in memory (a list always holds at least one item)."""
    it = iter(items)
    if max_cost is None or cost is None:
        while batch := list(islice(it, size)):
            yield batch
        return
    batch, total = [], 0
    for item in it:
        batch.append(item)
        total += cost(item)
        if len(batch) >= size or total >= max_cost:
            yield batch
            batch, total = [], 0
    if batch:
        yield batch


@dataclass(frozen=True)
class Failure:
    """Why a task gave no result. ``kind`` is ``error`` (it raised), ``died`` (its worker
    ended), ``timeout`` or ``memory`` (its worker was stopped past a limit)."""

    kind: str
    message: str

    def __str__(self) -> str:
        return self.message


def describe_exception(exc: BaseException) -> str:
    """``TypeName: message``, for an error that must cross a process boundary as text."""
    text = str(exc)
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


def _die_with_parent() -> None:
    """Ask Linux to end this worker when the process that made it dies, even by ``kill -9``
    (otherwise orphaned workers wait on their pipe for ever)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


def _worker_main(conn, setup: Callable[[], object] | None, state: object = None) -> None:
    """A worker: run each ``(fn, item)`` received and send back ``("ok", result)`` or
    ``("error", text)``; Ctrl-C is the parent's to handle. With a ``setup``, the worker owns
    what it returns (``state``, inherited from the parent when forked) and each task is
    ``fn(state, item)``."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if setup is not None and state is None:
        state = setup()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        fn, item = message
        try:
            reply = ("ok", fn(item) if setup is None else fn(state, item))
        except Exception as exc:  # the task's own failure, reported as its result
            reply = ("error", describe_exception(exc))
        try:
            conn.send(reply)
        except Exception as exc:  # a result that cannot be pickled
            conn.send(("error", f"its result cannot be sent back: {describe_exception(exc)}"))


def private_memory(pid: int) -> int | None:
    """Bytes of memory only this process maps (shared pages of a forked parent left out),
    or None where /proc cannot tell."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            total = 0
            for line in fh:
                if line.startswith((b"Private_Clean:", b"Private_Dirty:")):
                    total += int(line.split()[1]) * 1024
            return total
    except (OSError, ValueError):
        return None


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(code).name
    except ValueError:
        return f"signal {code}"


class _Worker:
    def __init__(self, context, state, *, setup):
        parent_end, child_end = context.Pipe(duplex=True)
        self.process = context.Process(target=_worker_main, args=(child_end, setup, state),
                                       daemon=True)
        self.process.start()
        child_end.close()
        self.conn = parent_end
        self.task: int | None = None
        self.started = 0.0
        self.baseline: int | None = None

    def stop(self, kill: bool = False) -> None:
        if kill and self.process.is_alive():
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except (OSError, ValueError):
                pass
        self.process.join(timeout=1 if not kill else 5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)
        self.conn.close()

    def ended(self) -> str:
        code = self.process.exitcode
        if code is None:
            return "its worker process ended"
        if code < 0:
            return f"its worker process died ({_signal_name(-code)})"
        return f"its worker process died (exit code {code})"


class WorkerPool:
    """``jobs`` worker processes that run tasks one at a time, each task isolated.

    ``setup`` runs once for the workers (load a model there): each worker owns what it
    returns and runs every task as ``fn(state, item)``. Workers are forked from this process
    when it runs no other thread (after ``setup`` has run here once, so they start with what
    it loaded and share its pages), else started by a forkserver that imports ``preload``
    once, and each runs ``setup`` itself. ``state`` is what ``setup`` made in this process
    (set it to share a model already loaded here).
    ``seconds`` and ``memory`` limit one task (memory: what the worker adds to its own size
    while working on it, read from /proc). A worker whose own memory has grown past
    ``recycle`` bytes is replaced between tasks by a fresh one: a long-lived worker's heap
    only grows (spaCy's string store keeps every new word it sees), so this keeps a long
    ingest's memory flat. Workers start on the first task, end with this process, and are
    replaced as they fail.
    """

    def __init__(self, jobs: int, *, setup: Callable[[], object] | None = None,
                 preload: Sequence[str] = (), seconds: float | None = None,
                 memory: int | None = None, recycle: int | None = None):
        self.jobs = max(1, jobs)
        self.setup = setup
        self.preload = list(preload)
        self.seconds = seconds
        self.memory = memory
        self.recycle = recycle
        self.recycled = 0
        self._workers: list[_Worker] = []
        self.state: object = None
        self.replaced = 0

    def _context(self):
        """The start method, and the state a new worker inherits (only a fork inherits)."""
        import multiprocessing

        methods = multiprocessing.get_all_start_methods()
        if "fork" in methods and threading.active_count() == 1:
            if self.setup is not None and self.state is None:
                self.state = self.setup()
            return multiprocessing.get_context("fork"), self.state
        if "forkserver" in methods:
            context = multiprocessing.get_context("forkserver")
            if self.preload:
                context.set_forkserver_preload(self.preload)
            return context, None
        return multiprocessing.get_context("spawn"), None

    def _start(self) -> _Worker:
        worker = _Worker(*self._context(), setup=self.setup)
        self._workers.append(worker)
        return worker

    def _retire(self, worker: _Worker, *, failed: bool = True) -> None:
        """Take a worker out: killed after a failure (counted in ``replaced``), or told to
        stop when it is only recycled (``recycled``); the next task starts a fresh one."""
        self._workers.remove(worker)
        worker.stop(kill=failed)
        if failed:
            self.replaced += 1
        else:
            self.recycled += 1

    def map(self, fn: Callable[[Any], Any], items: Iterable, *, window: int = 64,
            max_pending: int | None = None, cost: Callable[[Any], int] | None = None,
            local: Callable[[Any], bool] | None = None) -> Iterator[tuple[Any, Any]]:
        """``(item, fn(item))`` for every item (``fn(state, item)`` with a ``setup``), in
        order, each result computed by a worker; a task that fails has a :class:`Failure` as
        its result. ``fn`` must be a module-level function (or a partial of one).

        Items for which ``local(item)`` is true are not tasks: they come back as
        ``(item, item)`` in their place. At most ``window`` items (and, with ``cost``,
        ``max_pending`` of their cost) are held at once, so memory stays bounded however
        long ``items`` is.
        """
        source = iter(items)
        done: dict[int, Any] = {}
        waiting: deque[tuple[int, Any]] = deque()
        tasks: dict[int, Any] = {}
        costs: dict[int, int] = {}
        held = 0
        read = emitted = 0
        exhausted = False
        try:
            while True:
                while not exhausted and read - emitted < window and (
                        max_pending is None or held < max_pending or read == emitted):
                    try:
                        item = next(source)
                    except StopIteration:
                        exhausted = True
                        break
                    if cost is not None:
                        costs[read] = cost(item)
                        held += costs[read]
                    if local is not None and local(item):
                        done[read] = item
                    else:
                        waiting.append((read, item))
                        tasks[read] = item
                    read += 1
                # idle workers get their next task before the caller takes its results, so
                # they work while it stores them
                self._dispatch(fn, waiting)
                while emitted in done:
                    result = done.pop(emitted)
                    item = tasks.pop(emitted, result)
                    held -= costs.pop(emitted, 0)
                    emitted += 1
                    yield item, result
                if exhausted and emitted == read:
                    return
                self._dispatch(fn, waiting)
                self._collect(done)
        finally:
            for worker in list(self._workers):
                if worker.task is not None:  # abandoned mid-task: its answer would be stale
                    self._retire(worker)

    def _dispatch(self, fn, waiting: deque) -> None:
        idle = [w for w in self._workers if w.task is None]
        while waiting and (idle or len(self._workers) < self.jobs):
            worker = idle.pop() if idle else self._start()
            number, item = waiting.popleft()
            try:
                worker.conn.send((fn, item))
            except (OSError, ValueError):  # it died between tasks: give the item to another
                waiting.appendleft((number, item))
                self._retire(worker)
                continue
            except Exception as exc:  # the item itself cannot be pickled
                raise TypeError(f"a task cannot be sent to a worker: {describe_exception(exc)}") from exc
            worker.task, worker.started = number, time.monotonic()
            worker.baseline = private_memory(worker.process.pid) if self.memory else None

    def _collect(self, done: dict) -> None:
        """Wait for the next answer, death or limit among the busy workers, and record it."""
        from multiprocessing.connection import wait

        busy = [w for w in self._workers if w.task is not None]
        if not busy:
            return
        now = time.monotonic()
        timeout = None
        if self.seconds is not None:
            timeout = max(0.0, min(w.started + self.seconds for w in busy) - now)
        if self.memory is not None:
            timeout = MEMORY_POLL_SECONDS if timeout is None else min(timeout, MEMORY_POLL_SECONDS)
        ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout))
        for worker in busy:
            number = worker.task
            if worker.conn in ready:
                try:
                    status, value = worker.conn.recv()
                except (EOFError, OSError):
                    worker.process.join(timeout=5)
                    done[number] = Failure("died", worker.ended())
                    self._retire(worker)
                else:
                    done[number] = value if status == "ok" else Failure("error", value)
                    worker.task = None
                    if self.recycle is not None and (private_memory(worker.process.pid)
                                                     or 0) > self.recycle:
                        self._retire(worker, failed=False)
            elif worker.process.sentinel in ready:
                worker.process.join(timeout=5)
                done[number] = Failure("died", worker.ended())
                self._retire(worker)
            elif self.seconds is not None and time.monotonic() - worker.started >= self.seconds:
                done[number] = Failure("timeout", f"took longer than {self.seconds:g} s")
                self._retire(worker)
            elif self.memory is not None and self._over_memory(worker):
                done[number] = Failure("memory", f"needed more than {self.memory / 2**20:,.0f} "
                                                 "MB of memory")
                self._retire(worker)

    def _over_memory(self, worker: _Worker) -> bool:
        used = private_memory(worker.process.pid)
        return used is not None and used - (worker.baseline or 0) > (self.memory or 0)

    def close(self) -> None:
        for worker in self._workers:
            worker.stop(kill=worker.task is not None)
        self._workers.clear()
        self.state = None

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_isolated(fn: Callable[[Any], Any], item: Any) -> Any:
    """``fn(item)`` in this process, with an exception returned as a :class:`Failure`
    as a worker would (for the paths that need no pool)."""
    try:
        return fn(item)
    except Exception as exc:
        return Failure("error", describe_exception(exc))


def cpu_count() -> int:
    """Cores this process may use (its CPU affinity where the system tells it)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1
