"""The Python API: one object over one archive, which the CLI (and later the server) use.

    >>> from storyline import Library
    >>> with Library("news.db") as lib:
    ...     report = lib.ingest(["examples/seed-pair/seed-pair.jsonl"])
    ...     print(report.summary())
    ...     body = lib.article("seed-a").body
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO, TextIO

from .errors import InputError
from .pipeline import IngestSettings, ingest
from .readers import read_inputs
from .records import Article, IngestReport
from .store import Store

DEFAULT_DB = "storyline.db"


def default_db_path() -> str:
    """``$STORYLINE_DB`` when set, else ``./storyline.db``."""
    return os.environ.get("STORYLINE_DB") or DEFAULT_DB


class Library:
    """An archive of articles in one SQLite file."""

    def __init__(self, path: str | Path | None = None, *, settings: IngestSettings | None = None):
        self.path = str(path) if path is not None else default_db_path()
        self.settings = settings or IngestSettings()
        self.store = Store(self.path)

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.store.close()

    def ingest(self, paths: Iterable[str | Path], *, format: str = "auto",
               outlet: str | None = None, published: str | None = None,
               stdin: BinaryIO | None = None, jobs: int | None = None,
               on_error: Callable[[InputError], None] | None = None,
               on_item: Callable[[], None] | None = None) -> IngestReport:
        """Read files, directories (recursively) or ``-`` (JSONL on stdin) into the archive.

        ``outlet`` and ``published`` fill what an input does not say. Bad files and records
        are collected in the report's ``errors`` (and passed to ``on_error``); everything
        else is stored. HTML pages are extracted on ``jobs`` processes (default: every core).
        Raises ``ValueError`` for a ``published`` that is no date.
        """
        jobs = jobs if jobs is not None else (os.cpu_count() or 1)
        items = read_inputs([str(p) for p in paths], format, outlet=outlet, published=published,
                            stdin=stdin, jobs=jobs)
        return ingest(items, self.store, settings=self.settings, on_error=on_error,
                      on_item=on_item)

    def article(self, article_id: str) -> Article:
        """The latest revision of one article; raises NotFoundError."""
        return self.store.article(article_id)

    def articles(self, *, limit: int | None = None, outlet: str | None = None) -> list[Article]:
        """Articles, newest published first."""
        return list(self.store.articles(limit=limit, outlet=outlet, newest_first=True))

    def export(self, out: TextIO) -> int:
        """Write every article as one JSON line (ingest order); ``ingest`` reads it back as is."""
        count = 0
        for article in self.store.articles():
            out.write(json.dumps(article.to_dict(), ensure_ascii=False) + "\n")
            count += 1
        return count
