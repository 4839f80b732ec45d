"""The Python API: one object over one archive, the only door the CLI, the server and the web
pages use.

    >>> from storyline import Library
    >>> with Library("news.db") as lib:
    ...     report = lib.ingest(["examples/seed-pair/seed-pair.jsonl"])
    ...     print(report.summary())
    ...     body = lib.article("seed-a").body

Every error it raises is a :class:`~storyline.errors.StorylineError`; a bad argument (a date
that is none) is an :class:`~storyline.errors.InputError` naming it. Queries answer the
records of :mod:`storyline.results`. The shells (CLI, server, web pages) go through it alone,
never through its :class:`~storyline.store.Store`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TextIO

from . import __version__
from .brief import BRIEF_VERSION, Brief, BriefSettings, BriefSource, build_brief
from .brief.updates import iso_time
from .engine import Engine, Failure, LocalEngine, cpu_count
from .errors import InputError, NotAnnotatedError, NotFoundError, Origin, QueryError
from .pipeline import IngestSettings, ingest, load_shards, write_shards
from .shards import shard_name
from .readers import read_inputs
from .records import Annotation, Article, IngestReport, normalize_published
from .results import (ArchiveCounts, ArticleDetail, Feed, Follow, Health, QuoteHit,
                      RoundReport, SearchHit, StoryDetail, StorySummary)
from .store import Store
from .stories import StoryGrouper, StorySettings
from .timing import Timings

if TYPE_CHECKING:
    from .fetch import FetchSettings

DEFAULT_DB = "storyline.db"
# part of every cached brief's key: a change of the defaults rebuilds them
_DEFAULT_BRIEF_SETTINGS = repr(BriefSettings())


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _nonempty(query: str | None) -> str | None:
    if query is not None and not query.strip():
        raise QueryError("the search query is empty", syntax=False)
    return query


def default_db_path() -> str:
    """``$STORYLINE_DB`` when set, else ``./storyline.db``."""
    return os.environ.get("STORYLINE_DB") or DEFAULT_DB


def _date_argument(name: str, value: str | None) -> str | None:
    """A date argument as ISO 8601 (None for none); InputError naming it when it is no date."""
    try:
        return normalize_published(value)
    except ValueError as exc:
        raise InputError(Origin("arguments"), str(exc), field=name) from None


@dataclass(frozen=True)
class StoryPage:
    """One page of stories, newest first; ``next_cursor`` asks for the page after it."""

    stories: list[StorySummary]
    next_cursor: str | None


def encode_cursor(key: tuple[int, int, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, int, str]:
    """The sort key a cursor carries; raises QueryError for one this did not make."""
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        day, touched, story_id = json.loads(raw)
        if (type(day) is int and type(touched) is int and isinstance(story_id, str)
                and encode_cursor((day, touched, story_id)) == cursor):
            return day, touched, story_id
    except (ValueError, TypeError):
        pass
    raise QueryError(f"cursor {cursor!r} is not one this server gave out", syntax=False)


def highlight_pieces(text: str, spans: Iterable[Sequence[int]]) -> list[tuple[str, bool]]:
    """``text`` cut at the ``[start, end)`` offsets of its matches (``highlights`` of a
    search hit): ``(piece, is_match)`` in order. Spans that overlap one before them or fall
    outside the text are left out."""
    pieces, pos = [], 0
    for start, end in sorted(spans):
        if pos <= start < end <= len(text):
            pieces += [(text[pos:start], False), (text[start:end], True)]
            pos = end
    pieces.append((text[pos:], False))
    return [(piece, match) for piece, match in pieces if piece]


def brief_sources(store: Store, article_ids: Iterable[str], *,
                  revisions: dict[str, int] | None = None) -> list[BriefSource]:
    """The distinct articles among ``article_ids`` with their annotations, in the order
    given, each near-duplicate folded under its original when that is among them too; with
    ``revisions``, each article at the revision given there (its current one otherwise)."""
    def at(article_id: str) -> tuple[Article, Annotation | None]:
        if revisions and article_id in revisions:
            article = store.article_at(article_id, revisions[article_id])
            if article is not None:
                return article, store.annotation_at(article_id, article.revision)
        return store.article(article_id), store.annotation(article_id)

    found = {i: at(i) for i in dict.fromkeys(article_ids)}
    articles = [article for article, _ in found.values()]
    present = set(found)
    sources = {a.id: BriefSource(a, found[a.id][1]) for a in articles
               if a.duplicate_of not in present}
    for article in articles:
        if article.id not in sources:
            original = article.duplicate_of
            while original not in sources:
                original = next(a.duplicate_of for a in articles if a.id == original)
            sources[original].copies.append(found[article.id])
    return list(sources.values())


class Library:
    """An archive of articles in one SQLite file."""

    def __init__(self, path: str | Path | None = None, *, settings: IngestSettings | None = None,
                 story_settings: StorySettings | None = None, engine: Engine | None = None,
                 clock: Callable[[], datetime] | None = None):
        """``engine`` runs the pure stages (extraction, preparation, annotation); without
        one, each call runs them on a :class:`~storyline.engine.LocalEngine` of its ``jobs``.
        ``clock`` tells the time kept brief versions are made at (default: UTC now)."""
        self.path = str(path) if path is not None else default_db_path()
        self.clock = clock or _utcnow
        self.engine = engine
        self.settings = settings or IngestSettings()
        self.story_settings = story_settings or StorySettings()
        self.store = Store(self.path)
        if clock is not None:
            self.store.clock = lambda: iso_time(self.clock())

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.store.close()

    def ingest(self, paths: Iterable[str | Path], *, format: str = "auto",
               outlet: str | None = None, published: str | None = None,
               stdin: BinaryIO | None = None, stdin_name: str = "<stdin>",
               jobs: int | None = None,
               on_error: Callable[[InputError], None] | None = None,
               on_item: Callable[[], None] | None = None,
               annotate: bool = True, stories: bool = True,
               shards: str | Path | None = None,
               timings: Timings | None = None) -> IngestReport:
        """Read files, directories (recursively) or ``-`` (JSONL on ``stdin``, or one JSON
        document when ``stdin_name`` ends in ``.json``) into the archive.

        With ``shards`` (a directory), the prepared and annotated articles are written
        there as Parquet shards instead, for :meth:`load_shards` (a backfill on a cluster:
        see :mod:`storyline.shards`); blocks an earlier run finished are not redone.

        ``outlet`` and ``published`` fill what an input does not say. Bad files and records
        are collected in the report's ``errors`` (and passed to ``on_error``); everything
        else is stored, and every input is held to ``self.settings.limits`` (a record past
        one is refused and named). HTML pages are extracted, and new revisions annotated
        (sentences, entities, quotes, dates; skip with ``annotate=False``), on ``jobs``
        worker processes (default: every core); a worker that fails or dies costs only the
        record it was on. New articles then join their stories (``stories=False``
        leaves them for :meth:`group`; without annotation there are no stories yet), and
        a story whose brief was kept before has its new brief kept (:meth:`updates`).
        ``timings`` collects what each stage cost (see :class:`~storyline.timing.Timings`).
        Raises :class:`InputError` (field ``published``) for a ``published`` that is no date.
        """
        _date_argument("published", published)
        if annotate:
            from .nlp import check_model

            check_model()  # a missing model is reported before anything is read
        from .annotate import ANNOTATOR_VERSION

        with self._engine(jobs) as engine:
            items = read_inputs([str(p) for p in paths], format, outlet=outlet,
                                published=published, stdin=stdin, stdin_name=stdin_name,
                                engine=engine, limits=self.settings.limits, timings=timings)
            if shards is not None:
                if not annotate:
                    raise InputError(Origin(str(shards)), "shards hold annotated articles: "
                                     "--shards cannot go with --no-annotate", "annotate")
                return write_shards(items, self.store, Path(shards), settings=self.settings,
                                    engine=engine, on_error=on_error, on_item=on_item,
                                    annotator_version=ANNOTATOR_VERSION, timings=timings)
            grouper = (StoryGrouper(self.store, self.story_settings) if annotate and stories
                       else None)
            report = ingest(items, self.store, settings=self.settings, engine=engine,
                            on_error=on_error, on_item=on_item, annotate=annotate,
                            annotator_version=ANNOTATOR_VERSION, grouper=grouper,
                            timings=timings)
        if grouper is not None:
            self._keep_followed_briefs(report.ids, grouper.take_changed())
        return report

    def _keep_followed_briefs(self, article_ids: Iterable[str],
                              changed: Iterable[str] = ()) -> None:
        """Build (and so keep a version of) the brief of each story these articles are in,
        or that grouping ``changed`` (one that lost articles to a split, or absorbed a
        story), whose brief has been kept before: a story someone reads has every change
        kept."""
        stories = ({self.store.story_of(i) for i in article_ids}
                   | {self.store.resolve_story(s) for s in changed}) - {None}
        for story_id in sorted(s for s in stories if self.store.brief_versions(s, limit=1)):
            self.brief_json(story_id)

    def load_shards(self, directory: str | Path, *, jobs: int | None = None,
                    stories: bool = True,
                    on_error: Callable[[InputError], None] | None = None,
                    on_item: Callable[[], None] | None = None,
                    timings: Timings | None = None) -> IngestReport:
        """Fold the shards an ``ingest(shards=...)`` wrote into the archive, in input order,
        one transaction per batch: the same articles, copies, annotations and stories as
        ingesting the inputs here. Stops before the first block not written yet (say which
        in the report's errors); loading again changes nothing."""
        from .annotate import ANNOTATOR_VERSION
        from .shards import done_shards

        directory = Path(directory)
        if not directory.is_dir():
            raise InputError(Origin(str(directory)), "no such directory of shards")
        grouper = StoryGrouper(self.store, self.story_settings) if stories else None
        with self._engine(jobs) as engine:
            report = load_shards(directory, self.store, settings=self.settings, engine=engine,
                                 on_error=on_error, on_item=on_item,
                                 annotator_version=ANNOTATOR_VERSION, grouper=grouper,
                                 timings=timings)
        _, missing = done_shards(directory)
        if missing is not None:
            error = InputError(Origin(str(directory / shard_name(missing))),
                               "this shard is not written yet, so it and the ones after it "
                               "were not loaded: finish the backfill, then load again")
            report.errors.append(error)
            if on_error:
                on_error(error)
        return report

    @contextmanager
    def _engine(self, jobs: int | None) -> Iterator[Engine]:
        """The library's engine, or a local one of ``jobs`` (default: every core) for one call."""
        if self.engine is not None:
            yield self.engine
            return
        with LocalEngine(jobs if jobs is not None else cpu_count()) as engine:
            yield engine

    def annotate(self, *, jobs: int | None = None, batch_size: int = 64,
                 on_progress: Callable[[int, int], None] | None = None,
                 on_error: Callable[[InputError], None] | None = None) -> int:
        """Annotate every current revision that has no annotation by this version yet.

        Commits one batch at a time, so an interrupted run keeps what it finished, and
        groups what it annotated into stories (see :meth:`group`) at the end.
        ``on_progress(done, total)`` follows along; an article annotation cannot read is
        passed to ``on_error`` (and left for the next run). Returns how many were annotated.
        """
        from .annotate import ANNOTATOR_VERSION, annotate_list, unreadable
        from .nlp import check_model

        check_model()
        total = self.store.count_unannotated(ANNOTATOR_VERSION)
        done = last = annotated = 0
        with self._engine(jobs) as engine:
            while True:
                page = self.store.unannotated(ANNOTATOR_VERSION, after=last, limit=batch_size)
                if not page:
                    self.group()
                    return annotated
                last = page[-1][0]
                batch = [article for _, article in page]
                results = annotate_list(engine, batch)
                with self.store.transaction():
                    for article, result in zip(batch, results):
                        if isinstance(result, Failure):
                            if on_error:
                                on_error(unreadable(article, result))
                            continue
                        self.store.put_annotation(result, ANNOTATOR_VERSION)
                        annotated += 1
                done += len(batch)
                if on_progress:
                    on_progress(done, total)

    def group(self, *, batch_size: int = 500,
              on_progress: Callable[[int, int], None] | None = None) -> int:
        """Put every annotated article that is in no story yet into one, in publication
        order; one transaction per batch. Returns how many articles were grouped."""
        total = self.store.count_ungrouped()
        grouper = StoryGrouper(self.store, self.story_settings)
        done = 0
        while done < total:
            with self.store.transaction():
                page = self.store.ungrouped(limit=batch_size)
                if not page:
                    break
                grouper.group(page)
            done += len(page)
            if on_progress:
                on_progress(done, total)
        return done

    def recluster(self, *, batch_size: int = 500,
                  on_progress: Callable[[int, int], None] | None = None) -> int:
        """Rebuild every story from scratch with the current settings. A story id is
        derived from its first article, so stories that come out the same keep their ids.
        A run that is killed leaves what it grouped so far, and the rest for :meth:`group`
        or another ``recluster``."""
        with self.store.transaction():
            self.store.clear_stories()
        return self.group(batch_size=batch_size, on_progress=on_progress)

    def stories(self, *, since: str | None = None, query: str | None = None,
                limit: int | None = None) -> list[StorySummary]:
        """Stories, most recently published first: ``since`` keeps those with an article
        published on or after that date, ``query`` those with an article that matches it
        (FTS5 syntax, as :meth:`search`). Raises InputError (field ``since``) for a
        ``since`` that is no date."""
        return [summary for _, summary in self.store.stories(
            since=_date_argument("since", since), limit=limit, matching=_nonempty(query))]

    def story_page(self, *, since: str | None = None, query: str | None = None,
                   limit: int = 50, cursor: str | None = None) -> StoryPage:
        """Like :meth:`stories`, a page at a time: pass the ``next_cursor`` of one page to
        get the next. Pages stay consistent while new articles arrive, except that a story
        which gets a newer article moves up to the first page."""
        since = _date_argument("since", since)
        after = decode_cursor(cursor) if cursor else None
        found = self.store.stories(since=since, limit=limit + 1, after=after,
                                   matching=_nonempty(query))
        page = [summary for _, summary in found[:limit]]
        if len(found) <= limit:
            return StoryPage(page, None)
        return StoryPage(page, encode_cursor(found[limit - 1][0]))

    def search(self, query: str, *, limit: int = 20, offset: int = 0) -> list[SearchHit]:
        """Articles whose title or body match an FTS5 query (words, "phrases", AND, OR,
        NOT, prefix*), best first, with a snippet and the offsets of the matches in it.
        Raises QueryError for a query FTS5 cannot parse."""
        return self.store.search(_nonempty(query) or "", limit=limit, offset=offset)

    def story(self, story_id: str) -> StoryDetail:
        """One story with its articles; an id merged into another story resolves to it.
        Raises NotFoundError."""
        resolved = self.store.resolve_story(story_id)
        found = self.store.story(resolved) if resolved else None
        if found is None:
            raise NotFoundError("story", story_id)
        return found

    def brief(self, story_id: str, *, settings: BriefSettings | None = None) -> Brief:
        """The brief of one story (``.to_dict()`` is the schema's JSON; ``.to_markdown()``,
        ``.to_html()`` render it). A merged id resolves. Raises NotFoundError."""
        story = self.story(story_id)
        sources = brief_sources(self.store, [s.article_id for s in story.sources])
        return build_brief(story.story_id, story.title, sources, settings)

    def brief_json(self, story_id: str, *, build: bool = True,
                   now: datetime | None = None) -> str | None:
        """The brief of one story as the schema's JSON text, from the database's brief
        cache when the story is unchanged since it was built (same articles, revisions,
        annotations and headline), else built and cached (or None with ``build=False``,
        which only looks). A brief that differs from the last one kept is kept too, as a
        version of the story's brief made ``now`` (default: ``self.clock()``; see
        :meth:`updates`). A merged id resolves; raises NotFoundError."""
        resolved = self.store.resolve_story(story_id)
        if resolved is None:
            raise NotFoundError("story", story_id)
        made_of = self.store.story_fingerprint(resolved)
        fingerprint = json.dumps([BRIEF_VERSION, _DEFAULT_BRIEF_SETTINGS, made_of])
        key = hashlib.sha1(fingerprint.encode()).hexdigest()
        cached = self.store.cached_brief(resolved, key)
        if cached is not None or not build:
            return cached
        data = json.dumps(self.brief(resolved).to_dict(), ensure_ascii=False)
        # left uncached (and unkept) while a writer holds the file
        self.store.put_brief(resolved, key, data, made_at=iso_time(now or self.clock()),
                             revisions={row[0]: row[1] for row in made_of[1:]})
        return data

    def updates(self, story_id: str, since: str, *, now: datetime | None = None) -> dict:
        """What changed in a story since ``since`` (``updates.schema.json``): between its
        brief as it stood then and its brief ``now`` (built and kept first if the story
        changed). As it stood then: the newest version kept by then, when it was made from
        the revisions stored by then, else rebuilt from those revisions
        (:mod:`storyline.history`); no article by then: everything is new. ``since`` is an
        ISO time or a duration back from ``now`` (``30m``, ``6h``, ``2d``). Versions are
        kept as briefs are built (:meth:`brief_json`: the API's brief, ``storyline brief
        --format json``, this). Raises InputError (field ``since``) for a ``since`` that is
        neither, NotFoundError for an unknown story."""
        from .history import story_updates

        return story_updates(self, story_id, since, now=now)

    def update_history(self, story_id: str) -> list[dict]:
        """Every change of a story's brief: for each kept version after the first, what
        changed from the one before (:meth:`updates`' shape, ``until`` the time it was
        made), oldest first. A merged id resolves; raises NotFoundError."""
        from .history import update_history

        return update_history(self, story_id)

    def follow(self, story_id: str | None = None, *, query: str | None = None,
               entity: str | None = None, now: datetime | None = None) -> Follow:
        """Follow a story (by id; a merged id resolves), a search (FTS5, as :meth:`search`)
        or a person's or organisation's name: exactly one (:mod:`storyline.follows`). Keeps
        the briefs of what it matches as made ``now``, so the first :meth:`digest` says what
        changed since. NotFoundError for an unknown story, InputError naming the field
        (``story_id``, ``query``, ``entity``) for an empty one, QueryError for a bad query."""
        from . import follows

        return follows.follow(self, story_id, query=query, entity=entity, now=now)

    def follows(self) -> list[Follow]:
        """Every follow, oldest first."""
        return self.store.follows()

    def unfollow(self, follow_id: int | str) -> None:
        """Stop following; NotFoundError for an unknown follow id."""
        from . import follows

        follows.unfollow(self, follow_id)

    def digest(self, since: str | None = None, now: datetime | None = None, *,
               follow: int | str | None = None, remember: bool = True) -> dict:
        """What is new for every follow (or one: ``follow``) since its last digest (or
        since it was made; ``since``: an ISO time or a duration back from ``now`` for all,
        ``"last"`` as None): ``{"since", "until", "follows": [{"follow", "since", "gone",
        "stories": [{"story_id", "title", "new", "updates"}]}]}``, ``updates`` as
        :meth:`updates`. Once it completes, each follow remembers ``now`` and the stories it
        matched (not with ``remember=False``). InputError (field ``since``), NotFoundError."""
        from . import follows

        return follows.digest(self, since, now, follow=follow, remember=remember)

    def follow_history(self, follow_id: int | str) -> tuple[Follow, list[dict]]:
        """The follow and every change of its stories since it was made, oldest first
        (:func:`storyline.follows.follow_history`); NotFoundError for an unknown id."""
        from . import follows

        return follows.follow_history(self, follow_id)

    def bodies(self, article_ids: Iterable[str]) -> dict[str, str]:
        """Current bodies by id, for cutting the text of spans; unknown ids are left out."""
        found = {}
        for article_id in dict.fromkeys(article_ids):
            try:
                found[article_id] = self.store.article(article_id).body
            except NotFoundError:
                pass
        return found

    def annotation(self, article_id: str) -> Annotation:
        """What annotation read in an article's current revision; raises NotFoundError
        for an unknown id and :class:`NotAnnotatedError` when it was not annotated yet."""
        self.store.article(article_id)
        found = self.store.annotation(article_id)
        if found is None:
            raise NotAnnotatedError(article_id)
        return found

    def quotes(self, *, speaker: str | None = None, limit: int | None = None) -> list[QuoteHit]:
        """Quotes of the archive's originals, in ingest order; ``speaker`` matches part of a
        speaker's name, case-insensitively. Each is a brief-schema quote plus its source."""
        return self.store.quotes(speaker=speaker, limit=limit)

    def article(self, article_id: str) -> Article:
        """The latest revision of one article; raises NotFoundError."""
        return self.store.article(article_id)

    def article_detail(self, article_id: str, *, annotation: bool = True) -> ArticleDetail:
        """The latest revision of one article with the story it is in and (unless
        ``annotation=False``) what annotation read in it, None when it is not annotated
        yet. Raises NotFoundError."""
        article = self.store.article(article_id)
        return ArticleDetail(article=article, story_id=self.store.story_of(article_id),
                             annotation=self.store.annotation(article_id) if annotation else None,
                             with_annotation=annotation)

    def counts(self) -> ArchiveCounts:
        """How many articles and stories the archive holds, and how many articles wait for
        annotation (by this version) or for grouping."""
        from .annotate import ANNOTATOR_VERSION

        return ArchiveCounts(articles=self.store.count(), stories=self.store.count_stories(),
                             unannotated=self.store.count_unannotated(ANNOTATOR_VERSION),
                             ungrouped=self.store.count_ungrouped())

    def health(self) -> Health:
        """That the archive answers, with storyline's version, what it holds and its schema."""
        return Health(status="ok", version=__version__, articles=self.store.count(),
                      stories=self.store.count_stories(),
                      schema_version=self.store.schema_version())

    def articles(self, *, limit: int | None = None, outlet: str | None = None) -> list[Article]:
        """Articles, newest published first."""
        return list(self.store.articles(limit=limit, outlet=outlet, newest_first=True))

    # -- feeds -------------------------------------------------------------------------

    def add_feeds(self, urls: Iterable[str], *, every: int | str | None = None,
                  outlet: str | None = None, category: str | None = None,
                  title: str | None = None) -> list[Feed]:
        """Subscribe to feeds (adding one again makes it active and due now, a gone one
        included). ``every`` (seconds, or "30m", "2h", "1d") fixes how often it is polled,
        instead of following how often it publishes; ``outlet`` names the outlet of its
        articles (default: the feed's title). Raises InputError (field ``url`` or
        ``every``) before subscribing to any when one is bad."""
        from .feeds import check_feed_url
        from .feeds.schedule import parse_interval

        seconds = None
        if every is not None:
            try:
                seconds = every if isinstance(every, int) else parse_interval(every)
            except ValueError as exc:
                raise InputError(Origin("arguments"), str(exc), field="every") from None
        urls = [check_feed_url(u) for u in urls]
        with self.store.transaction():
            for url in urls:
                self.store.add_feed(url, title=title, category=category, outlet=outlet,
                                    every=seconds)
        return [self.store.feed(u) for u in urls]  # type: ignore[misc]

    def import_opml(self, path: str | Path) -> tuple[list[Feed], list[InputError]]:
        """Subscribe to every feed of an OPML file, nested outlines' titles kept as
        categories; returns the feeds and the outlines that could not be read."""
        from .feeds import check_feed_url
        from .feeds.opml import read_opml

        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise InputError(Origin(str(path)), f"cannot read: {exc.strerror or exc}") from None
        found, errors = read_opml(data, str(path))
        urls = []
        with self.store.transaction():
            for sub in found:
                try:
                    url = check_feed_url(sub.url)
                except InputError as exc:
                    errors.append(InputError(Origin(str(path)), exc.message, field="xmlUrl"))
                    continue
                self.store.add_feed(url, title=sub.title, category=sub.category,
                                    site_url=sub.site_url)
                urls.append(url)
        return [self.store.feed(u) for u in urls], errors  # type: ignore[misc]

    def export_opml(self) -> bytes:
        """Every subscription as an OPML 2.0 document (``import_opml`` reads it back)."""
        from .feeds.opml import Subscription, write_opml

        return write_opml(Subscription(url=f.url, title=f.title, category=f.category,
                                       site_url=f.site_url) for f in self.store.feeds())

    def remove_feed(self, url: str) -> None:
        """Unsubscribe (the articles it brought stay); raises NotFoundError."""
        with self.store.transaction():
            if not self.store.remove_feed(url):
                raise NotFoundError("feed", url)

    def feeds(self) -> list[Feed]:
        """Every subscription with its health, by category and title."""
        return self.store.feeds()

    def poll(self, *, every_feed: bool = True, fetch: FetchSettings | None = None,
             jobs: int | None = None, on_progress: Callable[[str, int, int], None] | None = None,
             on_error: Callable[[InputError], None] | None = None,
             stop: Callable[[], bool] | None = None) -> RoundReport:
        """One polling round: every feed that is not gone (``every_feed``) or only those
        due now, then every queued entry; returns what it did. New entries become articles
        through the same stages as :meth:`ingest` (extract, clean, de-duplicate, annotate,
        group), committed a chunk at a time. ``stop()`` is asked between chunks."""
        from .feeds.watch import iso, utcnow

        feeds = self.store.due_feeds(None if every_feed else iso(utcnow()))
        with self._round(fetch, jobs, on_progress, on_error, stop) as round_:
            return round_.poll(feeds)

    def fetch_pages(self, urls: Iterable[str], *, fetch: FetchSettings | None = None,
                    jobs: int | None = None,
                    on_progress: Callable[[str, int, int], None] | None = None,
                    on_error: Callable[[InputError], None] | None = None) -> RoundReport:
        """Fetch pages by URL and ingest them, once: a URL already stored is not fetched.
        robots.txt, the size cap, timeouts and the private-address check apply as to feeds."""
        with self._round(fetch, jobs, on_progress, on_error, None) as round_:
            round_.queue_urls(urls)
            round_.work_queue()
            return round_.report

    def next_poll(self) -> str | None:
        """When the next feed falls due (ISO 8601), "" when one is due now, None when no
        feed is polled."""
        return self.store.next_due()

    @contextmanager
    def _round(self, fetch, jobs, on_progress, on_error, stop) -> Iterator:
        from .annotate import ANNOTATOR_VERSION
        from .feeds.watch import Round
        from .fetch import Fetcher
        from .nlp import check_model
        from .readers.html import extract_pages

        check_model()
        grouper = StoryGrouper(self.store, self.story_settings)
        with self._engine(jobs) as engine, Fetcher(fetch) as fetcher:
            def ingest_items(items: list) -> IngestReport:
                pages = extract_pages(items, engine, self.settings.limits)
                report = ingest(pages, self.store, settings=self.settings, engine=engine,
                                annotate=True, annotator_version=ANNOTATOR_VERSION,
                                grouper=grouper)
                self._keep_followed_briefs(report.ids, grouper.take_changed())
                return report

            yield Round(self.store, fetcher, ingest_items, on_progress=on_progress,
                        on_error=on_error, stop=stop or (lambda: False))

    def export_warc(self, out: BinaryIO) -> int:
        """Write every kept raw response (fetched pages) as WARC response records, gzipped
        per record (warcio); ``ingest`` reads the file back. Returns how many."""
        from .feeds.archive import write_warc

        return write_warc(self.store.responses(), out)

    def export(self, out: TextIO) -> int:
        """Write every article as one JSON line (ingest order); ``ingest`` reads it back as is."""
        count = 0
        for article in self.store.articles():
            out.write(json.dumps(article.to_dict(), ensure_ascii=False) + "\n")
            count += 1
        return count
