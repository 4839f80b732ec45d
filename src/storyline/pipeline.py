"""Ingest: readers' raw articles through cleaning and near-duplicate detection into the store.

Each stage is a plain function (:func:`~storyline.clean.clean_body`,
:func:`~storyline.dedup.signature`); this module only composes them and decides what is new,
what is a new revision and what is unchanged. Work is committed one batch at a time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .clean import LEARN_MIN_ARTICLES, clean_body, count_words, learnable_lines, tidy_body
from .dedup import DedupSettings, band_keys, from_blob, signature, similarity, to_blob
from .errors import InputError, LimitError
from .limits import MB, Limits
from .readers import Item
from .records import Annotation, Article, IngestReport, RawArticle, Skipped
from .store import Store
from .stories import (Assignment, Story, StoryIndex, StorySettings, Vocabulary, order_key,
                      story_article)
from .workers import Failure, batches, describe_exception


@dataclass(frozen=True)
class IngestSettings:
    """How ingest batches its writes, what counts as a near-duplicate, and the
    :class:`~storyline.limits.Limits` every input is held to."""

    batch_size: int = 200
    #: A batch also ends once its articles' raw text reaches this many characters.
    batch_chars: int = 32 * MB
    dedup: DedupSettings = field(default_factory=DedupSettings)
    learn_min_articles: int = LEARN_MIN_ARTICLES
    limits: Limits = field(default_factory=Limits)


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


def check_body(raw: RawArticle, body: str, limits: Limits) -> None:
    """Refuse a body that is no article: fewer than ``limits.min_words`` words after
    cleaning (a menu, a "Page not found"), or longer than annotation reads. A record that
    gave a headline and no text at all is kept as that headline."""
    if len(body) > limits.max_body_chars:
        raise LimitError(raw.origin, f"the article's text is {len(body):,} characters after "
                         f"cleaning, over the limit of {limits.max_body_chars:,}",
                         "--max-body-chars")
    words = count_words(body)
    if words >= limits.min_words or (not raw.text.strip() and raw.title):
        return
    if not body:
        raise InputError(raw.origin, "no article text left after removing boilerplate")
    raise InputError(raw.origin, f"no article text: {words} word{'s' if words != 1 else ''} "
                     f"after removing boilerplate, fewer than the {limits.min_words} an article "
                     "needs (--min-words)")


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
    check_body(raw, body, settings.limits)
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


def _item_chars(item) -> int:
    return len(getattr(item, "text", "") or "")


def ingest(items: Iterable[Item], store: Store, *, settings: IngestSettings | None = None,
           on_error: Callable[[InputError], None] | None = None,
           on_item: Callable[[], None] | None = None,
           annotator: Callable[[list[Article]], list[Annotation | Failure]] | None = None,
           annotator_version: int = 0, grouper: StoryGrouper | None = None) -> IngestReport:
    """Store every raw article; errors are reported (and passed to ``on_error``), not raised.

    A batch is committed whole: learned outlet lines are registered for the whole batch first,
    so three articles of one outlet arriving together already teach each other. With an
    ``annotator``, each new revision is annotated and stored in the same transaction, so an
    article is never stored without its reading (unless ingest was asked not to read).
    With a ``grouper`` as well, the annotated articles join their stories in that same
    transaction. One record that fails, in any stage, is named and left out; the rest of
    its batch is stored.
    """
    settings = settings or IngestSettings()
    report = IngestReport()
    with store.transaction():
        store.bind_setting("near-duplicate signatures", settings.dedup.fingerprint())
    for batch in batches(items, settings.batch_size, max_cost=settings.batch_chars,
                         cost=_item_chars):
        part = _ingest_batch(batch, store, settings, annotator, annotator_version, grouper)
        report.add(part)
        for error in part.errors:
            if on_error:
                on_error(error)
        if on_item:
            for _ in batch:
                on_item()
    return report


class _Unreadable(Exception):
    """Articles of a batch (by position) that annotation could not read: the batch is redone
    without them."""

    def __init__(self, failures: dict[int, Failure]):
        super().__init__(f"{len(failures)} articles could not be annotated")
        self.failures = failures


def _ingest_batch(batch: list, store: Store, settings: IngestSettings, annotator,
                  annotator_version: int, grouper: StoryGrouper | None) -> IngestReport:
    """Store one batch in one transaction. When annotation fails for some of its articles,
    the transaction is rolled back and the batch redone without them (the annotations
    already made are kept for the redo), so those articles are named and nothing of them
    is stored."""
    failed: dict[int, InputError] = {}
    readings: dict[tuple[str, int, str], Annotation] = {}
    while True:
        part = IngestReport()
        try:
            with store.transaction():
                written = _write_batch(batch, store, settings, part, failed)
                if annotator is not None and written:
                    annotations = _annotate(annotator, written, readings)
                    for annotation in annotations:
                        store.put_annotation(annotation, annotator_version)
                    if grouper is not None:
                        pairs = [(article, annotation) for (_, article), annotation
                                 in zip(written, annotations)]
                        for assignment in grouper.group(pairs):
                            part.new_stories += assignment.created
        except _Unreadable as unreadable:
            for n, failure in unreadable.failures.items():
                failed[n] = InputError(batch[n].origin, f"cannot annotate this article: {failure}")
            continue
        return part


def _write_batch(batch: list, store: Store, settings: IngestSettings, part: IngestReport,
                 failed: dict[int, InputError]) -> list[tuple[int, Article]]:
    """Write every item of a batch but the ``failed`` ones (reported in their place); each
    in a savepoint, so a record that fails halfway leaves nothing behind. Returns
    ``(position, article)`` of each new revision written."""
    line_keys: dict[int, set[int]] = {}
    for number, item in enumerate(batch):
        if (number not in failed and isinstance(item, RawArticle) and item.outlet
                and not item.prepared):
            line_keys[number] = learnable_lines(item.text)
            store.add_outlet_lines(item.outlet, item.article_id(), line_keys[number])
    written = []
    for number, item in enumerate(batch):
        if isinstance(item, Skipped):
            part.skipped[item.reason] = part.skipped.get(item.reason, 0) + 1
            continue
        if isinstance(item, InputError) or number in failed:
            part.errors.append(failed.get(number, item))
            continue
        try:
            with store.savepoint():
                article = _store_one(store, item, settings, part, line_keys.get(number, set()))
        except InputError as error:
            part.errors.append(error)
        except Exception as exc:  # a record no stage expected: name it, keep the batch
            part.errors.append(InputError(item.origin, f"cannot store: {describe_exception(exc)}"))
        else:
            if article is not None:
                written.append((number, article))
    return written


def _annotate(annotator, written: list[tuple[int, Article]],
              readings: dict[tuple[str, int, str], Annotation]) -> list[Annotation]:
    """Annotations of the written articles, reusing those a failed attempt already made;
    raises :class:`_Unreadable` naming the articles annotation could not read."""
    def key(article: Article) -> tuple[str, int, str]:
        return article.id, article.revision, article.body

    todo = [(n, article) for n, article in written if key(article) not in readings]
    failures: dict[int, Failure] = {}
    results = annotator([article for _, article in todo]) if todo else []
    for (n, article), result in zip(todo, results):
        if isinstance(result, Failure):
            failures[n] = result
        else:
            readings[key(article)] = result
    if failures:
        raise _Unreadable(failures)
    return [readings[key(article)] for _, article in written]


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
