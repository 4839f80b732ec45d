"""Corroboration: the pair model, the grouping that keeps loose links from chaining facts,
and the seed pair's paraphrase."""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storyline import Library
from storyline.brief import BriefSettings
from storyline.brief.facts import (PAIR_FEATURES, linked_groups, pair_features,
                                   same_fact_probability)
from storyline.brief.sentences import ComparedSentence
from storyline.brief.words import content_words, event_kinds
from storyline.spans import make_span

from ..conftest import EXAMPLES


def sentence(text: str, source: int, position: int = 0, names=(), dates=()) -> ComparedSentence:
    words = content_words(text)
    span = make_span(f"a{source}", text, 0, len(text))
    details = frozenset([("name", n) for n in names] + [("date", d) for d in dates])
    return ComparedSentence(span=span, source=source, position=position, outlet=f"o{source}",
                            copy=False, words=words, claim=True, numbers=[],
                            people=frozenset(), dates=frozenset(dates), unnamed=frozenset(words),
                            article_people=frozenset(), details=details, date=None,
                            events=event_kinds(words))


def test_event_kinds_meet_paraphrases_and_tell_other_events_apart():
    assert event_kinds(content_words("People gathered to pay tribute")) == {"gather"}
    assert event_kinds(content_words("a vigil to remember her")) == {"gather"}
    assert event_kinds(content_words("Police arrested four men")) == {"arrest"}
    assert not event_kinds(content_words("The weather was mild"))


def test_features_follow_their_names_and_the_model_prefers_the_paraphrase():
    settings = BriefSettings()
    assert len(pair_features(sentence("A b c d", 0), sentence("A b c d", 1), 1.0)) == \
        len(PAIR_FEATURES) == len(settings.fact_weights)
    crowd = sentence("A crowd gathered at Clapham Common to remember the 33-year-old.", 0, 2,
                     names=("e1",), dates=("2021-03-13",))
    people = sentence("People gathered in Clapham Common on Saturday to pay tribute.", 1, 2,
                      names=("e1",), dates=("2021-03-13",))
    other = sentence("The commissioner said on Monday she would not resign from the force.",
                     1, 9, dates=("2021-03-15",))
    x = dict(zip(PAIR_FEATURES, pair_features(crowd, people, 0.25)))
    assert x["shared event kinds"] > 0 and x["shared dates"] == 1.0 and x["dates differ"] == 0.0
    assert dict(zip(PAIR_FEATURES, pair_features(crowd, other, 0.05)))["dates differ"] == 1.0
    assert same_fact_probability(pair_features(crowd, people, 0.25), settings) >= \
        settings.fact_threshold > same_fact_probability(pair_features(crowd, other, 0.05),
                                                        settings)


def test_one_loose_link_does_not_chain_two_facts():
    # 0-1 and 2-3 are facts; 1-2 is one loose link between them
    pairs = [(0, 1, 0.99), (2, 3, 0.98), (1, 2, 0.9)]
    groups = linked_groups(4, pairs, [0, 1, 0, 1], share=1.0)
    assert sorted(groups) == [[0, 1], [2, 3]]
    # the rule before the model joined them all; share 0.25 lets the loose link through
    assert sorted(linked_groups(4, pairs, [0, 1, 0, 1], share=0.25)) == [[0, 1, 2, 3]]


@given(st.integers(min_value=1, max_value=9).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1),
                                   st.floats(0, 1)), max_size=30),
    st.lists(st.integers(0, 3), min_size=n, max_size=n))))
def test_groups_partition_the_items_and_every_cross_pair_is_linked(case):
    n, raw, sources = case
    pairs = sorted({(min(i, j), max(i, j)): p for i, j, p in raw if i != j}.items(),
                   key=lambda t: -t[1])
    pairs = [(i, j, p) for (i, j), p in pairs]
    groups = linked_groups(n, pairs, sources, share=1.0)
    assert sorted(k for g in groups for k in g) == list(range(n))
    linked = {(i, j) for i, j, _ in pairs} | {(j, i) for i, j, _ in pairs}
    for g in groups:
        for a in g:
            for b in g:
                assert a == b or sources[a] == sources[b] or (a, b) in linked


@pytest.fixture(scope="module")
def seed_briefs(tmp_path_factory):
    path: Path = tmp_path_factory.mktemp("facts") / "seed.db"
    with Library(path) as lib:
        lib.ingest([EXAMPLES / "seed-pair.jsonl"], jobs=1)
        story = lib.stories()[0].story_id
        return (lib.brief(story), lib.brief(story, settings=BriefSettings(fact_model=False)))


def corroborated_with(brief, *texts: str) -> list:
    return [f for f in brief.facts if f.status == "corroborated"
            and all(any(t in e.text for e in f.evidence) for t in texts)]


def test_the_clapham_common_paraphrase_is_one_corroborated_fact(seed_briefs):
    now, before = seed_briefs
    crowd, people = "A crowd gathered at Clapham Common", "People gathered in Clapham Common"
    assert not corroborated_with(before, crowd, people)
    facts = corroborated_with(now, crowd, people)
    assert len(facts) == 1 and len(facts[0].outlets) == 2
    bodies = now.bodies
    for span in facts[0].evidence:
        assert bodies[span.article_id][span.start:span.end] == span.text


def test_the_facts_both_report_stay_corroborated(seed_briefs):
    now, _ = seed_briefs
    assert corroborated_with(now, "four people were arrested")
    assert not [f for f in now.facts if f.status == "conflict"]
