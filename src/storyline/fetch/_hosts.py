"""Politeness per host: how many requests one origin has in flight, how far apart they
start, and how long the origin asked us to stay away (``Retry-After``)."""

from __future__ import annotations

import math
import threading
import time
from datetime import timezone
from email.utils import parsedate_to_datetime

import httpx

LONGEST_RETRY_AFTER = 366 * 24 * 3600.0


def origin_of(url: str) -> str:
    """``scheme://host:port``, the unit politeness and robots.txt are kept by."""
    parsed = httpx.URL(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    return f"{parsed.scheme}://{parsed.host}:{port}"


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds a ``Retry-After`` value asks for (delta-seconds or an HTTP-date), None when
    it is neither. Never negative (a date in the past is 0) and never raises: the header
    comes from anyone."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        seconds = float(value) if len(value) < 20 else math.inf
        return min(seconds, LONGEST_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    try:
        delta = when.timestamp() - (time.time() if now is None else now)
    except (OverflowError, OSError, ValueError):
        return None
    return min(max(delta, 0.0), LONGEST_RETRY_AFTER)


class HostGate:
    """One origin's limits: at most ``per_host`` requests in flight, starts at least
    ``delay`` seconds apart, and none before ``blocked_until`` (a ``Retry-After``)."""

    def __init__(self, per_host: int, delay: float):
        self.slots = threading.BoundedSemaphore(per_host)
        self.delay = delay
        self._lock = threading.Lock()
        self._next_start = 0.0
        self.blocked_until = 0.0

    def raise_delay(self, seconds: float) -> None:
        with self._lock:
            self.delay = max(self.delay, seconds)

    def block_for(self, seconds: float) -> None:
        with self._lock:
            self.blocked_until = max(self.blocked_until, time.monotonic() + seconds)

    def enter(self, max_wait: float) -> float | None:
        """Take a slot and wait for this request's start; None when taken (the caller must
        ``leave``), else the seconds the host asked to wait, past ``max_wait``, and no slot
        is taken. A start is reserved under the lock so that two threads never share one."""
        self.slots.acquire()
        with self._lock:
            now = time.monotonic()
            asked = self.blocked_until - now
            if asked > max_wait:
                self.slots.release()
                return asked
            start = max(now, self._next_start, self.blocked_until)
            self._next_start = start + self.delay
        pause = start - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        return None

    def leave(self) -> None:
        self.slots.release()


class Hosts:
    """The gate of every origin one fetcher has talked to, made on first use."""

    def __init__(self, per_host: int, delay: float):
        self.per_host = per_host
        self.delay = delay
        self._gates: dict[str, HostGate] = {}
        self._lock = threading.Lock()

    def gate(self, origin: str) -> HostGate:
        with self._lock:
            gate = self._gates.get(origin)
            if gate is None:
                gate = self._gates[origin] = HostGate(self.per_host, self.delay)
            return gate
