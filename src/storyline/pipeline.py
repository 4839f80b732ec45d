"""Ingest: readers' raw articles through the pure stages into the store, as a stream.

The writer (the only code here that touches the store) takes the input a batch at a time to
register the outlets' boilerplate lines and look up what each article needs from the
archive; the engine maps the pure stage over the stream (:mod:`storyline.prepare`'s
cleaning, checks and signatures, and with annotation :mod:`storyline.annotate`'s reading, in
the same worker), holding a bounded window of batches ahead; the writer then decides,
article by article and in input order, what is new, what is a new revision, what is
unchanged and which original a copy repeats, and stores it with its annotation, grouping
each committed batch into stories. So reading and learning the next articles, annotating
these and storing and grouping the last overlap, on one machine or a cluster alike.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NamedTuple

from .annotate import BATCH_SIZE as ANNOTATE_BATCH
from .annotate import CHUNK_CHARS, annotate_list, reading_stage
from .clean import LEARN_MIN_ARTICLES, learnable_lines
from .dedup import DedupSettings, closest_original, from_blob
from .engine import Engine, Failure, LocalEngine, batches, describe_exception
from .errors import InputError, Origin
from .limits import MB, Limits
from .prepare import Prepared, prepare_article, preparation_stage
from .readers import Item
from .records import Annotation, Article, IngestReport, RawArticle, Skipped
from .shards import BLOCK_ITEMS, ShardRow, ShardWriter, read_shards
from .stories.grouper import StoryGrouper
from .store import Store
from .timing import Timings

#: Raw articles per preparation task (on one job the engine runs them all here anyway).
PREPARE_BATCH = 50


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
    #: Inputs per Parquet shard of ``ingest --shards`` (a shard that exists keeps its own).
    shard_items: int = BLOCK_ITEMS


def _item_chars(item) -> int:
    return len(getattr(item, "text", "") or "")


class Work(NamedTuple):
    """One input on its way through the stages: the item and, for a raw article to prepare,
    its outlet's learned lines (None: nothing to run, the writer takes the item as it is)."""

    item: Item
    learned: frozenset[int] | None
    position: int = 0


def ingest(items: Iterable[Item], store: Store, *, settings: IngestSettings | None = None,
           engine: Engine | None = None,
           on_error: Callable[[InputError], None] | None = None,
           on_item: Callable[[], None] | None = None,
           annotate: bool = False, annotator_version: int = 0,
           grouper: StoryGrouper | None = None, timings: Timings | None = None) -> IngestReport:
    """Store every raw article; errors are reported (and passed to ``on_error``), not raised.

    The stages overlap: while the engine's workers prepare and annotate the articles ahead,
    this process reads the next ones, learns their outlets' lines, and writes, annotates
    and groups the ones done, in input order. Learned outlet lines are registered a batch
    at a time before any of the batch is prepared, so three articles of one outlet arriving
    together already teach each other. A batch of ``settings.batch_size`` articles commits
    whole: its revisions, their annotations (``annotate``; an article is never stored
    without its reading unless ingest was asked not to read) and, with a ``grouper``, their
    stories. One record that fails, in any stage, is named and left out; the rest of its
    batch is stored. The pure stages run on ``engine`` (one local job without one);
    ``timings`` collects what each stage cost.
    """
    settings = settings or IngestSettings()
    with _writing(store, settings, engine, annotate, annotator_version, grouper, timings,
                  on_error, on_item) as writer:
        writer.run(items)
    return writer.report


@contextmanager
def _writing(store: Store, settings: IngestSettings, engine: Engine | None, annotate: bool,
             annotator_version: int, grouper: StoryGrouper | None, timings: Timings | None,
             on_error, on_item, shards: ShardWriter | None = None) -> Iterator[_Writer]:
    """A writer over ``engine`` (one local job, closed after, without one) for one run:
    the archive bound to the near-duplicate setting first (unless writing shards), and the
    open batch rolled back if the run stops halfway."""
    own = engine is None
    engine = LocalEngine(1) if engine is None else engine
    writer = _Writer(store, settings, engine, annotate, annotator_version, grouper,
                     timings if timings is not None else Timings(), on_error, on_item,
                     shards=shards)
    try:
        if shards is None:
            with store.transaction():
                store.bind_setting("near-duplicate signatures", settings.dedup.fingerprint())
        yield writer
    finally:
        writer.abandon()
        if own:
            engine.close()


