"""Everything an archive holds, for comparing two archives built different ways."""

from __future__ import annotations

import sqlite3
from pathlib import Path

#: Columns that say when, not what: they differ between any two runs.
_CLOCK = ("_at", "fetched", "checked")


def archive_snapshot(db: Path) -> dict[str, list[str]]:
    """Every row of every table (the full-text index's own tables aside, which follow the
    articles), as sorted reprs, without the columns that record a time."""
    conn = sqlite3.connect(db)
    try:
        tables = [name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'articles_fts_%'")]
        found = {}
        for table in tables:
            columns = [row[1] for row in conn.execute(f"PRAGMA table_info('{table}')")
                       if not row[1].endswith(_CLOCK)]
            found[table] = sorted(map(repr, conn.execute(
                f"SELECT {', '.join(columns)} FROM '{table}'")))
        return found
    finally:
        conn.close()


def differences(a: dict[str, list[str]], b: dict[str, list[str]]) -> dict[str, int]:
    """Tables whose rows differ, with how many rows are in one and not the other."""
    return {table: len(set(a[table]) ^ set(b.get(table, [])))
            for table in a if a[table] != b.get(table)}
