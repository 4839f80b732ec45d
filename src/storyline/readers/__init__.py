"""Readers: every input format becomes the same :class:`~storyline.records.RawArticle`.

One module per format (txt, jsonl, html, feed, warc). :func:`read_inputs` walks paths,
picks a reader by extension (or by sniffing the first bytes), and yields articles and
:class:`~storyline.errors.InputError` values side by side, so that one bad record never
stops the rest of a batch.
"""

from __future__ import annotations

import gzip
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable

from ..errors import InputError, Origin
from ..records import RawArticle, normalize_published
from . import feed, html, jsonl, txt, warc

FORMATS = ("auto", "txt", "jsonl", "html", "rss", "warc")

_EXTENSIONS = {
    ".txt": "txt", ".text": "txt",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".rss": "rss", ".atom": "rss", ".xml": "rss",
    ".warc": "warc",
}

Item = RawArticle | InputError


@dataclass(frozen=True)
class Source:
    """A file (possibly gzipped) or stdin, opened lazily as bytes."""

    name: str
    path: Path | None = None
    stream: BinaryIO | None = None

    @property
    def gzipped(self) -> bool:
        return self.path is not None and self.path.suffix.lower() == ".gz"

    def open(self) -> BinaryIO:
        if self.stream is not None:
            return self.stream
        assert self.path is not None
        if self.gzipped:
            return gzip.open(self.path, "rb")  # type: ignore[return-value]
        return open(self.path, "rb")

    def read(self) -> bytes:
        with self.open() as fh:
            return fh.read()

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
    """The format a file name implies (``.gz`` looked through), or None if it implies none."""
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
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
                 stdin_name: str = "<stdin>") -> Iterator[Source | InputError]:
    """Files named, files under directories (recursive, sorted, hidden ones skipped), and
    ``-`` (``stdin``, named ``stdin_name`` in errors; a name ending ``.json`` reads it as
    one JSON document rather than JSON Lines)."""
    for arg in paths:
        if arg == "-":
            yield Source(stdin_name, stream=stdin if stdin is not None else sys.stdin.buffer)
            continue
        path = Path(arg)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    child = Path(root) / name
                    if not name.startswith(".") and format_of(child):
                        yield Source(str(child), path=child)
        elif path.is_file():
            yield Source(str(path), path=path)
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
        except OSError as exc:
            yield InputError(source.origin(), f"cannot read: {exc}")
            return
        fmt = sniff_format(head) or ""
        if not fmt:
            yield InputError(source.origin(), "cannot tell the format (binary file?); "
                             "name it with --format")
            return
    try:
        yield from _READERS[fmt](source)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        yield InputError(source.origin(), f"cannot read: {exc}")


def _read_all(paths: Iterable[str], fmt: str, stdin: BinaryIO | None, stdin_name: str) -> Iterator:
    for source in iter_sources(paths, stdin=stdin, stdin_name=stdin_name):
        if isinstance(source, InputError):
            yield source
        else:
            yield from read_source(source, fmt)


def read_inputs(paths: Iterable[str], fmt: str = "auto", *, outlet: str | None = None,
                published: str | None = None, stdin: BinaryIO | None = None,
                stdin_name: str = "<stdin>", jobs: int = 1) -> Iterator[Item]:
    """Every article (or error) of every path, in order; HTML is extracted on ``jobs`` cores.

    ``outlet`` and ``published`` fill what an input does not say itself.
    """
    default_published = normalize_published(published) if published else None
    for item in html.extract_pages(_read_all(paths, fmt, stdin, stdin_name), jobs=jobs):
        if isinstance(item, RawArticle):
            item.outlet = item.outlet or outlet
            item.published = item.published or default_published
        yield item


__all__ = ["FORMATS", "Source", "format_of", "iter_sources", "read_inputs", "read_source",
           "sniff_format"]
