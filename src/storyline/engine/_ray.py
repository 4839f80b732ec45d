"""The engine of a Ray cluster: stages on Ray Data actors, here or on many machines.

What runs where. This process (the driver) cuts the items into batches exactly as
:class:`~storyline.engine.LocalEngine` does, pickles each batch and reads them in windows;
each window is one Ray Data execution, ``map_batches`` over rows ``{"n": batch number,
"batch": pickled batch}`` (one row a block, so batches spread over the actors), run by an
actor pool of a callable class that calls ``stage.setup()`` once per actor (the spaCy model
is loaded once per actor and window) and sends back, per row, the pickled outcome of
:func:`~storyline.engine._local.run_timed`: results, seconds and the stage's own timings.
Only bytes and integers cross process boundaries, so Arrow carries them as they are. A
batch that raises is redone item by item inside the actor. The driver holds a whole window
(items and results) and yields it in order once its execution is over: the actors are gone
by then, so a consumer that starts another engine call while iterating cannot wait for
CPUs that this one holds. Passthrough items never leave this process, and a stage that is
not ``isolated`` with a single batch runs here (as on the local engine: shipping one batch
only adds a Ray Data start-up).

Window size. A window costs one actor pool start and one ``setup`` per actor (measured on
a 2-core machine under a load of 5: 4.5 to 8 s for a trivial stage over 100 batches, plus
the model load for annotation), so a window holds up to :data:`WINDOW_BATCHES` batches (4,096 articles at annotation's 16 a batch) or
:data:`WINDOW_BYTES` of pickled items, whichever comes first: large enough to amortise that
start, small enough that a window's items and results fit the driver and the object store.

Actor sizing. The pool has ``jobs`` actors (the cluster's CPUs by default), but together
they ask Ray for one CPU less than the cluster has (:func:`actor_cpus`): an actor still
runs on a whole core, yet a task that needs a CPU slot (a Ray Data read task, a retry, a
caller's own task) always finds one. With every CPU taken by actors, such a task waits for
ever and the job hangs, which is what a 2-core machine runs into first.

Object store. A Ray started here gets at most :data:`OBJECT_STORE_BYTES` and no more than
half of what /dev/shm has free: Ray falls back to a store on disk (much slower) when
/dev/shm is smaller than the store it is asked for, and one window never needs more.

Failures. A worker that dies (a segfault, ``os._exit``, the out-of-memory killer) is
restarted by Ray and its task retried (``max_restarts``, ``max_task_retries``, bounded so an
item that kills every worker cannot loop for ever); Ray Data is told to go on past a block
that still fails, and the batches missing at the end of the window are redone one at a
time on plain Ray actors, a batch that dies again item by item, so only the item that
kills its worker becomes ``Failure("died", ...)``. ``stage.seconds`` holds each batch to
its time in the actor by raising in the thread that runs it (Ray runs actor calls off the
main thread, where SIGALRM cannot be used): this cannot stop a call stuck inside C code
(the error is raised once it returns to Python), and ``stage.memory`` and
``stage.recycle`` are not enforced (actors live for one window; Ray's own memory monitor
kills a worker that exhausts the node, which comes back as ``died``).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import pickle
import shutil
import socket
import threading
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from typing import TYPE_CHECKING, Any

from ..errors import EngineError, MissingDependencyError
from ..limits import MB
from ..timing import Timings
from ._local import LocalEngine, _groups, run_timed
from ._pool import Failure, cpu_count, describe_exception

if TYPE_CHECKING:
    from . import Stage

#: Batches one Ray Data execution runs at most (see the module's notes on window size).
WINDOW_BATCHES = 256
#: Bytes of pickled items one window holds at most.
WINDOW_BYTES = 64 * MB
#: The most object store a Ray started here gets (at most half of /dev/shm's free space).
OBJECT_STORE_BYTES = 1024 * MB
#: Ray refuses a smaller object store.
MIN_OBJECT_STORE_BYTES = 80 * MB
#: Restarts of a dead actor and retries of its task before Ray Data gives a block up.
MAX_RESTARTS = 2
MAX_TASK_RETRIES = 1
#: Seconds to wait for a cluster's address to accept a connection.
CONNECT_SECONDS = 5.0


def _import_ray():
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise MissingDependencyError("ray", "The Ray engine", "ray") from None
    return ray


def actor_cpus(cluster_cpus: float, actors: int) -> float:
    """The CPUs each of ``actors`` asks Ray for: together one fewer than the cluster has
    (half of one on a one-CPU cluster), and never more than one each."""
    spare = cluster_cpus - 1 if cluster_cpus >= 2 else cluster_cpus / 2
    return max(0.01, min(1.0, spare / max(1, actors)))


def object_store_bytes(shm: str = "/dev/shm") -> int | None:
    """The object store for a Ray started here, or None to leave Ray's default (and its
    store on disk) when /dev/shm is too small for any."""
    try:
        free = shutil.disk_usage(shm).free
    except OSError:
        return None
    size = min(OBJECT_STORE_BYTES, free // 2)
    return size if size >= MIN_OBJECT_STORE_BYTES else None


class _OverTime(BaseException):
    """Raised into a batch past its time; a BaseException, so a stage's own ``except
    Exception`` cannot swallow it."""


@contextlib.contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`_OverTime` in this thread once ``seconds`` have passed (at its next
    Python instruction: C code runs on until it returns)."""
    if seconds is None:
        yield
        return
    thread = ctypes.c_ulong(threading.get_ident())
    lock = threading.Lock()
    armed, fired = [True], [False]

    def expire() -> None:
        with lock:
            if armed[0]:
                fired[0] = True
                ctypes.pythonapi.PyThreadState_SetAsyncExc(thread, ctypes.py_object(_OverTime))

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            armed[0] = False
            timer.cancel()
            if fired[0]:  # not raised yet: take it back
                ctypes.pythonapi.PyThreadState_SetAsyncExc(thread, None)


