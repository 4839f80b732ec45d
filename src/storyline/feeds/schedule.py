"""When to poll a feed next: pure arithmetic over numbers and datetimes, no I/O.

A feed is polled about twice per publishing interval (a daily feed twice a day), never more
often than every ``MIN_INTERVAL`` (politeness to the publisher) and at least daily
(``MAX_INTERVAL``, so a feed that wakes up is noticed). The server's own freshness
(Cache-Control, Expires, an RSS ``<ttl>``) is a floor: asking again before then only
fetches what the server has said is unchanged.

Errors slow polling down exponentially but never stop it: miniflux disables a feed after a
few errors, and a feed that stays off after a weekend outage is its users' most common
complaint. A failing feed is asked at most once per ``MAX_BACKOFF`` instead.

Datetimes without a time zone are taken as UTC throughout.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

MIN_INTERVAL = 5 * 60
MAX_INTERVAL = 24 * 3600
DEFAULT_INTERVAL = 30 * 60
MAX_BACKOFF = 24 * 3600
MAX_RETRY_AFTER = 7 * 24 * 3600
RECENT_ENTRIES = 10

_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_INTERVAL = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", re.ASCII)
_INTEGER = re.compile(r"[-+]?\d+", re.ASCII)


def parse_interval(text: str) -> int:
    """Seconds in an interval such as ``30m``, ``2h``, ``1d``, ``90s`` or ``1h30m``.

    A bare number is minutes (``45`` is 45 minutes): nobody means to poll every 45 seconds,
    and minutes are the unit feed readers and RSS's own ``<ttl>`` use. Units go largest
    first, each at most once. Raises ValueError, with a message fit for the command line,
    for anything else or for an interval below ``MIN_INTERVAL``.
    """
    spec = str(text).strip().lower().replace(" ", "")
    if re.fullmatch(r"\d+", spec, re.ASCII):
        seconds = int(spec) * 60
    else:
        match = _INTERVAL.fullmatch(spec)
        if not spec or match is None:
            raise ValueError(
                f"not an interval: {text!r} (write e.g. 30m, 2h, 1d, 90s or 1h30m; "
                "a bare number is minutes)")
        seconds = sum(int(count) * _UNITS[unit]
                      for count, unit in zip(match.groups(), "dhms") if count)
    if seconds < MIN_INTERVAL:
        raise ValueError(f"interval {text!r} is too short: feeds are polled at most every "
                         f"{MIN_INTERVAL // 60} minutes")
    return seconds


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def publishing_interval(published: Sequence[datetime]) -> float | None:
    """Seconds between a feed's entries, typically: the median gap of its ``RECENT_ENTRIES``
    latest distinct publication times (the median, so one late-night post or a batch
    published at once does not set the pace). None with fewer than two times."""
    times = sorted({_utc(moment) for moment in published}, reverse=True)[:RECENT_ENTRIES]
    if len(times) < 2:
        return None
    return float(statistics.median(
        (newer - older).total_seconds() for newer, older in zip(times, times[1:])))


def _clamp(seconds: float, low: float, high: float) -> float:
    return float(min(max(seconds, low), high))


def _usable(seconds: float | None) -> bool:
    return seconds is not None and math.isfinite(seconds) and seconds > 0


def next_interval(*, every: int | None, published: Sequence[datetime],
                  cache_seconds: float | None) -> float:
    """Seconds until the next poll, always within [MIN_INTERVAL, MAX_INTERVAL].

    The user's ``every`` wins over the adaptation (still clamped); otherwise half the
    publishing interval, or ``DEFAULT_INTERVAL`` for a feed with too few dated entries. The
    server's ``cache_seconds`` is a floor over either: polling sooner only gets back what
    the server said stays fresh.
    """
    if every is not None and not (isinstance(every, float) and math.isnan(every)):
        seconds = _clamp(every, MIN_INTERVAL, MAX_INTERVAL)
    else:
        typical = publishing_interval(published)
        seconds = (DEFAULT_INTERVAL if typical is None
                   else _clamp(typical / 2, MIN_INTERVAL, MAX_INTERVAL))
    if _usable(cache_seconds):
        seconds = max(seconds, cache_seconds)
    return _clamp(seconds, MIN_INTERVAL, MAX_INTERVAL)


def _number(text: str) -> float | None:
    try:
        value = float(text.strip().strip('"'))
    except (ValueError, OverflowError):
        return None
    return value if _usable(value) else None


def _http_date(value: str, now: datetime) -> float | None:
    """Seconds from ``now`` to an HTTP date; None for a value that is no date."""
    try:
        moment = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment is None:
        return None
    try:
        return (_utc(moment) - _utc(now)).total_seconds()
    except OverflowError:
        return None


def cache_seconds(headers: Mapping[str, str], now: datetime,
                  ttl_minutes: str | int | None = None) -> float | None:
    """How long the server says the feed stays fresh, in seconds: the longest of
    Cache-Control ``max-age``/``s-maxage`` (none when it says ``no-cache`` or ``no-store``),
    ``Expires`` less ``now`` and the RSS ``<ttl>`` (minutes). None when none of them says.

    The longest rather than HTTP's precedence (Cache-Control over Expires): the answer is
    a floor on the polling interval, and any of them is the publisher asking for patience.
    Malformed values are ignored, never raised: headers come from any server at all.
    """
    lowered = {str(name).lower(): str(value) for name, value in headers.items()}
    found: list[float] = []
    control = lowered.get("cache-control", "")
    directives = [part.strip().lower() for part in control.split(",")]
    names = {directive.partition("=")[0].strip() for directive in directives}
    if not names & {"no-cache", "no-store"}:
        for directive in directives:
            name, _, value = directive.partition("=")
            if name.strip() in ("max-age", "s-maxage"):
                found.append(_number(value))
    if "expires" in lowered:
        found.append(_http_date(lowered["expires"], now))
    if ttl_minutes is not None:
        minutes = _number(str(ttl_minutes))
        found.append(minutes * 60 if minutes is not None else None)
    found = [seconds for seconds in found if _usable(seconds)]
    return max(found) if found else None


def backoff(consecutive_errors: int, *, base: float = DEFAULT_INTERVAL,
            retry_after: float | None = None) -> float:
    """Seconds to wait after ``consecutive_errors`` (from 1) failed polls in a row.

    Doubles from ``base`` per error up to ``MAX_BACKOFF``, and never stops polling (see the
    module's docstring). A server's Retry-After is honoured as a floor, up to
    ``MAX_RETRY_AFTER`` (a week): a server asking for years would otherwise end the feed.
    """
    if consecutive_errors < 1:
        raise ValueError(f"backoff is for one error or more, not {consecutive_errors}")
    exponent = min(consecutive_errors - 1, 64)
    delay = min(base * 2.0 ** exponent, MAX_BACKOFF)
    if _usable(retry_after):
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return float(delay)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds a Retry-After header asks to wait: delta-seconds or an HTTP date. A date in
    the past (or a negative count) is 0, a value that is neither is None."""
    if value is None:
        return None
    text = value.strip()
    if _INTEGER.fullmatch(text):
        try:
            return max(float(int(text)), 0.0)
        except OverflowError:
            return float(MAX_RETRY_AFTER)
    seconds = _http_date(text, now)
    return None if seconds is None else max(seconds, 0.0)