def write_shards(items: Iterable[Item], store: Store, directory, *,
                 settings: IngestSettings | None = None, engine: Engine | None = None,
                 on_error: Callable[[InputError], None] | None = None,
                 on_item: Callable[[], None] | None = None, annotator_version: int = 0,
                 timings: Timings | None = None) -> IngestReport:
    """Prepare and annotate every raw article into Parquet shards in ``directory`` (see
    :mod:`storyline.shards`) instead of the archive, for :func:`load_shards` to fold in.

    The archive is only read (what it holds already) and taught the outlets' lines, in
    order, as :func:`ingest` does; the engine's work goes to the shards, so a cluster never
    waits on the archive's single writer. Blocks already done by an earlier run are not
    redone. The report counts articles written to shards as ``new``.
    """
    settings = settings or IngestSettings()
    shards = ShardWriter(directory, shard_settings(settings, annotator_version),
                         settings.shard_items)
    with _writing(store, settings, engine, True, annotator_version, None, timings, on_error,
                  on_item, shards=shards) as writer:
        writer.run(items)
    return writer.report


def load_shards(directory, store: Store, *, settings: IngestSettings | None = None,
                engine: Engine | None = None,
                on_error: Callable[[InputError], None] | None = None,
                on_item: Callable[[], None] | None = None, annotator_version: int = 0,
                grouper: StoryGrouper | None = None,
                timings: Timings | None = None) -> IngestReport:
    """Fold the done shards of ``directory`` into the archive, in input order: the same
    archive as ingesting their inputs directly. Loading a shard twice changes nothing (its
    inputs are then unchanged)."""
    settings = settings or IngestSettings()
    with _writing(store, settings, engine, True, annotator_version, grouper, timings,
                  on_error, on_item) as writer:
        writer.load(read_shards(directory, shard_settings(settings, annotator_version)))
    return writer.report


def shard_settings(settings: IngestSettings, annotator_version: int) -> dict:
    """What shards must agree on with the archive that loads them."""
    return {"annotator": annotator_version, "near-duplicates": settings.dedup.fingerprint()}


def _work_chars(work: Work) -> int:
    return _item_chars(work.item)


def _no_work(work: Work) -> bool:
    return work.learned is None


