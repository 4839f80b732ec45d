"""The JSON API of `storyline serve`, through Starlette's TestClient (httpx)."""

import gzip
import json

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storyline import Library
from storyline.server import create_app

from .conftest import DATA, EXAMPLES, write_jsonl
from .test_brief import check_citations, validate

TOKEN = "s3cret-token"


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """The seed pair and the GVC slice (31 shootings): a few dozen stories."""
    tmp = tmp_path_factory.mktemp("archive")
    with gzip.open(DATA / "gvc-dev-slice.jsonl.gz", "rt", encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh]
    path = tmp / "news.db"
    with Library(path) as lib:
        lib.ingest([EXAMPLES / "seed-pair.jsonl", write_jsonl(tmp / "gvc.jsonl", records)], jobs=2)
    return path


@pytest.fixture(scope="module")
def client(archive):
    with TestClient(create_app(archive)) as c:
        yield c


@pytest.fixture
def writable(tmp_path):
    """A server over a fresh archive holding the seed pair, with writes enabled."""
    path = tmp_path / "w.db"
    with Library(path) as lib:
        lib.ingest([EXAMPLES / "seed-pair.jsonl"], jobs=1)
    with TestClient(create_app(path, token=TOKEN, max_body=20_000)) as c:
        yield c


AUTH = {"Authorization": f"Bearer {TOKEN}"}


def seed_story(client) -> str:
    hits = client.get("/api/stories", params={"q": "Everard"}).json()["stories"]
    assert len(hits) == 1
    return hits[0]["story_id"]


def test_healthz_says_what_the_archive_holds(client, archive):
    got = client.get("/healthz").json()
    with Library(archive) as lib:
        assert got["articles"] == lib.store.count() and got["stories"] == len(lib.stories())
    assert got["status"] == "ok" and got["writes"] == "disabled"


def test_stories_are_the_objects_of_the_cli_newest_first(client, archive):
    got = client.get("/api/stories", params={"limit": 500}).json()
    with Library(archive) as lib:
        assert got["stories"] == lib.stories()
    assert got["next_cursor"] is None and len(got["stories"]) > 10
    last = [s["last_published"] or "" for s in got["stories"]]
    assert [day[:10] for day in last] == sorted((day[:10] for day in last), reverse=True)


def test_cursor_pages_add_up_to_the_whole_list(client):
    whole = client.get("/api/stories", params={"limit": 500}).json()["stories"]
    pages, url, params = [], "/api/stories", {"limit": 7}
    while True:
        page = client.get(url, params=params).json()
        pages.append(page["stories"])
        if not page["next_cursor"]:
            break
        assert page["next"].endswith(f"cursor={page['next_cursor']}")
        params = {"limit": 7, "cursor": page["next_cursor"]}
    assert [s for p in pages for s in p] == whole
    assert all(len(p) == 7 for p in pages[:-1]) and len(pages) == -(-len(whole) // 7)


def test_stories_filter_by_date_and_by_search(client):
    since = client.get("/api/stories", params={"since": "2021-01-01"}).json()["stories"]
    assert [s["title"] for s in since] == [s["title"] for s in client.get(
        "/api/stories", params={"q": "Everard OR Khan"}).json()["stories"]]
    assert all(s["last_published"] >= "2021-01-01" for s in since)


@pytest.mark.parametrize("params", [{"since": "not a date"}, {"cursor": "garbage"},
                                    {"limit": 0}, {"limit": "ten"}, {"q": "\"open"},
                                    {"q": "  "}])
def test_bad_story_queries_are_400_with_a_message(client, params):
    got = client.get("/api/stories", params=params)
    assert got.status_code == 400
    assert isinstance(got.json()["detail"], str) and got.json()["detail"]


def test_one_story_and_unknown_ids(client):
    story_id = seed_story(client)
    story = client.get(f"/api/stories/{story_id}").json()
    assert {s["article_id"] for s in story["sources"]} == {"seed-a", "seed-b"}
    for path in ("/api/stories/nope", "/api/stories/nope/brief", "/api/articles/nope"):
        got = client.get(path)
        assert got.status_code == 404 and "nope" in got.json()["detail"]


def test_brief_follows_the_schema_and_cites_exact_text(client, archive):
    story_id = seed_story(client)
    got = client.get(f"/api/stories/{story_id}/brief")
    assert got.headers["content-type"] == "application/json"
    brief = got.json()
    validate(brief)
    with Library(archive) as lib:
        assert brief == lib.brief(story_id).to_dict()
        check_citations(brief, lib.bodies(["seed-a", "seed-b"]))
    speakers = {q["speaker"] for q in brief["quotes"]}
    assert {"Sadiq Khan", "Helen Ball"} <= speakers


def test_article_has_its_body_story_and_optional_annotations(client):
    plain = client.get("/api/articles/seed-a").json()
    assert plain["body"].startswith("Sadiq Khan") or "Khan" in plain["body"][:400]
    assert plain["story_id"] == seed_story(client) and "annotations" not in plain
    full = client.get("/api/articles/seed-a", params={"annotations": True}).json()
    quote = full["annotations"]["quotes"][0]
    assert full["body"][quote["span"]["start"]:quote["span"]["end"]] == quote["text"]


def test_search_returns_snippets_whose_highlights_are_the_matches(client):
    got = client.get("/api/search", params={"q": "vigil", "limit": 5}).json()
    assert got["query"] == "vigil" and {r["article_id"] for r in got["results"]} >= {"seed-a", "seed-b"}
    for hit in got["results"]:
        assert hit["highlights"]
        for start, end in hit["highlights"]:
            assert hit["snippet"][start:end].lower().startswith("vigil")
        assert "\x02" not in hit["snippet"] and "\x03" not in hit["snippet"]
    phrase = client.get("/api/search", params={"q": '"four people were arrested"'}).json()
    assert {r["article_id"] for r in phrase["results"]} == {"seed-a", "seed-b"}


@pytest.mark.parametrize("query", ['"unterminated', "O'Brien", "nosuchcolumn:word", "AND",
                                   "*", "NEAR(", "a OR", "(x"])
def test_fts_syntax_errors_are_400_naming_the_problem(client, query):
    got = client.get("/api/search", params={"q": query})
    assert got.status_code == 400
    assert "bad search query" in got.json()["detail"]


def test_search_without_a_query_is_400(client):
    assert client.get("/api/search").status_code == 400
    assert client.get("/api/search", params={"q": ""}).status_code == 400


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(st.characters(blacklist_categories=["Cs"]), max_size=40))
def test_any_search_string_is_answered_never_a_500(client, query):
    got = client.get("/api/search", params={"q": query})
    assert got.status_code in (200, 400), (query, got.text)
    web = client.get("/search", params={"q": query})
    assert web.status_code in (200, 400), (query, web.text)


