"""Ingest: readers' raw articles through the pure stages into the store, a batch at a time.

For each batch, the writer (the only code here that touches the store) registers the
outlets' boilerplate lines and looks up what each article needs from the archive; the engine
maps the pure preparation stage (:mod:`storyline.prepare`: cleaning, checks, signatures)
over the batch; the writer then decides, article by article, what is new, what is a new
revision, what is unchanged and which original a copy repeats, and stores it. New revisions
are annotated by the engine and grouped into stories in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .annotate import annotate_list
from .clean import LEARN_MIN_ARTICLES, learnable_lines
from .dedup import DedupSettings, closest_original, from_blob
from .engine import Engine, Failure, LocalEngine, batches, describe_exception
from .errors import InputError
from .limits import MB, Limits
from .prepare import Prepared, prepare_article, preparation_stage
from .readers import Item
from .records import Annotation, Article, IngestReport, RawArticle, Skipped
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


def _item_chars(item) -> int:
    return len(getattr(item, "text", "") or "")


def ingest(items: Iterable[Item], store: Store, *, settings: IngestSettings | None = None,
           engine: Engine | None = None,
           on_error: Callable[[InputError], None] | None = None,
           on_item: Callable[[], None] | None = None,
           annotate: bool = False, annotator_version: int = 0,
           grouper: StoryGrouper | None = None, timings: Timings | None = None) -> IngestReport:
    """Store every raw article; errors are reported (and passed to ``on_error``), not raised.

    A batch is committed whole: learned outlet lines are registered for the whole batch first,
    so three articles of one outlet arriving together already teach each other. With
    ``annotate``, each new revision is annotated and stored in the same transaction, so an
    article is never stored without its reading (unless ingest was asked not to read).
    With a ``grouper`` as well, the annotated articles join their stories in that same
    transaction. One record that fails, in any stage, is named and left out; the rest of
    its batch is stored. The pure stages run on ``engine`` (one local job without one);
    ``timings`` collects what each stage cost.
    """
    settings = settings or IngestSettings()
    timings = timings if timings is not None else Timings()
    own = engine is None
    engine = LocalEngine(1) if engine is None else engine
    report = IngestReport()
    try:
        with store.transaction():
            store.bind_setting("near-duplicate signatures", settings.dedup.fingerprint())
        batch_step = _BatchStep(store, settings, engine, annotate, annotator_version, grouper,
                                timings)
        for batch in batches(items, settings.batch_size, max_cost=settings.batch_chars,
                             cost=_item_chars):
            part = batch_step.run(batch)
            report.add(part)
            for error in part.errors:
                if on_error:
                    on_error(error)
            if on_item:
                for _ in batch:
                    on_item()
    finally:
        if own:
            engine.close()
    return report


class _Unreadable(Exception):
    """Articles of a batch (by position) that annotation could not read: the batch is redone
    without them."""

    def __init__(self, failures: dict[int, Failure]):
        super().__init__(f"{len(failures)} articles could not be annotated")
        self.failures = failures


class _BatchStep:
    """One batch through the stages, with the store as its single writer."""

    def __init__(self, store: Store, settings: IngestSettings, engine: Engine, annotate: bool,
                 annotator_version: int, grouper: StoryGrouper | None, timings: Timings):
        self.store, self.settings, self.engine = store, settings, engine
        self.annotate, self.annotator_version, self.grouper = annotate, annotator_version, grouper
        self.timings = timings
        self.prepare = preparation_stage(settings.dedup, settings.limits)

    def run(self, batch: list) -> IngestReport:
        """Store one batch in one transaction. When annotation fails for some of its
        articles, the transaction is rolled back and the batch redone without them (the
        annotations already made are kept for the redo), so those articles are named and
        nothing of them is stored."""
        store = self.store
        failed: dict[int, InputError] = {}
        readings: dict[tuple[str, int, str], Annotation] = {}
        while True:
            part = IngestReport()
            try:
                with store.transaction():
                    written = self._write(batch, part, failed)
                    if self.annotate and written:
                        annotations = self._annotate(written, readings)
                        with self.timings.stage("store annotations", len(annotations)):
                            for annotation in annotations:
                                store.put_annotation(annotation, self.annotator_version)
                        if self.grouper is not None:
                            pairs = [(article, annotation) for (_, article), annotation
                                     in zip(written, annotations)]
                            with self.timings.stage("group", len(pairs)):
                                for assignment in self.grouper.group(pairs):
                                    part.new_stories += assignment.created
            except _Unreadable as unreadable:
                for n, failure in unreadable.failures.items():
                    failed[n] = InputError(batch[n].origin,
                                           f"cannot annotate this article: {failure}")
                continue
            return part

    def _write(self, batch: list, part: IngestReport,
               failed: dict[int, InputError]) -> list[tuple[int, Article]]:
        """Write every item of a batch but the ``failed`` ones (reported in their place); each
        in a savepoint, so a record that fails halfway leaves nothing behind. Returns
        ``(position, article)`` of each new revision written."""
        store, settings = self.store, self.settings
        todo = {n: item for n, item in enumerate(batch)
                if n not in failed and isinstance(item, RawArticle)}
        learned: dict[int, set[int]] = {}
        with self.timings.stage("look up", len(todo)):
            for n, item in todo.items():
                if item.outlet and not item.prepared:
                    keys = learnable_lines(item.text)
                    store.add_outlet_lines(item.outlet, item.article_id(), keys)
                    learned[n] = keys
            for n, item in todo.items():
                if n in learned:
                    learned[n] = store.repeated_lines(item.outlet, learned[n],
                                                      settings.learn_min_articles)
            wanted = [n for n, item in todo.items() if not self._unchanged_input(item)]
        prepared = {n: result for n, (_, result) in zip(wanted, self.engine.map_batches(
            self.prepare, [(todo[n], learned.get(n, set())) for n in wanted],
            batch_size=PREPARE_BATCH, timings=self.timings))}
        written = []
        with self.timings.stage("write", len(todo)):
            for number, item in enumerate(batch):
                if isinstance(item, Skipped):
                    part.skipped[item.reason] = part.skipped.get(item.reason, 0) + 1
                    continue
                if isinstance(item, InputError) or number in failed:
                    part.errors.append(failed.get(number, item))
                    continue
                try:
                    with store.savepoint():
                        article = self._store_one(item, part, learned.get(number, set()),
                                                  prepared.get(number))
                except InputError as error:
                    part.errors.append(error)
                except Exception as exc:  # a record no stage expected: name it, keep the batch
                    part.errors.append(InputError(item.origin,
                                                  f"cannot store: {describe_exception(exc)}"))
                else:
                    if article is not None:
                        written.append((number, article))
        return written

    def _unchanged_input(self, raw: RawArticle) -> bool:
        """True when the input is what the current revision came from, so preparing it again
        would be wasted; a record that fails even this is left to :meth:`_store_one` to name."""
        try:
            current = self.store.current(raw.article_id())
            return current is not None and current.input_hash == raw.input_hash()
        except Exception:
            return False

    def _store_one(self, raw: RawArticle, report: IngestReport, learned: set[int],
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
        if prepared is None:  # an earlier record of this batch changed what it repeats
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

    def _annotate(self, written: list[tuple[int, Article]],
                  readings: dict[tuple[str, int, str], Annotation]) -> list[Annotation]:
        """Annotations of the written articles, reusing those a failed attempt already made;
        raises :class:`_Unreadable` naming the articles annotation could not read."""
        def key(article: Article) -> tuple[str, int, str]:
            return article.id, article.revision, article.body

        todo = [(n, article) for n, article in written if key(article) not in readings]
        failures: dict[int, Failure] = {}
        results = annotate_list(self.engine, [article for _, article in todo],
                                timings=self.timings) if todo else []
        for (n, article), result in zip(todo, results):
            if isinstance(result, Failure):
                failures[n] = result
            else:
                readings[key(article)] = result
        if failures:
            raise _Unreadable(failures)
        return [readings[key(article)] for _, article in written]
