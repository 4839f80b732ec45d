"""Follows: the stories, searches and names a reader follows, and where each one's last
digest stopped."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from ..results import Follow


def _follow(row: sqlite3.Row) -> Follow:
    return Follow(id=row["id"], kind=row["kind"], value=row["value"],
                  created_at=row["created_at"], last_digest_at=row["last_digest_at"],
                  stories=tuple(json.loads(row["stories"] or "[]")))


class FollowStore:
    """The ``follows`` table."""

    conn: sqlite3.Connection

    def add_follow(self, kind: str, value: str, *, created_at: str,
                   stories: Iterable[str] = ()) -> Follow:
        cur = self.conn.execute(
            "INSERT INTO follows (kind, value, created_at, stories) VALUES (?, ?, ?, ?)",
            (kind, value, created_at, json.dumps(sorted(set(stories)))))
        return self.follow(cur.lastrowid)

    def follows(self) -> list[Follow]:
        return [_follow(r) for r in self.conn.execute("SELECT * FROM follows ORDER BY id")]

    def follow(self, follow_id: int) -> Follow | None:
        row = self.conn.execute("SELECT * FROM follows WHERE id = ?", (follow_id,)).fetchone()
        return None if row is None else _follow(row)

    def remove_follow(self, follow_id: int) -> bool:
        """False when there was no such follow."""
        return bool(self.conn.execute("DELETE FROM follows WHERE id = ?",
                                      (follow_id,)).rowcount)

    def mark_digests(self, marks: Iterable[tuple[int, str, Iterable[str]]]) -> None:
        """Where each follow's digest stopped, all at once: ``(follow id, time, the
        stories it has matched)``."""
        with self.transaction():
            for follow_id, at, stories in marks:
                self.conn.execute(
                    "UPDATE follows SET last_digest_at = ?, stories = ? WHERE id = ?",
                    (at, json.dumps(sorted(set(stories))), follow_id))
