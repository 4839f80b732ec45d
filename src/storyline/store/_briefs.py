"""The brief cache and the brief history: a story's brief as built, keyed on what it was
built from, and every version of it kept with the time it was made."""

from __future__ import annotations

import json
import sqlite3

from ..results import BriefVersion
from ._schema import BUSY_TIMEOUT_MS, now


class BriefStore:
    """Built briefs by story, the fingerprint their key is made of, and their history."""

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

    def story_revisions_at(self, story_id: str, time: str) -> dict[str, int]:
        """Each article of a story (as grouped now) with its newest revision ingested at or
        before ``time`` (UTC ISO 8601); articles first ingested later are left out."""
        return dict(self.conn.execute(
            "SELECT sa.article_id, max(r.revision) FROM story_articles sa JOIN revisions r ON "
            "r.article_id = sa.article_id WHERE sa.story_id = ? AND r.ingested_at <= ? "
            "GROUP BY sa.article_id ORDER BY sa.article_id", (story_id, time)).fetchall())

    def cached_brief(self, story_id: str, key: str) -> str | None:
        row = self.conn.execute("SELECT data FROM briefs WHERE story_id = ? AND key = ?",
                                (story_id, key)).fetchone()
        return None if row is None else row[0]

    def put_brief(self, story_id: str, key: str, data: str, *, wait_ms: int = 200,
                  made_at: str | None = None, revisions: dict[str, int] | None = None) -> bool:
        """Cache a built brief, and keep it as a new version of the story's brief when it
        differs from the newest one kept (``made_at``: when, default now; ``revisions``:
        the revision of each article it was made from); False when it could not be. A
        reader must not queue behind a long ingest for this, so it waits ``wait_ms`` at
        most for the write lock, and a writer that holds the database longer leaves the
        brief uncached."""
        made_at = made_at or now()
        self.conn.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
        try:
            self.conn.execute("SAVEPOINT put_brief")
            try:
                self.conn.execute("INSERT OR REPLACE INTO briefs (story_id, key, data, built_at) "
                                  "VALUES (?, ?, ?, ?)", (story_id, key, data, made_at))
                newest = self.conn.execute(
                    "SELECT data FROM brief_versions WHERE story_id = ? "
                    "ORDER BY made_at DESC, seq DESC LIMIT 1", (story_id,)).fetchone()
                if newest is None or newest[0] != data:
                    self.conn.execute(
                        "INSERT INTO brief_versions (story_id, key, data, revisions, made_at) "
                        "VALUES (?, ?, ?, ?, ?)",
                        (story_id, key, data, json.dumps(revisions or {}, sort_keys=True),
                         made_at))
            except BaseException:
                self.conn.execute("ROLLBACK TO put_brief")
                self.conn.execute("RELEASE put_brief")
                raise
            self.conn.execute("RELEASE put_brief")
        except sqlite3.OperationalError:
            return False
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return True

    def brief_versions(self, story_id: str, *, limit: int | None = None) -> list[BriefVersion]:
        """Every kept version of a story's brief (the first ``limit``), oldest first."""
        return [BriefVersion(row[0], row[1], json.loads(row[2])) for row in self.conn.execute(
            "SELECT made_at, data, revisions FROM brief_versions WHERE story_id = ? "
            "ORDER BY made_at, seq LIMIT ?", (story_id, -1 if limit is None else limit))]

    def brief_version_at(self, story_id: str, time: str) -> BriefVersion | None:
        """The newest kept version of a story's brief made at or before ``time`` (UTC ISO
        8601, as ``made_at`` is written), None when there is none."""
        row = self.conn.execute(
            "SELECT made_at, data, revisions FROM brief_versions WHERE story_id = ? "
            "AND made_at <= ? ORDER BY made_at DESC, seq DESC LIMIT 1",
            (story_id, time)).fetchone()
        return None if row is None else BriefVersion(row[0], row[1], json.loads(row[2]))

    def revision_body(self, article_id: str, revision: int) -> str | None:
        """The body of one stored revision of an article, None when there is no such one."""
        row = self.conn.execute("SELECT body FROM revisions WHERE article_id = ? AND "
                                "revision = ?", (article_id, revision)).fetchone()
        return None if row is None else row[0]
