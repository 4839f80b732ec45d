"""What ingest learns to spot copies and boilerplate: each original's MinHash signature
indexed under its bands, and the lines each outlet prints in many articles."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence


class SignatureStore:
    """Near-duplicate signatures and learned outlet lines."""

    conn: sqlite3.Connection

    def put_signature(self, article_id: str, blob: bytes, bands: Iterable[tuple[int, int]]) -> None:
        """Index an original's signature under its bands (replacing an earlier revision's)."""
        self.drop_signature(article_id)
        self.conn.execute("INSERT INTO minhash (article_id, signature) VALUES (?, ?)",
                          (article_id, blob))
        self.conn.executemany(
            "INSERT OR IGNORE INTO minhash_bands (band, key, article_id) VALUES (?, ?, ?)",
            [(band, key, article_id) for band, key in bands])

    def drop_signature(self, article_id: str) -> None:
        self.conn.execute("DELETE FROM minhash_bands WHERE article_id = ?", (article_id,))
        self.conn.execute("DELETE FROM minhash WHERE article_id = ?", (article_id,))

    def band_matches(self, bands: Sequence[tuple[int, int]], exclude: str) -> list[tuple[str, bytes]]:
        """Indexed articles sharing a band with these keys: (id, signature), in ingest order.

        One primary-key lookup per band: the cost does not grow with the archive.
        """
        ids: set[str] = set()
        for band, key in bands:
            ids.update(r[0] for r in self.conn.execute(
                "SELECT article_id FROM minhash_bands WHERE band = ? AND key = ?", (band, key)))
        ids.discard(exclude)
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        return [(r[0], r[1]) for r in self.conn.execute(
            f"SELECT m.article_id, m.signature FROM minhash m JOIN articles a ON a.id = m.article_id "
            f"WHERE m.article_id IN ({marks}) ORDER BY a.seq", sorted(ids))]

    def add_outlet_lines(self, outlet: str, article_id: str, keys: Iterable[int]) -> None:
        self.conn.executemany(
            "INSERT OR IGNORE INTO outlet_lines (outlet, line_key, article_id) VALUES (?, ?, ?)",
            [(outlet, key, article_id) for key in keys])

    def repeated_lines(self, outlet: str, keys: Iterable[int], min_articles: int) -> set[int]:
        """Which of these line keys the outlet has printed in at least ``min_articles`` articles.

        Each count stops at ``min_articles`` rows, so a line repeated in thousands of articles
        costs no more to check than one repeated in three.
        """
        keys = list(keys)
        found: set[int] = set()
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            values = ",".join("(?)" for _ in chunk)
            found.update(r[0] for r in self.conn.execute(
                f"SELECT k.column1 FROM (VALUES {values}) AS k WHERE (SELECT count(*) FROM "
                f"(SELECT 1 FROM outlet_lines o WHERE o.outlet = ? AND o.line_key = k.column1 "
                f"LIMIT ?)) >= ?", [*chunk, outlet, min_articles, min_articles]))
        return found
