"""Corroboration of summary sentences judged by gold event pairs (ecbplus-facts), and
redundancy measured apart from the brief's own similarity."""

from storyline.evaluate.facts import FactSet
from storyline.evaluate.summaries import GoldEvents, summary_redundancy
from storyline.spans import make_span

A = "Quake hits Qeshm. Ten people died on the island. Schools closed."
B = "An earthquake struck Qeshm island. Ten died, officials said."


def _gold() -> GoldEvents:
    sentences = [
        {"article_id": "a", "field": "text", "start": 0, "end": 17},
        {"article_id": "a", "field": "text", "start": 18, "end": 47},
        {"article_id": "b", "field": "text", "start": 0, "end": 34},
    ]
    pairs = [
        {"a": sentences[0], "b": sentences[2], "same_event": True, "story_a": "q", "story_b": "q"},
        {"a": sentences[1], "b": sentences[2], "same_event": False, "story_a": "q",
         "story_b": "q"},
    ]
    return GoldEvents(FactSet(pairs, sentences), {"a": {"id": "a", "text": A},
                                                 "b": {"id": "b", "text": B}})


def test_a_sentence_another_article_reports_is_corroborated_by_the_gold():
    gold = _gold()
    assert gold.judge(make_span("a", A, 0, 17), A) is True
    assert gold.judge(make_span("a", A, 18, 47), A) is False  # covered, not the same event
    assert gold.judge(make_span("a", A, 48, len(A)), A) is None  # the gold says nothing


def test_a_summary_span_is_judged_on_the_records_text_when_the_body_differs():
    body = "Live updates\n" + A  # cleaning kept a line the record's text lacks
    gold = _gold()
    start = body.index("Quake")
    assert gold.judge(make_span("a", body, start, start + 17), body) is True


def test_redundancy_is_rouge_between_summary_sentences():
    assert summary_redundancy(["One sentence only."]) == 0.0
    assert summary_redundancy(["The bridge opened.", "The bridge opened."]) == 1.0
    assert summary_redundancy(["The bridge opened.", "Rain fell all day."]) == 0.0
