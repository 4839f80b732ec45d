"""One archive, whatever engine built it: the committed slices ingested through the CLI on
this machine's processes, on a Ray started for the run, and on a Ray cluster given by its
address (through shards and ``load``), compared table by table."""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import DATA, ROOT, run_cli
from tests.snapshot import archive_snapshot, differences

SLICES = [str(DATA / name) for name in (
    "gvc-dev-slice.jsonl.gz", "polnear-dev-slice.jsonl.gz", "ecbplus-dev-slice.jsonl.gz",
    "extraction-dev-slice.jsonl.gz")]
RAY = str(Path(sys.executable).with_name("ray"))


def _no_ray_address() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    return env


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    db = tmp_path_factory.mktemp("local") / "local.db"
    done = run_cli("ingest", *SLICES, "-j", "2", "-q", db=db)
    assert done.returncode == 0, done.stderr
    found = archive_snapshot(db)
    assert len(found["articles"]) == 225 and len(found["quotes"]) > 100
    assert len(found["stories"]) > 20 and found["minhash"]
    return found


def test_a_ray_started_for_the_run_builds_the_same_archive(local, tmp_path):
    db = tmp_path / "ray.db"
    done = run_cli("ingest", *SLICES, "--engine", "ray", "-q", db=db, env=_no_ray_address())
    assert done.returncode == 0, done.stderr
    assert differences(archive_snapshot(db), local) == {}


@pytest.fixture
def cluster():
    """A Ray cluster of its own, as `ray start --head` makes one on a real head node (its
    directory short: Ray's socket paths must fit in 107 characters)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = Path(tempfile.mkdtemp(prefix="ray-", dir="/tmp"))
    # a cluster's nodes and drivers share one token, as the README says to set it up
    env = {**_no_ray_address(), "RAY_TMPDIR": str(root), "RAY_AUTH_MODE": "token",
           "RAY_AUTH_TOKEN": secrets.token_hex(16)}
    started = subprocess.run(
        [RAY, "start", "--head", "--node-ip-address", "127.0.0.1", "--port", str(port),
         "--num-cpus", "2", "--include-dashboard", "false", "--disable-usage-stats",
         "--object-store-memory", str(300 * 2**20), "--temp-dir", str(root)],
        capture_output=True, env=env, timeout=120)
    assert started.returncode == 0, started.stderr
    try:
        yield f"127.0.0.1:{port}", env
    finally:
        subprocess.run([RAY, "stop", "--force"], capture_output=True, env=env, timeout=120)
        shutil.rmtree(root, ignore_errors=True)


def test_a_cluster_given_by_address_writes_shards_that_load_into_the_same_archive(
        local, cluster, tmp_path):
    address, env = cluster
    db, shards = tmp_path / "cluster.db", tmp_path / "shards"
    done = run_cli("ingest", *SLICES, "--engine", "ray", "--ray-address", address,
                   "--shards", str(shards), "--shard-size", "100", db=db, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().startswith(f"225 articles written to shards in {shards}")
    assert sorted(p.name for p in shards.glob("*.done")) == [
        "shard-000000.done", "shard-000001.done", "shard-000002.done"]
    loaded = run_cli("load", str(shards), "-q", db=db)
    assert loaded.returncode == 0, loaded.stderr
    assert differences(archive_snapshot(db), local) == {}


def test_an_address_nothing_listens_on_is_named(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = run_cli("ingest", SLICES[1], "--engine", "ray", "--ray-address",
                   f"127.0.0.1:{port}", db=tmp_path / "x.db", env=_no_ray_address())
    assert done.returncode == 1
    assert f"127.0.0.1:{port}" in done.stderr.decode()
    assert "Traceback" not in done.stderr.decode()
