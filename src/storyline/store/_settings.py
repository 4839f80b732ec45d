"""What a database records about itself: settings it is bound to, grouping's progress,
its schema version and its health."""

from __future__ import annotations

import sqlite3

from ..errors import StoreError


class SettingStore:
    """The ``meta`` table, and what SQLite says of the file."""

    conn: sqlite3.Connection
    path: str

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def bind_setting(self, key: str, value: str) -> None:
        """Record ``value`` for ``key`` on first use; refuse a different one later.

        Stored MinHash signatures only compare with signatures made the same way.
        """
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is None:
            self.conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, value))
        elif row[0] != value:
            raise StoreError(f"{self.path}: built with {key} {row[0]!r}, asked for {value!r}; "
                             "use the same settings or a new database")

    def schema_version(self) -> int:
        return self.conn.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]

    def integrity_check(self) -> str:
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0]
