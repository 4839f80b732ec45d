"""The summary's candidates and MMR choice: what the weights of ``BriefSettings`` weigh."""

from dataclasses import replace

import numpy as np

from storyline.brief import BriefSettings, BriefSource
from storyline.brief.sentences import ComparedSentence
from storyline.brief.summary import (SummaryCandidates, build_summary, choose_summary,
                                     summary_candidates)
from storyline.brief.words import content_words, tfidf_rows
from storyline.records import Article
from storyline.spans import make_span


def sentence(text: str, source: int, position: int) -> ComparedSentence:
    words = content_words(text)
    span = make_span(f"a{source}", text, 0, len(text))
    return ComparedSentence(span=span, lede=span, source=source, position=position,
                            outlet=f"o{source}", copy=False, words=words, claim=True,
                            numbers=[], people=frozenset(), dates=frozenset(),
                            unnamed=frozenset(words), article_people=frozenset(),
                            details=frozenset(), date=None)


def candidates(**features) -> SummaryCandidates:
    n = len(features["pairwise"])
    zero = np.zeros(n)
    return SummaryCandidates(rows=[10 + k for k in range(n)], **{
        name: np.asarray(features.get(name, zero), dtype=float)
        for name in ("centrality", "support", "position", "quoted", "density", "length",
                     "pairwise")})


def test_mmr_never_takes_two_that_say_the_same_and_ties_go_first():
    pairwise = np.array([[1.0, 0.9, 0.0], [0.9, 1.0, 0.0], [0.0, 0.0, 1.0]])
    found = candidates(centrality=[0.5, 0.6, 0.1], pairwise=pairwise)
    assert choose_summary(found, 2, BriefSettings()) == [11, 12]
    tied = candidates(centrality=[0.3, 0.3, 0.3], pairwise=np.eye(3))
    assert choose_summary(tied, 3, BriefSettings()) == [10, 11, 12]
    assert choose_summary(candidates(pairwise=np.ones((3, 3))), 3, BriefSettings()) == [10]


def test_density_and_quotes_move_the_score():
    settings = BriefSettings()
    dense = candidates(density=[0.8, 0.4], centrality=[0.0, 0.1], pairwise=np.eye(2))
    assert choose_summary(dense, 1, settings) == [10]
    assert choose_summary(dense, 1, replace(settings, density_weight=0.0)) == [11]
    quoted = candidates(quoted=[1.0, 0.0], pairwise=np.eye(2))
    assert choose_summary(quoted, 1, settings) == [11]
    assert choose_summary(quoted, 1, replace(settings, quote_weight=0.0)) == [10]


def test_candidates_measure_the_sentences():
    texts = [("Police arrested two suspects after the bank robbery downtown on Monday.", 0, 0),
             ("\u201cWe are relieved,\u201d said the bank manager, who was not hurt at all.", 0, 1),
             ("Two suspects were arrested after the downtown bank robbery, police said.", 1, 0),
             ("He was taken to the county jail and held on bond overnight there.", 1, 1)]
    sentences = [sentence(t, s, p) for t, s, p in texts]
    matrix = tfidf_rows([s.words for s in sentences])
    product = (matrix @ matrix.T).tocsr()
    similar = {0: {2: float(product[0, 2])}, 2: {0: float(product[0, 2])}}
    found = summary_candidates(sentences, matrix, product, similar)
    assert found.rows == [0, 1, 2]  # "He was ..." leans on an earlier sentence
    assert found.support.tolist() == [1.0, 0.0, 1.0]
    assert found.quoted.tolist() == [0.0, 1.0, 0.0]
    assert found.position.tolist() == [1.0, 1 / np.sqrt(2), 1.0]
    assert 0 < found.density[1] < found.density[0] <= 1
    assert found.centrality[0] > found.centrality[1]
    sources = [BriefSource(Article(id=f"a{n}", revision=1, outlet=f"o{n}", title=None,
                                   url=None, published=None, body=""), None) for n in (0, 1)]
    summary = build_summary(sentences, matrix, product, similar, sources,
                            BriefSettings(sentences=2))
    # the two ledes say the same: the more central one, with the other as its support,
    # and then the quote, the only other candidate
    assert [(s.span.text, [x.article_id for x in s.support]) for s in summary] == [
        (texts[1][0], []), (texts[2][0], ["a0"])]
