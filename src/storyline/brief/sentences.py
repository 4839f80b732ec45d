"""The sentences summary and facts compare, with what each says: its words, counts,
people and dates, and whether it is a claim a brief may cite."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ..records import Annotation, Article, Quote
from ..spans import Span, make_span
from .model import BriefSettings, BriefSource
from .words import Count, content_words, counted_numbers, event_kinds

#: A dateline opening a story: "SALT LAKE CITY —", "INDIANAPOLIS, Ind. (June 15, 2014) —",
#: "(KMOV.com) –". A summary cites the sentence after it.
_DATELINE = re.compile(r"(?:[A-Z][A-Z.'’ -]+[A-Z.](?:, [A-Z][A-Za-z.]+)*\s*(?:\([^)]{1,40}\))?"
                       r"|\([^)]{1,40}\))\s*(?:[—–]|--?)\s*(?=\S)")
_DIGIT = re.compile(r"\d")
_END = re.compile(r"[.!][\"'”’)\]]*$")
_QUOTED = re.compile(r"[\"“”]")


@dataclass
class ComparedSentence:
    """A sentence as summary and facts compare it: ``source`` is its source's index,
    ``position`` its index among its annotation's sentences, ``details`` the names, counts
    and dates it gives, and ``lede`` its text after a dateline, which a summary cites."""

    span: Span
    source: int
    position: int
    outlet: str
    copy: bool
    words: list[str]
    claim: bool
    numbers: list[Count]
    people: frozenset[str]
    dates: frozenset[str]
    unnamed: frozenset[str]
    article_people: frozenset[str]
    details: frozenset
    date: str | None
    lede: Span | None = None
    #: the kinds of event its words name (:func:`~storyline.brief.words.event_kinds`)
    events: frozenset[str] = frozenset()


def _unnamed_words(span: Span, names: Sequence[tuple[int, int]],
                   words: Sequence[str]) -> frozenset[str]:
    """The sentence's content words (``words``) once the people it names are blanked out."""
    inside = [(max(start, span.start), min(end, span.end)) for start, end in names
              if start < span.end and end > span.start]
    if not inside:
        return frozenset(words)
    text = list(span.text)
    for start, end in inside:
        for k in range(start, end):
            text[k - span.start] = " "
    return frozenset(content_words("".join(text)))


def _dateline(body: str, span: Span) -> bool:
    """A date in parentheses in an article's first sentence ("HENRY COUNTY, Ind. (Aug. 28,
    2015) –") is when it was filed, not when its events happened."""
    return body[:span.start].rstrip().endswith("(") and body[span.end:].lstrip().startswith(")")


def _quoted_share(span: Span, quotes: Sequence[Quote]) -> float:
    covered = sum(max(0, min(q.span.end, span.end) - max(q.span.start, span.start))
                  for q in quotes if q.kind == "direct")
    return covered / max(1, span.end - span.start)


def _is_claim(span: Span, quotes: Sequence[Quote], settings: BriefSettings) -> bool:
    """A sentence a summary or a fact may cite: a whole declarative sentence of some length
    that is mostly not someone's quoted words (those are in "who said what")."""
    text = span.text
    n = len(text.split())
    if not settings.min_words <= n <= settings.max_words:
        return False
    if not _END.search(text) or not (text[0].isupper() or text[0].isdigit() or text[0] == "("):
        return False
    if _QUOTED.match(text):
        return False
    return _quoted_share(span, quotes) < 0.5


def compared_sentences(sources: Sequence[BriefSource], settings: BriefSettings
                       ) -> Iterator[tuple[int, Article, Annotation, bool, list[int]]]:
    """What summary and facts compare: the sentences of the first ``max_sources`` sources,
    and of each copy the sentences its original does not print. Yields (source index,
    article, annotation, is a copy, positions of the sentences in the annotation)."""
    for index, source in enumerate(sources[: settings.max_sources]):
        if source.annotation is None:
            continue
        sentences = source.annotation.sentences
        yield index, source.article, source.annotation, False, list(range(len(sentences)))
        known = {s.text for s in sentences}
        for copy, annotation in source.copies:
            if annotation is not None:
                yield index, copy, annotation, True, [
                    n for n, s in enumerate(annotation.sentences) if s.text not in known]


def sentence_features(index: int, article: Article, annotation: Annotation, outlet: str,
                      copy: bool, positions: Sequence[int], entity_of: dict[str, str],
                      settings: BriefSettings) -> list[ComparedSentence]:
    """The sentences at ``positions`` of one article of source ``index``, with what summary
    and facts compare; ``entity_of`` maps an entity key to its brief entity id."""
    found = []
    events = sorted(annotation.events, key=lambda e: e.expression_span.start)
    named = [(m.start, m.end, entity_of[e.key], e.type) for e in annotation.entities
             if e.key in entity_of for m in e.mentions]
    persons = [(s, e, p) for s, e, p, type_ in named if type_ == "PERSON"]
    everyone = frozenset(p for _, _, p in persons)
    for position in positions:
        span = annotation.sentences[position]
        inside = [e for e in events if span.start <= e.expression_span.start < span.end
                  and not (position == 0 and _dateline(article.body, e.expression_span))]
        skip = [(e.expression_span.start - span.start, e.expression_span.end - span.start)
                for e in inside]
        dateline = _DATELINE.match(span.text) if position < 3 else None
        lede = make_span(article.id, article.body, span.start + dateline.end(), span.end) \
            if dateline and dateline.end() < len(span.text) else span
        words = content_words(span.text)
        numbers = counted_numbers(span.text, skip)
        dates = frozenset(e.date for e in inside if len(e.date) == 10 and _DIGIT.search(e.expression))
        found.append(ComparedSentence(
            span=span, lede=lede, source=index, position=position, outlet=outlet, copy=copy,
            words=words,
            claim=_is_claim(span, annotation.quotes, settings),
            numbers=numbers,
            people=frozenset(p for s, e, p in persons if span.start <= s < span.end),
            dates=dates,
            details=frozenset(
                [("name", n) for s, e, n, _ in named if span.start <= s < span.end]
                + [("count", c.noun, c.value) for c in numbers] + [("date", d) for d in dates]),
            unnamed=_unnamed_words(span, [(s, e) for s, e, _ in persons], words),
            article_people=everyone,
            date=min((e.date for e in inside), default=None),
            events=event_kinds(words)))
    return found
