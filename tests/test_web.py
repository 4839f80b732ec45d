"""The web pages of `storyline serve`, read as HTML through the TestClient (the browser
tests in test_browser.py click through them in Chromium)."""

import html
import re

import pytest
from fastapi.testclient import TestClient

from storyline import Library
from storyline.server import create_app
from storyline.web import CSP, highlighted

from .conftest import EXAMPLES, write_jsonl

HOSTILE_TITLE = 'Council <script>alert("t")</script> vote'
HOSTILE_TEXT = ('The council met on Monday. <img src=x onerror="alert(1)"> Residents said '
                '<script>document.title="pwned"</script> the plan was rushed, according to the '
                'minutes.')


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("web")
    path = tmp / "web.db"
    hostile = {"id": "hostile", "title": HOSTILE_TITLE, "text": HOSTILE_TEXT,
               "outlet": "<b>Bold</b> Gazette", "published": "2024-02-05",
               "url": "javascript:alert(2)"}
    with Library(path) as lib:
        lib.ingest([EXAMPLES / "seed-pair.jsonl", write_jsonl(tmp / "h.jsonl", [hostile])], jobs=1)
        seed = next(s.story_id for s in lib.stories() if "Khan" in s.title)
        hostile_story = lib.store.story_of("hostile")
    with TestClient(create_app(path)) as client:
        yield client, seed, hostile_story, path


def test_home_lists_stories_with_counts_outlets_dates_and_a_search_box(site):
    client, seed, _, _ = site
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-security-policy"] == CSP
    text = page.text
    assert f'href="/stories/{seed}"' in text and "2 sources" in text
    assert "The Herald" in text and 'datetime="2021-03-14"' in text
    assert '<form class="search" action="/search"' in text
    assert text.index("Council") < text.index("Sadiq Khan")  # 2024 before 2021


def test_story_page_shows_the_brief_with_marks_quotes_facts_and_source_texts(site):
    client, seed, _, path = site
    page = client.get(f"/stories/{seed}").text
    with Library(path) as lib:
        import json

        brief = json.loads(lib.brief_json(seed))
    for item in brief["summary"]:
        assert html.escape(item["text"]) in page
    assert re.search(r'<h3>Sadiq Khan</h3>\s*<ul class="quotes">', page)
    assert 'class="fact corroborated"' in page
    assert page.count('<details class="source-text"') == 2
    cited = brief["summary"][0]["citation"]
    key = f'{cited["start"]}-{cited["end"]}'
    assert re.search(rf'data-c="(?:[^"]* )?{key}(?: [^"]*)?"', page)  # one key of the mark
    assert '<script src="/static/storyline.js" defer></script>' in page
    assert client.get("/static/storyline.js").status_code == 200
    assert client.get("/assets/brief.css").headers["content-type"].startswith("text/css")


def test_article_page_marks_entities_quotes_and_dates(site):
    client, *_ = site
    page = client.get("/articles/seed-a").text
    assert re.search(r'<span class="ent person" data-c="[^"]+" title="Sadiq Khan \(PERSON\)">', page)
    assert re.search(r'<span class="[^"]*\bquote\b[^"]*" data-c="[^"]*\bq0\b', page)
    assert '<span class="date" data-c="" title="on Saturday = 2021-03-13">on Saturday</span>' in page


@pytest.mark.parametrize("path", ["/", "/articles/hostile", "/search?q=council",
                                  "/stories/{story}"])
def test_article_text_is_escaped_everywhere(site, path):
    client, _, story, _ = site
    page = client.get(path.format(story=story)).text
    assert "<script>alert" not in page and "<script>document" not in page
    assert "<img src=x" not in page and "<b>Bold</b>" not in page
    assert 'href="javascript:' not in page
    assert "&lt;script&gt;" in page
    # the only scripts are our own file
    assert set(re.findall(r"<script[^>]*>", page)) <= {'<script src="/static/storyline.js" defer>'}


def test_search_page_marks_matches_and_lists_matching_stories(site):
    client, seed, _, _ = site
    page = client.get("/search", params={"q": "vigil"}).text
    assert "<mark>vigil</mark>" in page.lower()
    assert f'href="/stories/{seed}"' in page and 'href="/articles/seed-b"' in page


