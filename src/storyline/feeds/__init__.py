"""Following feeds: subscriptions (:mod:`.opml` reads and writes them), the schedule each
feed is polled on (:mod:`.schedule`), what a fetched feed holds (:mod:`.entries`), one
polling round (:mod:`.watch`) and the raw responses written out as WARC (:mod:`.archive`).
The network itself is :mod:`storyline.fetch`."""

from __future__ import annotations

from urllib.parse import urlsplit

from ..errors import InputError, Origin


def check_feed_url(url: str) -> str:
    """A feed URL as stored (surrounding spaces dropped); InputError (field ``url``) for one
    that is not http or https with a host. Whether its host is public is checked when it is
    fetched, after DNS resolution."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        raise InputError(Origin("arguments"), f"{url!r} is not a URL: {exc}", field="url") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InputError(Origin("arguments"), f"{url!r} is not an http or https URL",
                         field="url")
    return url


__all__ = ["check_feed_url"]
