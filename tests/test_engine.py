"""storyline.engine: LocalEngine runs a stage over batches in order, attributes a failure to
the one item that caused it, and gives each worker its own state."""

import os
import signal

import pytest

from storyline.engine import Failure, LocalEngine, Stage
from storyline.timing import Timings


def square_all(state, batch, timings):
    """Squares; an item "raise" fails its batch, "kill" kills its worker."""
    timings.count("items seen", len(batch))
    if "raise" in batch:
        raise ValueError("a bad item")
    if "kill" in batch:
        os.kill(os.getpid(), signal.SIGKILL)
    return [item * item for item in batch]


def owner(state, batch, timings):
    return [(state, os.getpid()) for _ in batch]


def make_state():
    return {"made in": os.getpid()}


SQUARE = Stage("square", square_all)
OWNED = Stage("owned", owner, setup=make_state)


@pytest.mark.parametrize("jobs", [1, 2])
def test_results_come_back_in_order_one_per_item(jobs):
    items = list(range(23))
    timings = Timings()
    with LocalEngine(jobs) as engine:
        found = list(engine.map_batches(SQUARE, items, batch_size=4, timings=timings))
    assert found == [(n, n * n) for n in items]
    assert timings.items["square"] == 23 and timings.counts["items seen"] == 23


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_failed_batch_is_redone_item_by_item(jobs):
    items = [1, 2, "raise", 4, 5, 6, 7, 8]
    with LocalEngine(jobs) as engine:
        found = dict(engine.map_batches(SQUARE, items, batch_size=4))
    assert found["raise"] == Failure("error", "ValueError: a bad item")
    assert [found[n] for n in (1, 2, 4, 5, 6, 7, 8)] == [1, 4, 16, 25, 36, 49, 64]


def test_a_worker_that_dies_costs_only_its_item():
    items = [1, 2, 3, "kill", 5, 6, 7, 8, 9, 10]
    with LocalEngine(2) as engine:
        found = list(engine.map_batches(SQUARE, items, batch_size=3))
    assert [item for item, _ in found] == items
    assert found[3][1].kind == "died"
    assert [result for item, result in found if item != "kill"] == [1, 4, 9, 25, 36, 49, 64,
                                                                     81, 100]


def test_passthrough_items_keep_their_place():
    items = [1, "skip", 2, 3, "skip", 4]
    with LocalEngine(2) as engine:
        found = list(engine.map_batches(SQUARE, items, batch_size=2,
                                        passthrough=lambda item: item == "skip"))
    assert found == [(1, 1), ("skip", "skip"), (2, 4), (3, 9), ("skip", "skip"), (4, 16)]


def test_an_isolated_stage_runs_in_a_worker_even_on_one_job():
    stage = Stage("isolated", owner, setup=make_state, isolated=True)
    with LocalEngine(1) as engine:
        ((_, (state, pid)),) = engine.map_batches(stage, ["x"])
    assert pid != os.getpid()


def test_one_batch_runs_here_with_state_made_once():
    with LocalEngine(2) as engine:
        first = [r for _, r in engine.map_batches(OWNED, ["a", "b"], batch_size=4)]
        again = [r for _, r in engine.map_batches(OWNED, ["c"], batch_size=4)]
    assert {pid for _, pid in first + again} == {os.getpid()}
    assert first[0][0] is again[0][0]


def test_workers_own_the_state_setup_made():
    with LocalEngine(2) as engine:
        found = [r for _, r in engine.map_batches(OWNED, list(range(8)), batch_size=1)]
    pids = {pid for _, pid in found}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2
    assert all(state == {"made in": state["made in"]} for state, _ in found)


def test_an_empty_stream_gives_nothing():
    with LocalEngine(2) as engine:
        assert list(engine.map_batches(SQUARE, [])) == []
