import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storyline import Library
from storyline.brief import (BriefSettings, build_brief, content_words, counted_numbers,
                             similarity_matrix, stem, summary_length)
from storyline.library import brief_sources

from .conftest import DATA, EXAMPLES, ROOT, write_jsonl

SCHEMA = json.loads((ROOT / "src" / "storyline" / "brief.schema.json").read_text())


def validate(brief: dict) -> None:
    import jsonschema

    jsonschema.Draft202012Validator(SCHEMA).validate(brief)


def cited_spans(value, bodies: dict[str, str]):
    """Every span in a brief with the text it is given beside it (None when it has none)."""
    if isinstance(value, list):
        for item in value:
            yield from cited_spans(item, bodies)
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict) and {"article_id", "start", "end"} <= item.keys():
                text = value.get("text") if key in ("citation", "span") else None
                yield item, text
            else:
                yield from cited_spans(item, bodies)
        if {"article_id", "start", "end"} <= value.keys() and "text" not in value:
            yield value, None


def check_citations(brief: dict, bodies: dict[str, str]) -> int:
    """Every span is inside its article's body, and every cited ``text`` is its exact slice."""
    count = 0
    for span, text in cited_spans(brief, bodies):
        body = bodies[span["article_id"]]
        assert 0 <= span["start"] <= span["end"] <= len(body)
        if text is not None:
            assert text == body[span["start"]:span["end"]]
        count += 1
    for item in brief["summary"] + brief["timeline"] + brief["facts"]:
        span = item.get("citation") or item.get("span")
        assert item["text"] == bodies[span["article_id"]][span["start"]:span["end"]]
    return count


@pytest.fixture(scope="module")
def seed_db(tmp_path_factory) -> Path:
    """The seed pair as `make demo` stores it: two reports and a .txt copy of each."""
    path = tmp_path_factory.mktemp("seed") / "seed.db"
    with Library(path) as lib:
        lib.ingest([EXAMPLES / "seed-pair.jsonl"], jobs=1)
        lib.ingest(sorted(EXAMPLES.glob("*.txt")), published="2021-03-14", jobs=1)
    return path


@pytest.fixture(scope="module")
def seed_brief(seed_db):
    with Library(seed_db) as lib:
        stories = lib.stories()
        assert len(stories) == 1
        brief = lib.brief(stories[0].story_id)
        return brief.to_dict(), brief.bodies


def facts_with(brief: dict, words: str) -> list[dict]:
    return [f for f in brief["facts"] if words in f["text"]]


def test_seed_brief_follows_the_schema_and_cites_exact_text(seed_brief):
    brief, bodies = seed_brief
    validate(brief)
    assert check_citations(brief, bodies) > 50


def test_seed_sources_fold_the_copies_under_their_originals(seed_brief):
    brief, _ = seed_brief
    assert [s["article_id"] for s in brief["sources"]] == ["seed-a", "seed-b"]
    assert all(len(s["duplicates"]) == 1 for s in brief["sources"])


def test_seed_quotes_name_their_speakers_and_merge_across_outlets(seed_brief):
    brief, _ = seed_brief
    named = {"Sadiq Khan", "Helen Ball", "Ed Davey", "Victoria Atkins"}
    speakers = {q["speaker"] for q in brief["quotes"]}
    assert named <= speakers
    entity_names = {e["id"]: e["name"] for e in brief["entities"]}
    # a named speaker is always linked to its entity, so the check below has quotes to check
    assert all(q["speaker_entity"] for q in brief["quotes"] if q["speaker"] in named)
    for quote in brief["quotes"]:
        if quote["speaker_entity"]:
            assert entity_names[quote["speaker_entity"]] == quote["speaker"]
    arrests = [q for q in brief["quotes"] if "four people were arrested" in q["text"]]
    assert len(arrests) == 1
    assert {arrests[0]["span"]["article_id"]} | {s["article_id"] for s in arrests[0]["also_in"]} \
        == {"seed-a", "seed-b"}


def test_seed_entities_merge_aliases_across_outlets(seed_brief):
    brief, _ = seed_brief
    dick = [e for e in brief["entities"] if e["name"] == "Cressida Dick"]
    assert len(dick) == 1
    assert "Dame Cressida" in dick[0]["aliases"]
    assert dick[0]["articles"] == 2
    assert {m["article_id"] for m in dick[0]["mentions"]} == {"seed-a", "seed-b"}


def test_seed_four_arrests_are_corroborated_by_both_outlets(seed_brief):
    brief, _ = seed_brief
    arrests = facts_with(brief, "four people were arrested")
    assert len(arrests) == 1
    assert arrests[0]["status"] == "corroborated"
    assert {e["article_id"] for e in arrests[0]["evidence"]} == {"seed-a", "seed-b"}
    assert len(arrests[0]["outlets"]) == 2


