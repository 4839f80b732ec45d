"""The Python API's read side: the brief cache, story pages and search."""

import base64
import dataclasses
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storyline import Library
from storyline.errors import InputError, NotFoundError, QueryError
from storyline.library import decode_cursor, encode_cursor
from storyline.results import ArchiveCounts, QuoteHit, StoryDetail, StorySummary
from storyline.store._search import search_hit

from .conftest import EXAMPLES, write_jsonl


@pytest.fixture
def seeded(tmp_path):
    with Library(tmp_path / "lib.db") as lib:
        lib.ingest([EXAMPLES / "seed-pair.jsonl"], jobs=1)
        yield lib


def count_builds(monkeypatch) -> list:
    built = []
    original = Library.brief

    def brief(self, story_id, **kw):
        built.append(story_id)
        return original(self, story_id, **kw)

    monkeypatch.setattr(Library, "brief", brief)
    return built


def test_brief_json_is_built_once_then_read_from_the_database(seeded, monkeypatch, tmp_path):
    built = count_builds(monkeypatch)
    (story,) = seeded.stories()
    first = seeded.brief_json(story.story_id)
    assert json.loads(first) == seeded.brief(story.story_id).to_dict()
    built.clear()
    assert seeded.brief_json(story.story_id) == first
    with Library(tmp_path / "lib.db") as other:  # another process or thread reads it too
        assert other.brief_json(story.story_id) == first
    assert built == []


def test_brief_is_rebuilt_when_its_story_changes(seeded, monkeypatch, tmp_path, seed_records):
    (story,) = seeded.stories()
    before = json.loads(seeded.brief_json(story.story_id))
    built = count_builds(monkeypatch)
    edited = dict(seed_records[0], text=seed_records[0]["text"].replace(
        "four people were arrested", "five people were arrested"))
    report = seeded.ingest([write_jsonl(tmp_path / "rev.jsonl", [edited])], jobs=1)
    assert report.revised == 1
    after = json.loads(seeded.brief_json(story.story_id))
    assert built == [story.story_id]
    assert after != before
    assert "five people" in json.dumps(after) and "five people" not in json.dumps(before)


def test_brief_json_of_an_unknown_story_is_not_found(seeded):
    with pytest.raises(NotFoundError, match="no story with id 'nope'"):
        seeded.brief_json("nope")


def test_recluster_drops_cached_briefs(seeded, monkeypatch):
    (story,) = seeded.stories()
    seeded.brief_json(story.story_id)
    seeded.recluster()
    assert seeded.store.conn.execute("SELECT count(*) FROM briefs").fetchone()[0] == 0
    built = count_builds(monkeypatch)
    seeded.brief_json(seeded.stories()[0].story_id)
    assert len(built) == 1


def test_story_page_cursor_walks_every_story_once(tmp_path):
    events = [("Flood closes the Severn bridge",
               "River levels rose overnight in Gloucester and the bridge was shut to traffic."),
              ("Chess champion retains title",
               "Magnus Carlsen beat Ding Liren in Dubai to keep the world title for Norway."),
              ("Bakery wins national award",
               "A family bakery in Truro won the pasty prize at the national awards in London."),
              ("Volcano erupts in Iceland",
               "Lava reached the town of Grindavik at dawn after a week of small earthquakes."),
              ("Orchestra cancels tour",
               "The Berlin Philharmonic cited illness in Vienna and called off six concerts."),
              ("Satellite launch delayed",
               "Engineers in Kourou found a fault in a valve and postponed the launch a week.")]
    records = [{"id": f"a{i}", "title": title, "text": text, "outlet": f"Outlet {i}",
                "published": f"2024-03-{1 + i % 3:02d}"} for i, (title, text) in enumerate(events)]
    with Library(tmp_path / "p.db") as lib:
        lib.ingest([write_jsonl(tmp_path / "p.jsonl", records)], jobs=1)
        whole = lib.stories()
        seen, cursor = [], None
        while True:
            page = lib.story_page(limit=2, cursor=cursor)
            seen += page.stories
            cursor = page.next_cursor
            if cursor is None:
                break
        assert seen == whole and len(whole) >= 5
        assert lib.story_page(limit=100).next_cursor is None


