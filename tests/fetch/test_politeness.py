"""Politeness per host: few requests at a time, spaced out, Retry-After honoured, and
robots.txt read once and obeyed."""

from __future__ import annotations

import itertools
import time
from dataclasses import replace
from email.utils import formatdate

from hypothesis import given
from hypothesis import strategies as st

from storyline.fetch import Fetcher, Request
from storyline.fetch._hosts import parse_retry_after

from . import fetcher, local, reply, site  # noqa: F401  (fixtures)


def starts(site, path):
    return [at for hit, _, at in site.hits if hit == path]


def test_retry_after_makes_the_host_wait(site, fetcher):
    site.routes["/busy"] = lambda h: reply(h, 429, b"slow down", {"Retry-After": "1"})
    site.routes["/next"] = lambda h: reply(h, 200, b"ok")
    busy = fetcher.get(site.url("/busy"))
    assert busy.kind == "http-error" and busy.status == 429 and busy.retry_after == 1.0
    assert "try again later" in busy.problem
    after = fetcher.get(site.url("/next"))
    assert after.kind == "ok"
    assert starts(site, "/next")[0] - starts(site, "/busy")[0] >= 1.0


def test_a_long_retry_after_defers_without_a_request(site, fetcher):
    site.routes["/busy"] = lambda h: reply(h, 503, b"", {"Retry-After": "3600"})
    site.routes["/next"] = lambda h: reply(h, 200, b"ok")
    assert fetcher.get(site.url("/busy")).retry_after == 3600.0
    started = time.monotonic()
    deferred = fetcher.get(site.url("/next"))
    assert deferred.kind == "deferred" and deferred.status is None
    assert "3600 s" in deferred.problem and time.monotonic() - started < 0.5
    assert site.paths() == ["/busy"]
    assert deferred.error() is not None


def test_starts_to_one_host_are_spaced(site, local):
    site.routes["/a"] = lambda h: reply(h, 200, b"a")
    sent = []  # when the fetcher sends each: the server's clock adds its threads' jitter
    with Fetcher(replace(local, host_delay=0.3),
                 on_request=lambda method, url: sent.append(time.monotonic())) as fetcher:
        list(fetcher.get_all(Request(site.url("/a")) for _ in range(3)))
    assert len(starts(site, "/a")) == 3
    times = sorted(sent)
    assert len(times) == 3
    assert all(later - earlier >= 0.29 for earlier, later in zip(times, times[1:]))


def test_get_all_keeps_two_in_flight_per_host(site, local):
    def slowish(h):
        time.sleep(0.05)
        reply(h, 200, h.path.encode())
    for n in range(20):
        site.routes[f"/p{n}"] = slowish
    with Fetcher(local) as fetcher:
        results = list(fetcher.get_all(Request(site.url(f"/p{n}"), key=n) for n in range(20)))
    assert sorted(request.key for request, _ in results) == list(range(20))
    assert all(response.content == f"/p{request.key}".encode() for request, response in results)
    assert site.most_in_flight == 2


def test_get_all_reads_an_endless_iterable_only_a_little_ahead(site, local):
    site.routes["/a"] = lambda h: reply(h, 200, b"a")
    handed_out = itertools.count()
    endless = (Request(site.url("/a"), key=next(handed_out)) for _ in itertools.count())
    with Fetcher(replace(local, threads=2)) as fetcher:
        results = fetcher.get_all(endless)
        first = [next(results) for _ in range(3)]
        results.close()
    assert len(first) == 3 and next(handed_out) <= 10


