"""Stories as grouping keeps them: each story's state (what grouping needs to resume), which
article is in which story, the ids merged stories go by, and the document frequency of the
terms grouping weighs."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence

from ..records import Annotation, Article, annotation_from_dict
from ._articles import ARTICLE_COLUMNS
from ._schema import now


class StoryStore:
    """The state of story grouping, read and written one batch at a time."""

    conn: sqlite3.Connection

    def story_states(self, *, since_day: int | None, recent: int) -> list[tuple[str, str]]:
        """(id, state JSON) of the active stories: touched on or after ``since_day``, or among
        the ``recent`` most recently touched; two range scans, one on each index."""
        rows = self.conn.execute(
            "SELECT id, state FROM stories WHERE id IN (SELECT id FROM (SELECT id FROM stories "
            "ORDER BY touched DESC LIMIT ?) UNION SELECT id FROM stories WHERE touched_day >= ?) "
            "ORDER BY touched",
            (recent, since_day if since_day is not None else 1 << 62)).fetchall()
        return [(r[0], r[1]) for r in rows]

    def story_state(self, story_id: str) -> str | None:
        row = self.conn.execute("SELECT state FROM stories WHERE id = ?", (story_id,)).fetchone()
        return None if row is None else row[0]

    def put_story(self, story_id: str, state: dict) -> None:
        """Insert or update a story's stored state (what grouping needs to resume)."""
        written = now()
        self.conn.execute(
            "INSERT INTO stories (id, headline_article, articles, first_day, last_day, "
            "touched_day, touched, state, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT(id) DO UPDATE SET headline_article = excluded.headline_article, "
            "articles = excluded.articles, first_day = excluded.first_day, "
            "last_day = excluded.last_day, touched_day = excluded.touched_day, "
            "touched = excluded.touched, state = excluded.state, updated_at = excluded.updated_at",
            (story_id, state["headline_article"], state["articles"], state["first_day"],
             state["last_day"], state["touched_day"], state["touched"],
             json.dumps(state, separators=(",", ":")), written, written))

    def merge_story(self, old_id: str, new_id: str) -> None:
        """Fold a story into another; the old id keeps resolving to the new one."""
        self.conn.execute("UPDATE story_articles SET story_id = ? WHERE story_id = ?",
                          (new_id, old_id))
        self.conn.execute("UPDATE story_merges SET new_id = ? WHERE new_id = ?", (new_id, old_id))
        self.conn.execute("INSERT OR REPLACE INTO story_merges (old_id, new_id, merged_at) "
                          "VALUES (?, ?, ?)", (old_id, new_id, now()))
        self.conn.execute("DELETE FROM stories WHERE id = ?", (old_id,))
        self.conn.execute("DELETE FROM briefs WHERE story_id = ?", (old_id,))

    def split_story(self, old_id: str, new_id: str, article_ids: Sequence[str]) -> None:
        """Move these articles of a story to a story cut out of it (whose state the caller
        puts); the old id keeps the rest. The new id, should it once have been merged away,
        goes by itself again. Neither story's cached brief needs dropping: the cache is
        keyed on the articles a brief is made of (:meth:`story_fingerprint`)."""
        for i in range(0, len(article_ids), 500):
            chunk = list(article_ids[i:i + 500])
            self.conn.execute(
                f"UPDATE story_articles SET story_id = ? WHERE story_id = ? AND article_id IN "
                f"({','.join('?' * len(chunk))})", [new_id, old_id, *chunk])
        self.conn.execute("DELETE FROM story_merges WHERE old_id = ?", (new_id,))

    def put_story_articles(self, rows: Iterable[tuple[str, str, float | None, int]]) -> None:
        """(article id, story id, probability, assignment number) of newly grouped articles."""
        self.conn.executemany(
            "INSERT OR REPLACE INTO story_articles (article_id, story_id, probability, assigned) "
            "VALUES (?, ?, ?, ?)", rows)

    def grouped(self, article_ids: Sequence[str]) -> set[str]:
        """Which of these articles are in a story already."""
        found: set[str] = set()
        for i in range(0, len(article_ids), 500):
            chunk = article_ids[i:i + 500]
            found.update(r[0] for r in self.conn.execute(
                f"SELECT article_id FROM story_articles WHERE article_id IN "
                f"({','.join('?' * len(chunk))})", chunk))
        return found

    def story_of(self, article_id: str) -> str | None:
        row = self.conn.execute("SELECT story_id FROM story_articles WHERE article_id = ?",
                                (article_id,)).fetchone()
        return None if row is None else row[0]

    def resolve_story(self, story_id: str) -> str | None:
        """The id a story goes by now (following merges), or None when there is none."""
        row = self.conn.execute("SELECT new_id FROM story_merges WHERE old_id = ?",
                                (story_id,)).fetchone()
        if row is not None:
            story_id = row[0]
        found = self.conn.execute("SELECT 1 FROM stories WHERE id = ?", (story_id,)).fetchone()
        return story_id if found else None

    def story_assignments(self) -> dict[str, str]:
        """article id -> story id, for every grouped article (evaluation reads this)."""
        return dict(self.conn.execute("SELECT article_id, story_id FROM story_articles").fetchall())

    def term_documents(self, terms: Sequence[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for i in range(0, len(terms), 5000):
            chunk = terms[i:i + 5000]
            found.update(self.conn.execute(
                f"SELECT term, documents FROM story_terms WHERE term IN ({','.join('?' * len(chunk))})",
                chunk).fetchall())
        return found

    def add_term_documents(self, counts: dict[str, int]) -> None:
        self.conn.executemany(
            "INSERT INTO story_terms (term, documents) VALUES (?, ?) "
            "ON CONFLICT(term) DO UPDATE SET documents = documents + excluded.documents",
            sorted(counts.items()))

    def clear_stories(self) -> None:
        """Forget every story (``recluster`` rebuilds them)."""
        for table in ("stories", "story_articles", "story_merges", "story_terms", "briefs"):
            self.conn.execute(f"DELETE FROM {table}")
        self.conn.execute("DELETE FROM meta WHERE key LIKE 'stories:%'")

    def ungrouped(self, *, limit: int | None = None) -> list[tuple[Article, Annotation]]:
        """Annotated current originals and duplicates that are in no story yet, in the order
        grouping takes them: publication time, undated after dated, ingest order on ties."""
        sql = (f"SELECT a.seq, {', '.join('a.' + c.strip() for c in ARTICLE_COLUMNS.split(','))}, "
               "n.data FROM current_articles a JOIN annotations n ON n.article_id = a.id AND "
               "n.revision = a.revision WHERE NOT EXISTS (SELECT 1 FROM story_articles s "
               "WHERE s.article_id = a.id) ORDER BY a.published IS NULL, a.published, a.seq")
        params: list = []
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [(self._article(row), annotation_from_dict(json.loads(row["data"]), row["body"]))
                for row in self.conn.execute(sql, params).fetchall()]

    def count_ungrouped(self) -> int:
        return self.conn.execute(
            "SELECT count(*) FROM current_articles a JOIN annotations n ON n.article_id = a.id "
            "AND n.revision = a.revision WHERE NOT EXISTS (SELECT 1 FROM story_articles s "
            "WHERE s.article_id = a.id)").fetchone()[0]
