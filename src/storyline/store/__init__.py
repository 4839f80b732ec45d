"""SQLite storage: one file, WAL mode, versioned schema, one transaction per batch.

Bodies are immutable: new content for an id is a new row in ``revisions`` and ``articles``
points at the latest one, so offsets cited into an older body stay valid against it.
Everything a batch writes (revisions, duplicate links, MinHash bands, learned outlet lines,
the FTS index) commits together or not at all, so a killed ingest leaves the file as it was
after the last whole batch.

:class:`Store` is one connection with one class of methods per concern (articles,
annotations, story grouping's state, story summaries, search, the brief cache, near-duplicate
signatures, settings, feeds, follows) composed over it; they share only the connection, and the classes that
read articles build them with :meth:`ArticleStore._article`. The schema and its
migrations are in :mod:`storyline.store._schema`. The query side answers
records (:mod:`storyline.results`), not rows. This package is the only one that imports
``sqlite3``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import StoreError
from ._annotations import AnnotationStore
from ._articles import ArticleStore
from ._briefs import BriefStore
from ._feeds import FeedStore
from ._follows import FollowStore
from ._schema import BUSY_TIMEOUT_MS, SCHEMA_VERSION, migrate, now
from ._search import SearchStore
from ._settings import SettingStore
from ._signatures import SignatureStore
from ._stories import StoryStore
from ._summaries import SummaryStore


class Store(ArticleStore, AnnotationStore, StoryStore, SummaryStore, SearchStore, BriefStore,
            SignatureStore, SettingStore, FeedStore, FollowStore):
    """The archive in one SQLite file (``":memory:"`` for tests)."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        #: the time a revision is ingested at (UTC ISO 8601); a Library with a clock sets it
        self.clock: Callable[[], str] = now
        try:
            self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self.conn.execute("PRAGMA foreign_keys = ON")
            migrate(self.conn, self.path)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot use as a storyline database: {exc}") from exc

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One batch: everything inside commits together or is rolled back."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """One record inside a batch: what it wrote is undone if it fails, and the rest of
        the batch's transaction carries on."""
        self.conn.execute("SAVEPOINT record")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK TO record")
            self.conn.execute("RELEASE record")
            raise
        self.conn.execute("RELEASE record")


__all__ = ["BUSY_TIMEOUT_MS", "SCHEMA_VERSION", "Store"]
