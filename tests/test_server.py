"""The JSON API of `storyline serve`, through Starlette's TestClient (httpx)."""

import gzip
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storyline import Library
from storyline.server import create_app

from .conftest import DATA, EXAMPLES, run_cli, wait_for, write_jsonl
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
        assert got["stories"] == [s.to_dict() for s in lib.stories()]
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


@pytest.mark.parametrize("params, message", [
    ({"since": "not a date"}, "bad query: since: cannot read 'not a date' as a date"),
    ({"cursor": "garbage"}, "bad query: cursor 'garbage' is not one this server gave out"),
    ({"limit": 0}, "bad request: limit: Input should be greater than or equal to 1"),
    ({"limit": "ten"}, "bad request: limit: Input should be a valid integer"),
    ({"q": "\"open"}, "bad search query (unterminated string); put words in double quotes"),
    ({"q": "  "}, "bad query: the search query is empty"),
])
def test_bad_story_queries_are_400_with_a_message(client, params, message):
    got = client.get("/api/stories", params=params)
    assert got.status_code == 400
    assert got.json()["detail"].startswith(message)


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
    missing = client.get("/api/search")
    assert missing.status_code == 400
    assert missing.json()["detail"] == "bad request: q: Field required"
    empty = client.get("/api/search", params={"q": ""})
    assert empty.status_code == 400
    assert empty.json()["detail"] == "bad query: the search query is empty"


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
    body = (json.dumps({"id": "n1", "title": "Flood closes bridge",
                        "text": "The river rose overnight and the bridge was closed to traffic.",
                        "published": "2024-05-01"}) + "\n{not json\n")
    got = writable.post("/api/articles", content=body.encode(), headers={
        **AUTH, "Content-Type": "application/x-ndjson"})
    assert got.status_code == 200 and got.json()["new"] == 1
    assert got.json()["errors"][0].startswith("request.jsonl:2: invalid JSON")
    assert writable.get("/api/articles/n1").json()["published"] == "2024-05-01"


def test_a_posted_default_date_that_is_no_date_is_400_naming_it(writable):
    got = writable.post("/api/articles", params={"published": "someday maybe"},
                        content=b'{"id": "d1", "text": "The bridge reopened on Thursday."}',
                        headers={**AUTH, "Content-Type": "application/json"})
    assert got.status_code == 400
    assert got.json()["detail"] == "bad query: published: cannot read 'someday maybe' as a date"
    assert writable.get("/api/articles/d1").status_code == 404


def test_health_and_an_article_with_its_story_come_from_the_library(client, archive):
    with Library(archive) as lib:
        health = lib.health().to_dict()
        detail = lib.article_detail("seed-a", annotation=False).to_dict()
    assert client.get("/healthz").json() == {**health, "writes": "disabled"}
    assert client.get("/api/articles/seed-a").json() == detail


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
    before = writable.get("/healthz").json()["articles"]
    got = writable.post("/api/articles", content=b"a,b", headers={**AUTH, "Content-Type": "text/csv"})
    assert got.status_code == 415
    assert got.json()["detail"].startswith("cannot read 'text/csv': send application/json")
    assert writable.get("/healthz").json()["articles"] == before


def test_openapi_docs_work_offline(client):
    spec = client.get("/openapi.json").json()
    assert {"/api/stories", "/api/stories/{story_id}", "/api/stories/{story_id}/brief",
            "/api/articles/{article_id}", "/api/search", "/api/articles", "/healthz"} <= set(spec["paths"])
    page = client.get("/docs").text
    assert "/static/swagger/swagger-ui-bundle.js" in page and "cdn" not in page
    assert client.get("/static/swagger/swagger-ui-bundle.js").status_code == 200


# -- HEAD on every GET route -----------------------------------------------------------------

GET_ROUTES = ["/healthz", "/api/stories?limit=5", "/api/stories/{story}",
              "/api/stories/{story}/brief", "/api/articles/seed-a?annotations=true",
              "/api/search?q=vigil", "/", "/stories/{story}", "/articles/seed-a",
              "/search?q=vigil", "/assets/brief.css", "/docs", "/openapi.json",
              "/static/storyline.js", "/static/swagger/swagger-ui-bundle.js"]


