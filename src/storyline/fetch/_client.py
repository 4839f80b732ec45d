"""The fetcher: one httpx client (HTTP/1.1, keep-alive), redirects followed by hand so each
hop is checked, bodies streamed against a size cap and a deadline, and every problem a
:class:`Response` that says what happened rather than an exception."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

from ._hosts import Deferred, HostGates, origin_of
from ._robots import RobotsCache
from ._safety import (Refused, Resolver, address_problem, check_url, refusal, resolve,
                      url_problem)
from .records import FetchSettings, Request, Response

_REDIRECTS = {301, 302, 303, 307, 308}


def parse_retry_after(value: str | None) -> float | None:
    """Seconds a ``Retry-After`` asks for (delta-seconds or an HTTP date), None if none."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class _CheckedTransport:
    """An httpx transport whose connections go only to addresses that passed the check:
    the host is resolved here, every address checked, and the socket opened to a checked
    address (TLS still verifies the host name)."""

    def __new__(cls, settings: FetchSettings, resolver: Resolver):
        import httpcore
        import httpx

        class Backend(httpcore.SyncBackend):
            def connect_tcp(self, host, port, timeout=None, local_address=None,
                            socket_options=None):
                try:
                    addresses = resolver(host, port)
                except OSError as exc:
                    raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None
                if not settings.allow_private:
                    for address in addresses:
                        problem = address_problem(address)
                        if problem:
                            raise Refused(refusal(host, address, problem))
                last: Exception | None = None
                for address in addresses:
                    try:
                        return super().connect_tcp(address, port, timeout, local_address,
                                                   socket_options)
                    except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                        last = exc
                raise last or httpcore.ConnectError(f"no address for {host}")

        limits = httpx.Limits(max_connections=settings.threads,
                              max_keepalive_connections=settings.threads)
        transport = httpx.HTTPTransport(limits=limits, trust_env=False)
        ssl_context = getattr(transport._pool, "_ssl_context", None)
        transport._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context, max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry, network_backend=Backend())
        return transport


