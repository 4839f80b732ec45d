"""Readers: every input format becomes the same :class:`~storyline.records.RawArticle`.

One module per format (txt, jsonl, html, feed, warc). :func:`read_inputs` walks paths,
picks a reader by extension (or by sniffing the first bytes), and yields articles and
:class:`~storyline.errors.InputError` values side by side, so that one bad record never
stops the rest of a batch.
"""

from __future__ import annotations

import gzip
import io
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable

from ..engine import Engine, LocalEngine
from ..errors import InputError, LimitError, Origin
from ..limits import Limits, megabytes
from ..records import RawArticle, Skipped, normalize_published
from ..timing import Timings
from . import feed, html, jsonl, txt, warc
from ._decode import READ_ERRORS

FORMATS = ("auto", "txt", "jsonl", "html", "rss", "warc")

_EXTENSIONS = {
    ".txt": "txt", ".text": "txt",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".rss": "rss", ".atom": "rss", ".xml": "rss",
    ".warc": "warc", ".arc": "warc",
}
#: Suffixes of compressed files; only gzip is read, the others are named as unsupported.
_COMPRESSED_SUFFIXES = (".gz", ".lz4", ".zst", ".bz2", ".xz")
_GZIP_MAGIC = b"\x1f\x8b"
#: (magic bytes, name, how to decompress) of compressions storyline does not read.
_UNSUPPORTED = (
    (b"\x04\x22\x4d\x18", "LZ4", "lz4 -d"),
    (b"\x28\xb5\x2f\xfd", "Zstandard", "zstd -d"),
    (b"BZh", "bzip2", "bunzip2 -k"),
    (b"\xfd7zXZ\x00", "xz", "unxz -k"),
    (b"PK\x03\x04", "ZIP", "unzip"),
)

Item = RawArticle | InputError | Skipped


class _Bounded(io.RawIOBase):
    """A decompressed stream that refuses to give more than ``limit`` bytes in all, so a
    gzip bomb is stopped after ``limit`` bytes of work instead of filling memory or disk."""

    def __init__(self, inner: BinaryIO, limit: int, origin: Origin, file: BinaryIO):
        self.inner, self.limit, self.origin, self.file, self.count = inner, limit, origin, file, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.inner.read1(len(buffer))  # what is there: a cut file keeps what came before
        self.count += len(data)
        if self.count > self.limit:
            raise LimitError(self.origin, f"decompresses to more than {megabytes(self.limit)}",
                             "--max-decompressed-mb")
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        self.inner.close()
        self.file.close()
        super().close()


@dataclass(frozen=True)
class Source:
    """A file (possibly gzipped) or stdin, opened lazily as bytes, and the limits its
    reader is held to."""

    name: str
    path: Path | None = None
    stream: BinaryIO | None = None
    limits: Limits = field(default_factory=Limits)

    def _raw(self) -> BinaryIO:
        if self.stream is not None:
            stream = self.stream
            return stream if hasattr(stream, "peek") else io.BufferedReader(stream)  # type: ignore[arg-type]
        assert self.path is not None
        return open(self.path, "rb")

    def open(self) -> BinaryIO:
        """The file's bytes as a buffered stream (readers may ``peek``), decompressed when
        they are gzip (whatever the name says), at most ``limits.max_decompressed_bytes`` of
        them; a compression storyline does not read is an :class:`InputError` that says how
        to decompress it."""
        fh = self._raw()
        try:
            head = fh.peek(8)[:8]
        except OSError:
            head = b""
        for magic, name, command in _UNSUPPORTED:
            if head.startswith(magic):
                fh.close()
                raise InputError(self.origin(), f"compressed with {name}, which storyline does "
                                 f"not read: decompress it first ({command} FILE) or gzip it")
        if head.startswith(_GZIP_MAGIC):
            inner = gzip.GzipFile(fileobj=fh, mode="rb")
            bounded = _Bounded(inner, self.limits.max_decompressed_bytes, self.origin(), fh)
            return io.BufferedReader(bounded, buffer_size=1 << 16)  # type: ignore[return-value]
        return fh

    def read(self) -> bytes:
        """The whole source as one record, refused past ``limits.max_record_bytes`` without
        reading more than that."""
        limit = self.limits.max_record_bytes
        with self.open() as fh:
            data = fh.read(limit + 1)
        if len(data) > limit:
            raise LimitError(self.origin(), f"over the limit of {megabytes(limit)} for one "
                             "record", "--max-record-mb")
        return data

    def origin(self, line: int | None = None, record: int | None = None) -> Origin:
        return Origin(self.name, line=line, record=record)


