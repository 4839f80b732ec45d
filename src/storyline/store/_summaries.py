"""What readers list of stories: summaries a page at a time, newest first, and one story with
its articles."""

from __future__ import annotations

import sqlite3
from datetime import date

from ..results import StoryDetail, StorySource, StorySummary
from ._search import read_query

#: where a story sorts, newest first: ``(sort_day, touched, id)``; a page's cursor carries it
SortKey = tuple[int, int, str]


def headline_of(title: str | None, body: str | None) -> str:
    """A story's title from its central article: its headline, else the first line of its
    body (cut at 120 characters)."""
    if not title:
        first_line = (body or "").strip().split("\n", 1)[0]
        title = first_line if len(first_line) <= 120 else first_line[:119].rstrip() + "…"
    return title


def _title(row: sqlite3.Row) -> str:
    return headline_of(row["headline"], row["headline_body"])


def _outlets(row: sqlite3.Row) -> tuple[str, ...]:
    return tuple(sorted(set((row["outlets"] or "").split(",")))) if row["outlets"] else ()


def _summary(row: sqlite3.Row) -> StorySummary:
    return StorySummary(story_id=row["id"], title=_title(row), articles=row["articles"],
                        sources=row["sources"], outlets=_outlets(row),
                        first_published=row["first_published"],
                        last_published=row["last_published"])


class SummaryStore:
    """Story summaries and details, aggregated from the stories shown only."""

    conn: sqlite3.Connection

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
                after: SortKey | None = None,
                matching: str | None = None) -> list[tuple[SortKey, StorySummary]]:
        """Story summaries, most recently published first, each after its sort key
        ``(sort_day, touched, id)``. ``since`` is an ISO date (or datetime); ``after`` is
        the sort key of the last story of the previous page; ``matching`` keeps stories with
        an article that matches an FTS5 query. The page is chosen on the stories table's own
        columns, so only the stories shown are aggregated."""
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
        return [((row["sort_day"], row["touched"], row["id"]), _summary(row))
                for row in read_query(self.conn, sql, params, user_query=matching is not None)]

    def count_stories(self) -> int:
        return self.conn.execute("SELECT count(*) FROM stories").fetchone()[0]

    def story(self, story_id: str) -> StoryDetail | None:
        """One story (by its current id) with its articles, or None when there is none."""
        row = self.conn.execute(self._STORY_SUMMARY + "WHERE s.id = ? GROUP BY s.id",
                                (story_id,)).fetchone()
        if row is None:
            return None
        return StoryDetail(story_id=row["id"], title=_title(row), articles=row["articles"],
                           sources=tuple(self.story_articles(story_id)), outlets=_outlets(row),
                           first_published=row["first_published"],
                           last_published=row["last_published"],
                           merged_from=tuple(self.merged_into(story_id)),
                           headline_article=row["headline_article"])

    def story_articles(self, story_id: str) -> list[StorySource]:
        """A story's articles in publication order, undated last."""
        return [StorySource(article_id=r["id"], outlet=r["outlet"], title=r["title"], url=r["url"],
                            published=r["published"], duplicate_of=r["duplicate_of"],
                            probability=None if r["probability"] is None
                            else round(r["probability"], 3))
                for r in self.conn.execute(
                    "SELECT a.id, a.outlet, a.title, a.url, a.published, a.duplicate_of, "
                    "sa.probability FROM story_articles sa JOIN current_articles a "
                    "ON a.id = sa.article_id WHERE sa.story_id = ? "
                    "ORDER BY a.published IS NULL, a.published, a.seq", (story_id,))]

    def merged_into(self, story_id: str) -> list[str]:
        return [r[0] for r in self.conn.execute(
            "SELECT old_id FROM story_merges WHERE new_id = ? ORDER BY merged_at, old_id",
            (story_id,))]
