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
           annotator_version: int = 0) -> IngestReport:
    """Store every raw article; errors are reported (and passed to ``on_error``), not raised.

    A batch is committed whole: learned outlet lines are registered for the whole batch first,
    so three articles of one outlet arriving together already teach each other. With an
    ``annotator``, each new revision is annotated and stored in the same transaction, so an
    article is never stored without its reading (unless ingest was asked not to read).
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
                for annotation in annotator(written):
                    store.put_annotation(annotation, annotator_version)
        report.new += part.new
        report.revised += part.revised
        report.unchanged += part.unchanged
        report.duplicates += part.duplicates
        report.errors.extend(part.errors)
        report.ids.extend(part.ids)
    return report
