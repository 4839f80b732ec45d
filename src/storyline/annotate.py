"""Annotation: read each article once, at ingest, into what every later stage needs.

:func:`annotate_readings` composes the reading stages (entities, quotes, dated events) over
spaCy's output for a batch of articles; :func:`annotate_articles` runs batches on one or
more processes. Neither knows anything of storage.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from .dates import find_dated_events
from .errors import InputError, Origin
from .entities import group_entities
from .nlp import Reading, load_pipeline, read_bodies
from .quotes import extract_quotes
from .records import Annotation, Article
from .spans import make_span
from .workers import Failure, WorkerPool, batches, run_isolated

#: Bump when annotation output changes, so stored annotations can be told apart and redone.
ANNOTATOR_VERSION = 1

_DATE_LABELS = ("DATE", "TIME")
#: A worker whose own memory passes this is replaced by a fresh fork between batches.
RECYCLE_BYTES = 256 * 1024 * 1024
#: What spaCy reads at once: a batch also ends at this many characters. spaCy's memory
#: grows with the text of a batch, its speed does not (measured on 400 real pages: 347 MB
#: at 32,000 characters against 501 MB for 16 articles whatever their length, both 40 s).
CHUNK_CHARS = 32_000


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


def annotate_each(articles: Sequence[Article]) -> list[Annotation | Failure]:
    """Annotate a batch; if the batch fails, each article alone, so that one article that
    cannot be read costs only itself (a :class:`~storyline.workers.Failure` in its place)."""
    try:
        return annotate_batch(articles)
    except Exception:
        if len(articles) == 1:
            raise
    return [run_isolated(_annotate_one, article) for article in articles]


def _annotate_one(article: Article) -> Annotation:
    return annotate_batch([article])[0]


class Annotator:
    """Annotates lists of articles on ``jobs`` processes; callable, and closed when done.

    Each article comes back as its :class:`Annotation` or, when it cannot be annotated, a
    :class:`~storyline.workers.Failure` saying why; the others are unaffected. Articles are
    read ``batch_size`` (or ``chunk_chars`` characters) at a time. Small lists are read in
    this process; larger ones are cut into batches for a
    :class:`~storyline.workers.WorkerPool` whose workers load the model once and stay up
    for the next call. A batch whose worker dies is redone one article per task in fresh
    workers, so only the article that kills a worker is lost.
    """

    def __init__(self, jobs: int = 1, batch_size: int = 16, recycle: int | None = RECYCLE_BYTES,
                 chunk_chars: int = CHUNK_CHARS):
        self.jobs = max(1, jobs)
        self.batch_size = batch_size
        self.recycle = recycle
        self.chunk_chars = chunk_chars
        self._pool: WorkerPool | None = None

    def __call__(self, articles: Sequence[Article]) -> list[Annotation | Failure]:
        articles = list(articles)
        if not articles:
            return []
        here = self.jobs == 1 or len(articles) <= self.batch_size
        size = self.batch_size if here else max(1, min(self.batch_size,
                                                        -(-len(articles) // self.jobs)))
        chunks = list(batches(articles, size, max_cost=self.chunk_chars,
                              cost=lambda article: len(article.body)))
        if here:
            found = []
            for chunk in chunks:
                result = run_isolated(annotate_each, chunk)
                found += [result] * len(chunk) if isinstance(result, Failure) else result
            return found
        if self._pool is None:
            self._pool = WorkerPool(self.jobs, setup=load_pipeline, recycle=self.recycle)
        results: list[Annotation | Failure] = []
        again: list[int] = []
        for chunk, result in self._pool.map(annotate_each, chunks):
            if isinstance(result, Failure):
                again.extend(range(len(results), len(results) + len(chunk)))
                result = [result] * len(chunk)
            results.extend(result)
        for i, (_, result) in zip(again, self._pool.map(_annotate_one,
                                                        [articles[i] for i in again])):
            results[i] = result
        return results

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def __enter__(self) -> Annotator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def annotate_articles(articles: Iterable[Article], *, jobs: int = 1,
                      batch_size: int = 16) -> Iterator[Annotation]:
    """Annotations for a stream of articles, in order, on ``jobs`` processes.

    Articles are taken ``4 * jobs`` batches at a time, so memory stays bounded. An article
    that cannot be annotated raises :class:`~storyline.errors.InputError` naming it.
    """
    with Annotator(jobs, batch_size) as annotator:
        for chunk in batches(articles, batch_size * 4 * max(1, jobs)):
            for article, result in zip(chunk, annotator(chunk)):
                if isinstance(result, Failure):
                    raise unreadable(article, result)
                yield result


def unreadable(article: Article, failure: Failure) -> InputError:
    """The error that names an article annotation could not read, and why."""
    return InputError(Origin(article.origin or article.id),
                      f"cannot annotate article {article.id!r}: {failure}")
