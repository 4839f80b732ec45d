"""Full-text search over current articles (SQLite FTS5), and what a user's query may make
SQLite say."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from ..errors import QueryError
from ..results import SearchHit


def read_query(conn: sqlite3.Connection, sql: str, params: Sequence, *,
               user_query: bool = True) -> list[sqlite3.Row]:
    """Run a read that carries a user's FTS5 query: whatever SQLite says against the
    query (syntax, unknown column, unterminated string) becomes :class:`QueryError`."""
    try:
        return conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError as exc:
        message = str(exc)
        if not user_query or "locked" in message or "busy" in message or "disk" in message:
            raise
        raise QueryError(message) from None


def unmark(marked: str | None) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Text whose matches SQLite framed by ``\\x02`` and ``\\x03``, as the plain text and
    the ``[start, end)`` offsets of its matches."""
    first, *rest = (marked or "").split("\x02")
    text, marks, length = [first], [], len(first)
    for piece in rest:  # each begins at a match: "match\x03text after it"
        inside, closed, after = piece.partition("\x03")
        if closed:
            marks.append((length, length + len(inside)))
        text.append(inside + after)
        length += len(inside) + len(after)
    return "".join(text), tuple(marks)


def search_hit(row: sqlite3.Row) -> SearchHit:
    """A search row as a hit: the snippet as plain text plus the offsets of its matches
    (so no client has to trust markup cut out of an article)."""
    snippet, highlights = unmark(row["snippet"])
    title, title_highlights = unmark(row["title_marked"])
    return SearchHit(article_id=row["id"], title=row["title"], outlet=row["outlet"],
                     published=row["published"], story_id=row["story_id"],
                     duplicate_of=row["duplicate_of"], snippet=snippet, highlights=highlights,
                     title_highlights=title_highlights if row["title"] else ())


class SearchStore:
    """Articles matching an FTS5 query, best first."""

    conn: sqlite3.Connection

    def search(self, query: str, *, limit: int = 20, offset: int = 0) -> list[SearchHit]:
        """Current articles matching an FTS5 query, best first, each with a snippet of its
        body and the offsets of the matches in it."""
        return [search_hit(row) for row in read_query(
            self.conn,
            "SELECT a.id, a.title, a.outlet, a.published, a.duplicate_of, sa.story_id, "
            "snippet(articles_fts, 1, char(2), char(3), '…', 24) AS snippet, "
            "highlight(articles_fts, 0, char(2), char(3)) AS title_marked "
            "FROM articles_fts JOIN articles x ON x.seq = articles_fts.rowid "
            "JOIN current_articles a ON a.id = x.id "
            "LEFT JOIN story_articles sa ON sa.article_id = a.id "
            "WHERE articles_fts MATCH ? ORDER BY articles_fts.rank LIMIT ? OFFSET ?",
            (query, limit, offset))]
