"""The engine of one machine: stages on a pool of worker processes, or in this process."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, groupby
from typing import TYPE_CHECKING, Any

from ..limits import MB
from ..timing import Timings
from ._pool import Failure, WorkerPool, batches, describe_exception

if TYPE_CHECKING:
    from . import Stage

#: Batches (and megabytes of items) that may wait for a worker at once.
WINDOW = 64
MAX_PENDING = 64 * MB


def run_timed(run: Callable, state: Any, batch: list) -> tuple[list, float, Timings]:
    """One batch of a stage: its results, the seconds it took and what it timed inside;
    what a worker runs for each task."""
    timings = Timings()
    start = time.perf_counter()
    results = run(state, batch, timings)
    return results, time.perf_counter() - start, timings


def _run_group(run: Callable, state: Any, group: tuple[str, list]) -> tuple[list, float, Timings]:
    return run_timed(run, state, group[1])


class LocalEngine:
    """Runs stages on ``jobs`` worker processes of this machine.

    Each stage gets its own :class:`~storyline.engine._pool.WorkerPool`, started on first
    use and kept until :meth:`close`, so its workers load their model once for a whole
    ingest. A stage that is not ``isolated`` runs in this process when there is one job or
    only one batch to run (shipping a lone batch to a worker only adds the cost of sending
    it); the state its ``setup`` made here is kept for the next call.
    """

    def __init__(self, jobs: int = 1):
        self.jobs = max(1, jobs)
        self._pools: dict[Stage, WorkerPool] = {}
        self._states: dict[Stage, Any] = {}

    def map_batches(self, stage: Stage, items: Iterable, *, batch_size: int = 1,
                    max_cost: int | None = None, cost: Callable[[Any], int] | None = None,
                    passthrough: Callable[[Any], bool] | None = None,
                    timings: Timings | None = None) -> Iterator[tuple[Any, Any]]:
        timings = timings if timings is not None else Timings()
        groups = _groups(items, batch_size, max_cost, cost, passthrough)
        first = next(groups, None)
        if first is None:
            return
        second = next(groups, None)
        groups = chain([first], [] if second is None else [second], groups)
        if not stage.isolated and (self.jobs == 1 or second is None):
            yield from self._here(stage, groups, timings)
        else:
            yield from self._on_workers(stage, groups, timings, cost or _one)

    def _here(self, stage: Stage, groups: Iterator, timings: Timings) -> Iterator:
        state = self._state(stage)
        for kind, batch in groups:
            if kind == "pass":
                yield from ((item, item) for item in batch)
                continue
            try:
                results = self._record(stage, timings, batch, run_timed(stage.run, state, batch))
            except Exception as exc:
                if len(batch) == 1:
                    yield batch[0], Failure("error", describe_exception(exc))
                    continue
                yield from self._here(stage, iter([("run", [item]) for item in batch]), timings)
                continue
            yield from zip(batch, results)

    def _on_workers(self, stage: Stage, groups: Iterator, timings: Timings,
                    cost: Callable[[Any], int]) -> Iterator:
        pool = self._pool(stage)
        # a pool with a setup calls fn(state, item), one without fn(item): its state is None
        task = (functools.partial(_run_group, stage.run) if stage.setup
                else functools.partial(_run_group, stage.run, None))
        held: list[list] = []  # once a batch has failed, the rest waits for its retries
        failed: list[int] = []
        for (kind, batch), result in pool.map(
                task, groups, window=WINDOW, max_pending=MAX_PENDING,
                cost=lambda group: sum(map(cost, group[1])),
                local=lambda group: group[0] == "pass"):
            if kind == "pass":
                found = [[item, item] for item in batch]
            elif not isinstance(result, Failure):
                found = [list(pair) for pair in zip(batch, self._record(stage, timings, batch,
                                                                         result))]
            elif len(batch) == 1:
                found = [[batch[0], result]]
            else:  # one item failed its batch: each is redone alone once the pool is free
                failed += range(len(held), len(held) + len(batch))
                found = [[item, None] for item in batch]
            if failed:
                held += found
            else:
                yield from (tuple(pair) for pair in found)
        alone = (("run", [held[n][0]]) for n in failed)
        for n, ((_, batch), result) in zip(failed, pool.map(task, alone)):
            held[n][1] = (result if isinstance(result, Failure)
                          else self._record(stage, timings, batch, result)[0])
        yield from (tuple(pair) for pair in held)

    def _state(self, stage: Stage) -> Any:
        """What the stage's ``setup`` made in this process, made once and shared with the
        stage's pool (whose forked workers inherit it)."""
        if stage not in self._states:
            pool = self._pools.get(stage)
            if pool is not None and pool.state is not None:
                self._states[stage] = pool.state
            else:
                self._states[stage] = stage.setup() if stage.setup else None
        return self._states[stage]

    @staticmethod
    def _record(stage: Stage, timings: Timings, batch: list, result: tuple) -> list:
        results, seconds, inside = result
        timings.add(stage.name, seconds, len(batch))
        timings.merge(inside)
        return results

    def _pool(self, stage: Stage) -> WorkerPool:
        if stage not in self._pools:
            self._pools[stage] = WorkerPool(
                self.jobs, setup=stage.setup, preload=stage.preload, seconds=stage.seconds, memory=stage.memory,
                recycle=stage.recycle)
            self._pools[stage].state = self._states.get(stage)
        return self._pools[stage]

    def close(self) -> None:
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()
        self._states.clear()

    def __enter__(self) -> LocalEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _one(item: Any) -> int:
    return 1


def _never(item: Any) -> bool:
    return False


def _groups(items: Iterable, size: int, max_cost: int | None, cost, passthrough) -> Iterator:
    """``("run", batch)`` and ``("pass", [item])`` in the items' order: each run of items to
    run is cut by :func:`~storyline.engine._pool.batches`, and an item passed through ends
    the batch before it."""
    for passed, run in groupby(items, key=passthrough or _never):
        if passed:
            yield from (("pass", [item]) for item in run)
        else:
            yield from (("run", batch) for batch in batches(run, size, max_cost=max_cost,
                                                             cost=cost))