def test_seed_what_one_outlet_says_is_single_source(seed_brief):
    brief, _ = seed_brief
    davey = facts_with(brief, "Sir Ed Davey has now written")
    assert davey and davey[0]["status"] == "single-source"
    assert {e["article_id"] for e in davey[0]["evidence"]} == {"seed-b"}
    assert not [f for f in brief["facts"] if f["status"] == "conflict"]


def test_seed_timeline_has_the_dates_of_the_story(seed_brief):
    brief, _ = seed_brief
    dates = [t["date"] for t in brief["timeline"]]
    assert {"2021-03-03", "2021-03-10", "2021-03-13"} <= set(dates)
    assert dates == sorted(dates)
    saturday = [t for t in brief["timeline"] if t["date"] == "2021-03-13"]
    assert any(t["expression"] == "on Saturday" for t in saturday)


def test_seed_summary_is_cited_without_redundancy_and_in_time_order(seed_brief):
    brief, bodies = seed_brief
    summary = brief["summary"]
    assert len(summary) == summary_length(2, BriefSettings()) == 4
    texts = [s["text"] for s in summary]
    similarity = similarity_matrix(texts)
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            assert similarity[i, j] < BriefSettings().same_similarity
    keys = [s["date"] or "2021-03-14" for s in summary]
    assert keys == sorted(keys)
    assert {s["citation"]["article_id"] for s in summary} == {"seed-a", "seed-b"}
    assert any(s["support"] for s in summary)


def test_sentences_setting_fixes_the_summary_length(seed_db):
    with Library(seed_db) as lib:
        story_id = lib.stories()[0].story_id
        assert len(lib.brief(story_id, settings=BriefSettings(sentences=2)).summary) == 2
        assert len(lib.brief(story_id, settings=BriefSettings(sentences=1)).summary) == 1


def _edited(record: dict, old: str, new: str, **fields) -> dict:
    assert old in record["text"]
    return {**record, "text": record["text"].replace(old, new), **fields}


def test_a_changed_number_in_another_outlet_is_a_conflict(tmp_path, seed_records):
    a, b = seed_records
    edited = _edited(b, "four people were arrested", "five people were arrested",
                     outlet="Other Paper")
    with Library(tmp_path / "c.db") as lib:
        lib.ingest([write_jsonl(tmp_path / "in.jsonl", [a, edited])], jobs=1)
        (story,) = lib.stories()
        brief = lib.brief(story.story_id).to_dict()
    validate(brief)
    (fact,) = facts_with(brief, "people were arrested")
    assert fact["status"] == "conflict"
    assert any("four people" in d and "five people" in d for d in fact["disagreement"])
    assert {e["article_id"] for e in fact["evidence"]} == {"seed-a", "seed-b"}


def test_an_edited_copy_is_checked_but_never_counts_as_an_outlet(tmp_path, seed_records):
    a, b = seed_records
    copy = _edited(a, "four people were arrested", "five people were arrested",
                   id="copy-of-a", outlet="Wire Reprint")
    with Library(tmp_path / "c.db") as lib:
        report = lib.ingest([write_jsonl(tmp_path / "in.jsonl", [a, b, copy])], jobs=1)
        assert report.duplicates == 1
        (story,) = lib.stories()
        brief = lib.brief(story.story_id)
    data = brief.to_dict()
    validate(data)
    check_citations(data, brief.bodies)
    assert [s["duplicates"] for s in data["sources"]] == [["copy-of-a"], []]
    (fact,) = facts_with(data, "people were arrested")
    assert fact["status"] == "conflict"
    assert "copy-of-a" in {e["article_id"] for e in fact["evidence"]}
    davey = facts_with(data, "Sir Ed Davey has now written")
    assert davey[0]["status"] == "single-source"


def test_a_copy_alone_does_not_corroborate(tmp_path, seed_records):
    a, _ = seed_records
    copy = {**a, "id": "reprint", "outlet": "Wire Reprint"}
    with Library(tmp_path / "c.db") as lib:
        lib.ingest([write_jsonl(tmp_path / "in.jsonl", [a, copy])], jobs=1)
        (story,) = lib.stories()
        data = lib.brief(story.story_id).to_dict()
    assert len(data["sources"]) == 1
    assert {f["status"] for f in data["facts"]} == {"single-source"}
    assert all(not s["support"] for s in data["summary"])


def test_unknown_story_is_not_found(seed_db):
    from storyline import NotFoundError

    with Library(seed_db) as lib, pytest.raises(NotFoundError, match="no story"):
        lib.brief("s-missing")


