"""Fetching web pages for storyline: one safe, polite HTTP fetcher.

Safe: only http and https, only public addresses (checked after DNS, after every redirect
and again at connection time), bodies capped in size and time. Polite: a User-Agent that
names storyline, a few requests per host at a time and spaced out, Retry-After and
robots.txt honoured. Every outcome is a :class:`Response`; nothing network-shaped raises.
"""

from __future__ import annotations

from ._response import FetchSettings, Request, Response


def __getattr__(name: str):
    """The fetcher and the address check load httpx, which only what fetches needs."""
    if name == "Fetcher":
        from ._client import Fetcher

        return Fetcher
    if name == "check_url":
        from ._safety import check_url

        return check_url
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["FetchSettings", "Fetcher", "Request", "Response", "check_url"]
