"""Ingest: readers' raw articles through cleaning and near-duplicate detection into the store.

Each stage is a plain function (:func:`~storyline.clean.clean_body`,
:func:`~storyline.dedup.signature`); this module only composes them and decides what is new,
what is a new revision and what is unchanged. Work is committed one batch at a time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .clean import LEARN_MIN_ARTICLES, clean_body, learnable_lines, tidy_body
from .dedup import DedupSettings, band_keys, from_blob, signature, similarity, to_blob
from .errors import InputError
from .readers import Item
from .records import Annotation, Article, IngestReport, RawArticle
from .store import Store
from .stories import (Assignment, Story, StoryIndex, StorySettings, Vocabulary, order_key,
                      story_article)
from .workers import batches


@dataclass(frozen=True)
class IngestSettings:
    """How ingest batches its writes and what counts as a near-duplicate."""

    batch_size: int = 200
    dedup: DedupSettings = field(default_factory=DedupSettings)
    learn_min_articles: int = LEARN_MIN_ARTICLES


def find_original(store: Store, article_id: str, body: str,
                  settings: DedupSettings) -> tuple[str | None, list[tuple[int, int]], bytes | None]:
    """The original this body near-duplicates (or None), with its LSH bands and signature.

    Only originals are indexed, so a page copied a thousand times is compared with one
    signature, not a thousand: lookups cost the same however much wire copy is stored.
    """
    sig = signature(body, settings)
    if sig is None:
        return None, [], None
    bands = band_keys(sig, settings)
    best, best_score = None, settings.threshold
    for other_id, blob in store.band_matches(bands, exclude=article_id):
        score = similarity(sig, from_blob(blob))
        if score > best_score or (best is None and score >= best_score):
            best, best_score = other_id, score
    return best, bands, to_blob(sig)


def _same_content(row, article: Article) -> bool:
    """True when a new input would store exactly what the current revision holds."""
    stored = (row["outlet"], row["title"], row["url"], row["published"], row["body"],
              json.loads(row["metadata"]))
    return stored == (article.outlet, article.title, article.url, article.published,
                      article.body, article.metadata)


def _clean(store: Store, raw: RawArticle, settings: IngestSettings,
           line_keys: set[int]) -> tuple[str, str]:
    """The body to store, and the text that copies are compared on.

    Copies are compared before an outlet's learned furniture is removed: two outlets strip
    different lines from the same wire story, and that must not hide the copy.
    """
    if raw.prepared:
        body = tidy_body(raw.text)
        return body, body
    learned: set[int] = set()
    if raw.outlet:
        learned = store.repeated_lines(raw.outlet, line_keys, settings.learn_min_articles)
    body = clean_body(raw.text, outlet=raw.outlet, learned=learned, title=raw.title)
    if not learned:
        return body, body
    return body, clean_body(raw.text, outlet=raw.outlet, title=raw.title)


def _store_one(store: Store, raw: RawArticle, settings: IngestSettings,
               report: IngestReport, line_keys: set[int]) -> Article | None:
    """Store one raw article; the new revision written, or None when nothing changed."""
    article_id = raw.article_id()
    input_hash = raw.input_hash()
    current = store.current(article_id)
    if current is not None and current["input_hash"] == input_hash:
        report.unchanged += 1
        report.ids.append(article_id)
        return None
    body, dedup_text = _clean(store, raw, settings, line_keys)
    if not body and not raw.title:
        raise InputError(raw.origin, "no article text left after removing boilerplate")
    article = Article(
        id=article_id, revision=1 if current is None else current["revision"] + 1,
        outlet=raw.outlet, title=raw.title, url=raw.url, published=raw.published, body=body,
        raw=raw.text, metadata=raw.metadata, origin=str(raw.origin),
    )
    if current is not None and _same_content(current, article):
        report.unchanged += 1
        report.ids.append(article_id)
        return None
    original, bands, blob = find_original(store, article_id, dedup_text, settings.dedup)
    article.duplicate_of = original
    store.write_revision(article, input_hash=input_hash)
    if blob is not None and original is None:
        store.put_signature(article_id, blob, bands)
    elif current is not None:
        store.drop_signature(article_id)
    if current is None:
        report.new += 1
    else:
        report.revised += 1
    if original is not None:
        report.duplicates += 1
    report.ids.append(article_id)
    return article


def ingest(items: Iterable[Item], store: Store, *, settings: IngestSettings | None = None,
           on_error: Callable[[InputError], None] | None = None,
           on_item: Callable[[], None] | None = None,
           annotator: Callable[[list[Article]], list[Annotation]] | None = None,
           annotator_version: int = 0, grouper: StoryGrouper | None = None) -> IngestReport:
    """Store every raw article; errors are reported (and passed to ``on_error``), not raised.

    A batch is committed whole: learned outlet lines are registered for the whole batch first,
    so three articles of one outlet arriving together already teach each other. With an
    ``annotator``, each new revision is annotated and stored in the same transaction, so an
    article is never stored without its reading (unless ingest was asked not to read).
    With a ``grouper`` as well, the annotated articles join their stories in that same
    transaction.
    """
    settings = settings or IngestSettings()
    report = IngestReport()
    with store.transaction():
        store.bind_setting("near-duplicate signatures", settings.dedup.fingerprint())
    for batch in batches(items, settings.batch_size):
        part = IngestReport()
        written: list[Article] = []
        with store.transaction():
            line_keys: dict[int, set[int]] = {}
            for number, item in enumerate(batch):
                if isinstance(item, RawArticle) and item.outlet and not item.prepared:
                    line_keys[number] = learnable_lines(item.text)
                    store.add_outlet_lines(item.outlet, item.article_id(), line_keys[number])
            for number, item in enumerate(batch):
                try:
                    if isinstance(item, InputError):
                        raise item
                    article = _store_one(store, item, settings, part,
                                         line_keys.get(number, set()))
                    if article is not None:
                        written.append(article)
                except InputError as error:
                    part.errors.append(error)
                    if on_error:
                        on_error(error)
                if on_item:
                    on_item()
            if annotator is not None and written:
                annotations = annotator(written)
                for annotation in annotations:
                    store.put_annotation(annotation, annotator_version)
                if grouper is not None:
                    for assignment in grouper.group(list(zip(written, annotations))):
                        part.new_stories += assignment.created
        report.new += part.new
        report.revised += part.revised
        report.unchanged += part.unchanged
        report.duplicates += part.duplicates
        report.new_stories += part.new_stories
        report.errors.extend(part.errors)
        report.ids.extend(part.ids)
    return report


class StoryGrouper:
    """Groups stored articles into stories, keeping the stories in the store.

    The shell around :class:`~storyline.stories.StoryIndex`: it loads the active stories
    once, groups each batch it is given (inside the caller's transaction) and writes back
    what changed, so a killed run leaves the stories as the last committed batch left them.
    """

    def __init__(self, store: Store, settings: StorySettings | None = None):
        self.store = store
        self.settings = settings or StorySettings()
        self.index: StoryIndex | None = None
        self._generation: str | None = None

    def _load(self) -> StoryIndex:
        store, settings = self.store, self.settings
        clock = store.meta("stories:clock")
        clock = int(clock) if clock else None
        vocabulary = Vocabulary(int(store.meta("stories:documents") or 0),
                                lookup=store.term_documents)
        since = clock - settings.active_days if clock is not None else None
        stories = [Story.from_state(sid, json.loads(state))
                   for sid, state in store.story_states(since_day=since, recent=settings.min_active)]
        self._generation = store.meta("stories:generation")
        return StoryIndex(settings, vocabulary, stories, clock=clock,
                          touches=int(store.meta("stories:touches") or 0))

    def _active_story_of(self, article_id: str) -> str | None:
        """The story an article is in now, made active if it had been retired."""
        index = self.index
        sid = index.article_story.get(article_id) or self.store.story_of(article_id)
        if sid is None:
            return None
        sid = index.resolve(sid)
        if sid not in index.stories:
            sid = self.store.resolve_story(sid)
            state = self.store.story_state(sid) if sid else None
            if state is None:
                return None
            index.admit(Story.from_state(sid, json.loads(state)))
        return sid

    #: Document counts held in memory past this many are dropped (and read again as needed).
    cached_terms = 500_000

    def group(self, pairs: Iterable[tuple[Article, Annotation]]) -> list[Assignment]:
        """Assign each (article, annotation) to a story, in publication order. If it fails,
        the caller's transaction rolls back, and so does this grouper (it reloads)."""
        try:
            return self._group(list(pairs))
        except BaseException:
            self.index = None
            raise

    def _group(self, pairs: list[tuple[Article, Annotation]]) -> list[Assignment]:
        store = self.store
        if self.index is None or store.meta("stories:generation") != self._generation:
            self.index = self._load()  # first batch, or another process grouped meanwhile
        index = self.index
        seqs = {article.id: n for n, (article, _) in enumerate(pairs)}
        ordered = sorted(pairs, key=lambda p: order_key(p[0].published, seqs[p[0].id]))
        grouped = store.grouped([article.id for article, _ in ordered])
        records = [story_article(article, annotation, self.settings)
                   for article, annotation in ordered if article.id not in grouped]
        index.vocabulary.load(term for r in records for term in (*r.terms, *r.names))
        assignments, rows = [], []
        for record in records:
            duplicate_story = None
            if record.duplicate_of:
                duplicate_story = self._active_story_of(record.duplicate_of)
            assignment = index.assign_story(record, duplicate_story=duplicate_story)
            for old in assignment.merged:
                store.merge_story(old, assignment.story_id)
            rows.append((record.id, assignment.story_id, assignment.probability, index.touches))
            assignments.append(assignment)
        store.put_story_articles([(aid, index.resolve(sid), p, n) for aid, sid, p, n in rows])
        for sid in sorted(index.changed):
            if sid in index.stories:
                store.put_story(sid, index.stories[sid].to_state())
        index.changed.clear()
        store.add_term_documents(index.vocabulary.added)
        index.vocabulary.added = {}
        if len(index.vocabulary.counts) > self.cached_terms:
            index.vocabulary.counts = {}
        index.retire()
        generation = str(int(self._generation or 0) + 1)
        for key, value in (("clock", index.clock), ("touches", index.touches),
                           ("documents", index.vocabulary.documents), ("generation", generation),
                           ("settings", self.settings.fingerprint())):
            if value is not None:
                store.set_meta(f"stories:{key}", str(value))
        self._generation = generation
        return assignments