def test_search_finds_by_title_and_body_and_rejects_bad_syntax(seeded):
    by_title = seeded.search("resign")
    assert [h.article_id for h in by_title] == ["seed-b"]
    (start, end), = by_title[0].title_highlights
    assert by_title[0].title[start:end] == "resign"
    hit = seeded.search("handcuffs")[0]
    start, end = hit.highlights[0]
    assert hit.snippet[start:end] == "handcuffs"
    with pytest.raises(QueryError, match="bad search query"):
        seeded.search('"open')
    with pytest.raises(QueryError, match="empty"):
        seeded.search("   ")


def test_stories_query_keeps_stories_with_a_matching_article(seeded):
    assert len(seeded.stories(query="Everard")) == 1
    assert seeded.stories(query="zebra") == []


@given(st.tuples(st.integers(-1, 10**6), st.integers(0, 10**9), st.text(max_size=30)))
def test_cursors_round_trip(key):
    assert decode_cursor(encode_cursor(key)) == key


def _b64(text: str) -> str:
    """A cursor of our encoding (unpadded url-safe base64) around JSON we never give out."""
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _refused(cursor: str):
    """Expect decode_cursor to refuse ``cursor`` with a QueryError that names it."""
    return pytest.raises(QueryError, match=re.escape(
        f"cursor {cursor!r} is not one this server gave out"))


@pytest.mark.parametrize("cursor", [
    "", "garbage", "!!!!", "é", encode_cursor((738000, 5, "s-abc"))[:-3],  # one cut short
    _b64('{"day": 1}'), _b64("null"), _b64('"abc"'), _b64("[1, 2]"), _b64('[1, 2, "s", 4]'),
    _b64("[1, 2, 3]"), _b64('["738000", 5, "s"]'), _b64('[1.5, 2, "s"]'),
    _b64('[true, 2, "s"]'), encode_cursor((738000, 5, "s-abc")) + "!!",  # a bool; junk added
    _b64('[738000,5,"s-abc"]'),  # the right key, but not as this server writes it
])
def test_a_cursor_we_did_not_make_is_a_query_error(cursor):
    with _refused(cursor):
        decode_cursor(cursor)


@given(st.text(max_size=40).filter(lambda text: not text.isascii()))
def test_a_cursor_that_is_not_ascii_is_a_query_error(text):
    with _refused(text):
        decode_cursor(text)


@given(st.lists(st.tuples(st.text(alphabet="ab \n", max_size=6), st.booleans()), max_size=8))
def test_search_hit_offsets_point_at_the_marked_text(parts):
    marked = "".join(f"\x02{t}\x03" if hit else t for t, hit in parts)
    row = {"id": "x", "title": None, "outlet": None, "published": None, "story_id": None,
           "duplicate_of": None, "snippet": marked, "title_marked": None}
    got = search_hit(row)
    assert got.snippet == "".join(t for t, _ in parts)
    assert [got.snippet[s:e] for s, e in got.highlights] == [t for t, hit in parts if hit]


def test_brief_is_served_uncached_while_another_process_writes(seeded, tmp_path, monkeypatch):
    """A reader must not queue behind a long ingest just to cache a brief."""
    import time

    from storyline.store import Store

    (story,) = seeded.stories()
    writer = Store(tmp_path / "lib.db")
    writer.conn.execute("BEGIN IMMEDIATE")  # holds the write lock, as an ingest batch does
    try:
        began = time.perf_counter()
        data = seeded.brief_json(story.story_id)
        assert time.perf_counter() - began < 5
        assert json.loads(data)["story_id"] == story.story_id
        assert seeded.store.conn.execute("SELECT count(*) FROM briefs").fetchone()[0] == 0
    finally:
        writer.conn.execute("ROLLBACK")
        writer.close()
    built = count_builds(monkeypatch)
    seeded.brief_json(story.story_id)  # cached now
    seeded.brief_json(story.story_id)
    assert len(built) == 1


# -- typed results and the shells' door ----------------------------------------------------


