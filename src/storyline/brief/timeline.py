"""The story's dated events, in date order, the same event of several sources as one."""

from __future__ import annotations

from collections.abc import Sequence

from .model import BriefSource, TimelineEntry


def build_timeline(sources: Sequence[BriefSource], same: dict[tuple[str, int], set]) -> list[TimelineEntry]:
    """Dated events of every source, by date then source order; an event another source
    dates the same in a sentence that says the same joins it as ``also_in``."""
    entries: list[TimelineEntry] = []
    keys: list[tuple[str, set]] = []
    seen = set()
    for source in sources:
        annotation = source.annotation
        if annotation is None:
            continue
        for event in annotation.events:
            if (event.date, event.span.article_id, event.span.start) in seen:
                continue
            seen.add((event.date, event.span.article_id, event.span.start))
            sentence = next((i for i, s in enumerate(annotation.sentences)
                             if s.start <= event.span.start < s.end), None)
            twins = same.get((source.article.id, sentence), set()) if sentence is not None else set()
            for entry, (date, group) in zip(entries, keys):
                if date == event.date and entry.span.article_id != source.article.id and \
                        (source.article.id, sentence) in group:
                    if all(s.article_id != source.article.id for s in entry.also_in):
                        entry.also_in.append(event.span)
                    break
            else:
                entries.append(TimelineEntry(event.date, event.expression, event.span))
                keys.append((event.date, twins))
    order = {s.article.id: n for n, s in enumerate(sources)}
    return sorted(entries, key=lambda t: (t.date, order[t.span.article_id], t.span.start))
