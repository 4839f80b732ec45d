"""The fetcher: one HTTP client for the whole run, shared by threads, polite to each host.

Redirects are followed by hand so that every hop's URL is checked before it is asked for;
each request's body is read as a stream so that a page too big or too slow is cut off
without being held in memory or waited for."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime, timezone

import httpx

from ..limits import MB
from ._hosts import Hosts, origin_of, parse_retry_after
from ._response import FetchSettings, Request, Response
from ._robots import RobotsCache, RobotsDeferred
from ._safety import AddressRefused, CheckedTransport, Resolver, check, resolve

REDIRECTS = (301, 302, 303, 307, 308)
ASKS_TO_WAIT = (429, 503)


class _Stop(Exception):
    """A fetch ended early, as a kind and a problem (not an error of the caller's)."""

    def __init__(self, kind: str, problem: str, status: int | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(problem)
        self.kind = kind
        self.problem = problem
        self.status = status
        self.headers = headers or {}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _http_problem(url: str, status: int, retry_after: float | None) -> str:
    reason = httpx.codes.get_reason_phrase(status)
    said = f"{url} answered HTTP {status}{' ' + reason if reason else ''}"
    if status in ASKS_TO_WAIT:
        later = f" (after {retry_after:.0f} s)" if retry_after is not None else ""
        return f"{said}: the host asks to slow down: try again later{later}"
    if status in (404, 410):
        return f"{said}: the page is gone: drop it or check the address"
    if status in (401, 403):
        return f"{said}: the site refuses to serve it to storyline"
    if status >= 500:
        return f"{said}: the server failed: try again later"
    return f"{said}: check the address"


class Fetcher:
    """Fetches web pages safely (public addresses only, checked at connection time, every
    redirect checked) and politely (a User-Agent, per-host limits, Retry-After and
    robots.txt honoured). Never raises for a network or HTTP problem: the
    :class:`Response` says what went wrong. Thread-safe."""

    def __init__(self, settings: FetchSettings | None = None, *,
                 transport: httpx.BaseTransport | None = None,
                 on_request: Callable[[str, str], None] | None = None,
                 resolver: Resolver = resolve):
        self.settings = settings = settings or FetchSettings()
        self._on_request = on_request
        self._resolver = resolver
        limits = httpx.Limits(max_connections=settings.threads * 2,
                              max_keepalive_connections=settings.threads)
        self._client = httpx.Client(
            transport=transport or CheckedTransport(limits, settings.allow_private, resolver),
            headers={"User-Agent": settings.user_agent},
            timeout=httpx.Timeout(connect=settings.connect_seconds, read=settings.read_seconds,
                                  write=settings.read_seconds, pool=settings.request_seconds),
            follow_redirects=False, trust_env=False, http1=True, http2=False)
        self._hosts = Hosts(settings.per_host, settings.host_delay)
        self._robots = RobotsCache(self._fetch_plain, self._hosts)

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def robots_allowed(self, url: str) -> bool:
        """Whether the origin's robots.txt lets storyline fetch ``url`` (read once per
        origin; unreadable means no, and so does a host that asks us to wait too long)."""
        try:
            return self._robots.allowed(url)
        except RobotsDeferred:
            return False

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
            robots: bool = False) -> Response:
        """``url`` fetched by GET, following redirects; conditional when ``etag`` or
        ``last_modified`` is given (a 304 is "not-modified"); with ``robots``, only when
        the origin's robots.txt allows it."""
        started = time.monotonic()
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if robots:
            found = check(url, self.settings.allow_private, self._resolver)
            if found:
                return self._stopped(url, url, [], started, _Stop(*found))
            try:
                allowed = self._robots.allowed(url)
            except RobotsDeferred as deferred:
                return self._stopped(url, url, [], started, _Stop("deferred", deferred.problem))
            if not allowed:
                problem = (f"{url} is disallowed for storyline by {origin_of(url)}'s "
                           "robots.txt: the page was not requested")
                return self._stopped(url, url, [], started, _Stop("robots", problem))
        return self._fetch(url, headers, started)

    def get_all(self, requests: Iterable[Request]) -> Iterator[tuple[Request, Response]]:
        """Each request fetched on ``settings.threads`` threads, yielded as it completes.
        ``requests`` is read only a little ahead of the fetching, so it may be endless;
        the per-host limits hold across threads."""
        window = self.settings.threads * 2
        pending: dict[Future[Response], Request] = {}
        source = iter(requests)
        pool = ThreadPoolExecutor(max_workers=self.settings.threads,
                                  thread_name_prefix="storyline-fetch")

        def top_up() -> None:
            while len(pending) < window:
                request = next(source, None)
                if request is None:
                    return
                future = pool.submit(self.get, request.url, etag=request.etag,
                                     last_modified=request.last_modified,
                                     robots=request.robots)
                pending[future] = request

        try:
            top_up()
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    request = pending.pop(future)
                    top_up()
                    yield request, future.result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _fetch_plain(self, url: str) -> Response:
        return self._fetch(url, {}, time.monotonic())

    def _fetch(self, url: str, headers: dict[str, str], started: float) -> Response:
        current = url
        redirects: list[tuple[int, str]] = []
        while True:
            try:
                status, response_headers, content = self._hop(current, headers)
            except _Stop as stop:
                return self._stopped(url, current, redirects, started, stop)
            location = response_headers.get("location")
            if status in REDIRECTS and location:
                try:
                    target = str(httpx.URL(current).join(location.strip()))
                except (httpx.InvalidURL, ValueError, TypeError):
                    problem = f"{current} redirects to {location!r}, which is not a URL"
                    return self._stopped(url, current, redirects, started,
                                         _Stop("refused", problem, status, response_headers))
                if len(redirects) >= self.settings.max_redirects:
                    problem = (f"{url} redirects more than {self.settings.max_redirects} "
                               "times: check the address")
                    return self._stopped(url, current, redirects, started,
                                         _Stop("redirects", problem, status, response_headers))
                redirects.append((status, target))
                current = target
                continue
            return self._finished(url, current, redirects, started, status,
                                  response_headers, content)

    def _hop(self, url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        """One request, checked and let through the host's gate; raises :class:`_Stop`."""
        found = check(url, self.settings.allow_private, self._resolver)
        if found:
            raise _Stop(*found)
        gate = self._hosts.gate(origin_of(url))
        asked = gate.enter(self.settings.max_wait)
        if asked is not None:
            raise _Stop("deferred", (
                f"{url}: the host asked storyline to wait {asked:.0f} s, longer than the "
                f"{self.settings.max_wait:g} s it waits in one run: try again later"))
        try:
            if self._on_request is not None:
                self._on_request("GET", url)
            status, response_headers, content = self._request(url, headers)
        finally:
            gate.leave()
        if status in ASKS_TO_WAIT:
            retry_after = parse_retry_after(response_headers.get("retry-after"))
            if retry_after:
                gate.block_for(retry_after)
        return status, response_headers, content

    def _request(self, url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        settings = self.settings
        deadline = time.monotonic() + settings.request_seconds
        too_slow = (f"{url} took longer than {settings.request_seconds:g} s in all "
                    "(raise it with --fetch-seconds)")
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                status = response.status_code
                response_headers = {name.lower(): value
                                    for name, value in response.headers.items()}
                if status in REDIRECTS and "location" in response_headers:
                    return status, response_headers, b""
                declared = response_headers.get("content-length", "").strip()
                if declared.isdigit() and int(declared) > settings.max_bytes:
                    raise _Stop("too-large", self._too_large(url), status, response_headers)
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > settings.max_bytes:
                        raise _Stop("too-large", self._too_large(url), status,
                                    response_headers)
                    if time.monotonic() > deadline:
                        raise _Stop("timeout", too_slow, status, response_headers)
                    chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise _Stop("timeout", too_slow, status, response_headers)
                return status, response_headers, b"".join(chunks)
        except AddressRefused as refused:
            raise _Stop("refused", f"{url} {refused}") from None
        except httpx.ConnectTimeout:
            raise _Stop("timeout", (f"{url}: no connection within {settings.connect_seconds:g}"
                                    " s (raise it with --fetch-seconds)")) from None
        except httpx.TimeoutException:
            raise _Stop("timeout", (f"{url} sent nothing for {settings.read_seconds:g} s "
                                    "(raise it with --fetch-seconds)")) from None
        except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, OSError,
                UnicodeError) as error:
            name = type(error).__name__
            detail = str(error).splitlines()[0] if str(error) else name
            raise _Stop("network", f"{url} could not be fetched ({name}: {detail}): "
                                   "check the address or try again later") from None

    def _too_large(self, url: str) -> str:
        return (f"{url} is over the size cap of {self.settings.max_bytes / MB:g} MB "
                "(raise it with --max-page-mb)")

    def _finished(self, url: str, final_url: str, redirects: list[tuple[int, str]],
                  started: float, status: int, headers: dict[str, str],
                  content: bytes) -> Response:
        retry_after = None
        if status in ASKS_TO_WAIT:
            retry_after = parse_retry_after(headers.get("retry-after"))
        if 200 <= status < 300:
            kind, problem = "ok", None
        elif status == 304:
            kind, problem = "not-modified", None
        else:
            kind, problem = "http-error", _http_problem(final_url, status, retry_after)
        return Response(url=url, final_url=final_url, status=status, headers=headers,
                        content=content, fetched_at=_now(),
                        elapsed=time.monotonic() - started, kind=kind, problem=problem,
                        redirects=redirects, retry_after=retry_after)

    def _stopped(self, url: str, final_url: str, redirects: list[tuple[int, str]],
                 started: float, stop: _Stop) -> Response:
        return Response(url=url, final_url=final_url, status=stop.status,
                        headers=stop.headers, content=b"", fetched_at=_now(),
                        elapsed=time.monotonic() - started, kind=stop.kind,
                        problem=stop.problem, redirects=redirects)