def test_story_results_are_records_whose_dicts_keep_the_api_shape(seeded):
    (story,) = seeded.stories()
    assert isinstance(story, StorySummary)
    assert story.to_dict() == {
        "story_id": story.story_id, "title": seeded.article("seed-a").title, "articles": 2,
        "sources": 2, "outlets": ["The Herald"], "first_published": "2021-03-14",
        "last_published": "2021-03-14"}
    assert list(story.to_dict()) == ["story_id", "title", "articles", "sources", "outlets",
                                     "first_published", "last_published"]
    detail = seeded.story(story.story_id)
    assert isinstance(detail, StoryDetail)
    found = detail.to_dict()
    assert list(found) == ["story_id", "title", "articles", "sources", "outlets",
                           "first_published", "last_published", "merged_from",
                           "headline_article"]
    assert {k: found[k] for k in story.to_dict() if k != "sources"} == {
        k: v for k, v in story.to_dict().items() if k != "sources"}
    assert found["merged_from"] == [] and found["headline_article"] == "seed-a"
    assert [list(s) for s in found["sources"]] == [
        ["article_id", "outlet", "title", "url", "published", "duplicate_of", "probability"]] * 2
    assert [s["article_id"] for s in found["sources"]] == ["seed-a", "seed-b"]
    assert json.loads(json.dumps(found)) == found  # plain JSON, nothing left to convert
    with pytest.raises(dataclasses.FrozenInstanceError):
        story.title = "changed"


def test_search_and_quote_hits_keep_the_api_shape(seeded):
    (hit,) = [h for h in seeded.search("handcuffs") if h.article_id == "seed-a"]
    found = hit.to_dict()
    assert list(found) == ["article_id", "title", "outlet", "published", "story_id",
                           "duplicate_of", "snippet", "highlights", "title_highlights"]
    assert found["highlights"] == [list(h) for h in hit.highlights]
    assert found["story_id"] == seeded.stories()[0].story_id
    quotes = seeded.quotes(speaker="khan")
    assert quotes and all(isinstance(q, QuoteHit) for q in quotes)
    quote = quotes[0].to_dict()
    assert list(quote) == ["text", "speaker", "speaker_entity", "kind", "span", "outlet",
                           "published", "title"]
    span = quote["span"]
    assert list(span) == ["article_id", "start", "end"]
    assert seeded.article(span["article_id"]).body[span["start"]:span["end"]] == quote["text"]


def test_counts_health_and_article_detail(seeded, tmp_path, seed_records):
    from storyline import __version__
    from storyline.store import SCHEMA_VERSION

    assert seeded.counts() == ArchiveCounts(articles=2, stories=1, unannotated=0, ungrouped=0)
    assert seeded.health().to_dict() == {"status": "ok", "version": __version__, "articles": 2,
                                         "stories": 1, "schema_version": SCHEMA_VERSION}
    story_id = seeded.stories()[0].story_id
    plain = seeded.article_detail("seed-a", annotation=False)
    assert plain.annotation is None
    assert plain.to_dict() == {**seeded.article("seed-a").to_dict(), "story_id": story_id}
    full = seeded.article_detail("seed-a")
    assert full.annotation == seeded.annotation("seed-a")
    assert full.to_dict()["annotations"] == full.annotation.to_dict()
    with pytest.raises(NotFoundError):
        seeded.article_detail("nope")
    with Library(tmp_path / "bare.db") as bare:
        bare.ingest([write_jsonl(tmp_path / "in.jsonl", seed_records)], annotate=False)
        assert bare.counts() == ArchiveCounts(articles=2, stories=0, unannotated=2, ungrouped=0)
        shown = bare.article_detail("seed-a").to_dict()
        assert shown["story_id"] is None and shown["annotations"] is None


@pytest.mark.parametrize("call, field", [
    (lambda lib: lib.ingest([], published="someday maybe"), "published"),
    (lambda lib: lib.stories(since="someday maybe"), "since"),
    (lambda lib: lib.story_page(since="someday maybe"), "since"),
])
def test_a_bad_date_is_an_input_error_naming_the_argument(tmp_path, call, field):
    with Library(tmp_path / "d.db") as lib:
        with pytest.raises(InputError) as refused:
            call(lib)
    assert refused.value.field == field
    assert refused.value.message == "cannot read 'someday maybe' as a date"
    assert f"field '{field}'" in str(refused.value)


def test_since_takes_any_date_form_the_shells_take(seeded):
    assert seeded.stories(since="13 March 2021") == seeded.stories(since="2021-03-13")
    assert seeded.stories(since="2021-03-15") == []
