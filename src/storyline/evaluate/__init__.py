"""Evaluations on public data sets: ``storyline eval ...``.

One module per evaluation, each with its score, its scorer, the loader of its set and its
``evaluate_*`` entry point: :mod:`.extraction` (article-extraction-benchmark), :mod:`.quotes`
(PolNeAR), :mod:`.clustering` (ECB+, GVC, WikiRef220), :mod:`.summaries` (the same story
sets, against headlines) and :mod:`.facts` (ecbplus-facts sentence pairs). :mod:`._sets`
reads every set.
"""

from .clustering import ClusteringScore, bcubed, evaluate_clustering, load_clustering_set
from .extraction import (
    CheckScore,
    ExtractionScore,
    evaluate_checks,
    evaluate_extraction,
    is_checks_set,
    load_checks_set,
    load_extraction_set,
    score_checks,
    score_extraction,
)
from .facts import (
    FactReport,
    FactScore,
    default_pairs_folder,
    evaluate_facts,
    load_fact_set,
    score_fact_groups,
    score_facts,
)
from .quotes import QuoteScore, evaluate_quotes, is_name, load_quote_set, same_speaker, score_quotes
from .summaries import (
    StorySentences,
    SummaryScore,
    best_rouge,
    corroborated_sentences,
    evaluate_summaries,
    lead_sentences,
    lexrank_sentences,
    score_summaries,
    summary_redundancy,
)

__all__ = [
    "CheckScore", "ClusteringScore", "ExtractionScore", "FactReport", "FactScore",
    "default_pairs_folder", "evaluate_facts", "load_fact_set", "score_fact_groups", "score_facts", "QuoteScore", "StorySentences", "SummaryScore",
    "bcubed", "best_rouge", "evaluate_checks", "is_checks_set", "load_checks_set",
    "score_checks", "corroborated_sentences", "evaluate_clustering",
    "evaluate_extraction", "evaluate_quotes", "evaluate_summaries", "is_name",
    "lead_sentences", "lexrank_sentences", "load_clustering_set", "load_extraction_set",
    "load_quote_set", "same_speaker", "score_extraction", "score_quotes", "score_summaries",
    "summary_redundancy",
]
