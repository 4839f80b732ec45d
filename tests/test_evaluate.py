import importlib.util
import json
import sys

import pytest

from storyline.evaluate import evaluate_extraction, load_extraction_set, score_extraction
from storyline.errors import InputError

from .conftest import DATA


def test_metric_perfect_and_disjoint():
    gold = "one two three four five six"
    assert score_extraction([(gold, gold)]) == (1.0, 1.0, 1.0, 1.0)
    p, r, f, a = score_extraction([(gold, "seven eight nine ten eleven")])
    assert (p, r, f, a) == (0.0, 0.0, 0.0, 0.0)


def test_metric_partial_and_per_page_averaging():
    gold = "a b c d e f g h"  # 5 shingles
    pred = "a b c d e"        # 2 shingles, all right
    p, r, f, _ = score_extraction([(gold, pred)])
    assert p == 1.0 and r == pytest.approx(2 / 5)
    # a page with an empty prediction counts for recall only
    p2, r2, _, _ = score_extraction([(gold, pred), (gold, "")])
    assert p2 == 1.0 and r2 == pytest.approx((2 / 5 + 0) / 2)


def test_bad_eval_file_names_the_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"html": "<p>x</p>", "body": "x"}) + "\n" + json.dumps({"html": "x"}) + "\n")
    with pytest.raises(InputError, match=r"bad.jsonl:2: field 'body'"):
        load_extraction_set(path)


@pytest.mark.slow
def test_extraction_quality_gate():
    """Floors a little under what was measured on this committed dev slice (10 pages):
    storyline F1 0.985, plain trafilatura.extract 0.962."""
    results = evaluate_extraction(DATA / "extraction-dev-slice.jsonl.gz", jobs=2)
    ours = results[0]
    plain = results[-1]
    assert [r.system for r in results] == ["storyline, 1 process", "storyline, 2 processes",
                                           "trafilatura.extract"]
    assert ours.pages == 10
    assert ours.f1 >= 0.975
    assert ours.precision >= 0.975 and ours.recall >= 0.97
    assert ours.f1 > plain.f1
    assert results[1].f1 == ours.f1  # parallel extraction changes nothing


# -- quotes ---------------------------------------------------------------------------------

from storyline.evaluate import evaluate_quotes, is_name, load_quote_set, same_speaker, score_quotes


def test_speaker_names_compare_as_written():
    assert same_speaker("Trump", "Donald Trump")
    assert same_speaker("Mr. Obama", "Barack Obama")
    assert same_speaker("Victor Cha, who served as Asia director", "Victor Cha")
    assert not same_speaker("Trump", "Hillary Clinton")
    assert not same_speaker("Trump", None)
    assert is_name("The New York Post") and is_name("Mr. Barrett")
    assert not is_name("he") and not is_name("the mayor") and not is_name("a source")
    assert not is_name(None)


def test_quote_score_counts_matches_and_speakers():
    record = {"text": "x" * 100, "quotes": [
        {"start": 10, "end": 30, "content_spans": [[10, 30]], "speaker": "Trump",
         "has_quote_marks": True},
        {"start": 50, "end": 70, "content_spans": [[50, 70]], "speaker": "he",
         "has_quote_marks": True},
        {"start": 80, "end": 95, "content_spans": [[80, 95]], "speaker": "Clinton",
         "has_quote_marks": False},
    ]}
    predicted = [
        {"start": 11, "end": 29, "kind": "direct", "speaker": "Donald Trump"},
        {"start": 0, "end": 5, "kind": "partial", "speaker": None},          # matches nothing
        {"start": 81, "end": 94, "kind": "indirect", "speaker": "Hillary Clinton"},
    ]
    score = score_quotes([record], [predicted], "t", 1.0)
    assert score.recall == 0.5 and score.precision == 0.5
    assert score.speakers_judged == 1 and score.speaker_accuracy == 1.0
    assert score.indirect_found == 1 and score.indirect_precision == 1.0


def test_bad_quote_file_names_the_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"text": "x", "quotes": []}) + "\n" + json.dumps({"text": "x"}) + "\n")
    with pytest.raises(InputError, match=r"bad.jsonl:2: field 'quotes'"):
        load_quote_set(path)


@pytest.mark.slow
def test_quotes_quality_gate():
    """Floors a little under what was measured on this committed PolNeAR dev slice (21
    articles, 187 quoted attributions): recall 0.914, precision 0.995, speakers 0.972;
    textacy recall 0.444."""
    results = evaluate_quotes(DATA / "polnear-dev-slice.jsonl.gz", jobs=2)
    ours = results[0]
    assert ours.articles == 21 and ours.gold_quoted == 187
    assert ours.recall >= 0.89
    assert ours.precision >= 0.97
    assert ours.speaker_accuracy >= 0.93
    assert ours.indirect_precision >= 0.95
    assert results[1].to_dict()["found"] == ours.found  # two processes find the same
    textacy = [r for r in results if r.system.startswith("textacy")]
    if importlib.util.find_spec("textacy") is not None:  # installed: the baseline must be run
        assert len(textacy) == 1, [r.system for r in results]
        assert ours.recall > textacy[0].recall + 0.2
    else:
        assert textacy == []


