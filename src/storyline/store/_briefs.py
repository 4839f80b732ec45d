"""The brief cache: a story's brief as built, keyed on what it was built from."""

from __future__ import annotations

import sqlite3

from ._schema import BUSY_TIMEOUT_MS, now


class BriefStore:
    """Built briefs by story, and the fingerprint their key is made of."""

    conn: sqlite3.Connection

    def story_fingerprint(self, story_id: str) -> list[tuple]:
        """What a story's brief is made of: its headline and each article's revision and
        annotation. The brief cache is keyed on it, so any change rebuilds the brief."""
        head = self.conn.execute("SELECT headline_article FROM stories WHERE id = ?",
                                 (story_id,)).fetchone()
        rows = self.conn.execute(
            "SELECT sa.article_id, a.revision, a.duplicate_of, n.annotator, n.created_at "
            "FROM story_articles sa JOIN articles a ON a.id = sa.article_id "
            "LEFT JOIN annotations n ON n.article_id = a.id AND n.revision = a.revision "
            "WHERE sa.story_id = ? ORDER BY sa.article_id", (story_id,)).fetchall()
        return [(head[0] if head else None,)] + [tuple(r) for r in rows]

    def cached_brief(self, story_id: str, key: str) -> str | None:
        row = self.conn.execute("SELECT data FROM briefs WHERE story_id = ? AND key = ?",
                                (story_id, key)).fetchone()
        return None if row is None else row[0]

    def put_brief(self, story_id: str, key: str, data: str, *, wait_ms: int = 200) -> bool:
        """Cache a built brief; False when it could not be. A reader must not queue behind a
        long ingest for this, so it waits ``wait_ms`` at most for the write lock, and a
        writer that holds the database longer leaves the brief uncached."""
        self.conn.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
        try:
            self.conn.execute("INSERT OR REPLACE INTO briefs (story_id, key, data, built_at) "
                              "VALUES (?, ?, ?, ?)", (story_id, key, data, now()))
        except sqlite3.OperationalError:
            return False
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return True
