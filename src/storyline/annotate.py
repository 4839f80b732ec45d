"""Annotation: read each article once, at ingest, into what every later stage needs.

:func:`annotate_readings` composes the reading stages (entities, quotes, dated events) over
spaCy's output for a batch of articles; :func:`annotate_articles` runs batches on one or
more processes. Neither knows anything of storage.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Executor

from .dates import find_dated_events
from .entities import group_entities
from .nlp import Reading, load_pipeline, read_bodies
from .quotes import extract_quotes
from .records import Annotation, Article
from .spans import make_span
from .workers import batches, process_pool

#: Bump when annotation output changes, so stored annotations can be told apart and redone.
ANNOTATOR_VERSION = 1

_DATE_LABELS = ("DATE", "TIME")


def annotate_reading(article: Article, reading: Reading) -> Annotation:
    """Turn spaCy's reading of one article into its stored annotation."""
    body = article.body
    sentences = [make_span(article.id, body, s, e) for s, e in reading.sentences]
    entities = group_entities(article.id, body, reading.mentions)
    quotes = extract_quotes(article.id, body, reading, entities)
    date_spans = [(s, e) for s, e, label in reading.mentions if label in _DATE_LABELS]
    events = find_dated_events(article.id, body, sentences, article.published, date_spans)
    return Annotation(article.id, article.revision, sentences, entities, quotes, events)


def annotate_batch(articles: Sequence[Article], nlp=None) -> list[Annotation]:
    """Annotate a batch in this process (spaCy is fastest over many texts at once)."""
    readings = read_bodies([a.body for a in articles], nlp)
    return [annotate_reading(a, r) for a, r in zip(articles, readings)]


def _annotate_in_worker(articles: Sequence[Article]) -> list[Annotation]:
    return annotate_batch(articles)


class Annotator:
    """Annotates lists of articles on ``jobs`` processes; callable, and closed when done.

    Small lists are read in this process; larger ones are cut into batches for a pool of
    workers that each load the model once and stay up for the next call.
    """

    def __init__(self, jobs: int = 1, batch_size: int = 16):
        self.jobs = max(1, jobs)
        self.batch_size = batch_size
        self._pool: Executor | None = None

    def __call__(self, articles: Sequence[Article]) -> list[Annotation]:
        articles = list(articles)
        if self.jobs == 1 or len(articles) <= self.batch_size:
            return annotate_batch(articles) if articles else []
        if self._pool is None:
            self._pool = process_pool(self.jobs, initializer=load_pipeline)
        size = max(1, min(self.batch_size, -(-len(articles) // self.jobs)))
        futures = [self._pool.submit(_annotate_in_worker, articles[i:i + size])
                   for i in range(0, len(articles), size)]
        return [annotation for future in futures for annotation in future.result()]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Annotator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def annotate_articles(articles: Iterable[Article], *, jobs: int = 1,
                      batch_size: int = 16) -> Iterator[Annotation]:
    """Annotations for a stream of articles, in order, on ``jobs`` processes.

    Articles are taken ``4 * jobs`` batches at a time, so memory stays bounded.
    """
    with Annotator(jobs, batch_size) as annotator:
        for chunk in batches(articles, batch_size * 4 * max(1, jobs)):
            yield from annotator(chunk)