def _attempt(stage: Stage, state: Any, batch: list) -> Failure | bytes:
    """One batch run once: its pickled :func:`run_timed` outcome or why it has none."""
    try:
        with _time_limit(stage.seconds):
            outcome = run_timed(stage.run, state, batch)
    except _OverTime:
        return Failure("timeout", f"took longer than {stage.seconds:g} s")
    except Exception as exc:
        return Failure("error", describe_exception(exc))
    try:
        return pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:
        return Failure("error", f"its result cannot be sent back: {describe_exception(exc)}")


def run_batch(stage: Stage, state: Any, batch: list) -> list[tuple[int, Failure | bytes]]:
    """What a worker sends back for one batch: ``(items covered, outcome)`` parts, one for
    the whole batch or, once it has failed, one per item, redone alone."""
    outcome = _attempt(stage, state, batch)
    if not isinstance(outcome, Failure) or len(batch) == 1:
        return [(len(batch), outcome)]
    return [(1, _attempt(stage, state, [item])) for item in batch]


class StageWorker:
    """A Ray actor's copy of a stage and what its ``setup`` made, made once per actor."""

    def __init__(self, stage_blob: bytes):
        self.stage = pickle.loads(stage_blob)
        self.state = self.stage.setup() if self.stage.setup else None

    def run(self, batch_blob: bytes) -> bytes:
        return pickle.dumps(run_batch(self.stage, self.state, pickle.loads(batch_blob)),
                            protocol=pickle.HIGHEST_PROTOCOL)

    def __call__(self, table):
        """Ray Data's call: a table of rows ``n``, ``batch`` in; ``n``, ``reply`` out."""
        import pyarrow as pa

        replies = [self.run(blob) for blob in table.column("batch").to_pylist()]
        return pa.table({"n": table.column("n"), "reply": pa.array(replies, pa.binary())})


