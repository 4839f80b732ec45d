"""The summary: sentences the sources printed, central, corroborated, early, dense and
short, chosen by MMR."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..spans import Span
from .model import BriefSettings, BriefSource, SummarySentence
from .sentences import ComparedSentence
from .words import content_words

#: Words that lean on an earlier sentence: a summary sentence must stand on its own.
_DANGLING = re.compile(r"(?:he|she|they|it|his|her|their|its|this|these|those|but|however|"
                       r"also|meanwhile|then|there)\b", re.IGNORECASE)
_QUOTE = re.compile(r"[\"“”]")
_UNDATED = "9999"


def summary_length(sources: int, settings: BriefSettings) -> int:
    """How many sentences a summary of ``sources`` sources has."""
    if settings.sentences is not None:
        return max(1, settings.sentences)
    grown = settings.base_sentences + int(math.log2(max(1, sources)))
    return min(settings.max_sentences, grown)


@dataclass
class SummaryCandidates:
    """The sentences a summary may cite (``rows``, indices of the compared sentences) and
    what scores them, each an array over ``rows``: ``centrality`` (cosine to the mean of the
    sources' centroids), ``support`` (share of the other outlets that say the same),
    ``position`` (1 / sqrt(1 + rank among its article's claims)), ``quoted`` (1 if it holds
    a quotation mark), ``density`` (share of its words that are content words: headline-like
    sentences waste few words), ``length`` (words of its cited text / 50, at most 1), and
    ``pairwise`` the cosine between two of them."""

    rows: list[int]
    centrality: np.ndarray
    support: np.ndarray
    position: np.ndarray
    quoted: np.ndarray
    density: np.ndarray
    length: np.ndarray
    pairwise: np.ndarray

    def scores(self, settings: BriefSettings) -> np.ndarray:
        return (settings.centrality_weight * self.centrality
                + settings.support_weight * self.support
                + settings.position_weight * self.position
                - settings.quote_weight * self.quoted
                + settings.density_weight * self.density
                - settings.length_weight * self.length)


def summary_candidates(sentences: Sequence[ComparedSentence], matrix, product,
                       similar: dict[int, dict[int, float]]) -> SummaryCandidates | None:
    """What :func:`choose_summary` weighs, computed once for a story (``None`` without a
    sentence to cite): claims of the sources, not of copies, and not leaning on an earlier
    sentence (unless every claim does)."""
    rows = [i for i, s in enumerate(sentences) if s.claim and not s.copy]
    rows = [i for i in rows if not _DANGLING.match(sentences[i].span.text)] or rows
    if not rows:
        return None
    outlets = {s.outlet for s in sentences if not s.copy}
    by_source: dict[int, list[int]] = defaultdict(list)
    for i, s in enumerate(sentences):
        if not s.copy:
            by_source[s.source].append(i)
    centroids = []
    for members in by_source.values():
        centroid = np.asarray(matrix[members].mean(axis=0)).ravel()
        norm = np.linalg.norm(centroid)
        centroids.append(centroid / norm if norm else centroid)
    centroid = np.mean(centroids, axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    centrality = np.asarray(matrix[rows] @ centroid).ravel()
    rank: dict[int, int] = {}
    seen: dict[int, int] = defaultdict(int)
    for i, s in enumerate(sentences):
        if s.claim and not s.copy:
            rank[i] = seen[s.source]
            seen[s.source] += 1
    support = []
    for i in rows:
        others = {sentences[j].outlet for j in similar.get(i, ()) if not sentences[j].copy}
        others.discard(sentences[i].outlet)
        support.append(len(others) / max(1, len(outlets) - 1))
    texts = [(sentences[i].lede or sentences[i].span).text for i in rows]
    return SummaryCandidates(
        rows=rows, centrality=centrality, support=np.array(support),
        position=np.array([1 / math.sqrt(1 + rank[i]) for i in rows]),
        quoted=np.array([float(bool(_QUOTE.search(sentences[i].span.text))) for i in rows]),
        density=np.array([len(content_words(t)) / max(1, len(t.split())) for t in texts]),
        length=np.array([min(1.0, len(t.split()) / 50) for t in texts]),
        pairwise=product[rows][:, rows].toarray())


def choose_summary(candidates: SummaryCandidates, length: int,
                   settings: BriefSettings) -> list[int]:
    """Up to ``length`` rows by MMR: each step takes the best of ``(1 - diversity) * score -
    diversity * (highest cosine to a chosen one)``, never one that says the same
    (``same_similarity``) as a chosen one; ties go to the earlier sentence."""
    score = (1 - settings.diversity) * candidates.scores(settings)
    redundancy = np.zeros(len(candidates.rows))
    free = np.ones(len(candidates.rows), dtype=bool)
    chosen: list[int] = []
    while len(chosen) < min(length, len(candidates.rows)):
        fresh = free & (redundancy < settings.same_similarity)
        if not fresh.any():
            break
        k = int(np.argmax(np.where(fresh, score - settings.diversity * redundancy, -np.inf)))
        chosen.append(k)
        free[k] = False
        redundancy = np.maximum(redundancy, candidates.pairwise[k])
    return [candidates.rows[k] for k in chosen]


def summary_sentences(chosen: Sequence[int], sentences: Sequence[ComparedSentence],
                      similar: dict[int, dict[int, float]], sources: Sequence[BriefSource]
                      ) -> list[SummarySentence]:
    """The chosen sentences in date order (undated ones at their source's publication
    date), each with the best sentence of every other source that says the same."""
    published = [s.article.published[:10] if s.article.published else _UNDATED for s in sources]
    chosen = sorted(chosen, key=lambda i: (sentences[i].date or published[sentences[i].source],
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


def build_summary(sentences: Sequence[ComparedSentence], matrix, product,
                  similar: dict[int, dict[int, float]], sources: Sequence[BriefSource],
                  settings: BriefSettings) -> list[SummarySentence]:
    """The summary sentences scored and chosen as :class:`BriefSettings` tells, in date
    order, each with the best sentence of every other source that says the same."""
    candidates = summary_candidates(sentences, matrix, product, similar)
    if candidates is None:
        return []
    chosen = choose_summary(candidates, summary_length(len(sources), settings), settings)
    return summary_sentences(chosen, sentences, similar, sources)
