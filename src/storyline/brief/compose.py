"""The brief of one story, composed of its entities, summary, facts, quotes and timeline."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from .entities import merge_entities
from .facts import build_facts, corroborating_pairs
from .model import Brief, BriefSettings, BriefSource
from .quotes import merge_quotes
from .sentences import ComparedSentence, compared_sentences, sentence_features
from .summary import build_summary
from .timeline import build_timeline
from .words import tfidf_rows


Related = dict[int, dict[int, float]]


def compare_story(sources: Sequence[BriefSource], settings: BriefSettings,
                  entity_ids: dict | None = None
                  ) -> tuple[list[ComparedSentence], object, object, Related, Related]:
    """What summary and facts compare in a story: its sentences, their TF-IDF rows and
    pairwise products (``None`` without sentences), and for each sentence the sentences of
    other sources that say the same (``similar``) or share details (``related``).
    ``entity_ids`` maps entity ids to brief entity ids (:func:`merge_entities`)."""
    if entity_ids is None:
        entity_ids = merge_entities(sources)[1]
    entity_of = {}
    for source in sources:
        for entity in source.annotation.entities if source.annotation else ():
            entity_of[entity.key] = entity_ids[entity.id]

    sentences: list[ComparedSentence] = []
    for index, article, annotation, copy, positions in compared_sentences(sources, settings):
        sentences += sentence_features(index, article, annotation, sources[index].outlet_key,
                                       copy, positions, entity_of, settings)

    similar: dict[int, dict[int, float]] = defaultdict(dict)
    related: dict[int, dict[int, float]] = defaultdict(dict)
    matrix = product = None
    if sentences:
        matrix = tfidf_rows([s.words for s in sentences])
        product = (matrix @ matrix.T).tocsr()
        pairs = product.tocoo()
        keep = pairs.data >= min(settings.same_similarity, settings.detail_similarity)
        for i, j, v in zip(pairs.row[keep].tolist(), pairs.col[keep].tolist(),
                           pairs.data[keep].tolist()):
            a, b = sentences[i], sentences[j]
            if i == j or (a.source == b.source and a.copy == b.copy):
                continue
            if v >= settings.same_similarity:
                similar[i][j] = v
            elif v >= settings.detail_similarity and \
                    len(a.details & b.details) >= settings.shared_details:
                related[i][j] = v
    return sentences, matrix, product, similar, related


def build_brief(story_id: str, title: str, sources: Sequence[BriefSource],
                settings: BriefSettings | None = None) -> Brief:
    """The brief of one story from its distinct articles (copies folded under them),
    given in the order to cite them (publication order)."""
    settings = settings or BriefSettings()
    sources = list(sources)
    entities, entity_ids = merge_entities(sources)
    sentences, matrix, product, similar, related = compare_story(sources, settings,
                                                                 entity_ids)
    summary = build_summary(sentences, matrix, product, similar, sources, settings)
    linked = corroborating_pairs(sentences, product, settings) if settings.fact_model else None
    facts = build_facts(sentences, similar, related, sources, settings, linked)
    same = {}
    for i, others in similar.items():
        s = sentences[i]
        if not s.copy:
            same[(s.span.article_id, s.position)] = {
                (sentences[j].span.article_id, sentences[j].position) for j in others}
    quotes = merge_quotes(sources, entity_ids, entities)
    timeline, background = build_timeline(sources, same, settings)
    return Brief(story_id, title, sources, summary, quotes, entities, timeline, facts,
                 background)