class RayEngine:
    """Runs stages on a Ray cluster with Ray Data: joins the one at ``address`` (or
    ``RAY_ADDRESS``), uses the session already started in this process, or starts a Ray of
    this machine's cores for its own lifetime. ``jobs`` (default: the cluster's CPUs) is
    the number of actors a window runs on; ``window`` and ``window_bytes`` bound a window.
    """

    def __init__(self, address: str | None = None, jobs: int | None = None, *,
                 window: int = WINDOW_BATCHES, window_bytes: int = WINDOW_BYTES,
                 quiet: bool = True, connect_seconds: float = CONNECT_SECONDS):
        ray = _import_ray()
        self._ray = ray
        self.window = max(1, window)
        self.window_bytes = window_bytes
        self._owns_session = not ray.is_initialized()
        if self._owns_session:
            address = address or os.environ.get("RAY_ADDRESS") or None
            if address:
                _join(ray, address, quiet, connect_seconds)
            else:
                # "local": a Ray of its own even where `ray start` left a cluster running,
                # which plain ray.init() would join
                ray.init(address="local", num_cpus=cpu_count(), include_dashboard=False,
                         object_store_memory=object_store_bytes(),
                         **_quiet_init(quiet))
        if quiet:
            _quiet_ray_data()
        self.address = address
        self.cluster_cpus = float(ray.cluster_resources().get("CPU", 1))
        self.jobs = max(1, jobs or int(self.cluster_cpus))
        self._here = LocalEngine(1)

    def map_batches(self, stage: Stage, items: Iterable, *, batch_size: int = 1,
                    max_cost: int | None = None, cost: Callable[[Any], int] | None = None,
                    passthrough: Callable[[Any], bool] | None = None,
                    timings: Timings | None = None) -> Iterator[tuple[Any, Any]]:
        timings = timings if timings is not None else Timings()
        groups = _groups(items, batch_size, max_cost, cost, passthrough)
        windows = self._windows(groups)
        first = next(windows, None)
        if first is None:
            return
        second = next(windows, None)
        if second is None and not stage.isolated and [kind for kind, _, _ in first] == ["run"]:
            yield from self._here.map_batches(stage, first[0][1], batch_size=len(first[0][1]),
                                              timings=timings)
            return
        stage_blob = pickle.dumps(stage)
        for window in chain([first], [] if second is None else [second], windows):
            runs = [blob for kind, _, blob in window if kind == "run"]
            replies = self._run_window(stage_blob, runs) if runs else {}
            number = 0
            for kind, batch, _ in window:
                if kind == "pass":
                    yield from ((item, item) for item in batch)
                    continue
                yield from zip(batch, self._results(stage, timings, batch, replies[number]))
                number += 1

    def _windows(self, groups: Iterator) -> Iterator[list[tuple[str, list, bytes | None]]]:
        """The groups read ``window`` batches (or ``window_bytes``) at a time, each batch
        to run pickled as it is read."""
        window: list[tuple[str, list, bytes | None]] = []
        runs = held = 0
        for kind, batch in groups:
            blob = pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL) if kind == "run" else None
            window.append((kind, batch, blob))
            if blob is not None:
                runs += 1
                held += len(blob)
            if runs >= self.window or held >= self.window_bytes:
                yield window
                window, runs, held = [], 0, 0
        if window:
            yield window

    def _run_window(self, stage_blob: bytes, runs: list[bytes]) -> dict[int, list]:
        """Each batch's parts (see :func:`run_batch`), by batch number: one Ray Data
        execution, then the batches it lost redone one at a time."""
        ray = self._ray
        actors = min(self.jobs, len(runs))
        replies: dict[int, list] = {}
        with warnings.catch_warnings():
            # Ray Data warns of its own deprecated settings on every copy of its context, and
            # max_restarts and max_task_retries have no named parameter in Ray 2.60 yet
            warnings.simplefilter("ignore", DeprecationWarning)
            dataset = ray.data.from_items(
                [{"n": n, "batch": blob} for n, blob in enumerate(runs)],
                override_num_blocks=len(runs))
            context = dataset.context
            context.max_errored_blocks = -1  # a lost block is redone below, not fatal
            context.enable_progress_bars = False
            context.print_on_execution_start = False
            dataset = dataset.map_batches(
                StageWorker, fn_constructor_args=(stage_blob,), batch_size=1,
                batch_format="pyarrow", compute=ray.data.ActorPoolStrategy(
                    size=actors, max_tasks_in_flight_per_actor=1),
                num_cpus=actor_cpus(self.cluster_cpus, actors), max_restarts=MAX_RESTARTS,
                max_task_retries=MAX_TASK_RETRIES)
            try:
                for row in dataset.iter_rows():
                    replies[int(row["n"])] = pickle.loads(row["reply"])
            except ray.exceptions.RayError:
                pass  # what it did give is kept; the rest is redone
        lost = [n for n in range(len(runs)) if n not in replies]
        if lost:
            replies.update(self._redo(stage_blob, {n: runs[n] for n in lost}, actors))
        return replies

    def _redo(self, stage_blob: bytes, lost: dict[int, bytes], actors: int) -> dict[int, list]:
        """Batches run one at a time on each of ``actors`` plain Ray actors: a batch whose
        actor dies is redone item by item, and an item whose actor dies is
        ``Failure("died", ...)``. An actor that dies is replaced by a new one rather than
        restarted by Ray: a task sent to an actor Ray is restarting fails as "unavailable"
        though it never ran, which would blame an innocent item."""
        ray = self._ray
        worker_class = ray.remote(StageWorker).options(
            num_cpus=actor_cpus(self.cluster_cpus, actors), max_restarts=0,
            max_task_retries=0)
        idle = [worker_class.remote(stage_blob) for _ in range(min(actors, len(lost)))]
        todo = deque((n, None, blob) for n, blob in lost.items())
        running: dict[Any, tuple] = {}
        whole: dict[int, list] = {}
        alone: dict[int, dict[int, tuple]] = {}
        try:
            while todo or running:
                while todo and idle:
                    n, position, blob = todo.popleft()
                    worker = idle.pop()
                    running[worker.run.remote(blob)] = (worker, n, position, blob)
                (ref,), _ = ray.wait(list(running), num_returns=1)
                worker, n, position, blob = running.pop(ref)
                try:
                    parts = pickle.loads(ray.get(ref))
                except (ray.exceptions.RayActorError, ray.exceptions.WorkerCrashedError) as exc:
                    ray.kill(worker)
                    idle.append(worker_class.remote(stage_blob))
                    batch = pickle.loads(blob)
                    if position is None and len(batch) > 1:
                        alone[n] = {}
                        todo.extend((n, k, pickle.dumps([item], protocol=pickle.HIGHEST_PROTOCOL))
                                    for k, item in enumerate(batch))
                        continue
                    parts = [(1, Failure("died", _died(exc)))]
                else:
                    idle.append(worker)
                if position is None:
                    whole[n] = parts
                else:
                    alone[n][position] = parts[0]
        finally:
            for worker in idle + [held[0] for held in running.values()]:
                ray.kill(worker)
        for n, found in alone.items():
            whole[n] = [found[k] for k in sorted(found)]
        return whole

    @staticmethod
    def _results(stage: Stage, timings: Timings, batch: list, parts: list) -> list:
        """One batch's results from its parts, timed as the local engine times them."""
        results: list = []
        start = 0
        for count, outcome in parts:
            if isinstance(outcome, Failure):
                results.append(outcome)
            else:
                results += LocalEngine._record(stage, timings, batch[start:start + count],
                                               pickle.loads(outcome))
            start += count
        return results

    def close(self) -> None:
        """Stop what this engine started here; a Ray it only joined is left running."""
        self._here.close()
        if self._owns_session and self._ray.is_initialized():
            self._ray.shutdown()
        self._owns_session = False

    def __enter__(self) -> RayEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _died(exc: BaseException) -> str:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"its Ray worker died ({exc.__class__.__name__}{': ' + first if first else ''})"


def _quiet_init(quiet: bool) -> dict:
    return {"log_to_driver": False, "logging_level": logging.ERROR} if quiet else {}


def _quiet_ray_data() -> None:
    """Ray Data's notes (progress bars off, a block given up) are the engine's business:
    each shows up as a result."""
    logging.getLogger("ray.data").setLevel(logging.ERROR)
    logging.getLogger("ray.data._internal.execution.streaming_executor_state").setLevel(
        logging.CRITICAL)


def _join(ray, address: str, quiet: bool, seconds: float) -> None:
    """Join the cluster at ``address``, or raise :class:`EngineError` naming it."""
    host_port = address.split("://", 1)[-1]
    host, _, port = host_port.rpartition(":")
    if host and port.isdigit():
        try:
            socket.create_connection((host.strip("[]"), int(port)), timeout=seconds).close()
        except OSError as exc:
            raise EngineError(f"cannot reach the Ray cluster at {address!r}: "
                              f"{exc.strerror or describe_exception(exc)}",
                              address=address) from None
    try:
        ray.init(address=address, **_quiet_init(quiet))
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise EngineError(f"cannot join the Ray cluster at {address!r}: "
                          f"{describe_exception(exc)}", address=address) from None
