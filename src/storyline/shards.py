"""Parquet shards of a backfill: the cluster's work kept on disk until the archive folds it in.

``storyline ingest --shards DIR`` writes each block of :data:`BLOCK_ITEMS` consecutive
inputs as one shard: the raw article, its clean body, its near-duplicate signature and its
annotation, one row per article, as plain Arrow columns (readable by pyarrow, pandas or
DuckDB). A shard is written to a temporary name, renamed, and only then marked done
(``shard-000012.done``, as datatrove marks completed tasks), so a killed backfill leaves no
half shard that counts, and re-running it skips the blocks already done. ``storyline load
DIR`` then folds the done shards into the archive in order, through the same writer as
``ingest``: which original a copy repeats, new revisions, stories. ``storyline-shards.json``
records what the shards were made with; shards of another annotator or near-duplicate
setting are refused rather than mixed.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, MissingDependencyError, Origin
from .prepare import Prepared
from .records import RawArticle, annotation_from_dict

#: Inputs per shard (errors and skipped records count, so blocks are the same on a re-run).
BLOCK_ITEMS = 1000
MANIFEST = "storyline-shards.json"
FORMAT = 1
_SHARD = re.compile(r"^shard-(\d{6})\.done$")


def _arrow():
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError as exc:
        raise MissingDependencyError(
            f"shards need pyarrow: pip install 'storyline[ray]' ({exc})") from exc
    return pyarrow


def _schema(pa):
    text = pa.string()
    return pa.schema([
        ("position", pa.int64()), ("id", text), ("outlet", text), ("title", text),
        ("url", text), ("published", text), ("text", text), ("prepared", pa.bool_()),
        ("metadata", text), ("origin_path", text), ("origin_line", pa.int64()),
        ("origin_record", pa.int64()), ("body", text), ("signature", pa.binary()),
        ("bands", text), ("annotation", text),
    ])


def shard_name(block: int) -> str:
    return f"shard-{block:06d}"


@dataclass(frozen=True)
class ShardRow:
    """One article of a shard: the input as read, and what the cluster made of it (no
    ``prepared`` for an input the archive already held as it was when it was read)."""

    position: int
    raw: RawArticle
    prepared: Prepared | None


def _check_manifest(directory: Path, settings: dict, *, create: bool) -> dict:
    path = directory / MANIFEST
    if path.exists():
        try:
            found = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise InputError(Origin(str(path)), f"cannot read the shards' manifest: {exc}")
        if create:
            mismatched = {k: (found.get(k), v) for k, v in settings.items()
                          if found.get(k) != v}
            if mismatched:
                said = ", ".join(f"{k} {a!r} here, {b!r} now" for k, (a, b) in mismatched.items())
                raise InputError(Origin(str(directory)),
                                 f"these shards were made with other settings ({said}): "
                                 "write to a new directory")
        return found
    if not create:
        raise InputError(Origin(str(directory)),
                         f"no shards here (no {MANIFEST}): write them with "
                         "`storyline ingest --shards DIR`")
    directory.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(settings, indent=1, sort_keys=True))
    os.replace(tmp, path)
    return settings


class ShardWriter:
    """Collects the rows of one block at a time and writes each block as a done shard."""

    def __init__(self, directory: Path, settings: dict, block_items: int = BLOCK_ITEMS):
        self.pa = _arrow()
        self.directory = Path(directory)
        manifest = self.directory / MANIFEST
        if manifest.exists():  # a backfill resumed keeps the blocks it started with
            block_items = _check_manifest(self.directory, {}, create=False).get(
                "block_items", block_items)
        self.block_items = block_items
        _check_manifest(self.directory, {**settings, "format": FORMAT,
                                         "block_items": block_items}, create=True)
        self.before = {int(m.group(1)) for p in self.directory.iterdir()
                       if (m := _SHARD.match(p.name))}
        self.block: int | None = None
        self.rows: list[ShardRow] = []
        self.written = 0
        self.articles = 0

    def done(self, position: int) -> bool:
        """True when the block holding this input position was written by an earlier run."""
        return position // self.block_items in self.before

    def add(self, position: int, raw: RawArticle | None, prepared: Prepared | None) -> None:
        """Note that input ``position`` was seen, with its row (None for an input that
        holds no article); a block is written once an input past it arrives."""
        block = position // self.block_items
        if block != self.block:
            self.flush()
            self.block = block
        if raw is not None:
            self.rows.append(ShardRow(position, raw, prepared))

    def flush(self) -> None:
        if self.block is None or self.done(self.block * self.block_items):
            self.rows = []
            return
        pa = self.pa
        name = shard_name(self.block)
        columns = {field.name: [] for field in _schema(pa)}
        for row in self.rows:
            raw, prepared = row.raw, row.prepared
            values = {
                "position": row.position, "id": raw.article_id(), "outlet": raw.outlet,
                "title": raw.title, "url": raw.url, "published": raw.published,
                "text": raw.text, "prepared": raw.prepared,
                "metadata": json.dumps(raw.metadata, default=str),
                "origin_path": raw.origin.path, "origin_line": raw.origin.line,
                "origin_record": raw.origin.record,
                "body": prepared.body if prepared else None,
                "signature": prepared.signature if prepared else None,
                "bands": json.dumps(prepared.bands) if prepared else None,
                "annotation": (json.dumps(prepared.annotation.to_dict())
                               if prepared and prepared.annotation else None),
            }
            for key, value in values.items():
                columns[key].append(value)
        table = pa.table(columns, schema=_schema(pa))
        tmp = self.directory / f"{name}.parquet.tmp"
        pa.parquet.write_table(table, tmp)
        os.replace(tmp, self.directory / f"{name}.parquet")
        marker = self.directory / f"{name}.done"
        marker.with_suffix(".tmp").write_text(json.dumps({"rows": len(self.rows)}))
        os.replace(marker.with_suffix(".tmp"), marker)
        self.written += 1
        self.articles += len(self.rows)
        self.rows = []

    def close(self) -> None:
        self.flush()
        self.block = None


def done_shards(directory: Path) -> tuple[list[Path], int | None]:
    """The done shards of a directory in order, up to the first block that is not done, and
    that block's number (None when every block up to the last done one is there)."""
    numbers = sorted(int(m.group(1)) for p in Path(directory).iterdir()
                     if (m := _SHARD.match(p.name)))
    found = []
    for expected, number in enumerate(numbers):
        if number != expected:
            return found, expected
        found.append(Path(directory) / f"{shard_name(number)}.parquet")
    return found, None


