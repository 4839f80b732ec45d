"""Batches and worker processes, shared by HTML extraction and annotation."""

from __future__ import annotations

import functools
import sys

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from itertools import islice
from typing import TypeVar

T = TypeVar("T")


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of ``size`` items (the last may be shorter)."""
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def _die_with_parent(initializer: Callable[[], object] | None = None) -> None:
    """Ask Linux to end this worker when the process that made it dies, even by ``kill -9``
    (otherwise orphaned workers wait on their queue for ever); then run ``initializer``."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if initializer is not None:
        initializer()


def process_pool(jobs: int, *, preload: Sequence[str] = (),
                 initializer: Callable[[], object] | None = None) -> ProcessPoolExecutor:
    """Workers forked from this process when that is safe, else a forkserver that imports
    ``preload`` once, else spawned. ``initializer`` runs in each worker; before forking it
    runs here first, so the workers start with what it loaded. Workers end with this process."""
    import multiprocessing
    import threading

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        if initializer is not None:
            initializer()
        context = multiprocessing.get_context("fork")
    elif "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        if preload:
            context.set_forkserver_preload(list(preload))
    else:
        context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context,
                               initializer=functools.partial(_die_with_parent, initializer))
