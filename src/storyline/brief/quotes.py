"""Who said what: every source's quotes, the same words quoted by several sources as one."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .model import BriefEntity, BriefQuote, BriefSource


def _quote_words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def merge_quotes(sources: Sequence[BriefSource], entity_ids: dict[str, str],
                 entities: Sequence[BriefEntity]) -> list[BriefQuote]:
    """Every quote of every source, in source order; the same words quoted by another
    source (equal, or one containing the other) are one quote with ``also_in`` spans."""
    by_id = {e.id: e for e in entities}
    merged: list[BriefQuote] = []
    keys: list[str] = []
    for source in sources:
        for quote in source.annotation.quotes if source.annotation else ():
            brief_entity = entity_ids.get(quote.speaker_entity or "")
            speaker = by_id[brief_entity].name if brief_entity else quote.speaker
            key = _quote_words(quote.text)
            match = None
            if len(key.split()) >= 3:
                for n, other in enumerate(keys):
                    if merged[n].quote.span.article_id != source.article.id and \
                            (key in other or other in key) and \
                            min(len(key), len(other)) >= 0.5 * max(len(key), len(other)):
                        match = merged[n]
                        break
            if match is None:
                merged.append(BriefQuote(quote, speaker, brief_entity))
                keys.append(key)
            elif all(s.article_id != quote.span.article_id for s in match.also_in):
                match.also_in.append(quote.span)
                if match.speaker is None and speaker is not None:
                    match.speaker, match.speaker_entity = speaker, brief_entity
    return merged