class Fetcher:
    """Safe, polite GETs, one at a time (:meth:`get`) or many on threads (:meth:`get_all`).

    ``transport`` (an httpx transport) and ``resolver`` replace the network in tests;
    ``on_request(method, url)`` is told of each request just before it is sent.
    """

    def __init__(self, settings: FetchSettings | None = None, *, transport=None,
                 resolver: Resolver = resolve, on_request=None):
        import httpx

        self.settings = settings = settings or FetchSettings()
        self.on_request = on_request
        self.resolver = resolver
        timeout = httpx.Timeout(connect=settings.connect_seconds, read=settings.read_seconds,
                                write=settings.read_seconds, pool=settings.request_seconds)
        self.client = httpx.Client(
            transport=transport or _CheckedTransport(settings, resolver), timeout=timeout,
            follow_redirects=False, trust_env=False,
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"})
        self.gates = HostGates(settings.per_host, settings.host_delay, settings.max_wait)
        self.robots = RobotsCache(self._robots_txt)
        self.requests_sent = 0
        self._count = threading.Lock()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    def _robots_txt(self, url: str) -> tuple[int | None, bytes]:
        found = self._get(url, None, None, limit=512 * 1024)
        return (found.status if found.kind in ("ok", "http-error") else None), found.content

    def robots_allowed(self, url: str) -> bool:
        rules = self.robots.rules(origin_of(url))
        delay = rules.crawl_delay()
        if delay:
            self.gates.slow_down(origin_of(url), delay)
        return rules.allowed(url)

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
            robots: bool = False) -> Response:
        """One GET, conditional when ``etag`` or ``last_modified`` is given; with ``robots``
        the origin's robots.txt is asked first. Never raises for what the network does."""
        problem = url_problem(url) or (None if self.settings.allow_private else
                                       check_url(url, resolver=self.resolver))
        if problem:
            kind = "network" if "cannot resolve" in problem else "refused"
            return Response.failed(url, kind, problem)
        if robots:
            rules = self.robots.rules(origin_of(url))
            delay = rules.crawl_delay()
            if delay:
                self.gates.slow_down(origin_of(url), delay)
            if not rules.allowed(url):
                why = rules.why or "robots.txt disallows it"
                return Response.failed(url, "robots", f"{url}: not fetched: {why}")
        return self._get(url, etag, last_modified)

    def _get(self, url: str, etag: str | None, last_modified: str | None,
             limit: int | None = None) -> Response:
        started = time.monotonic()
        deadline = started + self.settings.request_seconds
        redirects: list[tuple[int, str]] = []
        current = url
        while True:
            problem = url_problem(current)
            if problem:
                return Response.failed(url, "refused", problem, redirects=redirects)
            headers = {}
            if etag and current == url:
                headers["If-None-Match"] = etag
            if last_modified and current == url:
                headers["If-Modified-Since"] = last_modified
            try:
                with self.gates.turn(origin_of(current)):
                    status, got, content, kind, problem = self._send(current, headers, deadline,
                                                                     limit)
            except Deferred as exc:
                return Response.failed(url, "deferred", f"{current}: {exc}", redirects=redirects,
                                       retry_after=exc.seconds)
            if kind is not None:
                return Response.failed(url, kind, problem, status=status, headers=got,
                                       redirects=redirects, elapsed=time.monotonic() - started,
                                       final_url=current)
            if status in _REDIRECTS and got.get("location"):
                if len(redirects) >= self.settings.max_redirects:
                    return Response.failed(url, "redirects", f"{url}: more than "
                                           f"{self.settings.max_redirects} redirects",
                                           status=status, redirects=redirects)
                current = urljoin(current, got["location"])
                redirects.append((status, current))
                continue
            retry_after = None
            if status in (429, 503):
                retry_after = parse_retry_after(got.get("retry-after"))
                if retry_after is not None:
                    self.gates.wait_after(origin_of(current), retry_after)
            if status == 304:
                kind = "not-modified"
            elif 200 <= status < 300:
                kind = "ok"
            else:
                kind = "http-error"
            problem = None if kind in ("ok", "not-modified") else f"{current}: HTTP {status}" + (
                f", asked to retry after {retry_after:.0f} s" if retry_after is not None else "")
            return Response(url=url, final_url=current, status=status, headers=got,
                            content=content if kind == "ok" else b"", fetched_at=_now(),
                            elapsed=time.monotonic() - started, kind=kind, problem=problem,
                            redirects=redirects, retry_after=retry_after)

    def _send(self, url: str, headers: dict, deadline: float, limit: int | None):
        """(status, headers, body, failure kind or None, problem) of one request."""
        import httpx

        cap = limit or self.settings.max_bytes
        if self.on_request:
            self.on_request("GET", url)
        with self._count:
            self.requests_sent += 1
        try:
            with self.client.stream("GET", url, headers=headers) as answer:
                got = {k.lower(): v for k, v in answer.headers.items()}
                length = got.get("content-length", "")
                if length.isdigit() and int(length) > cap:
                    return answer.status_code, got, b"", "too-large", self._too_large(url, cap)
                parts, size = [], 0
                for chunk in answer.iter_bytes():
                    size += len(chunk)
                    if size > cap:
                        return answer.status_code, got, b"", "too-large", self._too_large(url, cap)
                    if time.monotonic() > deadline:
                        return answer.status_code, got, b"", "timeout", self._slow(url)
                    parts.append(chunk)
                return answer.status_code, got, b"".join(parts), None, None
        except Refused as exc:
            return None, {}, b"", "refused", f"{url}: {exc}"
        except httpx.TimeoutException:
            return None, {}, b"", "timeout", self._slow(url)
        except (httpx.HTTPError, OSError, ValueError) as exc:
            return None, {}, b"", "network", f"{url}: {exc.__class__.__name__}: {exc}"

    def _too_large(self, url: str, cap: int) -> str:
        from ..limits import megabytes

        return f"{url}: over the size cap of {megabytes(cap)}"

    def _slow(self, url: str) -> str:
        return (f"{url}: no answer within the time allowed "
                f"({self.settings.request_seconds:g} s in all, {self.settings.read_seconds:g} s "
                "between bytes)")

    def get_all(self, requests: Iterable[Request]) -> Iterator[tuple[Request, Response]]:
        """Every request on ``settings.threads`` threads, per-host limits kept, answers in
        the order they complete; at most twice as many requests are read ahead as there
        are threads, so an endless iterable is fine. The threads are gone when it ends."""
        pending = iter(requests)
        with ThreadPoolExecutor(self.settings.threads, thread_name_prefix="fetch") as pool:
            running = {}

            def submit() -> bool:
                request = next(pending, None)
                if request is None:
                    return False
                future = pool.submit(self.get, request.url, etag=request.etag,
                                     last_modified=request.last_modified, robots=request.robots)
                running[future] = request
                return True

            while len(running) < 2 * self.settings.threads and submit():
                pass
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    request = running.pop(future)
                    yield request, future.result()
                    submit()
