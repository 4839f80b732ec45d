"""Annotation: read each article once, at ingest, into what every later stage needs.

:func:`annotate_reading` composes the reading stages (entities, quotes, dated events) over
spaCy's output for one article, :func:`annotate_batch` does a batch with one model, and
:data:`ANNOTATE` is that as an engine :class:`~storyline.engine.Stage` whose workers each
own a model. None of it knows anything of storage or processes.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Collection, Iterable, Iterator, Sequence

from .dates import find_dated_events
from .dedup import DedupSettings
from .engine import Engine, Failure, LocalEngine, Stage, batches
from .entities import group_entities
from .errors import InputError, Origin
from .limits import Limits
from .nlp import Reading, load_pipeline, read_bodies
from .prepare import Prepared, prepare_article
from .quotes import extract_quotes
from .records import Annotation, Article, RawArticle
from .spans import make_span
from .timing import Timings

#: Bump when annotation output changes, so stored annotations can be told apart and redone.
ANNOTATOR_VERSION = 2  # 2: speakers as described, sources beyond people; media not people

_DATE_LABELS = ("DATE", "TIME")
#: A worker whose own memory passes this is replaced by a fresh fork between batches.
RECYCLE_BYTES = 256 * 1024 * 1024
#: Articles spaCy reads at once.
BATCH_SIZE = 16
#: What spaCy reads at once: a batch also ends at this many characters. spaCy's memory
#: grows with the text of a batch, its speed does not (measured on 400 real pages: 347 MB
#: at 32,000 characters against 501 MB for 16 articles whatever their length, both 40 s).
CHUNK_CHARS = 32_000


def annotate_reading(article: Article, reading: Reading,
                     timings: Timings | None = None) -> Annotation:
    """Turn spaCy's reading of one article into its stored annotation."""
    timings = timings if timings is not None else Timings()
    body = article.body
    with timings.stage("sentence spans", 1):
        sentences = [make_span(article.id, body, s, e) for s, e in reading.sentences]
    with timings.stage("entities", 1):
        entities = group_entities(article.id, body, reading.mentions)
    with timings.stage("quotes", 1):
        quotes = extract_quotes(article.id, body, reading, entities)
    with timings.stage("dates", 1):
        date_spans = [(s, e) for s, e, label in reading.mentions if label in _DATE_LABELS]
        events = find_dated_events(article.id, body, sentences, article.published, date_spans)
    return Annotation(article.id, article.revision, sentences, entities, quotes, events)


def annotate_batch(articles: Sequence[Article], nlp,
                   timings: Timings | None = None) -> list[Annotation]:
    """Annotate a batch with one spaCy model (spaCy is fastest over many texts at once)."""
    readings = read_bodies([a.body for a in articles], nlp, timings=timings)
    return [annotate_reading(a, r, timings) for a, r in zip(articles, readings)]


def _annotate_stage(nlp, batch: list[Article], timings: Timings) -> list[Annotation]:
    return annotate_batch(batch, nlp, timings)


#: Annotation as an engine stage: each worker loads and owns its model, and is replaced by a
#: fresh one once its memory passes :data:`RECYCLE_BYTES`.
ANNOTATE = Stage("annotate", _annotate_stage, setup=load_pipeline, recycle=RECYCLE_BYTES)


def _prepare_and_annotate(dedup: DedupSettings, limits: Limits, nlp,
                          batch: list[tuple[RawArticle, Collection[int]]],
                          timings: Timings) -> list[Prepared | InputError]:
    found: list[Prepared | InputError] = []
    with timings.stage("prepare", len(batch)):
        for raw, learned, *_ in batch:
            try:
                found.append(prepare_article(raw, learned, dedup, limits))
            except InputError as error:
                found.append(error)
    todo = [n for n, result in enumerate(found) if isinstance(result, Prepared)]
    articles = [Article(id=batch[n][0].article_id(), revision=0, outlet=batch[n][0].outlet,
                        title=batch[n][0].title, url=batch[n][0].url,
                        published=batch[n][0].published, body=found[n].body) for n in todo]
    with timings.stage("annotate", len(articles)):
        annotations = annotate_batch(articles, nlp, timings) if articles else []
    for n, annotation in zip(todo, annotations):
        found[n] = dataclasses.replace(found[n], annotation=annotation)
    return found


@functools.lru_cache(maxsize=8)
def reading_stage(dedup: DedupSettings, limits: Limits) -> Stage:
    """Preparation and annotation as one engine stage, so that an article's body is read by
    the worker that cleaned it and crosses a process boundary once, as plain records:
    :class:`~storyline.prepare.Prepared` with its annotation (at revision 0, which the
    writer sets), or the :class:`InputError` that refused the article. Its workers own a
    model each, as :data:`ANNOTATE`'s do."""
    return Stage("prepare and annotate", functools.partial(_prepare_and_annotate, dedup, limits),
                 setup=load_pipeline, recycle=RECYCLE_BYTES)


def annotate_list(engine: Engine, articles: Sequence[Article], *, batch_size: int = BATCH_SIZE,
                  chunk_chars: int = CHUNK_CHARS,
                  timings: Timings | None = None) -> list[Annotation | Failure]:
    """Each article's :class:`Annotation` or, when it cannot be annotated, a
    :class:`~storyline.engine.Failure` saying why; the others are unaffected.

    On several jobs a list is cut so that every worker gets a share: batches of at most
    ``batch_size`` articles (or ``chunk_chars`` characters).
    """
    articles = list(articles)
    size = batch_size
    if engine.jobs > 1 and len(articles) > batch_size:
        size = max(1, min(batch_size, -(-len(articles) // engine.jobs)))
    return [result for _, result in engine.map_batches(
        ANNOTATE, articles, batch_size=size, max_cost=chunk_chars,
        cost=lambda article: len(article.body), timings=timings)]


def annotate_articles(articles: Iterable[Article], *, jobs: int = 1,
                      batch_size: int = BATCH_SIZE, engine: Engine | None = None,
                      timings: Timings | None = None) -> Iterator[Annotation]:
    """Annotations for a stream of articles, in order, on ``jobs`` processes (or the given
    ``engine``, whose ``jobs`` then count).

    Articles are taken ``4 * jobs`` batches at a time, so memory stays bounded. An article
    that cannot be annotated raises :class:`~storyline.errors.InputError` naming it.
    """
    own = engine is None
    engine = LocalEngine(jobs) if engine is None else engine
    try:
        for chunk in batches(articles, batch_size * 4 * engine.jobs):
            results = annotate_list(engine, chunk, batch_size=batch_size, timings=timings)
            for article, result in zip(chunk, results):
                if isinstance(result, Failure):
                    raise unreadable(article, result)
                yield result
    finally:
        if own:
            engine.close()


def unreadable(article: Article, failure: Failure) -> InputError:
    """The error that names an article annotation could not read, and why."""
    return InputError(Origin(article.origin or article.id),
                      f"cannot annotate article {article.id!r}: {failure}")
