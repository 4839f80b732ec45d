"""Fetching over HTTP, safely and politely: one httpx client, public addresses only
(checked after DNS resolution and on every redirect) unless private ones are allowed,
robots.txt for article pages, a few requests per host with a delay between them,
``Retry-After`` honoured, and a size cap and deadlines on every response. Problems come back
as a :class:`Response` that names them, never as exceptions."""

from __future__ import annotations

from ._safety import check_url
from .records import FetchSettings, Request, Response


def __getattr__(name: str):
    if name == "Fetcher":  # httpx is imported only by what fetches
        from ._client import Fetcher

        return Fetcher
    raise AttributeError(name)


__all__ = ["FetchSettings", "Fetcher", "Request", "Response", "check_url"]
