"""Where a run spends its time, stage by stage, measured by the pipeline itself.

A caller that wants the figures hands a :class:`Timings` to ``Library.ingest`` (or to a
stage); the stages add their seconds and item counts to it. Benches read stage costs from
here instead of keeping a copy of the pipeline's composition that could drift from it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Timings:
    """Seconds and items per stage name, in the order stages first ran, and tallies of
    what the stages saw (words read, words parsed, ...) under ``counts``."""

    seconds: dict[str, float] = field(default_factory=dict)
    items: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, seconds: float, items: int = 0) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds
        self.items[name] = self.items.get(name, 0) + items

    def count(self, name: str, amount: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + amount

    @contextmanager
    def stage(self, name: str, items: int = 0) -> Iterator[None]:
        """Time the block as ``name``, counting ``items`` for it."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - start, items)

    def merge(self, other: Timings) -> None:
        """Add another run's figures (a worker's, say) to these."""
        for name, seconds in other.seconds.items():
            self.add(name, seconds, other.items.get(name, 0))
        for name, amount in other.counts.items():
            self.count(name, amount)

    def rate(self, name: str) -> float:
        """Items per second of one stage (0.0 when it took no time)."""
        seconds = self.seconds.get(name, 0.0)
        return self.items.get(name, 0) / seconds if seconds > 0 else 0.0

    def to_dict(self) -> dict:
        return {"stages": {name: {"seconds": round(seconds, 6), "items": self.items.get(name, 0)}
                           for name, seconds in self.seconds.items()},
                "counts": dict(self.counts)}