def read_shards(directory: Path, settings: dict) -> Iterator[ShardRow]:
    """Every row of the done shards, in input order. Raises :class:`InputError` for shards
    made with other settings, or a shard that cannot be read (naming it)."""
    pa = _arrow()
    directory = Path(directory)
    found = _check_manifest(directory, settings, create=False)
    mismatched = [k for k, v in settings.items() if found.get(k) != v]
    if mismatched:
        raise InputError(Origin(str(directory)),
                         "these shards were made with other settings ("
                         + ", ".join(f"{k} {found.get(k)!r}, this archive {settings[k]!r}"
                                     for k in mismatched) + ")")
    shards, _ = done_shards(directory)
    for path in shards:
        try:
            table = pa.parquet.read_table(path)
        except Exception as exc:
            raise InputError(Origin(str(path)), f"cannot read this shard: {exc}") from exc
        for values in table.to_pylist():
            yield _row(values)


def _row(values: dict) -> ShardRow:
    raw = RawArticle(
        text=values["text"],
        origin=Origin(values["origin_path"], values["origin_line"], values["origin_record"]),
        id=values["id"], outlet=values["outlet"], title=values["title"], url=values["url"],
        published=values["published"], metadata=json.loads(values["metadata"] or "{}"),
        prepared=values["prepared"])
    prepared = None
    if values["body"] is not None:
        annotation = (annotation_from_dict(json.loads(values["annotation"]), values["body"])
                      if values["annotation"] else None)
        prepared = Prepared(values["body"], values["signature"],
                            [tuple(band) for band in json.loads(values["bands"] or "[]")],
                            annotation)
    return ShardRow(values["position"], raw, prepared)
