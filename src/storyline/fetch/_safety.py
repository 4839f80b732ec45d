"""Which addresses storyline may connect to: public ones only, unless the user allows
private ones. Checked after DNS resolution, on the address the connection then goes to,
so a name that resolves to a public address once and a private one the next time (DNS
rebinding) cannot slip through; every redirect is checked again as a new request."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

Resolver = Callable[[str, int], list[str]]


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (IPv4 and IPv6), in the resolver's order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def address_problem(address: str) -> str | None:
    """What kind of non-public address this is ("a loopback address"), or None."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for test, name in (("is_loopback", "a loopback"), ("is_link_local", "a link-local"),
                       ("is_multicast", "a multicast"), ("is_unspecified", "an unspecified"),
                       ("is_private", "a private"), ("is_reserved", "a reserved")):
        if getattr(ip, test):
            return f"{name} address"
    return None


class Refused(Exception):
    """A connection storyline will not make; ``str`` says why, naming what to do."""


def refusal(host: str, address: str, problem: str) -> str:
    """Why a connection to ``address`` (what ``host`` resolved to) is refused."""
    shown = host if host == address else f"{host} resolves to {address}"
    return (f"{shown}, {problem}: storyline fetches only public addresses unless "
            "--allow-private is given")


def url_problem(url: str) -> str | None:
    """Why a URL cannot be fetched before any lookup: scheme, host, port."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        return f"{url}: not a URL ({exc})"
    if parts.scheme.lower() not in ("http", "https"):
        return f"{url}: only http and https URLs are fetched"
    if not parts.hostname:
        return f"{url}: the URL has no host"
    return None


def check_url(url: str, allow_private: bool = False, resolver: Resolver = resolve) -> str | None:
    """Why ``url`` may not be fetched (scheme, host, a non-public address among those its
    host resolves to), or None when it may."""
    problem = url_problem(url)
    if problem or allow_private:
        return problem
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    try:
        addresses = resolver(parts.hostname, port)
    except OSError as exc:
        return f"{url}: cannot resolve {parts.hostname}: {exc}"
    for address in addresses:
        problem = address_problem(address)
        if problem:
            return f"{url}: {refusal(parts.hostname, address, problem)}"
    return None
