"""storyline.engine.RayEngine: the same results as LocalEngine, in order, over windows of
Ray Data executions, with a failure (an error, a dead worker, a batch past its time) costing
only its item. One Ray session of 2 CPUs serves the whole file (``ray_session``)."""

import functools
import json
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storyline.dedup import DedupSettings
from storyline.engine import Failure, LocalEngine, Stage, make_engine
from storyline.errors import Origin
from storyline.limits import Limits
from storyline.prepare import preparation_stage
from storyline.records import RawArticle
from storyline.timing import Timings

from .stages import SQUARE, ask_for_a_cpu, note_pid, owner

ROOT = Path(__file__).resolve().parents[2]


#: six batches of 3 (two windows of 3 batches), passthrough items between them
MIXED = [1, 2, "skip", 3, 4, "raise", 5, 6, 7, 8, "kill", 9, 10, "slow", 11, "skip", 12, 13, 14]


def skipped(item):
    return item == "skip"


@pytest.fixture(scope="module")
def engine(ray_session):
    from storyline.engine import RayEngine

    with RayEngine(window=3) as engine:
        yield engine
    assert ray_session.is_initialized()  # a session it did not start is left running


@pytest.fixture(scope="module")
def mixed_run(engine):
    """MIXED on Ray and on the local engine, with the timings each took."""
    found = {}
    for name, runner in (("ray", engine), ("local", LocalEngine(2))):
        timings = Timings()
        found[name] = (list(runner.map_batches(SQUARE, MIXED, batch_size=3, passthrough=skipped,
                                               timings=timings)), timings)
        if name == "local":
            runner.close()
    return found


def test_results_and_timings_equal_the_local_engines(mixed_run):
    (ray_found, ray_timings), (local_found, local_timings) = mixed_run["ray"], mixed_run["local"]
    assert [(i, r.kind if isinstance(r, Failure) else r) for i, r in ray_found] == [
        (i, r.kind if isinstance(r, Failure) else r) for i, r in local_found]
    assert ray_timings.items == local_timings.items == {"square": 14}
    assert ray_timings.counts == local_timings.counts


def test_order_holds_across_windows_and_passthrough_keeps_its_place(mixed_run):
    found, _ = mixed_run["ray"]
    assert [item for item, _ in found] == MIXED
    assert [result for item, result in found if item == "skip"] == ["skip", "skip"]
    assert [result for item, result in found if isinstance(item, int)] == [
        n * n for n in MIXED if isinstance(n, int)]


def test_an_item_that_raises_fails_alone(mixed_run):
    found = dict(mixed_run["ray"][0])
    assert found["raise"] == Failure("error", "ValueError: a bad item")
    assert (found[4], found[5]) == (16, 25)  # its batch: 4, "raise", 5


def test_a_worker_that_dies_costs_only_its_item(mixed_run):
    found = dict(mixed_run["ray"][0])
    assert found["kill"].kind == "died" and "died" in found["kill"].message
    assert (found[8], found[9]) == (64, 81)  # its batch: 8, "kill", 9


def test_setup_runs_once_per_actor_not_per_batch(engine, tmp_path):
    pids = tmp_path / "setups"
    stage = Stage("owned", owner, setup=functools.partial(note_pid, str(pids)))
    engine.window = 100
    try:
        found = [result for _, result in engine.map_batches(stage, list(range(12)))]
    finally:
        engine.window = 3
    setups = pids.read_text().split()
    workers = {pid for _, pid in found}
    assert os.getpid() not in workers
    assert sorted(setups) == sorted(str(pid) for pid in workers) and len(setups) <= 2
    assert all(state == pid for state, pid in found)


def test_a_batch_past_its_time_fails_alone(mixed_run):
    found = dict(mixed_run["ray"][0])
    assert found["slow"] == Failure("timeout", "took longer than 1.5 s")
    assert (found[10], found[11]) == (100, 121)  # its batch: 10, "slow", 11


def test_the_actors_leave_a_cpu_for_other_tasks(engine, tmp_path):
    """On 2 CPUs, two actors asking a whole CPU each leave none: the task would wait."""
    items = [(0, str(tmp_path / "ran")), (1, str(tmp_path / "ran"))]
    assert [r for _, r in engine.map_batches(Stage("ask", ask_for_a_cpu), items)] == [1, 1]


def test_the_preparation_stage_gives_what_it_gives_here(engine):
    with open(ROOT / "examples" / "seed-pair" / "seed-pair.jsonl", encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh]
    raws = [RawArticle(text=r["text"], origin=Origin("seed-pair.jsonl", line=n), id=r["id"],
                       title=r.get("title"), published=r.get("published"))
            for n, r in enumerate(records, 1)]
    raws.append(RawArticle(text="Too short.", origin=Origin("x.jsonl", line=1), id="short"))
    items = [(raw, set()) for raw in raws * 2]
    stage = preparation_stage(DedupSettings(), Limits())
    with LocalEngine(1) as local:
        expected = [r for _, r in local.map_batches(stage, items, batch_size=2)]
    found = [r for _, r in engine.map_batches(stage, items, batch_size=2)]
    assert [type(r).__name__ for r in found] == ["Prepared", "Prepared", "InputError"] * 2
    assert [str(r) if isinstance(r, Exception) else r for r in found] == [
        str(r) if isinstance(r, Exception) else r for r in expected]


def test_make_engine_names_both(ray_session):
    local = make_engine("local", 3, None)
    assert isinstance(local, LocalEngine) and local.jobs == 3
    with make_engine("ray", None, None) as engine:
        assert type(engine).__name__ == "RayEngine" and engine.jobs == 2
    with pytest.raises(ValueError, match="local, ray"):
        make_engine("spark", None, None)


def _python(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("RAY_ADDRESS", None)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=120)


def test_an_address_nothing_listens_on_is_named():
    import socket

    with socket.socket() as sock:  # a port that was free a moment ago
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code = (f"import pickle\nfrom storyline.engine import RayEngine\nfrom storyline.errors "
            f"import EngineError\ntry:\n    RayEngine('127.0.0.1:{port}')\nexcept EngineError "
            f"as e:\n    again = pickle.loads(pickle.dumps(e))\n    print(type(again).__name__, "
            f"again.address, again)\n")
    start = time.monotonic()
    done = _python(code)
    assert time.monotonic() - start < 60
    assert done.stdout.startswith(f"EngineError 127.0.0.1:{port} cannot reach the Ray "
                                  f"cluster at '127.0.0.1:{port}'"), done.stderr[-2000:]


def test_importing_storyline_does_not_import_ray():
    done = _python("import sys, storyline, storyline.engine\nprint('ray' in sys.modules)")
    assert done.stdout.strip() == "False", done.stderr[-2000:]


def test_a_failure_pickles_as_it_is():
    failure = Failure("died", "its Ray worker died (ActorDiedError)")
    assert pickle.loads(pickle.dumps(failure)) == failure
