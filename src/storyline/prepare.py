"""Preparing one raw article for the archive: its clean body, and its near-duplicate
signature. A pure stage: what it needs from the archive (the outlet's learned boilerplate
lines) is handed in, so an engine may run it anywhere; the archive lookups that depend on
earlier articles (which original a copy repeats) happen in the writer step after it.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from dataclasses import dataclass, field

from .clean import clean_body, count_words, tidy_body
from .dedup import DedupSettings, band_keys, signature, to_blob
from .engine import Stage
from .errors import InputError, LimitError
from .limits import Limits
from .records import Annotation, RawArticle
from .timing import Timings


@dataclass(frozen=True)
class Prepared:
    """A raw article made ready to store: its body, (for a body with words) the MinHash
    signature and LSH bands its copies are found by, and, when it was read in the same
    stage, its annotation (made before the archive gave it a revision: revision 0)."""

    body: str
    signature: bytes | None = None
    bands: list[tuple[int, int]] = field(default_factory=list)
    annotation: Annotation | None = None


def clean_article(raw: RawArticle, learned: Collection[int]) -> tuple[str, str]:
    """The body to store, and the text that copies are compared on.

    Copies are compared before an outlet's learned furniture is removed: two outlets strip
    different lines from the same wire story, and that must not hide the copy.
    """
    if raw.prepared:
        body = tidy_body(raw.text)
        return body, body
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


def prepare_article(raw: RawArticle, learned: Collection[int], dedup: DedupSettings,
                    limits: Limits) -> Prepared:
    """Clean, check and sign one raw article; raises :class:`InputError` for one that is no
    article. ``learned`` are the outlet's boilerplate line keys the archive has learned."""
    body, dedup_text = clean_article(raw, learned)
    check_body(raw, body, limits)
    sig = signature(dedup_text, dedup)
    if sig is None:
        return Prepared(body)
    return Prepared(body, to_blob(sig), band_keys(sig, dedup))


def _prepare_stage(dedup: DedupSettings, limits: Limits, state: None,
                   batch: list[tuple[RawArticle, Collection[int]]],
                   timings: Timings) -> list[Prepared | InputError]:
    found: list[Prepared | InputError] = []
    for raw, learned, *_ in batch:
        try:
            found.append(prepare_article(raw, learned, dedup, limits))
        except InputError as error:
            found.append(error)
    return found


@functools.lru_cache(maxsize=8)
def preparation_stage(dedup: DedupSettings, limits: Limits) -> Stage:
    """:func:`prepare_article` as an engine stage (results: :class:`Prepared` or the
    :class:`InputError` that refused the article). One stage per settings, so an engine
    keeps one set of workers for it."""
    return Stage("prepare", functools.partial(_prepare_stage, dedup, limits))
