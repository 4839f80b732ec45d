"""The recorded news site (bench/newssite.py) that feed polling is tested against: it must
serve what its manifest promises, since tests of ``storyline watch`` assert on that manifest."""

import time

import feedparser
import httpx
import listparser
import pytest

from bench.newssite import NewsSite, build_bench_site, build_site

UA = "storyline-test/1.0"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    directory = tmp_path_factory.mktemp("site")
    build_site(directory)
    with NewsSite(directory, slow_seconds=0.5) as running:
        yield running


@pytest.fixture(scope="module")
def client(site):
    with httpx.Client(headers={"User-Agent": UA}, timeout=10) as c:
        yield c


def test_the_manifest_describes_two_outlets_reporting_the_same_incidents(site):
    m = site.manifest
    assert len(m.data["incidents"]) == 6
    for incident in m.data["incidents"]:
        outlets = {m.pages[p]["outlet"] for p in m.pages_of_incident(incident)}
        assert outlets == {"Lakeside Herald", "Valley Courier"}
    assert len(m.disallowed) == 2 and all(p.startswith("/herald/private/") for p in m.disallowed)
    assert "Subscribe to our newsletter" in m.boilerplate


def test_pages_carry_the_article_and_the_boilerplate(site, client):
    m = site.manifest
    path = next(p for p, page in m.pages.items() if page["outlet"] == "Lakeside Herald"
                and not page["disallowed"] and not page.get("slow"))
    page = client.get(site.url(path))
    assert page.status_code == 200 and page.headers.get_list("content-type") == ["text/html; charset=utf-8"]
    text = page.text
    assert f'<link rel="canonical" href="{site.base}{path}">' in text
    assert 'property="og:title"' in text and 'name="article:published_time"' in text
    for phrase in ["Subscribe to our newsletter", "Related stories", "cookies", "Copyright"]:
        assert phrase in text
    assert "{base}" not in text
    assert page.headers["etag"] and page.headers["last-modified"]
    assert len(m.paragraphs(path)) >= 1
    assert client.get(site.url("/nowhere.html")).status_code == 404


def test_feeds_parse_with_their_kinds(site, client):
    m = site.manifest
    answer = client.get(site.url("/herald/rss.xml"))
    assert answer.headers.get_list("content-type") == ["application/rss+xml"]
    herald = feedparser.parse(answer.content)
    assert herald.version == "rss20" and len(herald.entries) == len(m.feeds["/herald/rss.xml"]["entries"]) == 9
    assert all("content" not in e for e in herald.entries)
    links = [e.link for e in herald.entries]
    assert sum("/herald/private/" in link for link in links) == 2
    assert site.url(m.slow) in links
    courier = feedparser.parse(client.get(site.url("/courier/atom.xml")).content)
    assert courier.version == "atom10" and len(courier.entries) == 7
    full = [e for e in courier.entries if "content" in e]
    assert len(full) == 6 and site.url(m.huge) in [e.link for e in courier.entries]
    first = m.paragraphs(full[0].link.removeprefix(site.base))[0]
    assert first[:40] in full[0].content[0].value.replace("&#x27;", "'").replace("&quot;", '"')
    wire = feedparser.parse(client.get(site.url("/wire/rdf.xml")).content)
    assert wire.version == "rss10" and len(wire.entries) == 6
    for entry in wire.entries:
        assert client.get(entry.link).status_code == 200


def test_conditional_get_answers_304(site, client):
    first = client.get(site.url("/courier/atom.xml"))
    again = client.get(site.url("/courier/atom.xml"), headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    since = client.get(site.url("/courier/atom.xml"),
                       headers={"If-Modified-Since": first.headers["last-modified"]})
    assert since.status_code == 304
    stale = client.get(site.url("/courier/atom.xml"), headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200


def test_moved_gone_and_flaky_feeds(site, client):
    moved = client.get(site.url("/moved/feed.xml"))
    assert moved.status_code == 301 and moved.headers["location"] == site.url("/courier-sports/atom.xml")
    sports = feedparser.parse(client.get(moved.headers["location"]).content)
    assert len(sports.entries) == 2 and all("content" in e for e in sports.entries)
    assert client.get(site.url("/gone/feed.xml")).status_code == 410
    assert client.get(site.url("/flaky/feed.xml")).status_code == 500
    recovered = client.get(site.url("/flaky/feed.xml"))
    assert recovered.status_code == 200 and len(feedparser.parse(recovered.content).entries) == 2


def test_robots_slow_and_huge(site, client):
    assert client.get(site.url("/robots.txt")).text == "User-agent: *\nDisallow: /herald/private/\n"
    started = time.monotonic()
    assert client.get(site.url(site.manifest.slow)).status_code == 200
    assert time.monotonic() - started >= 0.5
    huge = client.head(site.url(site.manifest.huge))
    assert int(huge.headers["content-length"]) >= 12 * 1024 * 1024
    assert len(client.get(site.url(site.manifest.huge)).content) == int(huge.headers["content-length"])


def test_opml_lists_the_feeds_by_category(site):
    parsed = listparser.parse(site.opml_path().read_text())
    categories = {f.url: f.categories for f in parsed.feeds}
    assert categories[site.url("/herald/rss.xml")] == [["Local"]]
    assert categories[site.url("/courier/atom.xml")] == [["Local"]]
    assert categories[site.url("/wire/rdf.xml")] == [["Wire"]]
    assert {tuple(map(tuple, c)) for c in categories.values()} == {(("Local",),), (("Wire",),), (("Other",),)}
    assert len(parsed.feeds) == 6


def test_the_log_records_headers_and_in_flight_counts(site, client):
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: httpx.get(site.url(site.manifest.slow), headers={"User-Agent": UA}),
                      range(3)))
    log = site.requests()
    assert all(r["headers"].get("User-Agent") == UA for r in log)
    assert {"method", "path", "query", "status", "start", "end", "bytes", "in_flight"} <= set(log[0])
    assert site.max_in_flight() >= 3


def test_the_bench_site_has_200_feeds_and_5000_distinct_pages(tmp_path):
    started = time.monotonic()
    m = build_bench_site(tmp_path)
    assert time.monotonic() - started < 20
    assert len(m.feeds) == 200 and len(m.pages) == 5000
    assert len({p[:5] for p in m.feeds}) == 20
    assert {f["format"] for f in m.feeds.values()} == {"rss", "atom"}
    texts = {"\n\n".join(m.paragraphs(p)) for p in m.pages}
    assert len(texts) == 5000

    def shingles(text):
        words = text.lower().split()
        return {tuple(words[i:i + 3]) for i in range(len(words) - 2)}

    paths = list(m.pages)
    n = len(m.articles())
    for a, b in [(0, 1), (0, n), (5, 5 + n), (7, 8 + n)]:
        x, y = shingles(" ".join(m.paragraphs(paths[a]))), shingles(" ".join(m.paragraphs(paths[b])))
        assert len(x & y) / len(x | y) < 0.6
    with NewsSite(tmp_path) as site, httpx.Client() as client:
        feed = feedparser.parse(client.get(site.url(next(iter(m.feeds)))).content)
        assert len(feed.entries) == 25
        page = client.get(feed.entries[0].link)
        assert page.status_code == 200 and m.pages[paths[0]]["lead"] in page.text