def test_writes_are_refused_with_403_when_no_token_is_set(client):
    got = client.post("/api/articles", json={"id": "x", "text": "Some news."})
    assert got.status_code == 403 and "STORYLINE_TOKEN" in got.json()["detail"]


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", "Bearer"])
def test_writes_need_the_right_bearer_token(writable, header):
    headers = {"Authorization": header} if header else {}
    got = writable.post("/api/articles", json={"id": "x", "text": "Some news."}, headers=headers)
    assert got.status_code == 401 and got.headers["www-authenticate"] == "Bearer"
    assert writable.get("/api/articles/x").status_code == 404


def test_posted_json_is_ingested_annotated_and_grouped(writable, seed_records):
    copy = dict(seed_records[1], id="seed-b-again", outlet="Another outlet",
                url="https://example.org/b")
    got = writable.post("/api/articles", json=[copy, {"id": "bad", "title": 3, "text": "x"}],
                        headers=AUTH)
    assert got.status_code == 200
    report = got.json()
    assert report["duplicates"] == 1 and report["ids"] == ["seed-b-again"]
    assert report["errors"] == ["request.json (record 2): field 'title': must be a string or "
                                "null, got int"]
    story = writable.get("/api/articles/seed-b-again").json()["story_id"]
    assert story == writable.get("/api/articles/seed-b").json()["story_id"]


def test_posted_json_lines_report_each_bad_line(writable):
    body = (json.dumps({"id": "n1", "title": "Flood closes bridge", "text": "The river rose.",
                        "published": "2024-05-01"}) + "\n{not json\n")
    got = writable.post("/api/articles", content=body.encode(), headers={
        **AUTH, "Content-Type": "application/x-ndjson"})
    assert got.status_code == 200 and got.json()["new"] == 1
    assert got.json()["errors"][0].startswith("request.jsonl:2: invalid JSON")
    assert writable.get("/api/articles/n1").json()["published"] == "2024-05-01"


def test_a_body_with_nothing_readable_is_400(writable):
    got = writable.post("/api/articles", content=b"{oops", headers={
        **AUTH, "Content-Type": "application/json"})
    assert got.status_code == 400 and got.json()["errors"][0].startswith("request.json:1: invalid JSON")


def test_oversize_bodies_are_413_and_store_nothing(writable):
    big = {"id": "big", "text": "word " * 10_000}
    got = writable.post("/api/articles", json=big, headers=AUTH)
    assert got.status_code == 413 and "20,000 bytes" in got.json()["detail"]
    assert writable.get("/api/articles/big").status_code == 404


def test_other_content_types_are_415(writable):
    got = writable.post("/api/articles", content=b"a,b", headers={**AUTH, "Content-Type": "text/csv"})
    assert got.status_code == 415


def test_openapi_docs_work_offline(client):
    spec = client.get("/openapi.json").json()
    assert {"/api/stories", "/api/stories/{story_id}", "/api/stories/{story_id}/brief",
            "/api/articles/{article_id}", "/api/search", "/api/articles", "/healthz"} <= set(spec["paths"])
    page = client.get("/docs").text
    assert "/static/swagger/swagger-ui-bundle.js" in page and "cdn" not in page
    assert client.get("/static/swagger/swagger-ui-bundle.js").status_code == 200
