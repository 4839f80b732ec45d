"""What one fetch gives back: content, validators, redirects, HTTP errors, and pages too
big or too slow cut off."""

from __future__ import annotations

import pickle
import re
import time
from dataclasses import replace

import pytest

from storyline import InputError, LimitError, __version__
from storyline.fetch import Fetcher, FetchSettings

from . import fetcher, local, reply, site  # noqa: F401  (fixtures)


def test_a_page_comes_back_with_its_headers(site, fetcher):
    site.routes["/a"] = lambda h: reply(h, 200, b"<p>news</p>",
                                        {"Content-Type": "text/html", "ETag": '"v1"'})
    response = fetcher.get(site.url("/a"))
    assert response.kind == "ok" and response.status == 200 and response.problem is None
    assert response.content == b"<p>news</p>"
    assert response.headers["content-type"] == "text/html" and response.headers["etag"] == '"v1"'
    assert response.final_url == response.url == site.url("/a")
    assert response.redirects == [] and response.moved_permanently is None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", response.fetched_at)
    assert response.elapsed >= 0 and response.error() is None


def test_the_user_agent_names_storyline(site, fetcher):
    site.routes["/a"] = lambda h: reply(h, 200, b"x")
    fetcher.get(site.url("/a"))
    assert f"storyline/{__version__}" in site.hits[0][1]["user-agent"]
    assert f"storyline/{__version__}" in FetchSettings().user_agent


def test_a_conditional_get_can_be_not_modified(site, fetcher):
    def conditional(h):
        if h.headers.get("If-None-Match") == '"v1"' or h.headers.get("If-Modified-Since"):
            reply(h, 304, headers={"ETag": '"v1"'})
        else:
            reply(h, 200, b"fresh", {"ETag": '"v1"'})
    site.routes["/feed"] = conditional
    assert fetcher.get(site.url("/feed")).kind == "ok"
    by_etag = fetcher.get(site.url("/feed"), etag='"v1"')
    by_date = fetcher.get(site.url("/feed"), last_modified="Mon, 01 Jan 2024 00:00:00 GMT")
    assert by_etag.kind == by_date.kind == "not-modified"
    assert by_etag.status == 304 and by_etag.content == b"" and by_etag.error() is None
    assert site.hits[2][1]["if-modified-since"] == "Mon, 01 Jan 2024 00:00:00 GMT"


def test_permanent_redirects_tell_where_the_page_moved(site, fetcher):
    site.routes["/old"] = lambda h: reply(h, 301, headers={"Location": "/older"})
    site.routes["/older"] = lambda h: reply(h, 308, headers={"Location": site.url("/new")})
    site.routes["/new"] = lambda h: reply(h, 200, b"here")
    response = fetcher.get(site.url("/old"))
    assert response.kind == "ok" and response.content == b"here"
    assert response.redirects == [(301, site.url("/older")), (308, site.url("/new"))]
    assert response.final_url == response.moved_permanently == site.url("/new")


def test_a_temporary_redirect_moves_nothing(site, fetcher):
    site.routes["/old"] = lambda h: reply(h, 301, headers={"Location": "/tmp"})
    site.routes["/tmp"] = lambda h: reply(h, 302, headers={"Location": "/new"})
    site.routes["/new"] = lambda h: reply(h, 200, b"here")
    response = fetcher.get(site.url("/old"))
    assert response.final_url == site.url("/new") and response.moved_permanently is None


def test_too_many_redirects(site, local):
    site.routes["/loop"] = lambda h: reply(h, 302, headers={"Location": "/loop"})
    with Fetcher(replace(local, max_redirects=3)) as fetcher:
        response = fetcher.get(site.url("/loop"))
    assert response.kind == "redirects" and len(response.redirects) == 3
    assert len(site.hits) == 4 and "more than 3" in response.problem


@pytest.mark.parametrize("status", [410, 404, 500, 403])
def test_http_errors_are_named(site, fetcher, status):
    site.routes["/gone"] = lambda h: reply(h, status, b"sorry")
    response = fetcher.get(site.url("/gone"))
    assert response.kind == "http-error" and response.status == status
    assert response.problem.startswith(site.url("/gone")) and str(status) in response.problem
    error = response.error()
    assert type(error) is InputError and error.origin.path == site.url("/gone")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is InputError and str(again) == str(error)


def test_a_declared_oversized_body_is_refused_unread(site, local):
    site.routes["/big"] = lambda h: reply(h, 200, b"x" * 5000)
    with Fetcher(replace(local, max_bytes=1000)) as fetcher:
        response = fetcher.get(site.url("/big"))
    assert response.kind == "too-large" and response.content == b"" and response.status == 200
    assert "--max-page-mb" in response.problem
    error = response.error()
    assert isinstance(error, LimitError) and error.setting == "--max-page-mb"
    assert str(error).count("--max-page-mb") == 1
    assert str(pickle.loads(pickle.dumps(error))) == str(error)


def test_an_undeclared_oversized_body_is_cut_off(site, local):
    def chunked(h):
        h.send_response(200)
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        for _ in range(50):
            h.wfile.write(b"200\r\n" + b"y" * 0x200 + b"\r\n")
        h.wfile.write(b"0\r\n\r\n")
    site.routes["/big"] = chunked
    with Fetcher(replace(local, max_bytes=4000)) as fetcher:
        assert fetcher.get(site.url("/big")).kind == "too-large"
        small = replace(local, max_bytes=50 * 0x200)
    with Fetcher(small) as fetcher:
        assert len(fetcher.get(site.url("/big")).content) == 50 * 0x200


def test_a_slow_page_times_out(site, local):
    def slow(h):
        time.sleep(1.5)
        reply(h, 200, b"late")
    site.routes["/slow"] = slow
    with Fetcher(replace(local, read_seconds=0.5)) as fetcher:
        started = time.monotonic()
        response = fetcher.get(site.url("/slow"))
    assert response.kind == "timeout" and time.monotonic() - started < 1.4
    assert "--fetch-seconds" in response.problem
    error = response.error()
    assert isinstance(error, LimitError) and error.setting == "--fetch-seconds"
    assert pickle.loads(pickle.dumps(error)).setting == "--fetch-seconds"


def test_a_trickling_page_is_cut_off_at_the_request_deadline(site, local):
    def trickle(h):
        h.send_response(200)
        h.send_header("Content-Length", "100")
        h.end_headers()
        for _ in range(100):
            h.wfile.write(b"z")
            h.wfile.flush()
            time.sleep(0.05)
    site.routes["/drip"] = trickle
    settings = replace(local, read_seconds=1.0, request_seconds=0.6)
    with Fetcher(settings) as fetcher:
        started = time.monotonic()
        response = fetcher.get(site.url("/drip"))
    assert response.kind == "timeout" and time.monotonic() - started < 2.0
    assert "0.6 s in all" in response.problem


@pytest.mark.parametrize("field, value", [
    ("connect_seconds", 0), ("read_seconds", -1), ("request_seconds", 0.0),
    ("max_bytes", 0), ("per_host", 0), ("threads", 0), ("host_delay", -0.1),
    ("max_redirects", -1), ("max_wait", -5), ("per_host", 1.5), ("threads", "8"),
])
def test_settings_refuse_bad_values_by_name(field, value):
    with pytest.raises(ValueError, match=field):
        FetchSettings(**{field: value})


def test_default_settings_are_valid():
    settings = FetchSettings()
    assert settings.per_host == 2 and settings.max_bytes == 10 * 1024 * 1024
