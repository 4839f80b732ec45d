"""What the archive answers a reader: the typed results of :class:`~storyline.Library`'s
queries.

The store builds them from its rows and the shells (CLI, server, web pages) read their
attributes or ``to_dict()``, which is the JSON of the API and of ``--json``, as
:meth:`Article.to_dict <storyline.records.Article.to_dict>` is for an article. They are frozen:
a page that wants more (marked-up snippets) builds its own values beside them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import InputError
from .records import Annotation, Article, IngestReport
from .spans import Span


@dataclass(frozen=True)
class StorySummary:
    """One story as a list shows it. ``title`` is the headline of its most central article
    (the first line of that article's body when it has none); ``sources`` counts its articles
    without the near-duplicate copies of another article in the same story."""

    story_id: str
    title: str
    articles: int
    sources: int
    outlets: tuple[str, ...]
    first_published: str | None
    last_published: str | None

    def to_dict(self) -> dict:
        """The objects of ``storyline stories --json`` and ``GET /api/stories``."""
        return {"story_id": self.story_id, "title": self.title, "articles": self.articles,
                "sources": self.sources, "outlets": list(self.outlets),
                "first_published": self.first_published, "last_published": self.last_published}


@dataclass(frozen=True)
class StorySource:
    """One article of a story; ``probability`` (3 decimals) is how sure grouping was that it
    belongs, None for the article that began a story and for a near-duplicate copy."""

    article_id: str
    outlet: str | None
    title: str | None
    url: str | None
    published: str | None
    duplicate_of: str | None
    probability: float | None

    def to_dict(self) -> dict:
        return {"article_id": self.article_id, "outlet": self.outlet, "title": self.title,
                "url": self.url, "published": self.published,
                "duplicate_of": self.duplicate_of, "probability": self.probability}


@dataclass(frozen=True)
class StoryDetail:
    """One story with its articles in publication order (undated last), the ids of the
    stories merged into it and the article its title is the headline of."""

    story_id: str
    title: str
    articles: int
    sources: tuple[StorySource, ...]
    outlets: tuple[str, ...]
    first_published: str | None
    last_published: str | None
    merged_from: tuple[str, ...]
    headline_article: str | None

    def to_dict(self) -> dict:
        """The object of ``storyline story --json`` and ``GET /api/stories/{id}``."""
        return {"story_id": self.story_id, "title": self.title, "articles": self.articles,
                "sources": [s.to_dict() for s in self.sources], "outlets": list(self.outlets),
                "first_published": self.first_published, "last_published": self.last_published,
                "merged_from": list(self.merged_from), "headline_article": self.headline_article}


@dataclass(frozen=True)
class SearchHit:
    """An article that matches a search: a snippet of its body as plain text and the
    ``[start, end)`` offsets of the matches in it (and in its title), so no client has to
    trust markup cut out of an article."""

    article_id: str
    title: str | None
    outlet: str | None
    published: str | None
    story_id: str | None
    duplicate_of: str | None
    snippet: str
    highlights: tuple[tuple[int, int], ...]
    title_highlights: tuple[tuple[int, int], ...]

    def to_dict(self) -> dict:
        """The objects of ``storyline search --json`` and ``GET /api/search``."""
        return {"article_id": self.article_id, "title": self.title, "outlet": self.outlet,
                "published": self.published, "story_id": self.story_id,
                "duplicate_of": self.duplicate_of, "snippet": self.snippet,
                "highlights": [list(h) for h in self.highlights],
                "title_highlights": [list(h) for h in self.title_highlights]}


@dataclass(frozen=True)
class QuoteHit:
    """A quote of the archive: a brief-schema quote plus the article it is in."""

    text: str
    speaker: str | None
    speaker_entity: str | None
    kind: str
    span: Span
    outlet: str | None
    published: str | None
    title: str | None

    def to_dict(self) -> dict:
        """The objects of ``storyline quotes --json``."""
        return {"text": self.text, "speaker": self.speaker, "speaker_entity": self.speaker_entity,
                "kind": self.kind, "span": self.span.to_dict(), "outlet": self.outlet,
                "published": self.published, "title": self.title}


@dataclass(frozen=True)
class Revision:
    """One stored body of an article; a new body for an id is a new revision, and the
    older ones stay, so offsets cited into them stay valid."""

    revision: int
    body: str
    input_hash: str
    ingested_at: str


@dataclass(frozen=True)
class BriefVersion:
    """One kept version of a story's brief: its JSON text (``brief.schema.json``), when it
    was made (UTC ISO 8601) and the revision of each article it was made from."""

    made_at: str
    data: str
    revisions: dict[str, int]


@dataclass(frozen=True)
class Follow:
    """One follow: a story (``kind`` ``story``, ``value`` its id), a search (``query``, an
    FTS5 query) or a person's or organisation's name (``entity``). ``stories`` are the
    stories it had matched by its last digest (or when it was made); times are UTC ISO 8601,
    ``last_digest_at`` None until a digest completes."""

    id: int
    kind: str
    value: str
    created_at: str
    last_digest_at: str | None = None
    stories: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """The objects of ``storyline follows --json`` and ``GET /api/follows``."""
        return {"id": self.id, "kind": self.kind, "value": self.value,
                "created_at": self.created_at, "last_digest_at": self.last_digest_at,
                "stories": list(self.stories)}


@dataclass(frozen=True)
class CurrentRevision:
    """What ingest compares a new input with: the current revision's number, the hash of the
    input it came from, and the fields a new input could change."""

    revision: int
    input_hash: str
    outlet: str | None
    title: str | None
    url: str | None
    published: str | None
    body: str
    metadata: dict

    def same_content(self, article: Article) -> bool:
        """True when ``article`` would store exactly what this revision holds."""
        return (self.outlet, self.title, self.url, self.published, self.body,
                self.metadata) == (article.outlet, article.title, article.url,
                                   article.published, article.body, article.metadata)


@dataclass(frozen=True)
class ArticleDetail:
    """An article's current revision with the story it is in and, when it was asked for
    (``with_annotation``), what annotation read in it: ``annotation`` is None then for an
    article not annotated yet."""

    article: Article
    story_id: str | None
    annotation: Annotation | None
    with_annotation: bool

    def to_dict(self) -> dict:
        """The object of ``GET /api/articles/{id}``: the article's fields, ``story_id`` and
        (when asked for) ``annotations``."""
        found = self.article.to_dict()
        found["story_id"] = self.story_id
        if self.with_annotation:
            found["annotations"] = self.annotation.to_dict() if self.annotation else None
        return found


@dataclass(frozen=True)
class ArchiveCounts:
    """How much the archive holds, and how much of it waits for ``storyline annotate``
    (``unannotated``: no annotation by this version) or for grouping (``ungrouped``:
    annotated, in no story yet)."""

    articles: int
    stories: int
    unannotated: int
    ungrouped: int


@dataclass(frozen=True)
class Health:
    """What ``GET /healthz`` reports of the archive."""

    status: str
    version: str
    articles: int
    stories: int
    schema_version: int

    def to_dict(self) -> dict:
        return {"status": self.status, "version": self.version, "articles": self.articles,
                "stories": self.stories, "schema_version": self.schema_version}


@dataclass(frozen=True)
class Feed:
    """One subscription and its health, as ``storyline feeds`` and ``GET /api/feeds`` show it.

    ``state`` is ``active``, ``backing off`` (its last checks failed: it is polled less and
    less often, never given up on) or ``gone`` (it answered 410: not polled again until it is
    added again). Times are ISO 8601 in UTC. ``etag``, ``last_modified`` and ``published``
    (recent entries' publication times, for the schedule) are what the next check needs.
    """

    id: int
    url: str
    title: str | None
    category: str | None
    outlet: str | None
    site_url: str | None
    every: int | None
    last_check: str | None
    last_status: int | None
    last_error: str | None
    consecutive_errors: int
    next_check: str | None
    articles: int
    state: str
    added_at: str
    etag: str | None = None
    last_modified: str | None = None
    published: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """The objects of ``storyline feeds --json`` and ``GET /api/feeds``."""
        return {"url": self.url, "title": self.title, "category": self.category,
                "outlet": self.outlet, "site_url": self.site_url, "every": self.every,
                "state": self.state, "last_check": self.last_check,
                "last_status": self.last_status, "last_error": self.last_error,
                "consecutive_errors": self.consecutive_errors, "next_check": self.next_check,
                "articles": self.articles, "added_at": self.added_at}


@dataclass
class RoundReport:
    """What one polling round (or one ``fetch``) did, for its closing line and for API
    callers: feeds checked, new articles, feeds unchanged (304), pages fetched, requests
    sent, pages robots.txt kept us from, and every error, named."""

    feeds: int = 0
    new: int = 0
    unchanged: int = 0
    pages: int = 0
    requests: int = 0
    disallowed: int = 0
    errors: list[InputError] = field(default_factory=list)
    ingest: IngestReport = field(default_factory=IngestReport)

    def summary(self) -> str:
        return (f"{self.feeds} feed{'s' if self.feeds != 1 else ''}: {self.new} new articles, "
                f"{self.unchanged} unchanged "
                f"(304), {self.pages} pages fetched, {len(self.errors)} errors")

    def to_dict(self) -> dict:
        return {"feeds": self.feeds, "new": self.new, "unchanged": self.unchanged,
                "pages": self.pages, "requests": self.requests, "disallowed": self.disallowed,
                "errors": [str(e) for e in self.errors], "ingest": self.ingest.to_dict()}