def test_bad_search_and_unknown_ids_are_pages_with_the_reason(site):
    client, *_ = site
    bad = client.get("/search", params={"q": '"open'})
    assert bad.status_code == 400 and "bad search query" in bad.text and "<h1>" in bad.text
    missing = client.get("/stories/nope")
    assert missing.status_code == 404 and "no story with id &#39;nope&#39;" in missing.text
    assert client.get("/articles/nope").status_code == 404


def test_highlighted_escapes_everything_but_its_marks():
    assert str(highlighted("a <b> c", [[2, 5]])) == "a <mark>&lt;b&gt;</mark> c"
    assert str(highlighted("x", [[0, 5]])) == "x"


# -- feeds -------------------------------------------------------------------------------


def test_feeds_page_without_feeds_says_how_to_add_them(site):
    client, *_ = site
    page = client.get("/feeds")
    assert page.status_code == 200 and page.headers["content-security-policy"] == CSP
    assert "No feeds yet" in page.text and "storyline feeds add URL" in page.text
    assert "storyline feeds import FILE.opml" in page.text
    assert '<a class="feeds" href="/feeds">Feeds</a>' in client.get("/").text


def test_feeds_page_shows_each_feeds_state_checks_errors_and_articles(tmp_path):
    path = tmp_path / "feeds.db"
    with Library(path) as lib:
        ok, failing = lib.add_feeds(["https://example.com/ok.xml",
                                     "https://example.org/failing.xml"], category="Local")
        gone, = lib.add_feeds(["https://example.net/gone.xml"])
        with lib.store.transaction():
            lib.store.update_feed(ok.id, title="The Herald", site_url="https://example.com/",
                                  last_check="2024-02-05T14:30:00+00:00", last_status=200,
                                  next_check="2024-02-05T15:00:00+00:00", articles=12)
            lib.store.update_feed(failing.id, title=HOSTILE_TITLE,
                                  site_url="javascript:alert(3)", state="backing off",
                                  last_status=503, consecutive_errors=3,
                                  last_error="HTTP 503 <Service Unavailable>",
                                  last_check="2024-02-05T14:31:00+00:00")
            lib.store.update_feed(gone.id, state="gone", last_status=410,
                                  last_error="HTTP 410: the feed is gone")
    with TestClient(create_app(path)) as client:
        page = client.get("/feeds")
    assert page.status_code == 200
    text = page.text
    for url in ("https://example.com/ok.xml", "https://example.org/failing.xml",
                "https://example.net/gone.xml"):
        assert url in text
    assert '<a class="title" href="https://example.com/" rel="noopener noreferrer">The Herald</a>' in text
    for state in ("active", "backing-off", "gone"):
        assert f'<span class="badge {state}">' in text
    assert ">backing off</span>" in text
    assert "HTTP 503 &lt;Service Unavailable&gt;" in text and "3 in a row" in text
    assert "HTTP 410: the feed is gone" in text and "not polled (gone" in text
    assert 'datetime="2024-02-05T14:30:00+00:00">2024-02-05 14:30</time>' in text
    assert "HTTP 200" in text and '<td class="num">12</td>' in text
    assert "<h2>Local</h2>" in text and "<h2>No category</h2>" in text
    # titles and errors are escaped, a site that is no http(s) URL is not linked
    assert "<script>alert" not in text and "&lt;script&gt;alert" in text
    assert 'href="javascript:' not in text
    assert set(re.findall(r"<script[^>]*>", text)) <= {'<script src="/static/storyline.js" defer>'}


def test_every_text_writes_intervals_as_the_command_line_does():
    from storyline.web import every_text

    assert [every_text(s) for s in (None, 1800, 7200, 5400, 86400, 90)] == [
        "", "30m", "2h", "1h30m", "1d", "1m30s"]


def test_story_page_draws_coverage_and_timeline_linked_to_the_page(site):
    client, seed, hostile_story, _ = site
    page = client.get(f"/stories/{seed}").text
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="picture') == 2
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    hrefs = set(re.findall(r'<a class="mark[^"]*" href="#([^"]+)"', page))
    assert {"src-1", "src-2", "tl-1"} <= hrefs <= ids
    # presentation attributes only: the CSP (style-src 'self') allows no inline style
    assert "style=" not in page and "<style" not in page
    hostile = client.get(f"/stories/{hostile_story}").text
    assert "&lt;b&gt;Bold&lt;/b&gt; Gazette" in hostile.split('class="picture pic-coverage"')[1]