def test_head_answers_every_get_route_with_the_gets_status_and_headers_and_no_body(client):
    story = seed_story(client)
    for path in GET_ROUTES:
        url = path.format(story=story)
        got, head = client.get(url), client.head(url)
        assert got.status_code == 200 and got.content, url
        assert head.status_code == 200, (url, head.status_code, head.text)
        assert head.content == b"", url
        assert dict(head.headers) == dict(got.headers), url
        assert head.headers["content-type"] and int(head.headers["content-length"]) == len(got.content), url


def test_head_on_an_unknown_id_is_404_like_its_get(client):
    for url in ("/api/stories/nope", "/api/stories/nope/brief", "/stories/nope", "/articles/nope"):
        got, head = client.get(url), client.head(url)
        assert got.status_code == head.status_code == 404, url
        assert head.content == b"" and dict(head.headers) == dict(got.headers), url


def test_head_where_there_is_no_get_is_405_and_openapi_lists_no_head(client):
    head = client.head("/api/articles")
    assert head.status_code == 405 and head.headers["allow"] == "POST" and head.content == b""
    assert client.head("/api/articles/seed-a").status_code == 200
    assert client.post("/api/articles", json={}).status_code == 403  # the route is still there
    spec = client.get("/openapi.json").json()
    # DELETE /api/follows/{id} is the one delete; HEAD is never listed
    assert {m for ops in spec["paths"].values() for m in ops} == {"get", "post", "delete"}
    assert set(spec["paths"]["/api/articles"]) == {"post"}


# -- gzip-compressed posts -------------------------------------------------------------------

def count(client) -> int:
    return client.get("/healthz").json()["articles"]


def jsonl(*records: dict) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


GZ_RECORDS = [{"id": "gz1", "title": "Flood closes bridge", "published": "2024-05-01",
               "text": "The river rose overnight and the council closed the old bridge to "
                       "all traffic until further notice."},
              {"id": "gz2", "title": "Bridge reopens", "published": "2024-05-03",
               "text": "The river fell again on Friday, and engineers said the old bridge "
                       "was safe to open."}]


@pytest.mark.parametrize("coding", ["gzip", "x-gzip", "GZip"])
def test_gzip_json_lines_are_decoded_and_stored(writable, coding):
    before = count(writable)
    got = writable.post("/api/articles", content=gzip.compress(jsonl(*GZ_RECORDS)), headers={
        **AUTH, "Content-Type": "application/x-ndjson", "Content-Encoding": coding})
    assert got.status_code == 200, got.text
    assert got.json()["new"] == 2 and got.json()["errors"] == []
    assert count(writable) == before + 2
    assert writable.get("/api/articles/gz2").json()["body"] == GZ_RECORDS[1]["text"]


def test_a_gzip_body_may_decode_past_its_content_length_up_to_the_limit(writable):
    record = {"id": "long", "title": "Long read", "published": "2024-05-02",
              "text": "The council met again on Monday to talk about the bridge. " * 300}
    plain = json.dumps(record).encode()
    packed = gzip.compress(plain)
    assert len(packed) < 2_000 < 15_000 < len(plain) < 20_000  # the fixture's max_body
    got = writable.post("/api/articles", content=packed, headers={
        **AUTH, "Content-Type": "application/json", "Content-Encoding": "gzip"})
    assert got.status_code == 200 and got.json()["new"] == 1, got.text
    assert writable.get("/api/articles/long").json()["body"] == record["text"].strip()


def test_a_gzip_bomb_is_413_before_it_inflates_and_stores_nothing(writable, monkeypatch):
    import zlib
    from types import SimpleNamespace

    from storyline import server

    inflated = []

    class Counting:  # zlib's decompressobj, counting what it inflates
        def __init__(self, *args):
            self._d = zlib.decompressobj(*args)

        def decompress(self, data, max_length=0):
            out = self._d.decompress(data, max_length)
            inflated.append(len(out))
            return out

        def __getattr__(self, name):
            return getattr(self._d, name)

    monkeypatch.setattr(server, "zlib", SimpleNamespace(
        decompressobj=Counting, error=zlib.error, MAX_WBITS=zlib.MAX_WBITS))
    bomb = gzip.compress(b"\n" * 10_000_000)
    assert len(bomb) < 20_000  # under the limit as sent
    before = count(writable)
    got = writable.post("/api/articles", content=bomb, headers={
        **AUTH, "Content-Type": "application/x-ndjson", "Content-Encoding": "gzip"})
    assert got.status_code == 413 and "20,000 bytes once decoded" in got.json()["detail"]
    assert 20_000 < sum(inflated) <= 20_000 + 64 * 1024
    assert count(writable) == before


