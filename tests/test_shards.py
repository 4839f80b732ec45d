"""Backfill shards: written by ``ingest --shards``, folded in by ``load``, through the CLI."""

import gzip
import json
import shutil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storyline.errors import Origin
from storyline.prepare import Prepared
from storyline.records import RawArticle
from storyline.shards import ShardWriter, read_shards
from tests.conftest import DATA, run_cli
from tests.snapshot import archive_snapshot, differences

BLOCK = "10"  # 34 articles: three shards of 10 and one of 4


@pytest.fixture(scope="module")
def slice_file(tmp_path_factory):
    """The first 34 articles of the GVC slice (incidents reported by several outlets)."""
    path = tmp_path_factory.mktemp("slice") / "gvc.jsonl"
    with gzip.open(DATA / "gvc-dev-slice.jsonl.gz", "rt", encoding="utf-8") as fh:
        path.write_text("".join(line for _, line in zip(range(34), fh)), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def direct(tmp_path_factory, slice_file):
    """The archive that ingesting the slice directly gives."""
    db = tmp_path_factory.mktemp("direct") / "direct.db"
    done = run_cli("ingest", str(slice_file), "-q", db=db)
    assert done.returncode == 0, done.stderr
    return archive_snapshot(db)


@pytest.fixture(scope="module")
def made(tmp_path_factory, slice_file):
    """The slice written to shards once (and the archive that taught the outlets' lines)."""
    root = tmp_path_factory.mktemp("sharded")
    db, shards = root / "b.db", root / "shards"
    done = run_cli("ingest", str(slice_file), "--shards", str(shards), "--shard-size", BLOCK, db=db)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().startswith(
        f"34 articles written to shards in {shards}, 0 already there")
    return db, shards


@pytest.fixture
def sharded(made, tmp_path):
    """A copy of the shards and their archive for one test to change."""
    db, shards = tmp_path / "b.db", tmp_path / "shards"
    shutil.copy(made[0], db)
    shutil.copytree(made[1], shards)
    return db, shards


def test_shards_loaded_give_the_archive_a_direct_ingest_gives(sharded, direct):
    db, shards = sharded
    assert sorted(p.name for p in shards.glob("*.done")) == [
        f"shard-00000{n}.done" for n in range(4)]
    assert archive_snapshot(db)["articles"] == []  # nothing stored until load
    done = run_cli("load", str(shards), db=db)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().startswith("34 new, 0 unchanged")
    assert differences(archive_snapshot(db), direct) == {}
    again = run_cli("load", str(shards), db=db)
    assert again.stdout.decode().startswith("0 new, 34 unchanged")
    assert differences(archive_snapshot(db), direct) == {}


def test_a_rerun_redoes_only_the_blocks_a_killed_run_did_not_finish(sharded, direct, slice_file):
    db, shards = sharded
    for path in shards.glob("shard-000002.*"):
        path.unlink()
    (shards / "shard-000002.parquet.tmp").write_bytes(b"PAR1 half a shard")
    (shards / "shard-000003.done").unlink()  # killed between the shard and its marker
    kept = {p.name: p.stat().st_mtime_ns for p in shards.glob("shard-00000[01].*")}
    done = run_cli("ingest", str(slice_file), "--shards", str(shards), "--shard-size", "3", db=db)
    assert done.returncode == 0, done.stderr
    # blocks 2 (10 articles) and 3 (the last 4) again, of 10 as the manifest says, not 3
    assert done.stdout.decode().startswith("14 articles written to shards in "
                                           f"{shards}, 20 already there"), done.stdout
    assert {p.name: p.stat().st_mtime_ns for p in shards.glob("shard-00000[01].*")} == kept
    assert not list(shards.glob("*.tmp"))
    assert run_cli("load", str(shards), db=db).returncode == 0
    assert differences(archive_snapshot(db), direct) == {}


def test_load_stops_before_a_shard_not_written_yet(sharded):
    db, shards = sharded
    (shards / "shard-000001.done").unlink()
    done = run_cli("load", str(shards), db=db)
    assert done.returncode == 1
    assert f"{shards / 'shard-000001'}: this shard is not written yet" in done.stderr.decode()
    assert done.stdout.decode().startswith("10 new")


def test_a_broken_shard_is_named_and_nothing_after_it_loaded(sharded):
    db, shards = sharded
    (shards / "shard-000001.parquet").write_bytes(b"not parquet at all")
    done = run_cli("load", str(shards), db=db)
    assert done.returncode == 1
    assert f"{shards / 'shard-000001.parquet'}: cannot read this shard" in done.stderr.decode()
    assert archive_snapshot(db)["articles"] == []  # the batch holding it was rolled back


def test_shards_of_other_settings_are_refused(sharded, tmp_path, slice_file):
    db, shards = sharded
    manifest = shards / "storyline-shards.json"
    found = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**found, "annotator": found["annotator"] + 1}))
    done = run_cli("load", str(shards), db=db)
    assert done.returncode == 1 and "made with other settings (annotator" in done.stderr.decode()
    other = tmp_path / "other"
    shutil.copytree(shards, other)
    again = run_cli("ingest", str(slice_file), "--shards", str(other), db=db)
    assert again.returncode == 1 and "write to a new directory" in again.stderr.decode()


def test_shard_columns_are_plain_data(sharded):
    import pyarrow.parquet as pq

    _, shards = sharded
    table = pq.read_table(shards / "shard-000000.parquet")
    assert table.num_rows == 10
    row = table.slice(0, 1).to_pylist()[0]
    annotation = json.loads(row["annotation"])
    assert annotation["article_id"] == row["id"] and annotation["revision"] == 0
    for sentence in annotation["sentences"]:
        assert row["body"][sentence["span"]["start"]:sentence["span"]["end"]] == sentence["text"]


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=40, deadline=None)
@given(text=_TEXT, title=st.none() | _TEXT, published=st.none() | st.just("2021-03-14"),
       line=st.none() | st.integers(1, 10**9), prepared=st.booleans(),
       metadata=st.dictionaries(st.text(max_size=5), st.integers() | _TEXT, max_size=3),
       bands=st.lists(st.tuples(st.integers(0, 30), st.integers(-2**63, 2**63 - 1)),
                      max_size=4),
       signature=st.none() | st.binary(max_size=16))
def test_a_shard_row_reads_back_as_it_was_written(tmp_path_factory, text, title, published,
                                                  line, prepared, metadata, bands, signature):
    directory = tmp_path_factory.mktemp("rows")
    raw = RawArticle(text=text, origin=Origin("in.jsonl", line), id="a1", title=title,
                     published=published, metadata=metadata, prepared=prepared)
    body = Prepared(text.strip() or "x", signature, bands)
    writer = ShardWriter(directory, {"annotator": 1})
    writer.add(0, raw, body)
    writer.add(1, RawArticle(text="second", origin=Origin("in.jsonl", 2), id="a2"), None)
    writer.close()
    first, second = list(read_shards(directory, {"annotator": 1}))
    assert (first.position, first.raw, first.prepared) == (0, raw, body)
    assert second.prepared is None and second.raw.text == "second"
