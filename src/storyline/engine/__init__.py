"""The execution seam: pure stages run over batches by an engine, locally or elsewhere.

A :class:`Stage` is a plain function over a batch of records plus what a worker needs to
own to run it (its ``setup``: the spaCy model for annotation) and the limits a batch is
held to. An engine runs a stage over a stream of items and gives back one result per item,
in order: the stage's output or a :class:`Failure` saying why that one item has none. The
stages know nothing of processes, and nothing outside this package starts one.
:class:`LocalEngine` is the engine on this machine, over :class:`~storyline.engine._pool.WorkerPool`;
:class:`RayEngine` runs the same stages on a Ray cluster (imported on first use, so that
``import storyline`` never imports Ray); :func:`make_engine` picks one by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ..timing import Timings
from ._local import LocalEngine
from ._pool import Failure, batches, cpu_count, describe_exception

if TYPE_CHECKING:
    from ._ray import RayEngine

__all__ = ["Engine", "Failure", "LocalEngine", "RayEngine", "Stage", "batches", "cpu_count",
           "describe_exception", "make_engine"]

ENGINE_KINDS = ("local", "ray")


def __getattr__(name: str) -> Any:
    if name == "RayEngine":
        from ._ray import RayEngine

        return RayEngine
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class Stage:
    """A pure function an engine runs over batches: ``run(state, batch, timings)`` returns
    one result per item of ``batch``; ``state`` is what ``setup()`` returned in the worker
    running it (None without a ``setup``), and ``timings`` a :class:`~storyline.timing.Timings`
    the function may add sub-stages to. Both must be module-level functions, so that a
    stage can be sent to a worker process.

    ``isolated`` stages always run in a worker (even on one job), each batch held to
    ``seconds`` and ``memory``: a page that hangs or balloons costs itself. A worker grown
    past ``recycle`` bytes is replaced between batches; ``preload`` names modules a fresh
    worker process should import once.
    """

    name: str
    run: Callable[[Any, list, Timings], list]
    setup: Callable[[], Any] | None = None
    isolated: bool = False
    seconds: float | None = None
    memory: int | None = None
    recycle: int | None = None
    preload: tuple[str, ...] = ()


class Engine(Protocol):
    """What runs stages: :class:`LocalEngine` here, a cluster's engine elsewhere."""

    jobs: int

    def map_batches(self, stage: Stage, items: Iterable, *, batch_size: int = 1,
                    max_cost: int | None = None, cost: Callable[[Any], int] | None = None,
                    passthrough: Callable[[Any], bool] | None = None,
                    timings: Timings | None = None) -> Iterator[tuple[Any, Any]]:
        """``(item, result)`` for every item, in order; ``result`` is the stage's output for
        it or a :class:`Failure`. Items are cut into batches of ``batch_size`` (ending early
        once their ``cost`` reaches ``max_cost``); a batch that fails is redone item by item,
        so a failure belongs to the one item that caused it. Items for which
        ``passthrough(item)`` is true are not run: they come back as ``(item, item)``."""
        ...

    def close(self) -> None:
        """Stop the workers (an engine is reusable until then)."""
        ...


def make_engine(kind: str, jobs: int | None = None, address: str | None = None) -> Engine:
    """The engine called ``kind``: ``local`` on ``jobs`` processes (default: every core),
    ``ray`` on the Ray cluster at ``address`` (default: ``RAY_ADDRESS``, else a Ray of
    this machine started for it) with ``jobs`` actors (default: the cluster's CPUs)."""
    if kind == "local":
        return LocalEngine(jobs or cpu_count())
    if kind == "ray":
        from ._ray import RayEngine

        return RayEngine(address, jobs)
    raise ValueError(f"unknown engine {kind!r}: choose one of {', '.join(ENGINE_KINDS)}")