@pytest.mark.parametrize("body", [b"not gzip at all", gzip.compress(jsonl(*GZ_RECORDS))[:-6],
                                  gzip.compress(jsonl(*GZ_RECORDS)) + b"trailing junk", b""],
                         ids=["not gzip", "cut short", "trailing junk", "empty"])
def test_a_body_that_is_not_valid_gzip_is_400_and_stores_nothing(writable, body):
    before = count(writable)
    got = writable.post("/api/articles", content=body, headers={
        **AUTH, "Content-Type": "application/x-ndjson", "Content-Encoding": "gzip"})
    assert got.status_code == 400
    assert got.json()["detail"].startswith("request body is not valid gzip: ")
    assert count(writable) == before
    assert writable.get("/api/articles/gz1").status_code == 404


def test_other_content_encodings_are_415_and_store_nothing(writable):
    before, body = count(writable), jsonl(GZ_RECORDS[0])
    for coding in ("br", "deflate", "zstd", "compress", "gzip, gzip", "gzip, br"):
        got = writable.post("/api/articles", content=body, headers={
            **AUTH, "Content-Type": "application/x-ndjson", "Content-Encoding": coding})
        assert got.status_code == 415, coding
        assert "gzip" in got.json()["detail"] and "identity" in got.json()["detail"], coding
        assert got.headers["accept-encoding"] == "gzip"
    assert count(writable) == before
    assert writable.get("/api/articles/gz1").status_code == 404
    plain = writable.post("/api/articles", content=body, headers={
        **AUTH, "Content-Type": "application/x-ndjson", "Content-Encoding": "identity"})
    assert plain.status_code == 200 and count(writable) == before + 1


def test_a_real_server_answers_head_and_gzip_posts(tmp_path, seed_jsonl):
    """`storyline serve` under uvicorn: HEAD keeps the GET's Content-Length with no body on
    the wire, and gzip bodies arrive in pieces through the limit of --max-body."""
    db = tmp_path / "serve.db"
    assert run_cli("ingest", str(seed_jsonl), "--no-annotate", db=db).returncode == 0
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "storyline", "--db", str(db), "serve",
                             "--port", str(port), "--max-body", "1"],
                            stderr=subprocess.PIPE, env={**os.environ, "STORYLINE_TOKEN": TOKEN})

    def ask(method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            answer = conn.getresponse()
            return answer.status, dict(answer.getheaders()), answer.read()
        finally:
            conn.close()

    try:
        def answers():
            try:
                return ask("GET", "/healthz")
            except OSError:
                return None

        if wait_for(answers, alive=lambda: proc.poll() is None) is None:
            raise AssertionError("the server did not answer")
        for path in ("/healthz", "/api/stories", "/", "/static/storyline.js"):
            status, headers, body = ask("GET", path)
            h_status, h_headers, h_body = ask("HEAD", path)
            assert status == h_status == 200 and body and h_body == b"", path
            assert h_headers["content-length"] == headers["content-length"] == str(len(body))
            assert h_headers["content-type"] == headers["content-type"], path
        assert ask("HEAD", "/api/articles")[0] == 405
        assert ask("HEAD", "/api/stories/nope")[0] == 404
        post = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/x-ndjson",
                "Content-Encoding": "gzip"}
        bomb = gzip.compress(b"\n" * 50_000_000)  # 50 MB from some 50 KB
        assert len(bomb) < 1024 * 1024
        started = time.monotonic()
        status, _, body = ask("POST", "/api/articles", bomb, post)
        assert status == 413 and "once decoded" in json.loads(body)["detail"]
        assert time.monotonic() - started < 5
        status, _, body = ask("POST", "/api/articles", gzip.compress(jsonl(*GZ_RECORDS)), post)
        assert status == 200 and json.loads(body)["new"] == 2, body
        assert json.loads(ask("GET", "/healthz")[2])["articles"] == 4
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)


# -- feeds -------------------------------------------------------------------------------


