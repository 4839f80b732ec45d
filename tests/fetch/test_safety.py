"""Only public http(s) addresses are fetched: checked before each request, after each
redirect and again where the connection is made (DNS rebinding)."""

from __future__ import annotations

import socket

import httpx
import pytest

from storyline.fetch import Fetcher, FetchSettings, check_url
from storyline.fetch._safety import address_kind

from . import fetcher, local, reply, site  # noqa: F401  (fixtures)

PUBLIC = "93.184.216.34"


def fake_dns(table: dict[str, list[str]]):
    def resolver(host: str, port: int) -> list[str]:
        if host in table:
            return table[host]
        if address_kind(host) != "not an IP address":
            return [host]
        raise socket.gaierror(-2, "Name or service not known")
    return resolver


@pytest.mark.parametrize("url", ["ftp://example.com/file", "file:///etc/passwd",
                                 "gopher://example.com/", "example.com/page"])
def test_other_schemes_are_refused(url):
    problem = check_url(url)
    assert problem is not None and "http and https" in problem and url in problem


@pytest.mark.parametrize("url, kind", [
    ("http://127.0.0.1:8000/x", "loopback"), ("http://[::1]/", "loopback"),
    ("http://10.1.2.3/", "private"), ("http://192.168.0.1/", "private"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://0.0.0.0/", "unspecified"), ("http://224.0.0.1/", "multicast"),
    ("http://[::ffff:127.0.0.1]/", "loopback"), ("http://100.64.0.1/", "non-public"),
])
def test_non_public_addresses_are_refused(url, kind):
    problem = check_url(url)
    assert problem is not None and f" {kind} address" in problem
    assert "--allow-private" in problem and problem.startswith(url)


def test_every_address_of_a_name_is_checked():
    resolver = fake_dns({"mixed.example": [PUBLIC, "10.0.0.7"], "fine.example": [PUBLIC]})
    assert "10.0.0.7" in check_url("http://mixed.example/", resolver=resolver)
    assert check_url("https://fine.example/a?b", resolver=resolver) is None
    assert check_url("http://127.0.0.1/", allow_private=True) is None


def test_urls_without_a_host_are_refused():
    assert check_url("http:///path") is not None
    assert check_url("http://exa mple.com/") is not None


def test_a_private_address_is_never_requested(site):
    site.routes["/x"] = lambda h: reply(h, 200, b"secret")
    asked = []
    with Fetcher(FetchSettings(host_delay=0), on_request=lambda m, u: asked.append(u)) as fetcher:
        response = fetcher.get(site.url("/x"))
        robots = fetcher.get(site.url("/x"), robots=True)
    assert response.kind == robots.kind == "refused"
    assert response.status is None and response.content == b""
    assert "a loopback address" in response.problem
    assert site.hits == [] and asked == []
    assert "--allow-private" in str(response.error())


def test_a_redirect_to_a_private_address_is_refused():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.host == "news.example":
            return httpx.Response(302, headers={"Location": "http://intranet.example/admin"})
        return httpx.Response(200, content=b"internal")

    resolver = fake_dns({"news.example": [PUBLIC], "intranet.example": ["10.0.0.5"]})
    with Fetcher(FetchSettings(host_delay=0), transport=httpx.MockTransport(handler),
                 resolver=resolver) as fetcher:
        response = fetcher.get("http://news.example/story")
    assert response.kind == "refused"
    assert response.redirects == [(302, "http://intranet.example/admin")]
    assert "10.0.0.5" in response.problem and "intranet.example" in response.problem
    assert seen == ["http://news.example/story"]


def test_a_name_that_rebinds_to_loopback_is_not_connected_to(site):
    site.routes["/x"] = lambda h: reply(h, 200, b"secret")
    answers = iter([[PUBLIC], ["127.0.0.1"], ["127.0.0.1"]])

    def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    with Fetcher(FetchSettings(host_delay=0), resolver=rebinding) as fetcher:
        response = fetcher.get(f"http://rebind.example:{site.port}/x")
    assert response.kind == "refused" and "127.0.0.1" in response.problem
    assert site.hits == []


def test_the_checked_address_is_the_one_connected_to(site):
    site.routes["/x"] = lambda h: reply(h, 200, b"hello")
    resolver = fake_dns({"local.example": ["127.0.0.1"]})
    settings = FetchSettings(host_delay=0, allow_private=True)
    with Fetcher(settings, resolver=resolver) as fetcher:
        response = fetcher.get(f"http://local.example:{site.port}/x")
    assert response.kind == "ok" and response.content == b"hello"
    assert site.hits[0][1]["host"] == f"local.example:{site.port}"


def test_a_name_that_does_not_resolve_is_a_network_problem():
    with Fetcher(FetchSettings(host_delay=0), resolver=fake_dns({})) as fetcher:
        response = fetcher.get("http://nowhere.example/")
    assert response.kind == "network" and "does not resolve" in response.problem


def test_a_refused_connection_is_a_network_problem(fetcher):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    response = fetcher.get(f"http://127.0.0.1:{port}/")
    assert response.kind == "network" and response.status is None
    assert response.problem.startswith(f"http://127.0.0.1:{port}/")
