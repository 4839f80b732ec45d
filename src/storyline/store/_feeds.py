"""Subscriptions, the entries they brought (so nothing is fetched twice) and the raw
responses of fetched pages (so a source can be re-read and re-extracted later)."""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterator

from ..results import Feed
from ._schema import now

#: Feed columns a poll may update.
_FEED_COLUMNS = {"url", "title", "category", "outlet", "site_url", "every", "etag",
                 "last_modified", "last_check", "last_status", "last_error",
                 "consecutive_errors", "next_check", "articles", "state", "published"}


def _feed(row: sqlite3.Row) -> Feed:
    fields = dict(row)
    fields["published"] = tuple(json.loads(fields["published"] or "[]"))
    return Feed(**fields)


class FeedStore:
    """The ``feeds``, ``feed_entries`` and ``responses`` tables."""

    conn: sqlite3.Connection

    def add_feed(self, url: str, *, title: str | None = None, category: str | None = None,
                 outlet: str | None = None, site_url: str | None = None,
                 every: int | None = None) -> bool:
        """Subscribe; True when the feed is new. Adding a feed again makes it active and due
        now (a gone feed is polled again) and updates what is given, keeping the rest."""
        cur = self.conn.execute(
            "INSERT INTO feeds (url, title, category, outlet, site_url, every, added_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO NOTHING",
            (url, title, category, outlet, site_url, every, now()))
        if cur.rowcount:
            return True
        self.conn.execute(
            "UPDATE feeds SET state = 'active', consecutive_errors = 0, next_check = NULL, "
            "title = coalesce(?, title), category = coalesce(?, category), "
            "outlet = coalesce(?, outlet), site_url = coalesce(?, site_url), "
            "every = coalesce(?, every) WHERE url = ?",
            (title, category, outlet, site_url, every, url))
        return False

    def remove_feed(self, url: str) -> bool:
        """Unsubscribe; the articles it brought stay. False when there was no such feed."""
        row = self.conn.execute("SELECT id FROM feeds WHERE url = ?", (url,)).fetchone()
        if row is None:
            return False
        self.conn.execute("DELETE FROM feeds WHERE id = ?", (row[0],))
        return True

    def feeds(self) -> list[Feed]:
        rows = self.conn.execute("SELECT * FROM feeds ORDER BY coalesce(category, ''), "
                                 "coalesce(title, url) COLLATE NOCASE, id").fetchall()
        return [_feed(row) for row in rows]

    def feed(self, url: str) -> Feed | None:
        row = self.conn.execute("SELECT * FROM feeds WHERE url = ?", (url,)).fetchone()
        return None if row is None else _feed(row)

    def due_feeds(self, at: str | None) -> list[Feed]:
        """Feeds to poll now, soonest due first: every feed that is not gone when ``at`` is
        None, else those whose next check is not after ``at``."""
        rows = self.conn.execute(
            "SELECT * FROM feeds WHERE state != 'gone' AND (? IS NULL OR next_check IS NULL "
            "OR next_check <= ?) ORDER BY coalesce(next_check, ''), id", (at, at)).fetchall()
        return [_feed(row) for row in rows]

    def next_due(self) -> str | None:
        """When the next feed falls due (None: no feed to poll, or one is due already)."""
        row = self.conn.execute("SELECT count(*), min(coalesce(next_check, '')) FROM feeds "
                                "WHERE state != 'gone'").fetchone()
        return row[1] if row[0] else None

    def update_feed(self, feed_id: int, **columns) -> None:
        unknown = set(columns) - _FEED_COLUMNS
        if unknown:
            raise ValueError(f"not feed columns: {', '.join(sorted(unknown))}")
        if "published" in columns:
            columns["published"] = json.dumps(list(columns["published"]))
        names = sorted(columns)
        self.conn.execute(f"UPDATE feeds SET {', '.join(f'{n} = ?' for n in names)} "
                          "WHERE id = ?", [columns[n] for n in names] + [feed_id])

    def entry(self, key: str) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM feed_entries WHERE key = ?", (key,)).fetchone()

    def article_with_url(self, url: str) -> str | None:
        """The id of a stored article whose current revision has this URL, or None."""
        row = self.conn.execute(
            "SELECT a.id FROM revisions r JOIN articles a ON a.id = r.article_id "
            "AND a.revision = r.revision WHERE r.url = ? LIMIT 1", (url,)).fetchone()
        return None if row is None else row[0]

    def has_article(self, article_id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM articles WHERE id = ?",
                                 (article_id,)).fetchone() is not None

    def put_entry(self, key: str, *, feed_id: int | None, url: str | None,
                  article_id: str | None, state: str, error: str | None = None,
                  entry: dict | None = None) -> None:
        """Record what became of a feed entry: ``pending`` (queued, or waiting for a host
        that asked to wait), ``stored`` (its article's id), ``failed`` (tried again in later
        rounds, a few times), ``skipped`` (never again) or ``disallowed`` (by robots.txt:
        looked at again in later rounds, never requested while it stays disallowed). Every
        state but ``pending`` counts an attempt."""
        attempt = 0 if state == "pending" else 1
        self.conn.execute(
            "INSERT INTO feed_entries (key, feed_id, url, article_id, state, attempts, "
            "last_error, entry, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET url = excluded.url, "
            "article_id = excluded.article_id, state = excluded.state, "
            "attempts = feed_entries.attempts + excluded.attempts, "
            "last_error = excluded.last_error, entry = excluded.entry, seen_at = excluded.seen_at",
            (key, feed_id, url, article_id, state, attempt, error,
             json.dumps(entry, ensure_ascii=False) if entry is not None else None, now()))

    def entries_to_retry(self, max_attempts: int, limit: int = 1000,
                         states: tuple[str, ...] = ("failed",)) -> list[sqlite3.Row]:
        """Entries in one of ``states`` with fewer than ``max_attempts`` attempts, fewest
        attempts first, oldest first."""
        marks = ", ".join("?" * len(states))
        return self.conn.execute(
            f"SELECT * FROM feed_entries WHERE state IN ({marks}) AND attempts < ? "
            "AND entry IS NOT NULL ORDER BY attempts, seen_at, rowid LIMIT ?",
            (*states, max_attempts, limit)).fetchall()

    def count_entries(self) -> dict[str, int]:
        """Feed entries by state."""
        return dict(self.conn.execute("SELECT state, count(*) FROM feed_entries "
                                      "GROUP BY state").fetchall())

    def count_feed_articles(self, feed_id: int, count: int) -> None:
        self.conn.execute("UPDATE feeds SET articles = articles + ? WHERE id = ?",
                          (count, feed_id))

    def put_response(self, *, url: str, final_url: str, fetched_at: str, status: int,
                     headers: dict, body: bytes, article_id: str | None) -> None:
        """Keep one raw response, its body compressed."""
        self.conn.execute(
            "INSERT INTO responses (url, final_url, fetched_at, status, headers, body, "
            "article_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (url, final_url, fetched_at, status, json.dumps(headers, ensure_ascii=False),
             zlib.compress(body, 6), article_id))

    def count_responses(self) -> int:
        return self.conn.execute("SELECT count(*) FROM responses").fetchone()[0]

    def responses(self) -> Iterator[dict]:
        """Every kept response in the order fetched, its body decompressed, one at a time."""
        last = 0
        while True:
            rows = self.conn.execute("SELECT * FROM responses WHERE id > ? ORDER BY id "
                                     "LIMIT 100", (last,)).fetchall()
            if not rows:
                return
            for row in rows:
                last = row["id"]
                found = dict(row)
                found["headers"] = json.loads(found["headers"])
                found["body"] = zlib.decompress(found["body"])
                yield found
