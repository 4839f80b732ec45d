"""Articles and their revisions: bodies are immutable, so new content for an id is a new
row in ``revisions``, ``articles`` points at the latest one, and the full-text index follows
it."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator

from ..errors import InputError, NotFoundError, Origin
from ..records import Article
from ..results import CurrentRevision, Revision

ARTICLE_COLUMNS = ("id, revision, duplicate_of, outlet, title, url, published, body, raw, "
                   "metadata, origin, ingested_at")


class ArticleStore:
    """Writing and reading articles' current revisions."""

    conn: sqlite3.Connection
    clock: Callable[[], str]

    def check_fits(self, article: Article) -> None:
        """Refuse, before writing anything, what SQLite cannot hold: text that is not valid
        Unicode (a lone surrogate) or a row over the database's length limit."""
        limit = self.conn.getlimit(sqlite3.SQLITE_LIMIT_LENGTH)
        origin = Origin(article.origin or article.id)
        total = 0
        for name in ("id", "outlet", "title", "url", "published", "body", "raw", "origin"):
            value = getattr(article, name)
            if value is None:
                continue
            try:
                total += len(value.encode("utf-8"))
            except UnicodeEncodeError as exc:
                raise InputError(origin, f"not valid Unicode ({exc.reason} at character "
                                 f"{exc.start})", field=name) from None
        total += len(json.dumps(article.metadata))
        if total > limit:
            raise InputError(origin, f"the article takes {total:,} bytes, more than this "
                             f"database can hold in one row ({limit:,})")

    def current(self, article_id: str) -> CurrentRevision | None:
        row = self.conn.execute(
            "SELECT revision, input_hash, outlet, title, url, published, body, metadata "
            "FROM current_articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            return None
        return CurrentRevision(*tuple(row)[:7], metadata=json.loads(row["metadata"]))

    def write_revision(self, article: Article, *, input_hash: str) -> None:
        """Store ``article`` as revision ``article.revision`` of its id (1 for a new id);
        :meth:`check_fits` first, so nothing is written of an article SQLite cannot hold."""
        self.check_fits(article)
        written = self.clock()
        if article.revision == 1:
            self.conn.execute(
                "INSERT INTO articles (id, revision, duplicate_of, created_at, updated_at) "
                "VALUES (?, 1, ?, ?, ?)", (article.id, article.duplicate_of, written, written))
        else:
            self.conn.execute(
                "UPDATE articles SET revision = ?, duplicate_of = ?, updated_at = ? WHERE id = ?",
                (article.revision, article.duplicate_of, written, article.id))
        self.conn.execute(
            "INSERT INTO revisions (article_id, revision, outlet, title, url, published, body, "
            "raw, metadata, origin, input_hash, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (article.id, article.revision, article.outlet, article.title, article.url,
             article.published, article.body, article.raw, json.dumps(article.metadata),
             article.origin, input_hash, written))
        seq = self.conn.execute("SELECT seq FROM articles WHERE id = ?", (article.id,)).fetchone()[0]
        self.conn.execute("DELETE FROM articles_fts WHERE rowid = ?", (seq,))
        self.conn.execute("INSERT INTO articles_fts (rowid, title, body) VALUES (?, ?, ?)",
                          (seq, article.title or "", article.body))

    def _article(self, row: sqlite3.Row) -> Article:
        duplicates = [r[0] for r in self.conn.execute(
            "SELECT id FROM articles WHERE duplicate_of = ? ORDER BY seq", (row["id"],))]
        return Article(
            id=row["id"], revision=row["revision"], outlet=row["outlet"], title=row["title"],
            url=row["url"], published=row["published"], body=row["body"], raw=row["raw"],
            duplicate_of=row["duplicate_of"], duplicates=duplicates,
            metadata=json.loads(row["metadata"]), origin=row["origin"],
            ingested_at=row["ingested_at"],
        )

    def article(self, article_id: str) -> Article:
        row = self.conn.execute(f"SELECT {ARTICLE_COLUMNS} FROM current_articles WHERE id = ?",
                                (article_id,)).fetchone()
        if row is None:
            raise NotFoundError("article", article_id)
        return self._article(row)

    def article_at(self, article_id: str, revision: int) -> Article | None:
        """One stored revision of an article as an Article (its copy link as it is now),
        None when there is no such revision."""
        row = self.conn.execute(
            "SELECT a.id, r.revision, a.duplicate_of, r.outlet, r.title, r.url, r.published, "
            "r.body, r.raw, r.metadata, r.origin, r.ingested_at FROM articles a JOIN revisions "
            "r ON r.article_id = a.id WHERE a.id = ? AND r.revision = ?",
            (article_id, revision)).fetchone()
        return None if row is None else self._article(row)

    def articles(self, *, limit: int | None = None, outlet: str | None = None,
                 newest_first: bool = False) -> Iterator[Article]:
        """Current articles in ingest order (or newest published first)."""
        sql = f"SELECT {ARTICLE_COLUMNS} FROM current_articles"
        params: list = []
        if outlet is not None:
            sql += " WHERE lower(outlet) = lower(?)"
            params.append(outlet)
        sql += " ORDER BY published DESC, seq DESC" if newest_first else " ORDER BY seq"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        for row in self.conn.execute(sql, params):  # streamed: an export may be millions of rows
            yield self._article(row)

    def count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM articles").fetchone()[0]

    def revisions(self, article_id: str) -> list[Revision]:
        """Every stored body of an article, oldest first."""
        return [Revision(*row) for row in self.conn.execute(
            "SELECT revision, body, input_hash, ingested_at FROM revisions WHERE article_id = ? "
            "ORDER BY revision", (article_id,))]
