"""The summary: sentences the sources printed, central, corroborated and early, chosen by MMR."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np

from ..spans import Span
from .model import BriefSettings, BriefSource, SummarySentence
from .sentences import ComparedSentence

#: Words that lean on an earlier sentence: a summary sentence must stand on its own.
_DANGLING = re.compile(r"(?:he|she|they|it|his|her|their|its|this|these|those|but|however|"
                       r"also|meanwhile|then|there)\b", re.IGNORECASE)
_UNDATED = "9999"


def summary_length(sources: int, settings: BriefSettings) -> int:
    """How many sentences a summary of ``sources`` sources has."""
    if settings.sentences is not None:
        return max(1, settings.sentences)
    grown = settings.base_sentences + int(math.log2(max(1, sources)))
    return min(settings.max_sentences, grown)


def build_summary(sentences: Sequence[ComparedSentence], matrix, product,
                  similar: dict[int, dict[int, float]], sources: Sequence[BriefSource],
                  settings: BriefSettings) -> list[SummarySentence]:
    """The summary sentences scored and chosen as :class:`BriefSettings` tells, in date
    order, each with the best sentence of every other source that says the same."""
    candidates = [i for i, s in enumerate(sentences) if s.claim and not s.copy]
    candidates = [i for i in candidates if not _DANGLING.match(sentences[i].span.text)] \
        or candidates
    if not candidates:
        return []
    outlets = {s.outlet for s in sentences if not s.copy}
    by_source: dict[int, list[int]] = defaultdict(list)
    for i, s in enumerate(sentences):
        if not s.copy:
            by_source[s.source].append(i)
    centroids = []
    for rows in by_source.values():
        centroid = np.asarray(matrix[rows].mean(axis=0)).ravel()
        norm = np.linalg.norm(centroid)
        centroids.append(centroid / norm if norm else centroid)
    centroid = np.mean(centroids, axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    centrality = matrix @ centroid
    rank: dict[int, int] = {}
    seen: Counter = Counter()
    for i, s in enumerate(sentences):
        if s.claim and not s.copy:
            rank[i] = seen[s.source]
            seen[s.source] += 1
    scores = {}
    for i in candidates:
        s = sentences[i]
        others = {sentences[j].outlet for j in similar.get(i, ()) if not sentences[j].copy}
        others.discard(s.outlet)
        support = len(others) / max(1, len(outlets) - 1)
        scores[i] = (settings.centrality_weight * float(centrality[i])
                     + settings.support_weight * support
                     + settings.position_weight / math.sqrt(1 + rank[i])
                     - settings.length_weight * min(1.0, len(s.lede.text.split()) / 50))
    length = summary_length(len(sources), settings)
    chosen: list[int] = []
    pairwise = product[candidates][:, candidates].toarray()
    at = {i: n for n, i in enumerate(candidates)}
    while len(chosen) < min(length, len(candidates)):
        def mmr(i: int) -> float:
            redundancy = max((pairwise[at[i], at[j]] for j in chosen), default=0.0)
            return (1 - settings.diversity) * scores[i] - settings.diversity * redundancy

        fresh = [i for i in candidates if i not in chosen and
                 all(pairwise[at[i], at[j]] < settings.same_similarity for j in chosen)]
        if not fresh:
            break
        chosen.append(max(fresh, key=mmr))
    published = [s.article.published[:10] if s.article.published else _UNDATED for s in sources]
    chosen.sort(key=lambda i: (sentences[i].date or published[sentences[i].source],
                               sentences[i].source, sentences[i].position))
    result = []
    for i in chosen:
        best_of: dict[int, tuple[float, Span]] = {}
        for j, v in similar.get(i, {}).items():
            other = sentences[j]
            if other.copy or other.source == sentences[i].source:
                continue
            if other.source not in best_of or v > best_of[other.source][0]:
                best_of[other.source] = (v, other.span)
        support = [best_of[k][1] for k in sorted(best_of)]
        result.append(SummarySentence(sentences[i].lede or sentences[i].span, support,
                                      sentences[i].date))
    return result
