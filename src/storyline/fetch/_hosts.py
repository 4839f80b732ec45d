"""Politeness per host: a few requests in flight, starts spaced out, and a host that asked
to be left alone (``Retry-After``) left alone until then."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from collections.abc import Iterator
from urllib.parse import urlsplit


def origin_of(url: str) -> str:
    """``scheme://host:port``: what robots.txt and the politeness limits apply to."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    return f"{scheme}://{(parts.hostname or '').lower()}:{port}"


class Deferred(Exception):
    """The host asked to be left alone longer than a call may wait; ``seconds`` remain."""

    def __init__(self, seconds: float):
        super().__init__(f"the host asked to wait {seconds:.0f} s more (Retry-After)")
        self.seconds = seconds


class _Host:
    def __init__(self, per_host: int):
        self.slots = threading.BoundedSemaphore(per_host)
        self.lock = threading.Lock()
        self.next_start = 0.0
        self.not_before = 0.0
        self.delay = 0.0


class HostGates:
    """Per-origin gates shared by every thread of one fetcher."""

    def __init__(self, per_host: int, delay: float, max_wait: float,
                 clock=time.monotonic, sleep=time.sleep):
        self.per_host, self.delay, self.max_wait = per_host, delay, max_wait
        self.clock, self.sleep = clock, sleep
        self._hosts: dict[str, _Host] = {}
        self._lock = threading.Lock()

    def _host(self, origin: str) -> _Host:
        with self._lock:
            host = self._hosts.get(origin)
            if host is None:
                host = self._hosts[origin] = _Host(self.per_host)
                host.delay = self.delay
            return host

    def slow_down(self, origin: str, delay: float) -> None:
        """Space this host's requests by at least ``delay`` seconds (a robots.txt
        Crawl-delay)."""
        host = self._host(origin)
        with host.lock:
            host.delay = max(host.delay, delay)

    def wait_after(self, origin: str, seconds: float) -> None:
        """Start nothing more on this host for ``seconds`` (a Retry-After)."""
        host = self._host(origin)
        with host.lock:
            host.not_before = max(host.not_before, self.clock() + seconds)

    @contextmanager
    def turn(self, origin: str) -> Iterator[None]:
        """Hold one of the host's slots, started no sooner than its delay and its
        Retry-After allow; :class:`Deferred` when that is further off than ``max_wait``."""
        host = self._host(origin)
        with host.lock:
            now = self.clock()
            if host.not_before - now > self.max_wait:
                raise Deferred(host.not_before - now)
        host.slots.acquire()
        try:
            with host.lock:
                now = self.clock()
                if host.not_before - now > self.max_wait:
                    raise Deferred(host.not_before - now)
                start = max(now, host.next_start, host.not_before)
                host.next_start = start + host.delay
            if start > now:
                self.sleep(start - now)
            yield
        finally:
            host.slots.release()
