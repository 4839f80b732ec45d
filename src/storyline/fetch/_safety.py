"""Which addresses storyline may connect to, checked where the connection is made.

A URL is checked before each request and after each redirect (``check``), but a name can
resolve to a public address at that check and to ``127.0.0.1`` a moment later (DNS
rebinding). So the network backend resolves the name itself, checks every address it gets
and connects to one of those very addresses: what was checked is what is connected to.
"""

from __future__ import annotations

import ipaddress
import socket
import typing
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpcore
import httpx

Resolver = Callable[[str, int], list[str]]

ALLOW_PRIVATE_HINT = "storyline fetches only public addresses (use --allow-private)"


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` has (IPv4 and IPv6), in the resolver's order; ``OSError`` when
    the name does not resolve."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


class AddressRefused(Exception):
    """A connection refused before it was made: the host resolves to a non-public address.

    Not an ``httpcore`` error on purpose, so that the pool does not retry it and the
    fetcher can tell it from a network failure ("refused", not "network")."""


def address_kind(address: str) -> str | None:
    """What sort of non-public address ``address`` is ("a loopback address"), None when it
    is a public one. IPv4 addresses mapped into IPv6 are judged as the IPv4 address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for test, kind in (("is_unspecified", "an unspecified address"),
                       ("is_loopback", "a loopback address"),
                       ("is_link_local", "a link-local address"),
                       ("is_multicast", "a multicast address"),
                       ("is_private", "a private address"),
                       ("is_reserved", "a reserved address")):
        if getattr(ip, test):
            return kind
    if not ip.is_global:
        return "a non-public address"
    return None


def addresses_problem(addresses: list[str]) -> str | None:
    """Why one of ``addresses`` may not be connected to ("resolves to 10.0.0.1, a private
    address: ..."), None when every one is public."""
    for address in addresses:
        kind = address_kind(address)
        if kind is not None:
            return f"resolves to {address}, {kind}: {ALLOW_PRIVATE_HINT}"
    return None


def check(url: str, allow_private: bool = False,
          resolver: Resolver = resolve) -> tuple[str, str] | None:
    """``(kind, problem)`` when ``url`` may not be fetched, kind "refused" (scheme, no
    host, a non-public address) or "network" (the name does not resolve); None when fine."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as error:
        return "refused", f"{url} is not a valid URL ({error}): check the address"
    if parsed.scheme not in ("http", "https"):
        scheme = parsed.scheme or "no scheme"
        return "refused", (f"{url} is not a web address ({scheme}): storyline fetches "
                           "only http and https URLs")
    if not parsed.host:
        return "refused", f"{url} names no host: check the address"
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        addresses = resolver(parsed.host, port)
    except (OSError, UnicodeError) as error:
        return "network", f"{url}: the host {parsed.host} does not resolve ({error}): check the address"
    if not addresses:
        return "network", f"{url}: the host {parsed.host} has no address: check the address"
    if allow_private:
        return None
    problem = addresses_problem(addresses)
    return ("refused", f"{url} {problem}") if problem else None


def check_url(url: str, allow_private: bool = False, *,
              resolver: Resolver = resolve) -> str | None:
    """Why ``url`` may not be fetched (its scheme, no host, a name that does not resolve or
    that resolves to a private, loopback, link-local, multicast, reserved or unspecified
    address: every address is checked), None when it may be."""
    found = check(url, allow_private, resolver)
    return found[1] if found else None


class CheckedBackend(httpcore.SyncBackend):
    """The standard socket backend, except that it connects only to addresses it checked."""

    def __init__(self, allow_private: bool = False, resolver: Resolver = resolve):
        self.allow_private = allow_private
        self.resolver = resolver

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: typing.Iterable[typing.Any] | None = None,
                    ) -> httpcore.NetworkStream:
        try:
            addresses = self.resolver(host, port)
        except (OSError, UnicodeError) as error:
            raise httpcore.ConnectError(f"{host} does not resolve ({error})") from error
        if not addresses:
            raise httpcore.ConnectError(f"{host} has no address")
        if not self.allow_private:
            problem = addresses_problem(addresses)
            if problem:
                raise AddressRefused(problem)
        failure: Exception | None = None
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address,
                                           socket_options)
            except httpcore.ConnectError as error:
                failure = error
        assert failure is not None
        raise failure


_EXCEPTIONS: list[tuple[type[Exception], type[httpx.HTTPError]]] = [
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
]


@contextmanager
def _as_httpx_errors() -> Iterator[None]:
    """httpcore's errors as httpx's, as ``httpx.HTTPTransport`` raises them (most specific
    first); anything else (``AddressRefused``) passes through."""
    try:
        yield
    except httpcore.TimeoutException as error:
        raise _mapped(error) from error
    except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol) as error:
        raise _mapped(error) from error


def _mapped(error: Exception) -> httpx.HTTPError:
    for core, mapped in _EXCEPTIONS:
        if isinstance(error, core):
            return mapped(str(error))
    return httpx.TransportError(str(error))


class _Body(httpx.SyncByteStream):
    def __init__(self, stream: typing.Iterable[bytes]):
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        with _as_httpx_errors():
            yield from self._stream

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


class CheckedTransport(httpx.BaseTransport):
    """``httpx.HTTPTransport`` (HTTP/1.1, a keep-alive pool, TLS verified) over
    :class:`CheckedBackend`: httpx offers no public way to give its transport a network
    backend, so the pool is built here and requests are mapped as httpx maps them."""

    def __init__(self, limits: httpx.Limits, allow_private: bool = False,
                 resolver: Resolver = resolve):
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True, http2=False,
            network_backend=CheckedBackend(allow_private, resolver))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(scheme=request.url.raw_scheme, host=request.url.raw_host,
                             port=request.url.port, target=request.url.raw_path),
            headers=request.headers.raw, content=request.stream,
            extensions=request.extensions)
        with _as_httpx_errors():
            core_response = self._pool.handle_request(core_request)
        assert isinstance(core_response.stream, typing.Iterable)
        return httpx.Response(status_code=core_response.status, headers=core_response.headers,
                              stream=_Body(core_response.stream),
                              extensions=core_response.extensions)

    def close(self) -> None:
        self._pool.close()
