import os
import signal
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storyline.engine._pool import Failure, WorkerPool, batches, private_memory

from .conftest import wait_for


def work(item):
    """What a task does, by what the item says: its square, or a way to fail."""
    kind, value = item
    if kind == "raise":
        raise ValueError(f"bad item {value}")
    if kind == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if kind == "segfault":
        import ctypes
        import faulthandler

        faulthandler.disable()  # pytest's, inherited by the fork: no dump in the test output
        ctypes.string_at(0)
    if kind == "exit":
        os._exit(3)
    if kind == "sleep":
        time.sleep(value)
    if kind == "unpicklable":
        return lambda: value
    return value * value


def results(pool, items, **kw):
    return [result for _, result in pool.map(work, items, **kw)]


def test_results_come_back_in_order_from_every_worker():
    items = [("square", n) for n in range(40)]
    with WorkerPool(2) as pool:
        assert results(pool, items, window=5) == [n * n for n in range(40)]


@pytest.mark.parametrize("kind, message", [
    ("raise", "ValueError: bad item 7"),
    ("kill", "its worker process died (SIGKILL)"),
    ("segfault", "its worker process died (SIGSEGV)"),
    ("exit", "its worker process died (exit code 3)"),
])
def test_a_failing_task_costs_only_itself(kind, message):
    items = [("square", n) for n in range(6)] + [(kind, 7)] + [("square", n) for n in range(6, 12)]
    with WorkerPool(2) as pool:
        found = results(pool, items)
    failure = found.pop(6)
    assert isinstance(failure, Failure) and failure.message == message
    assert failure.kind == ("error" if kind == "raise" else "died")
    assert found == [n * n for n in range(12)]


def test_a_task_past_its_time_is_stopped_and_its_worker_replaced():
    items = [("square", 2), ("sleep", 60), ("square", 3), ("square", 4)]
    started = time.monotonic()
    with WorkerPool(1, seconds=1.0) as pool:
        found = results(pool, items)
        assert pool.replaced == 1
    assert time.monotonic() - started < 15
    assert found[0] == 4 and found[2:] == [9, 16]
    assert found[1] == Failure("timeout", "took longer than 1 s")


def test_memory_limit_stops_a_slow_grower():
    """Memory that grows while the task runs is read and the worker stopped in time."""
    with WorkerPool(1, memory=100 << 20) as pool:
        found = [r for _, r in pool.map(_grow_slowly, [400, 2])]
    assert found == [Failure("memory", "needed more than 100 MB of memory"), 2]


def _grow_slowly(megabytes):
    chunks = []
    for _ in range(megabytes):
        chunks.append(bytearray(1 << 20))
        time.sleep(0.005)
    return len(chunks)


def test_a_result_that_cannot_be_pickled_is_a_failure():
    with WorkerPool(1) as pool:
        found = results(pool, [("unpicklable", 1), ("square", 3)])
    assert isinstance(found[0], Failure) and "cannot be sent back" in found[0].message
    assert found[1] == 9


def test_local_items_pass_through_in_their_place():
    items = ["a", ("square", 2), "b", ("square", 3), "c"]
    with WorkerPool(2) as pool:
        pairs = list(pool.map(work, items, local=lambda item: isinstance(item, str)))
    assert [r for _, r in pairs] == ["a", 4, "b", 9, "c"]
    assert [i for i, _ in pairs] == items


def test_no_worker_starts_for_a_stream_without_tasks():
    with WorkerPool(2) as pool:
        assert results(pool, ["x", "y"], local=lambda item: True) == ["x", "y"]
        assert pool._workers == []


def test_a_worker_killed_from_outside_loses_only_its_task():
    """As the out-of-memory killer would: kill the worker while it works."""
    with WorkerPool(2) as pool:
        stream = pool.map(work, [("square", 1), ("sleep", 30), ("square", 2)])
        assert next(stream)[1] == 1
        # the task numbered 1 sleeps
        busy = wait_for(lambda: [w for w in pool._workers if w.task == 1], 30, 0.05)
        os.kill(busy[0].process.pid, signal.SIGKILL)
        rest = [r for _, r in stream]
    assert rest == [Failure("died", "its worker process died (SIGKILL)"), 4]


def test_abandoning_a_map_stops_the_busy_workers():
    with WorkerPool(2) as pool:
        stream = pool.map(work, [("square", 1), ("sleep", 30), ("sleep", 30)])
        assert next(stream)[1] == 1
        stream.close()
        assert all(w.task is None for w in pool._workers)
        assert results(pool, [("square", 5)]) == [25]


def test_window_bounds_what_is_read_ahead():
    pulled = []

    def source():
        for n in range(100):
            pulled.append(n)
            yield ("square", n)

    with WorkerPool(2) as pool:
        stream = pool.map(work, source(), window=4)
        next(stream)
        assert len(pulled) <= 6
        stream.close()


def test_pending_cost_bounds_what_is_read_ahead():
    pulled = []

    def source():
        for n in range(100):
            pulled.append(n)
            yield ("square", n)

    with WorkerPool(1) as pool:
        stream = pool.map(work, source(), window=64, max_pending=3, cost=lambda item: 1)
        next(stream)
        assert len(pulled) <= 4
        stream.close()


def test_private_memory_is_read_for_a_live_process():
    assert private_memory(os.getpid()) > 0
    assert private_memory(2 ** 22 + 12345) is None


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 50), max_size=60), st.integers(1, 7), st.integers(0, 200))
def test_batches_keep_every_item_in_order_and_bound_each_batch(costs, size, max_cost):
    found = list(batches(costs, size, max_cost=max_cost or None, cost=lambda c: c))
    assert [c for batch in found for c in batch] == costs
    for batch in found:
        assert 1 <= len(batch) <= size
        if max_cost:
            assert sum(batch[:-1]) < max_cost


def test_a_worker_grown_past_its_recycle_size_is_replaced_between_tasks():
    with WorkerPool(1, recycle=150 << 20) as pool:
        found = [r for _, r in pool.map(_hold, [200, 1, 1])]
        assert found == [200, 1, 1]
        assert pool.recycled == 1 and pool.replaced == 0


_held = []


def _hold(megabytes):
    """Keep memory after the task, as a worker's heap does."""
    _held.append(bytearray(megabytes << 20))
    return megabytes
