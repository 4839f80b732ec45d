"""What annotation read in each revision, and the quotes it found, kept apart so the
archive's quotes can be listed and searched by speaker without reading every annotation."""

from __future__ import annotations

import json
import sqlite3

from ..records import Annotation, Article, annotation_from_dict
from ..results import QuoteHit
from ..spans import Span
from ._articles import ARTICLE_COLUMNS
from ._schema import now


class AnnotationStore:
    """Annotations by revision and annotator version, and the quotes in them."""

    conn: sqlite3.Connection

    def put_annotation(self, annotation: Annotation, annotator: int) -> None:
        """Store what was read from one revision (replacing an older annotator's reading)."""
        key = (annotation.article_id, annotation.revision)
        self.conn.execute(
            "INSERT OR REPLACE INTO annotations (article_id, revision, annotator, data, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (*key, annotator, json.dumps(annotation.to_dict(), ensure_ascii=False), now()))
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

    def annotation_at(self, article_id: str, revision: int) -> Annotation | None:
        """The annotation of one revision of an article (older ones are kept), or None."""
        row = self.conn.execute(
            "SELECT n.data, r.body FROM annotations n JOIN revisions r ON "
            "r.article_id = n.article_id AND r.revision = n.revision "
            "WHERE n.article_id = ? AND n.revision = ?", (article_id, revision)).fetchone()
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
        sql = f"SELECT a.seq, {ARTICLE_COLUMNS} {self._UNANNOTATED} AND a.seq > ? ORDER BY a.seq"
        params: list = [annotator, after]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [(row["seq"], self._article(row)) for row in self.conn.execute(sql, params).fetchall()]

    def count_unannotated(self, annotator: int) -> int:
        return self.conn.execute(f"SELECT count(*) {self._UNANNOTATED}", (annotator,)).fetchone()[0]

    def quotes(self, *, speaker: str | None = None, limit: int | None = None,
               include_duplicates: bool = False) -> list[QuoteHit]:
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
        return [QuoteHit(text=r["text"], speaker=r["speaker"], speaker_entity=r["speaker_entity"],
                         kind=r["kind"], span=Span(r["article_id"], r["start"], r["end"], r["text"]),
                         outlet=r["outlet"], published=r["published"], title=r["title"])
                for r in self.conn.execute(sql, params).fetchall()]