# -- stories ----------------------------------------------------------------------------------

from storyline.evaluate import bcubed, evaluate_clustering, load_clustering_set


def test_bcubed_of_perfect_all_in_one_and_all_alone():
    gold = {"a": "x", "b": "x", "c": "y", "d": "y"}
    assert bcubed(gold, {"a": 1, "b": 1, "c": 2, "d": 2}) == (1.0, 1.0, 1.0)
    p, r, f = bcubed(gold, {i: 0 for i in gold})
    assert (p, r) == (0.5, 1.0) and f == pytest.approx(2 / 3)
    p, r, _ = bcubed(gold, {})  # no prediction: every item alone
    assert (p, r) == (1.0, 0.5)


def test_bcubed_counts_per_item():
    # Amigo et al. 2009: one item wrongly joined to a pair of another story
    gold = {"a": "x", "b": "x", "c": "y"}
    p, r, _ = bcubed(gold, {"a": 1, "b": 1, "c": 1})
    assert p == pytest.approx((2 / 3 + 2 / 3 + 1 / 3) / 3) and r == 1.0


def test_bad_clustering_file_names_the_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"text": "x", "story": "s1"}) + "\n" + json.dumps({"text": "y"}) + "\n")
    with pytest.raises(InputError, match=r"bad.jsonl:2: field 'story'"):
        load_clustering_set(path)


@pytest.mark.slow
def test_clustering_quality_gate():
    """Floors a little under what was measured on committed dev slices (mean of two
    ingest orders): ECB+ topics 2, 5, 7, 12, 14, 18 (143 articles, 12 stories) F1 0.903
    (offline baseline 0.844); the Gun Violence Corpus dev split (78 articles) F1 1.000
    (offline 0.991; 0.991 to 1.000 over eight orders)."""
    ecb = {r.system: r for r in evaluate_clustering(DATA / "ecbplus-dev-slice.jsonl.gz",
                                                    orders=2, jobs=2)}
    ours = ecb["storyline online grouping, mean of 2 orders"]
    offline = ecb["offline TF-IDF + average linkage (0.85)"]
    assert ours.articles == 143 and ours.gold_stories == 12
    assert ours.f1 >= 0.88 and ours.precision >= 0.86 and ours.recall >= 0.86
    assert ours.f1 > offline.f1
    assert ours.f1 > ecb["every article alone"].f1 + 0.5
    gvc = {r.system: r for r in evaluate_clustering(DATA / "gvc-dev-slice.jsonl.gz",
                                                    orders=2, jobs=2)}
    ours = gvc["storyline online grouping, mean of 2 orders"]
    assert ours.f1 >= 0.98 and ours.precision >= 0.98
    assert ours.f1 >= gvc["offline TF-IDF + average linkage (0.85)"].f1 - 0.01


# -- summaries --------------------------------------------------------------------------------

from storyline.evaluate import (
    best_rouge,
    corroborated_sentences,
    evaluate_summaries,
    lead_sentences,
    lexrank_sentences,
    summary_redundancy,
)
from storyline.spans import Span


def _spans(article: str, *texts: str) -> list[Span]:
    found, at = [], 0
    for text in texts:
        found.append(Span(article, at, at + len(text), text))
        at += len(text) + 1
    return found


def test_lead_takes_first_sentences_round_robin():
    a = _spans("a", "A1.", "A2.", "A3.")
    b = _spans("b", "B1.")
    c = _spans("c", "C1.", "C2.")
    assert [s.text for s in lead_sentences([a, b, c], 3)] == ["A1.", "B1.", "C1."]
    assert [s.text for s in lead_sentences([a, b, c], 5)] == ["A1.", "B1.", "C1.", "A2.", "C2."]
    assert [s.text for s in lead_sentences([a, b, c], 9)] == ["A1.", "B1.", "C1.", "A2.", "C2.",
                                                             "A3."]
    assert lead_sentences([[], []], 3) == []


def test_rouge_takes_the_best_headline_per_measure():
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2"], use_stemmer=True)
    summary = "Police shot four people outside a bar"
    best = best_rouge(scorer, summary, ["Weather is nice today",
                                        "Four people shot outside Kokomo bar"])
    p, r, f = best["rouge1"]
    # unigrams (stemmed): four people shot outside bar match; 5 of 7 summary, 5 of 6 headline
    assert (p, r) == pytest.approx((5 / 7, 5 / 6)) and f == pytest.approx(2 * p * r / (p + r))
    assert best["rouge2"][2] == pytest.approx(
        scorer.score("Four people shot outside Kokomo bar", summary)["rouge2"].fmeasure)
    assert best["rouge2"][2] > 0
    assert best_rouge(scorer, summary, []) == {"rouge1": (0.0, 0.0, 0.0),
                                               "rouge2": (0.0, 0.0, 0.0)}
    assert best_rouge(scorer, "", ["A headline"])["rouge1"][2] == 0.0