def test_feeds_added_through_the_library_are_listed(tmp_path):
    path = tmp_path / "f.db"
    with Library(path) as lib:
        lib.add_feeds(["https://example.com/a.xml", "https://example.org/b.rss"], every="2h",
                      category="Local")
        expected = [f.to_dict() for f in lib.feeds()]
    with TestClient(create_app(path)) as c:
        got = c.get("/api/feeds")
        assert got.status_code == 200
        assert got.json() == {"feeds": expected}
        assert [f["url"] for f in expected] == ["https://example.com/a.xml",
                                                "https://example.org/b.rss"]
        assert {f["every"] for f in expected} == {7200} and expected[0]["state"] == "active"
        assert c.head("/api/feeds").status_code == 200
        assert "feeds" in {t for op in c.get("/openapi.json").json()["paths"]["/api/feeds"].values()
                           for t in op["tags"]}


def test_an_archive_without_feeds_lists_none(client):
    assert client.get("/api/feeds").json() == {"feeds": []}


def test_adding_feeds_is_refused_with_403_when_no_token_is_set(client):
    got = client.post("/api/feeds", json={"urls": ["https://example.com/feed.xml"]})
    assert got.status_code == 403 and "STORYLINE_TOKEN" in got.json()["detail"]
    assert client.get("/api/feeds").json() == {"feeds": []}


@pytest.mark.parametrize("header", [{}, {"Authorization": "Bearer nope"},
                                    {"Authorization": f"Basic {TOKEN}"}])
def test_adding_feeds_needs_the_right_bearer_token(writable, header):
    got = writable.post("/api/feeds", json={"url": "https://example.com/feed.xml"},
                        headers=header)
    assert got.status_code == 401 and got.headers["www-authenticate"] == "Bearer"
    assert writable.get("/api/feeds").json() == {"feeds": []}


def test_posted_feeds_are_added_and_listed(writable):
    got = writable.post("/api/feeds", headers=AUTH, json={
        "urls": ["https://example.com/feed.xml", " https://example.org/rss "], "every": "30m",
        "outlet": "Example News", "category": "World"})
    assert got.status_code == 200, got.text
    added = got.json()["feeds"]
    assert [f["url"] for f in added] == ["https://example.com/feed.xml", "https://example.org/rss"]
    assert all(f["every"] == 1800 and f["outlet"] == "Example News" and f["category"] == "World"
               and f["state"] == "active" for f in added)
    listed = writable.get("/api/feeds").json()["feeds"]
    assert sorted(f["url"] for f in listed) == sorted(f["url"] for f in added)
    # one "url", every in seconds, adding one again is no duplicate
    again = writable.post("/api/feeds", headers=AUTH,
                          json={"url": "https://example.com/feed.xml", "every": 3600})
    assert again.status_code == 200 and again.json()["feeds"][0]["every"] == 3600
    assert len(writable.get("/api/feeds").json()["feeds"]) == 2


@pytest.mark.parametrize("body, field", [
    ({"urls": ["https://example.com/ok.xml", "ftp://x"]}, "url"),
    ({"url": "not a url"}, "url"),
    ({"urls": ["https://example.com/ok.xml"], "every": "soon"}, "every"),
    ({"urls": ["https://example.com/ok.xml"], "every": "1m"}, "every"),
    ({"urls": ["https://example.com/ok.xml"], "every": 60}, "every"),
    ({"urls": ["https://example.com/ok.xml"], "every": -5}, "every"),
    ({"urls": ["https://example.com/ok.xml"], "every": True}, "every"),
    ({"urls": "https://example.com/ok.xml"}, "urls"),
    ({"urls": [3]}, "urls"),
    ({"urls": []}, "url"),
    ({}, "url"),
    ({"urls": ["https://example.com/ok.xml"], "interval": "1h"}, "body"),
    ({"urls": ["https://example.com/ok.xml"], "category": 5}, "category"),
    (["https://example.com/ok.xml"], "body"),
])
def test_bad_feed_bodies_are_400_naming_the_field_and_add_nothing(writable, body, field):
    got = writable.post("/api/feeds", headers=AUTH, json=body)
    assert got.status_code == 400, got.text
    assert got.json()["detail"].startswith(f"bad request: {field}: ")
    assert writable.get("/api/feeds").json() == {"feeds": []}


def test_a_feed_body_that_is_not_json_is_400_and_other_types_415(writable):
    got = writable.post("/api/feeds", headers={**AUTH, "Content-Type": "application/json"},
                        content=b"{urls:")
    assert got.status_code == 400 and "bad request: body: not JSON" in got.json()["detail"]
    other = writable.post("/api/feeds", headers={**AUTH, "Content-Type": "text/csv"},
                          content=b"https://example.com/feed.xml")
    assert other.status_code == 415
    assert writable.get("/api/feeds").json() == {"feeds": []}