@pytest.mark.slow
@pytest.mark.parametrize("name", ["gvc-dev-slice", "ecbplus-dev-slice"])
def test_every_brief_of_a_data_set_is_valid_and_exactly_cited(tmp_path, name):
    """Every story, as grouped, and every gold story of a committed dev slice."""
    import gzip

    with gzip.open(DATA / f"{name}.jsonl.gz", "rt", encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh]
    with Library(tmp_path / "d.db") as lib:
        lib.ingest([write_jsonl(tmp_path / "in.jsonl", records)], jobs=2)
        gold: dict[str, list[str]] = {}
        for r in records:
            gold.setdefault(r["story"], []).append(r["id"])
        briefs = [lib.brief(s.story_id) for s in lib.stories()]
        briefs += [build_brief(story, "", brief_sources(lib.store, ids))
                   for story, ids in gold.items()]
    spans = 0
    for brief in briefs:
        data = brief.to_dict()
        validate(data)
        spans += check_citations(data, brief.bodies)
    assert spans > 1000


# -- the parts ---------------------------------------------------------------------------------


def test_summary_length_grows_slowly_with_sources():
    settings = BriefSettings()
    lengths = [summary_length(n, settings) for n in (1, 2, 4, 8, 16, 1000)]
    assert lengths == [3, 4, 5, 6, 7, 8]
    assert summary_length(50, BriefSettings(sentences=2)) == 2


def counts(text: str, skip=()) -> dict[str, dict[float, str]]:
    found: dict = {}
    for count in counted_numbers(text, skip):
        found.setdefault(count.noun, {})[count.value] = count.written
    return found


def test_counted_numbers_reads_words_digits_and_skips_years_and_dates():
    assert counts("Four people were arrested.") == {"people": {4.0: "Four people"}}
    assert counts("police arrested 12 men on Saturday") == {"men": {12.0: "12 men"}}
    assert counts("the 33-year-old marketing executive") == {"year-old": {33.0: "33-year-old"}}
    assert counts("a 15, 800 - square - metre building") == {
        "square-metre": {800.0: "800 - square - metre"}}
    assert counts("In 2001, she was awarded a degree.") == {}
    assert counts("at 3:15 a.m. on 3 March", skip=[(16, 23)]) == {}
    assert counts("1,200 protesters marched") == {"protester": {1200.0: "1,200 protesters"}}
    (count,) = counted_numbers("the force said four people were arrested")
    assert count.context == {"force", "said", "arrest"}


def test_a_count_disagrees_only_about_the_same_thing_in_the_same_context():
    from storyline.brief.facts import _disagreement

    def sentence(text: str):
        from storyline.brief.sentences import ComparedSentence
        from storyline.spans import make_span

        none = frozenset()
        return ComparedSentence(make_span("x", text, 0, len(text)), source=0, position=0,
                                outlet="o", copy=False, words=content_words(text), claim=True,
                                numbers=counted_numbers(text), people=none, dates=none,
                                unnamed=none, article_people=none, details=none, date=None)

    four = sentence("The force said four people were arrested at the vigil.")
    five = sentence("The force said five people were arrested at the vigil.")
    assert _disagreement(four, five) == ["five people vs four people"]
    ages = (sentence("Charges against 80-year-old Joseph Williams were announced."),
            sentence("The 4-year-old boy shot himself, police announced."))
    assert _disagreement(*ages) == []
    both = sentence("The force said four people were arrested, and later five people.")
    assert _disagreement(four, both) == []


def test_content_words_meet_inflected_forms_and_drop_numbers():
    assert content_words("Four arrests") == content_words("five arrested") == ["arrest"]
    assert stem("glass") == "glass"


@given(st.text(max_size=200))
def test_counted_numbers_cites_text_it_was_given(text):
    for count in counted_numbers(text):
        assert count.written in text
        assert count.noun


@given(st.lists(st.text(max_size=80), min_size=1, max_size=6))
def test_similarity_is_symmetric_and_bounded(texts):
    matrix = similarity_matrix(texts)
    assert matrix.shape == (len(texts), len(texts))
    assert (abs(matrix - matrix.T) < 1e-9).all()
    assert (matrix <= 1 + 1e-9).all() and (matrix >= -1e-9).all()


def test_brief_of_articles_without_annotation_still_lists_its_sources(tmp_path, seed_records):
    with Library(tmp_path / "n.db") as lib:
        lib.ingest([write_jsonl(tmp_path / "in.jsonl", seed_records)], annotate=False)
        brief = build_brief("s", "t", brief_sources(lib.store, ["seed-a", "seed-b"]))
    data = brief.to_dict()
    validate(data)
    assert len(data["sources"]) == 2
    assert data["summary"] == data["facts"] == data["quotes"] == []



def test_story_summary_counts_sources_without_their_copies(seed_db):
    with Library(seed_db) as lib:
        (story,) = lib.stories()
        assert story.articles == 4 and story.sources == 2