_READERS: dict[str, Callable[[Source], Iterator[Item]]] = {
    "txt": txt.read,
    "jsonl": jsonl.read,
    "html": html.read,
    "rss": feed.read,
    "warc": warc.read,
}


def format_of(path: Path) -> str | None:
    """The format a file name implies (a compression suffix such as ``.gz`` looked
    through), or None if it implies none."""
    name = path.name.lower()
    for suffix in _COMPRESSED_SUFFIXES:
        if name.endswith(suffix):
            name = name[:-len(suffix)]
            break
    return _EXTENSIONS.get(os.path.splitext(name)[1])


def sniff_format(head: bytes) -> str | None:
    """Guess a format from the first bytes of a file whose name says nothing."""
    if head.startswith(b"WARC/"):
        return "warc"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text[:1] in (b"{", b"["):
        return "jsonl"
    if b"<rss" in text or b"<feed" in text or b"<rdf:rdf" in text:
        return "rss"
    if b"<html" in text or b"<!doctype html" in text or b"<body" in text:
        return "html"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # a cut multibyte character at the end is fine
            return None
    return "txt"


def iter_sources(paths: Iterable[str], stdin: BinaryIO | None = None,
                 stdin_name: str = "<stdin>",
                 limits: Limits | None = None) -> Iterator[Source | InputError]:
    """Files named, files under directories (recursive, sorted, hidden ones skipped), and
    ``-`` (``stdin``, named ``stdin_name`` in errors; a name ending ``.json`` reads it as
    one JSON document rather than JSON Lines)."""
    limits = limits or Limits()
    for arg in paths:
        if arg == "-":
            yield Source(stdin_name, stream=stdin if stdin is not None else sys.stdin.buffer,
                         limits=limits)
            continue
        path = Path(arg)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    child = Path(root) / name
                    if not name.startswith(".") and format_of(child):
                        yield Source(str(child), path=child, limits=limits)
        elif path.is_file():
            yield Source(str(path), path=path, limits=limits)
        elif path.exists():
            yield InputError(Origin(arg), "not a regular file or directory")
        else:
            yield InputError(Origin(arg), "no such file or directory")


def read_source(source: Source, fmt: str = "auto") -> Iterator[Item]:
    """Yield the articles of one source with the reader for ``fmt`` (``auto``: by name, then sniffing)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if source.stream is not None and fmt == "auto":
        fmt = "jsonl"
    if fmt == "auto":
        fmt = format_of(source.path) or ""  # type: ignore[arg-type]
    if not fmt:
        try:
            with source.open() as fh:
                head = fh.read(4096)
        except InputError as exc:
            yield exc
            return
        except READ_ERRORS as exc:
            yield InputError(source.origin(), f"cannot read: {exc}")
            return
        fmt = sniff_format(head) or ""
        if not fmt:
            yield InputError(source.origin(), "cannot tell the format (binary file?); "
                             "name it with --format")
            return
    try:
        yield from _READERS[fmt](source)
    except InputError as exc:
        yield exc
    except READ_ERRORS as exc:
        yield InputError(source.origin(), f"cannot read: {exc}")


def _read_all(paths: Iterable[str], fmt: str, stdin: BinaryIO | None, stdin_name: str,
              limits: Limits) -> Iterator:
    for source in iter_sources(paths, stdin=stdin, stdin_name=stdin_name, limits=limits):
        if isinstance(source, InputError):
            yield source
        else:
            yield from read_source(source, fmt)


def read_inputs(paths: Iterable[str], fmt: str = "auto", *, outlet: str | None = None,
                published: str | None = None, stdin: BinaryIO | None = None,
                stdin_name: str = "<stdin>", engine: Engine | None = None,
                limits: Limits | None = None, timings: Timings | None = None) -> Iterator[Item]:
    """Every article (or error, or skipped record) of every path, in order; HTML is
    extracted by the ``engine`` (one local job without one), each input held to ``limits``.

    ``outlet`` and ``published`` fill what an input does not say itself.
    """
    limits = limits or Limits()
    default_published = normalize_published(published) if published else None
    own = engine is None
    engine = LocalEngine(1) if engine is None else engine
    try:
        for item in html.extract_pages(_read_all(paths, fmt, stdin, stdin_name, limits), engine,
                                       limits, timings):
            if isinstance(item, RawArticle):
                item.outlet = item.outlet or outlet
                item.published = item.published or default_published
            yield item
    finally:
        if own:
            engine.close()


__all__ = ["FORMATS", "READ_ERRORS", "Item", "Skipped", "Source", "format_of", "iter_sources", "read_inputs", "read_source",
           "sniff_format"]