def test_lexrank_cites_our_sentences_once():
    a = _spans("a", "The mayor opened the new bridge on Monday.",
               "Thousands of people walked across the bridge.")
    b = _spans("b", "The mayor opened the new bridge on Monday.",
               "The bridge cost four million dollars to build.")
    picked = lexrank_sentences([a, b], 2)
    assert len(picked) == 2 and all(isinstance(s, Span) for s in picked)
    assert len({s.text for s in picked}) == 2  # the shared sentence is ranked once
    assert lexrank_sentences([[], []], 3) == []


def test_redundancy_of_a_summary():
    assert summary_redundancy(["Only one sentence here."]) == 0.0
    same = summary_redundancy(["The bridge opened on Monday.", "The bridge opened on Monday.",
                               "Rain fell all day in the valley."])
    assert same == pytest.approx(1.0)
    assert summary_redundancy(["The bridge opened.", "Rain fell all day."]) == 0.0


def test_corroboration_is_the_briefs_support(seed_annotations):
    """The measure the evaluation applies to every system agrees with the support spans of
    our own summary: another outlet's sentence that says the same."""
    from storyline.brief import BriefSettings, BriefSource, build_brief
    from storyline.evaluate import _StorySentences
    from storyline.records import Article

    sources = []
    for n, (article_id, annotation) in enumerate(sorted(seed_annotations.items())):
        sources.append(BriefSource(Article(id=article_id, revision=1, outlet=f"outlet {n}",
                                           title=None, url=None, published=None,
                                           body=""), annotation))
    settings = BriefSettings(sentences=6)
    brief = build_brief("s", "t", sources, settings)
    story = _StorySentences(sources, settings)
    spans = [s.span for s in brief.summary]
    found = corroborated_sentences(spans, story, settings.same_similarity)
    expected = [bool(s.support) for s in brief.summary]
    assert found == expected and any(expected)
    # the same outlet twice is no corroboration
    for source in sources:
        source.article.outlet = "one outlet"
    assert not any(corroborated_sentences(spans, _StorySentences(sources, settings),
                                          settings.same_similarity))


@pytest.mark.parametrize(("module", "package"), [("rouge_score", "rouge-score"),
                                                 ("sumy.summarizers.lex_rank", "sumy")])
def test_summaries_without_the_eval_extra_say_what_to_install(monkeypatch, tmp_path, module,
                                                               package):
    from storyline.errors import MissingDependencyError

    monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    with pytest.raises(MissingDependencyError,
                       match=rf"needs the package '{package}': pip install 'storyline\[eval\]'"):
        evaluate_summaries(tmp_path / "never-read.jsonl")


@pytest.fixture(scope="module")
def gvc_summaries():
    return {r.system: r for r in evaluate_summaries(DATA / "gvc-dev-slice.jsonl.gz", jobs=2,
                                                    sentences=3)}


@pytest.mark.slow
def test_summaries_quality_gate(gvc_summaries):
    """Floors a little under what was measured on the committed GVC dev slice (all of GVC
    dev: 78 articles, 31 stories of 2+ articles), 3 sentences, against the stories'
    headlines: ours ROUGE-1 0.244 / ROUGE-2 0.115, redundancy 0.150, corroborated 0.409;
    lead 0.221 / 0.110 (redundancy 0.313, corroborated 0.183); LexRank 0.195 / 0.089."""
    ours = gvc_summaries["storyline brief summary"]
    lead = gvc_summaries["lead (round-robin over sources)"]
    lexrank = gvc_summaries["LexRank (sumy)"]
    assert ours.stories == 31 and ours.sentences == 3.0
    assert all(r.cited == 1.0 for r in gvc_summaries.values())  # baselines cite spans too
    assert ours.rouge1 >= 0.23 and ours.rouge2 >= 0.11
    assert ours.rouge2 > lead.rouge2 and ours.rouge2 > lexrank.rouge2
    assert ours.corroborated >= 0.38 and ours.redundancy <= 0.17
    assert ours.redundancy < min(r.redundancy for r in gvc_summaries.values() if r is not ours)


@pytest.mark.slow
def test_summaries_quality_gate_on_ecbplus():
    """The committed ECB+ slice (6 topics, 12 stories of 2+ articles) measured ours 0.342 /
    0.170, lead 0.325 / 0.189, LexRank 0.307 / 0.151. On so few stories lead is ahead; on all
    of ECB+ dev (40 stories) ours leads (0.169 against 0.145), so only floors are pinned."""
    rows = {r.system: r for r in evaluate_summaries(DATA / "ecbplus-dev-slice.jsonl.gz",
                                                    jobs=2, sentences=3)}
    ours = rows["storyline brief summary"]
    assert ours.stories == 12 and ours.cited == 1.0
    assert ours.rouge1 >= 0.32 and ours.rouge2 >= 0.16
    assert ours.rouge2 > rows["LexRank (sumy)"].rouge2
    assert ours.corroborated >= 0.6 and ours.redundancy <= 0.18
