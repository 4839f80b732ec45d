"""Stages for the Ray engine's tests, in a module of their own: each Ray worker imports it
to unpickle them, and it imports next to nothing (no pytest, no spaCy)."""

import os
import time
from pathlib import Path

from storyline.engine import Stage


def square_all(state, batch, timings):
    """Squares; "raise" fails its batch, "kill" ends its worker process, "slow" never ends."""
    timings.count("items seen", len(batch))
    if "raise" in batch:
        raise ValueError("a bad item")
    if "kill" in batch:
        os._exit(3)
    if "slow" in batch:
        while True:
            time.sleep(0.05)
    return [item * item for item in batch]


def note_pid(path):
    with open(path, "a") as fh:
        fh.write(f"{os.getpid()}\n")
    return os.getpid()


def owner(state, batch, timings):
    return [(state, os.getpid()) for _ in batch]


def touch(path):
    Path(path).touch()


def ask_for_a_cpu(state, batch, timings):
    """Item ``(0, path)`` sends a task needing a whole CPU to touch ``path``; both items
    then wait for it, so that both actors are busy, without ``ray.get`` (a worker blocked
    there lends Ray its CPU): 1 if the task ran within 30 s, else 0."""
    import ray

    (number, path), = batch
    if number == 0:
        ray.remote(num_cpus=1)(touch).remote(path)
    deadline = time.monotonic() + 30
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.1)
    return [int(os.path.exists(path))]


SQUARE = Stage("square", square_all, isolated=True, seconds=1.5)