class _Writer:
    """Ingest's single writer: learns outlet lines ahead of the engine, then stores what the
    engine gives back, in order, one transaction per batch."""

    def __init__(self, store: Store, settings: IngestSettings, engine: Engine, annotate: bool,
                 annotator_version: int, grouper: StoryGrouper | None, timings: Timings,
                 on_error: Callable[[InputError], None] | None,
                 on_item: Callable[[], None] | None, shards: ShardWriter | None = None):
        self.store, self.settings, self.engine = store, settings, engine
        self.shards = shards
        self.annotate, self.annotator_version, self.grouper = annotate, annotator_version, grouper
        self.timings, self.on_error, self.on_item = timings, on_error, on_item
        self.stage = (reading_stage(settings.dedup, settings.limits) if annotate
                      else preparation_stage(settings.dedup, settings.limits))
        self.report = IngestReport()
        self._open = False
        self._part = IngestReport()
        self._taken = 0  # items of the open batch
        self._chars = 0
        self._pairs: list[tuple[Article, Annotation]] = []
        self._errors: list[InputError] = []

    def run(self, items: Iterable[Item]) -> None:
        batch_size = PREPARE_BATCH if not self.annotate else ANNOTATE_BATCH
        max_cost = None if not self.annotate else CHUNK_CHARS
        for work, result in self.engine.map_batches(
                self.stage, self._learn(items), batch_size=batch_size, max_cost=max_cost,
                cost=_work_chars, passthrough=_no_work, timings=self.timings):
            self._begin()
            prepared = None if work.learned is None else result
            if self.shards is not None:
                self._shard(work, prepared)
            else:
                self._take(work.item, prepared, work.learned)
            self._counted(_item_chars(work.item))
        self._commit()
        if self.shards is not None:
            self.shards.close()

    def load(self, rows: Iterable[ShardRow]) -> None:
        """Fold shard rows into the archive, in order, a batch per transaction."""
        for row in rows:
            self._begin()
            self._take(row.raw, row.prepared, None)
            self._counted(len(row.raw.text))
        self._commit()

    def _counted(self, chars: int) -> None:
        """One more item in the open batch; the batch commits once it is full."""
        self._taken += 1
        self._chars += chars
        if self._taken >= self.settings.batch_size or self._chars >= self.settings.batch_chars:
            self._commit()

    def _shard(self, work: Work, prepared) -> None:
        """Keep one item the engine is done with for its shard; errors are reported now."""
        item, part = work.item, self._part
        if isinstance(item, Skipped):
            part.skipped[item.reason] = part.skipped.get(item.reason, 0) + 1
        elif isinstance(item, InputError):
            part.errors.append(item)
        elif isinstance(prepared, Failure):
            what = "annotate" if self.annotate else "prepare"
            part.errors.append(InputError(item.origin, f"cannot {what} this article: {prepared}"))
        elif isinstance(prepared, InputError):
            part.errors.append(prepared)
        else:
            self.shards.add(work.position, item, prepared)
            if prepared is None:  # done by an earlier run, or already in the archive
                part.unchanged += 1
            else:
                part.new += 1
                part.ids.append(item.article_id())
            return
        self.shards.add(work.position, None, None)

    def _begin(self) -> None:
        if not self._open:
            self.store.conn.execute("BEGIN IMMEDIATE")
            self._open = True

    def _commit(self) -> None:
        """Group the batch's articles and commit it; then report it."""
        if self._open:
            try:
                if self.grouper is not None and self._pairs:
                    with self.timings.stage("group", len(self._pairs)):
                        for assignment in self.grouper.group(self._pairs):
                            self._part.new_stories += assignment.created
                with self.timings.stage("commit", self._taken):
                    self.store.conn.execute("COMMIT")
            except BaseException:
                self.abandon()
                raise
            self._open = False
        part, self._part = self._part, IngestReport()
        taken, self._taken, self._chars, self._pairs = self._taken, 0, 0, []
        self.report.add(part)
        for error in part.errors:
            if self.on_error:
                self.on_error(error)
        if self.on_item:
            for _ in range(taken):
                self.on_item()

    def abandon(self) -> None:
        """Roll back the open batch (ingest stopped halfway: nothing of it is kept)."""
        if self._open:
            self._open = False
            self.store.conn.execute("ROLLBACK")
            if self.grouper is not None:
                self.grouper.index = None

    def _learn(self, items: Iterable[Item]) -> Iterator[Work]:
        """Each item with what preparing it needs, a batch at a time: every raw article of
        the batch registers its short lines with its outlet first, then each learns which
        of its lines the outlet repeats. Items that need no preparation (errors, skipped
        records, an input the archive already holds as it is) pass with ``learned=None``."""
        store, settings = self.store, self.settings
        position = 0
        for batch in batches(items, settings.batch_size, max_cost=settings.batch_chars,
                             cost=_item_chars):
            self._begin()
            raws = [item for item in batch if isinstance(item, RawArticle)]
            with self.timings.stage("look up", len(raws)):
                keys: dict[int, set[int]] = {}
                for n, item in enumerate(batch):
                    if isinstance(item, RawArticle) and item.outlet and not item.prepared:
                        keys[n] = learnable_lines(item.text)
                        store.add_outlet_lines(item.outlet, item.article_id(), keys[n])
                works = []
                for n, item in enumerate(batch, start=position):
                    if (not isinstance(item, RawArticle) or self._unchanged_input(item)
                            or (self.shards is not None and self.shards.done(n))):
                        works.append(Work(item, None, n))
                        continue
                    learned = (store.repeated_lines(item.outlet, keys[n - position],
                                                    settings.learn_min_articles)
                               if n - position in keys else set())
                    works.append(Work(item, frozenset(learned), n))
            position += len(batch)
            yield from works

    def _take(self, item: Item, prepared, learned: frozenset[int] | None) -> None:
        """Write one item the engine is done with (in a savepoint, so a record that fails
        halfway leaves nothing behind), with its annotation."""
        part = self._part
        if isinstance(item, Skipped):
            part.skipped[item.reason] = part.skipped.get(item.reason, 0) + 1
            return
        if isinstance(item, InputError):
            part.errors.append(item)
            return
        if self.annotate and isinstance(prepared, Failure):
            part.errors.append(InputError(item.origin,
                                          f"cannot annotate this article: {prepared}"))
            return
        store = self.store
        try:
            with store.savepoint():
                with self.timings.stage("write", 1):
                    article = self._store_one(item, part, learned, prepared)
                if article is not None and self.annotate:
                    annotation = self._annotation(article, prepared)
                    with self.timings.stage("store annotations", 1):
                        store.put_annotation(annotation, self.annotator_version)
                    self._pairs.append((article, annotation))
        except InputError as error:
            part.errors.append(error)
        except Exception as exc:  # a record no stage expected: name it, keep the batch
            part.errors.append(InputError(item.origin,
                                          f"cannot store: {describe_exception(exc)}"))

    def _annotation(self, article: Article, prepared) -> Annotation:
        """The article's annotation at its revision: the one the engine made with its body,
        or (for an article prepared here) one made now."""
        found = prepared.annotation if isinstance(prepared, Prepared) else None
        if found is None or found.article_id != article.id:
            (found,) = annotate_list(self.engine, [article], timings=self.timings)
            if isinstance(found, Failure):
                raise InputError(Origin(article.origin or article.id),
                                 f"cannot annotate this article: {found}")
        return dataclasses.replace(found, revision=article.revision)

    def _unchanged_input(self, raw: RawArticle) -> bool:
        """True when the input is what the current revision came from, so preparing it again
        would be wasted; a record that fails even this is left to :meth:`_store_one` to name."""
        try:
            current = self.store.current(raw.article_id())
            return current is not None and current.input_hash == raw.input_hash()
        except Exception:
            return False

    def _store_one(self, raw: RawArticle, report: IngestReport, learned: frozenset[int] | None,
                   prepared: Prepared | InputError | Failure | None) -> Article | None:
        """Store one raw article; the new revision written, or None when nothing changed."""
        store = self.store
        article_id = raw.article_id()
        input_hash = raw.input_hash()
        current = store.current(article_id)
        if current is not None and current.input_hash == input_hash:
            report.unchanged += 1
            report.ids.append(article_id)
            return None
        if prepared is None:  # an earlier record changed the revision it repeats
            if learned is None:
                learned = (self.store.repeated_lines(raw.outlet, learnable_lines(raw.text),
                                                     self.settings.learn_min_articles)
                           if raw.outlet and not raw.prepared else set())
            try:
                prepared = prepare_article(raw, learned, self.settings.dedup,
                                           self.settings.limits)
            except InputError as error:
                prepared = error
        if isinstance(prepared, Failure):  # a record no stage expected: name it
            raise InputError(raw.origin, f"cannot store: {prepared}")
        if isinstance(prepared, InputError):
            raise prepared
        article = Article(
            id=article_id, revision=1 if current is None else current.revision + 1,
            outlet=raw.outlet, title=raw.title, url=raw.url, published=raw.published,
            body=prepared.body, raw=raw.text, metadata=raw.metadata, origin=str(raw.origin),
        )
        if current is not None and current.same_content(article):
            report.unchanged += 1
            report.ids.append(article_id)
            return None
        original = None
        if prepared.signature is not None:
            original = closest_original(from_blob(prepared.signature),
                                        store.band_matches(prepared.bands, exclude=article_id),
                                        self.settings.dedup)
        article.duplicate_of = original
        store.write_revision(article, input_hash=input_hash)
        if prepared.signature is not None and original is None:
            store.put_signature(article_id, prepared.signature, prepared.bands)
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
