"""SQLite storage: one file, WAL mode, versioned schema, one transaction per batch.

Bodies are immutable: new content for an id is a new row in ``revisions`` and ``articles``
points at the latest one, so offsets cited into an older body stay valid against it.
Everything a batch writes (revisions, duplicate links, MinHash bands, learned outlet lines,
the FTS index) commits together or not at all, so a killed ingest leaves the file as it was
after the last whole batch.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from .errors import InputError, NotFoundError, Origin, QueryError, StoreError
from .records import Annotation, Article, annotation_from_dict

_MIGRATIONS: list[tuple[int, str, str]] = [
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
]

SCHEMA_VERSION = _MIGRATIONS[-1][0]
BUSY_TIMEOUT_MS = 30000

_ARTICLE_COLUMNS = ("id, revision, duplicate_of, outlet, title, url, published, body, raw, "
                    "metadata, origin, ingested_at")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Store:
    """The archive in one SQLite file (``":memory:"`` for tests)."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        try:
            self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self.conn.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot use as a storyline database: {exc}") from exc

    def close(self) -> None:
        self.conn.close()

    # -- schema ---------------------------------------------------------------------------

    def _migrate(self) -> None:
        self.conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                          "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
        applied = {row[0] for row in self.conn.execute("SELECT version FROM schema_migrations")}
        if applied and max(applied) > SCHEMA_VERSION:
            raise StoreError(f"{self.path}: schema version {max(applied)} is newer than this "
                             f"storyline knows ({SCHEMA_VERSION}); upgrade storyline")
        for version, name, sql in _MIGRATIONS:
            if version in applied:
                continue
            record = ("INSERT INTO schema_migrations (version, name, applied_at) VALUES "
                      f"({version}, '{name}', '{_now()}');")
            self.conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\n{record}\nCOMMIT;")

    def schema_version(self) -> int:
        return self.conn.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One batch: everything inside commits together or is rolled back."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """One record inside a batch: what it wrote is undone if it fails, and the rest of
        the batch's transaction carries on."""
        self.conn.execute("SAVEPOINT record")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK TO record")
            self.conn.execute("RELEASE record")
            raise
        self.conn.execute("RELEASE record")

    # -- articles -------------------------------------------------------------------------

    def check_fits(self, article: Article) -> None:
        """Refuse, before writing anything, what SQLite cannot hold: text that is not valid
        Unicode (a lone surrogate) or a row over the database's length limit."""
        limit = self.conn.getlimit(sqlite3.SQLITE_LIMIT_LENGTH)
        origin = Origin(article.origin or article.id)
        total = 0
        for name in ("id", "outlet", "title", "url", "published", "body", "raw", "origin"):
            value = getattr(article, name)
            if value is None:
                continue
            try:
                total += len(value.encode("utf-8"))
            except UnicodeEncodeError as exc:
                raise InputError(origin, f"not valid Unicode ({exc.reason} at character "
                                 f"{exc.start})", field=name) from None
        total += len(json.dumps(article.metadata))
        if total > limit:
            raise InputError(origin, f"the article takes {total:,} bytes, more than this "
                             f"database can hold in one row ({limit:,})")


    def current(self, article_id: str) -> sqlite3.Row | None:
        return self.conn.execute(
            "SELECT * FROM current_articles WHERE id = ?", (article_id,)).fetchone()

    def write_revision(self, article: Article, *, input_hash: str) -> None:
        """Store ``article`` as revision ``article.revision`` of its id (1 for a new id);
        :meth:`check_fits` first, so nothing is written of an article SQLite cannot hold."""
        self.check_fits(article)
        now = _now()
        if article.revision == 1:
            self.conn.execute(
                "INSERT INTO articles (id, revision, duplicate_of, created_at, updated_at) "
                "VALUES (?, 1, ?, ?, ?)", (article.id, article.duplicate_of, now, now))
        else:
            self.conn.execute(
                "UPDATE articles SET revision = ?, duplicate_of = ?, updated_at = ? WHERE id = ?",
                (article.revision, article.duplicate_of, now, article.id))
        self.conn.execute(
            "INSERT INTO revisions (article_id, revision, outlet, title, url, published, body, "
            "raw, metadata, origin, input_hash, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (article.id, article.revision, article.outlet, article.title, article.url,
             article.published, article.body, article.raw, json.dumps(article.metadata),
             article.origin, input_hash, now))
        seq = self.conn.execute("SELECT seq FROM articles WHERE id = ?", (article.id,)).fetchone()[0]
        self.conn.execute("DELETE FROM articles_fts WHERE rowid = ?", (seq,))
        self.conn.execute("INSERT INTO articles_fts (rowid, title, body) VALUES (?, ?, ?)",
                          (seq, article.title or "", article.body))

    def _article(self, row: sqlite3.Row) -> Article:
        duplicates = [r[0] for r in self.conn.execute(
            "SELECT id FROM articles WHERE duplicate_of = ? ORDER BY seq", (row["id"],))]
        return Article(
            id=row["id"], revision=row["revision"], outlet=row["outlet"], title=row["title"],
            url=row["url"], published=row["published"], body=row["body"], raw=row["raw"],
            duplicate_of=row["duplicate_of"], duplicates=duplicates,
            metadata=json.loads(row["metadata"]), origin=row["origin"],
            ingested_at=row["ingested_at"],
        )

    def article(self, article_id: str) -> Article:
        row = self.conn.execute(f"SELECT {_ARTICLE_COLUMNS} FROM current_articles WHERE id = ?",
                                (article_id,)).fetchone()
        if row is None:
            raise NotFoundError("article", article_id)
        return self._article(row)

    def articles(self, *, limit: int | None = None, outlet: str | None = None,
                 newest_first: bool = False) -> Iterator[Article]:
        """Current articles in ingest order (or newest published first)."""
        sql = f"SELECT {_ARTICLE_COLUMNS} FROM current_articles"
        params: list = []
        if outlet is not None:
            sql += " WHERE lower(outlet) = lower(?)"
            params.append(outlet)
        sql += " ORDER BY published DESC, seq DESC" if newest_first else " ORDER BY seq"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        for row in self.conn.execute(sql, params):  # streamed: an export may be millions of rows
            yield self._article(row)

    def count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM articles").fetchone()[0]

    def revisions(self, article_id: str) -> list[sqlite3.Row]:
        return self.conn.execute(
            "SELECT revision, body, input_hash, ingested_at FROM revisions WHERE article_id = ? "
            "ORDER BY revision", (article_id,)).fetchall()

    # -- annotations ----------------------------------------------------------------------

    def put_annotation(self, annotation: Annotation, annotator: int) -> None:
        """Store what was read from one revision (replacing an older annotator's reading)."""
        key = (annotation.article_id, annotation.revision)
        self.conn.execute(
            "INSERT OR REPLACE INTO annotations (article_id, revision, annotator, data, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (*key, annotator, json.dumps(annotation.to_dict(), ensure_ascii=False), _now()))
        self.conn.execute("DELETE FROM quotes WHERE article_id = ? AND revision = ?", key)
        self.conn.executemany(
            'INSERT INTO quotes (article_id, revision, position, kind, speaker, speaker_entity, '
            'start, "end", text) VALUES (?,?,?,?,?,?,?,?,?)',
            [(*key, n, q.kind, q.speaker, q.speaker_entity, q.span.start, q.span.end, q.text)
             for n, q in enumerate(annotation.quotes)])

    def annotation(self, article_id: str) -> Annotation | None:
        """The annotation of an article's current revision, or None if it has none yet."""
        row = self.conn.execute(
            "SELECT n.data, a.body FROM annotations n JOIN current_articles a "
            "ON a.id = n.article_id AND a.revision = n.revision WHERE a.id = ?",
            (article_id,)).fetchone()
        if row is None:
            return None
        return annotation_from_dict(json.loads(row["data"]), row["body"])

    _UNANNOTATED = ("FROM current_articles a WHERE NOT EXISTS (SELECT 1 FROM annotations n "
                    "WHERE n.article_id = a.id AND n.revision = a.revision AND n.annotator = ?)")

    def unannotated(self, annotator: int, *, after: int = 0,
                    limit: int | None = None) -> list[tuple[int, Article]]:
        """(seq, article) of current revisions with no annotation by this annotator version,
        in ingest order, from ingest position ``after`` on: a caller pages through by
        passing the last seq it got, so no page rescans what earlier pages covered."""
        sql = f"SELECT a.seq, {_ARTICLE_COLUMNS} {self._UNANNOTATED} AND a.seq > ? ORDER BY a.seq"
        params: list = [annotator, after]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [(row["seq"], self._article(row)) for row in self.conn.execute(sql, params).fetchall()]

    def count_unannotated(self, annotator: int) -> int:
        return self.conn.execute(f"SELECT count(*) {self._UNANNOTATED}", (annotator,)).fetchone()[0]

    def quotes(self, *, speaker: str | None = None, limit: int | None = None,
               include_duplicates: bool = False) -> list[sqlite3.Row]:
        """Quotes of current revisions, in ingest order; ``speaker`` matches part of a name."""
        sql = ('SELECT q.article_id, q.kind, q.speaker, q.speaker_entity, q.start, q."end", '
               "q.text, a.outlet, a.published, a.title FROM quotes q JOIN current_articles a "
               "ON a.id = q.article_id AND a.revision = q.revision")
        where, params = [], []
        if not include_duplicates:
            where.append("a.duplicate_of IS NULL")
        if speaker is not None:
            where.append("q.speaker LIKE ? ESCAPE '\\'")
            escaped = speaker.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params.append(f"%{escaped}%")
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY a.seq, q.position"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return self.conn.execute(sql, params).fetchall()

    # -- stories --------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

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
        now = _now()
        self.conn.execute(
            "INSERT INTO stories (id, headline_article, articles, first_day, last_day, "
            "touched_day, touched, state, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT(id) DO UPDATE SET headline_article = excluded.headline_article, "
            "articles = excluded.articles, first_day = excluded.first_day, "
            "last_day = excluded.last_day, touched_day = excluded.touched_day, "
            "touched = excluded.touched, state = excluded.state, updated_at = excluded.updated_at",
            (story_id, state["headline_article"], state["articles"], state["first_day"],
             state["last_day"], state["touched_day"], state["touched"],
             json.dumps(state, separators=(",", ":")), now, now))

    def merge_story(self, old_id: str, new_id: str) -> None:
        """Fold a story into another; the old id keeps resolving to the new one."""
        self.conn.execute("UPDATE story_articles SET story_id = ? WHERE story_id = ?",
                          (new_id, old_id))
        self.conn.execute("UPDATE story_merges SET new_id = ? WHERE new_id = ?", (new_id, old_id))
        self.conn.execute("INSERT OR REPLACE INTO story_merges (old_id, new_id, merged_at) "
                          "VALUES (?, ?, ?)", (old_id, new_id, _now()))
        self.conn.execute("DELETE FROM stories WHERE id = ?", (old_id,))
        self.conn.execute("DELETE FROM briefs WHERE story_id = ?", (old_id,))

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
        sql = (f"SELECT a.seq, {', '.join('a.' + c.strip() for c in _ARTICLE_COLUMNS.split(','))}, "
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

    def resolve_story(self, story_id: str) -> str | None:
        """The id a story goes by now (following merges), or None when there is none."""
        row = self.conn.execute("SELECT new_id FROM story_merges WHERE old_id = ?",
                                (story_id,)).fetchone()
        if row is not None:
            story_id = row[0]
        found = self.conn.execute("SELECT 1 FROM stories WHERE id = ?", (story_id,)).fetchone()
        return story_id if found else None

    _STORY_SUMMARY = (
        # the headline joins the tables, not the view: a LEFT JOIN on the view made SQLite
        # copy every current article into a temporary table for each page
        "SELECT s.id, s.headline_article, coalesce(s.last_day, -1) AS sort_day, s.touched, "
        "h.title AS headline, "
        "substr(h.body, 1, 400) AS headline_body, "
        "count(sa.article_id) AS articles, "
        "sum(a.duplicate_of IS NULL OR NOT EXISTS (SELECT 1 FROM story_articles d "
        "WHERE d.article_id = a.duplicate_of AND d.story_id = s.id)) AS sources, "
        "group_concat(DISTINCT a.outlet) AS outlets, "
        "min(a.published) AS first_published, max(a.published) AS last_published "
        "FROM stories s JOIN story_articles sa ON sa.story_id = s.id "
        "JOIN current_articles a ON a.id = sa.article_id "
        "LEFT JOIN articles ha ON ha.id = s.headline_article "
        "LEFT JOIN revisions h ON h.article_id = ha.id AND h.revision = ha.revision ")

    # newest first: last publication day (undated last), then most recently grouped, then id
    _STORY_ORDER = "coalesce({t}last_day, -1) DESC, {t}touched DESC, {t}id"

    def stories(self, *, since: str | None = None, limit: int | None = None,
                after: tuple[int, int, str] | None = None,
                matching: str | None = None) -> list[sqlite3.Row]:
        """Story summaries, most recently published first. ``after`` is the sort key
        ``(sort_day, touched, id)`` of the last story of the previous page; ``matching`` keeps
        stories with an article that matches an FTS5 query. The page is chosen on the
        stories table's own columns, so only the stories shown are aggregated."""
        from datetime import date

        page = "SELECT id FROM stories"
        where: list[str] = []
        params: list = []
        if since is not None:
            where.append("last_day >= ?")
            params.append(date.fromisoformat(since[:10]).toordinal())
        if after is not None:
            where.append("((coalesce(last_day, -1), touched) < (?, ?) OR "
                         "(coalesce(last_day, -1) = ? AND touched = ? AND id > ?))")
            params += [after[0], after[1], after[0], after[1], after[2]]
        if matching is not None:
            where.append("id IN (SELECT sa.story_id FROM story_articles sa JOIN articles a "
                         "ON a.id = sa.article_id WHERE a.seq IN (SELECT rowid FROM articles_fts "
                         "WHERE articles_fts MATCH ?))")
            params.append(matching)
        if where:
            page += " WHERE " + " AND ".join(where)
        page += " ORDER BY " + self._STORY_ORDER.format(t="")
        if limit is not None:
            page += " LIMIT ?"
            params.append(limit)
        sql = (self._STORY_SUMMARY + f"WHERE s.id IN ({page}) GROUP BY s.id ORDER BY "
               + self._STORY_ORDER.format(t="s."))
        return self._query(sql, params, user_query=matching is not None)

    def _query(self, sql: str, params: Sequence, *, user_query: bool = True) -> list[sqlite3.Row]:
        """Run a read that carries a user's FTS5 query: whatever SQLite says against the
        query (syntax, unknown column, unterminated string) becomes :class:`QueryError`."""
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            message = str(exc)
            if not user_query or "locked" in message or "busy" in message or "disk" in message:
                raise
            raise QueryError(message) from None

    def search(self, query: str, *, limit: int = 20, offset: int = 0) -> list[sqlite3.Row]:
        """Current articles matching an FTS5 query, best first, each with a snippet of its
        body whose matches are framed by ``\x02`` and ``\x03``."""
        return self._query(
            "SELECT a.id, a.title, a.outlet, a.published, a.duplicate_of, sa.story_id, "
            "snippet(articles_fts, 1, char(2), char(3), '…', 24) AS snippet, "
            "highlight(articles_fts, 0, char(2), char(3)) AS title_marked "
            "FROM articles_fts JOIN articles x ON x.seq = articles_fts.rowid "
            "JOIN current_articles a ON a.id = x.id "
            "LEFT JOIN story_articles sa ON sa.article_id = a.id "
            "WHERE articles_fts MATCH ? ORDER BY articles_fts.rank LIMIT ? OFFSET ?",
            (query, limit, offset))

    # -- the brief cache --------------------------------------------------------------------

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

    def put_brief(self, story_id: str, key: str, data: str, *, wait_ms: int = 200) -> None:
        """Cache a built brief. A reader must not queue behind a long ingest for this, so
        it waits ``wait_ms`` at most for the write lock (then sqlite3.OperationalError)."""
        self.conn.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
        try:
            self.conn.execute("INSERT OR REPLACE INTO briefs (story_id, key, data, built_at) "
                              "VALUES (?, ?, ?, ?)", (story_id, key, data, _now()))
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    def count_stories(self) -> int:
        return self.conn.execute("SELECT count(*) FROM stories").fetchone()[0]

    def story(self, story_id: str) -> sqlite3.Row | None:
        return self.conn.execute(self._STORY_SUMMARY + "WHERE s.id = ? GROUP BY s.id",
                                 (story_id,)).fetchone()

    def story_articles(self, story_id: str) -> list[sqlite3.Row]:
        return self.conn.execute(
            "SELECT a.id, a.outlet, a.title, a.url, a.published, a.duplicate_of, sa.probability "
            "FROM story_articles sa JOIN current_articles a ON a.id = sa.article_id "
            "WHERE sa.story_id = ? ORDER BY a.published IS NULL, a.published, a.seq",
            (story_id,)).fetchall()

    def merged_into(self, story_id: str) -> list[str]:
        return [r[0] for r in self.conn.execute(
            "SELECT old_id FROM story_merges WHERE new_id = ? ORDER BY merged_at, old_id",
            (story_id,))]

    def story_assignments(self) -> dict[str, str]:
        """article id -> story id, for every grouped article (evaluation reads this)."""
        return dict(self.conn.execute("SELECT article_id, story_id FROM story_articles").fetchall())

    # -- settings a database is bound to --------------------------------------------------

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

    # -- near-duplicates ------------------------------------------------------------------

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

    # -- learned outlet boilerplate -------------------------------------------------------

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

    # -- health ---------------------------------------------------------------------------

    def integrity_check(self) -> str:
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0]