def test_robots_disallow_is_obeyed_and_robots_is_read_once(site, fetcher):
    site.routes["/robots.txt"] = lambda h: reply(
        h, 200, b"User-agent: storyline\nDisallow: /private\n\nUser-agent: *\nAllow: /\n")
    for path in ("/news/1", "/news/2", "/news/3", "/private/x"):
        site.routes[path] = lambda h: reply(h, 200, b"page")
    kinds = [fetcher.get(site.url(p), robots=True).kind
             for p in ("/news/1", "/private/x", "/news/2", "/news/3")]
    assert kinds == ["ok", "robots", "ok", "ok"]
    assert site.paths().count("/robots.txt") == 1 and "/private/x" not in site.paths()
    assert "storyline/" in site.hits[0][1]["user-agent"]
    blocked = fetcher.get(site.url("/private/x"), robots=True)
    assert "robots.txt" in blocked.problem and blocked.error() is not None
    assert fetcher.robots_allowed(site.url("/news/9")) is True


def test_robots_read_once_under_threads(site, fetcher):
    site.routes["/robots.txt"] = lambda h: reply(h, 200, b"User-agent: *\nDisallow: /no\n")
    site.routes["/yes"] = lambda h: reply(h, 200, b"ok")
    results = list(fetcher.get_all(Request(site.url(p), robots=True)
                                   for p in ["/yes", "/no"] * 6))
    assert sorted(r.kind for _, r in results) == ["ok"] * 6 + ["robots"] * 6
    assert site.paths().count("/robots.txt") == 1 and "/no" not in site.paths()


def test_a_missing_robots_allows_everything(site, fetcher):
    site.routes["/a"] = lambda h: reply(h, 200, b"ok")
    assert fetcher.get(site.url("/a"), robots=True).kind == "ok"
    assert site.paths() == ["/robots.txt", "/a"]


def test_a_failing_robots_disallows_everything(site, fetcher):
    site.routes["/robots.txt"] = lambda h: reply(h, 500, b"oops")
    site.routes["/a"] = lambda h: reply(h, 200, b"ok")
    assert fetcher.get(site.url("/a"), robots=True).kind == "robots"
    assert site.paths() == ["/robots.txt"]


def test_crawl_delay_spaces_that_host(site, fetcher):
    site.routes["/robots.txt"] = lambda h: reply(h, 200, b"User-agent: *\nCrawl-delay: 0.4\n")
    site.routes["/a"] = lambda h: reply(h, 200, b"ok")
    for _ in range(2):
        assert fetcher.get(site.url("/a"), robots=True).kind == "ok"
    first, second = starts(site, "/a")
    assert second - first >= 0.39


def test_every_request_is_announced(site, local):
    site.routes["/a"] = lambda h: reply(h, 302, headers={"Location": "/b"})
    site.routes["/b"] = lambda h: reply(h, 200, b"ok")
    asked = []
    with Fetcher(local, on_request=lambda method, url: asked.append((method, url))) as fetcher:
        fetcher.get(site.url("/a"), robots=True)
    assert [url for _, url in asked] == [site.url(p) for p in ("/robots.txt", "/a", "/b")]


def test_retry_after_forms():
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(" 0 ") == 0.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    assert parse_retry_after("-5") is None
    assert parse_retry_after(formatdate(1000.0, usegmt=True), now=900.0) == 100.0
    assert parse_retry_after(formatdate(1000.0, usegmt=True), now=2000.0) == 0.0
    assert parse_retry_after("9" * 5000) == parse_retry_after("99999999999999999999")


@given(st.one_of(st.none(), st.text(), st.from_regex(r"\s*\d{1,30}\s*"),
                 st.datetimes().map(lambda d: d.strftime("%a, %d %b %Y %H:%M:%S GMT"))))
def test_retry_after_never_raises_and_is_never_negative(value):
    seconds = parse_retry_after(value)
    assert seconds is None or seconds >= 0


def test_a_host_that_defers_robots_is_not_marked_disallowed(site, fetcher):
    site.routes["/busy"] = lambda h: reply(h, 429, b"", {"Retry-After": "3600"})
    site.routes["/a"] = lambda h: reply(h, 200, b"ok")
    fetcher.get(site.url("/busy"))
    response = fetcher.get(site.url("/a"), robots=True)
    assert response.kind == "deferred" and site.paths() == ["/busy"]
    assert fetcher._robots._rules == {}
