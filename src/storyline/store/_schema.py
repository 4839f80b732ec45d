"""The database's schema as numbered migrations, applied in order when a file is opened.

Each migration runs in one transaction with the row that records it in
``schema_migrations``, so a file is always at one version; a file of a newer version than
this storyline knows is refused, never downgraded.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

from ..errors import StoreError

MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "articles, revisions, near-duplicate bands, outlet lines, full-text index", """
    CREATE TABLE articles (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        revision INTEGER NOT NULL,
        duplicate_of TEXT REFERENCES articles(id),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX articles_duplicate_of ON articles(duplicate_of);
    CREATE TABLE revisions (
        article_id TEXT NOT NULL REFERENCES articles(id),
        revision INTEGER NOT NULL,
        outlet TEXT,
        title TEXT,
        url TEXT,
        published TEXT,
        body TEXT NOT NULL,
        raw TEXT NOT NULL,
        metadata TEXT NOT NULL DEFAULT '{}',
        origin TEXT,
        input_hash TEXT NOT NULL,
        ingested_at TEXT NOT NULL,
        PRIMARY KEY (article_id, revision)
    );
    CREATE VIEW current_articles AS
        SELECT a.seq, a.id, a.revision, a.duplicate_of, r.outlet, r.title, r.url, r.published,
               r.body, r.raw, r.metadata, r.origin, r.input_hash, r.ingested_at
        FROM articles a JOIN revisions r ON r.article_id = a.id AND r.revision = a.revision;
    CREATE TABLE minhash (
        article_id TEXT PRIMARY KEY REFERENCES articles(id),
        signature BLOB NOT NULL
    );
    CREATE TABLE minhash_bands (
        band INTEGER NOT NULL,
        key INTEGER NOT NULL,
        article_id TEXT NOT NULL,
        PRIMARY KEY (band, key, article_id)
    ) WITHOUT ROWID;
    CREATE INDEX minhash_bands_article ON minhash_bands(article_id);
    CREATE TABLE outlet_lines (
        outlet TEXT NOT NULL,
        line_key INTEGER NOT NULL,
        article_id TEXT NOT NULL,
        PRIMARY KEY (outlet, line_key, article_id)
    ) WITHOUT ROWID;
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, tokenize='unicode61 remove_diacritics 2');
    """),
    (2, "annotations and quotes", """
    CREATE TABLE annotations (
        article_id TEXT NOT NULL REFERENCES articles(id),
        revision INTEGER NOT NULL,
        annotator INTEGER NOT NULL,
        data TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (article_id, revision)
    );
    CREATE TABLE quotes (
        article_id TEXT NOT NULL REFERENCES articles(id),
        revision INTEGER NOT NULL,
        position INTEGER NOT NULL,
        kind TEXT NOT NULL,
        speaker TEXT,
        speaker_entity TEXT,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        text TEXT NOT NULL,
        PRIMARY KEY (article_id, revision, position)
    );
    CREATE INDEX quotes_speaker ON quotes(speaker COLLATE NOCASE);
    """),
    (3, "stories", """
    CREATE TABLE stories (
        id TEXT PRIMARY KEY,
        headline_article TEXT,
        articles INTEGER NOT NULL,
        first_day INTEGER,
        last_day INTEGER,
        touched_day INTEGER,
        touched INTEGER NOT NULL,
        state TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX stories_touched_day ON stories(touched_day);
    CREATE INDEX stories_touched ON stories(touched);
    CREATE INDEX stories_last_day ON stories(last_day);
    CREATE TABLE story_articles (
        article_id TEXT PRIMARY KEY REFERENCES articles(id),
        story_id TEXT NOT NULL,
        probability REAL,
        assigned INTEGER NOT NULL
    );
    CREATE INDEX story_articles_story ON story_articles(story_id);
    CREATE TABLE story_merges (
        old_id TEXT PRIMARY KEY,
        new_id TEXT NOT NULL,
        merged_at TEXT NOT NULL
    );
    CREATE TABLE story_terms (
        term TEXT PRIMARY KEY,
        documents INTEGER NOT NULL
    ) WITHOUT ROWID;
    """),
    (4, "brief cache, stories newest first", """
    CREATE TABLE briefs (
        story_id TEXT PRIMARY KEY,
        key TEXT NOT NULL,
        data TEXT NOT NULL,
        built_at TEXT NOT NULL
    );
    CREATE INDEX stories_newest ON stories(coalesce(last_day, -1) DESC, touched DESC, id);
    """),
    (5, "feeds, their entries, fetched responses", """
    CREATE TABLE feeds (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        title TEXT,
        category TEXT,
        outlet TEXT,
        site_url TEXT,
        every INTEGER,
        etag TEXT,
        last_modified TEXT,
        last_check TEXT,
        last_status INTEGER,
        last_error TEXT,
        consecutive_errors INTEGER NOT NULL DEFAULT 0,
        next_check TEXT,
        articles INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL DEFAULT 'active',
        published TEXT NOT NULL DEFAULT '[]',
        added_at TEXT NOT NULL
    );
    CREATE TABLE feed_entries (
        key TEXT PRIMARY KEY,
        feed_id INTEGER,
        url TEXT,
        article_id TEXT,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        entry TEXT,
        seen_at TEXT NOT NULL
    );
    CREATE INDEX feed_entries_retry ON feed_entries(state, attempts);
    CREATE TABLE responses (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL,
        final_url TEXT NOT NULL,
        fetched_at TEXT NOT NULL,
        status INTEGER NOT NULL,
        headers TEXT NOT NULL,
        body BLOB NOT NULL,
        article_id TEXT
    );
    CREATE INDEX responses_article ON responses(article_id);
    CREATE INDEX revisions_url ON revisions(url);
    """),
    (6, "brief history: every version of each story brief", """
    CREATE TABLE brief_versions (
        seq INTEGER PRIMARY KEY,
        story_id TEXT NOT NULL,
        key TEXT NOT NULL,
        data TEXT NOT NULL,
        revisions TEXT NOT NULL DEFAULT '{}',
        made_at TEXT NOT NULL
    );
    CREATE INDEX brief_versions_story ON brief_versions(story_id, made_at, seq);
    INSERT INTO brief_versions (story_id, key, data, made_at)
        SELECT story_id, key, data, built_at FROM briefs ORDER BY built_at;
    """),
    (7, "follows: stories, searches and names a reader follows", """
    CREATE TABLE follows (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        value TEXT NOT NULL,
        created_at TEXT NOT NULL,
        last_digest_at TEXT,
        stories TEXT NOT NULL DEFAULT '[]'
    );
    """),
]

SCHEMA_VERSION = MIGRATIONS[-1][0]
#: how long a connection waits for another's write lock before it gives up
BUSY_TIMEOUT_MS = 30000


def now() -> str:
    """The time a row is written, as its ``created_at``/``updated_at`` columns hold it."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def migrate(conn: sqlite3.Connection, path: str) -> None:
    """Apply the migrations ``conn``'s file lacks; StoreError for a newer schema."""
    conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                 "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
    applied = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
    if applied and max(applied) > SCHEMA_VERSION:
        raise StoreError(f"{path}: schema version {max(applied)} is newer than this "
                         f"storyline knows ({SCHEMA_VERSION}); upgrade storyline")
    for version, name, sql in MIGRATIONS:
        if version in applied:
            continue
        record = ("INSERT INTO schema_migrations (version, name, applied_at) VALUES "
                  f"({version}, '{name}', '{now()}');")
        conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\n{record}\nCOMMIT;")
