"""The story's dated events, in date order: one entry per event, the same event of several
sources as one, and what happened long before the story apart as its background."""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from ..records import DatedEvent
from .model import BriefSettings, BriefSource, TimelineEntry
from .sentences import _dateline

#: "yesterday's events", "Saturday’s vigil": the expression dates a noun, not what the
#: sentence reports.
_POSSESSIVE = re.compile(r"['’]s(?!\w)")

SentenceKey = tuple[str, int]


@dataclass
class _Candidate:
    """The one dated event a sentence reports."""

    event: DatedEvent
    source: int
    key: SentenceKey | None  # (article id, sentence position), as ``same`` keys them


def precision(iso: str) -> int:
    """3 for a day (YYYY-MM-DD), 2 for a month (YYYY-MM), 1 for a year (YYYY)."""
    return {10: 3, 7: 2}.get(len(iso), 1)


def last_day(iso: str) -> date:
    """The latest day a date of any precision can mean: 2021 -> 2021-12-31."""
    year = int(iso[:4])
    if len(iso) == 4:
        return date(year, 12, 31)
    month = int(iso[5:7])
    day = int(iso[8:10]) if len(iso) >= 10 else calendar.monthrange(year, month)[1]
    return date(year, month, day)


def _compatible(a: str, b: str) -> bool:
    """Two dates that may be the same day: equal, or one the other at a finer precision."""
    return a.startswith(b) or b.startswith(a)


def sentence_date(events: Sequence[DatedEvent], body: str, first: bool) -> DatedEvent | None:
    """The one event that dates a sentence, of the dated events found in it (``first``:
    it is the article's first sentence), or None when none does.

    The rule: a date in a dateline ("INDIANAPOLIS, Ind. (June 15, 2014) —") is when the
    story was filed and never dates the sentence; an expression in the possessive
    ("yesterday's events") dates a noun and counts only when nothing else does; of the
    rest the most precise wins (a day over a month over a year: "gathered on Saturday to
    remember a woman found dead this week" is Saturday, "the 2008 champion was arrested on
    Monday" is Monday), and of equally precise ones the first in the sentence ("joined the
    force in 1983 and ... in 1993" is 1983). Time expressions dates.py could not resolve
    (no anchor, "3/4/2021", a week across two months) never reach here: a sentence with no
    resolved date is left out of the timeline.
    """
    usable = [e for e in events if not (first and _dateline(body, e.expression_span))]
    if not usable:
        return None

    def rank(e: DatedEvent) -> tuple:
        possessive = bool(_POSSESSIVE.match(body, e.expression_span.end))
        return possessive, -precision(e.date), e.expression_span.start

    return min(usable, key=rank)


def _anchor(sources: Sequence[BriefSource]) -> date | None:
    """The story's first publication: the earliest publication date of its sources and
    their copies, or None when none has one."""
    days = []
    for source in sources:
        for article in [source.article, *(copy for copy, _ in source.copies)]:
            try:
                days.append(date.fromisoformat((article.published or "").strip()[:10]))
            except ValueError:
                continue
    return min(days, default=None)


def _candidates(sources: Sequence[BriefSource]) -> list[_Candidate]:
    """One candidate per dated sentence of every source (copies are their original's text)."""
    found = []
    for index, source in enumerate(sources):
        annotation = source.annotation
        if annotation is None:
            continue
        by_sentence: dict[tuple[int, int], list[DatedEvent]] = {}
        for event in annotation.events:
            by_sentence.setdefault((event.span.start, event.span.end), []).append(event)
        for (start, _), events in by_sentence.items():
            position = next((i for i, s in enumerate(annotation.sentences)
                             if s.start <= start < s.end), None)
            event = sentence_date(events, source.article.body, position == 0)
            if event is not None:
                key = (source.article.id, position) if position is not None else None
                found.append(_Candidate(event, index, key))
    return found


def build_timeline(sources: Sequence[BriefSource], same: Mapping[SentenceKey, set],
                   settings: BriefSettings | None = None
                   ) -> tuple[list[TimelineEntry], list[TimelineEntry]]:
    """(timeline, background): the story's dated events, one entry per event, each list by
    date then source order.

    A sentence gives at most one entry, dated by :func:`sentence_date`. A sentence of
    another source that says the same (``same``, keyed by (article id, sentence position))
    as one already in an entry, with a date that may be the same day (equal, or one the
    other at a finer precision), joins that entry as ``also_in`` rather than making one of
    its own, one sentence per source; the most precise date heads the entry, then the
    earliest source. An entry whose date ends more than ``settings.background_days``
    before the story's first publication (the earliest publication date of its sources and
    copies) is background: a career, an earlier case. With no publication date, or
    ``background_days`` None, nothing is.
    """
    settings = settings or BriefSettings()
    candidates = sorted(_candidates(sources), key=lambda c: (
        -precision(c.event.date), c.source, c.event.span.start))
    entries: list[TimelineEntry] = []
    members: list[list[_Candidate]] = []
    for cand in candidates:
        article = sources[cand.source].article.id
        twins = same.get(cand.key, set()) if cand.key is not None else set()
        for entry, group in zip(entries, members):
            if not _compatible(entry.date, cand.event.date) or \
                    any(sources[m.source].article.id == article for m in group):
                continue
            if any(m.key is not None and (m.key in twins or cand.key in same.get(m.key, ()))
                   for m in group):
                group.append(cand)
                break
        else:
            event = cand.event
            entries.append(TimelineEntry(event.date, event.expression, event.span))
            members.append([cand])
    for entry, group in zip(entries, members):
        entry.also_in = [m.event.span for m in sorted(group[1:], key=lambda m: m.source)]

    anchor = _anchor(sources)
    cutoff = anchor - timedelta(days=settings.background_days) \
        if anchor is not None and settings.background_days is not None else None
    order = {s.article.id: n for n, s in enumerate(sources)}
    entries.sort(key=lambda t: (t.date, order[t.span.article_id], t.span.start))
    background = [t for t in entries if cutoff is not None and last_day(t.date) < cutoff]
    timeline = [t for t in entries if not (cutoff is not None and last_day(t.date) < cutoff)]
    return timeline, background
