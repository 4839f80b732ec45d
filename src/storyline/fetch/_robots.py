"""robots.txt, read once per origin and kept for the fetcher's life (RFC 9309).

A robots.txt that is missing (any 4xx) allows everything; one that cannot be read (5xx, a
network failure, a timeout) disallows everything for that origin, since the site may be
telling crawlers to stay away and we cannot tell. ``Crawl-delay`` slows that host down."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx
from protego import Protego

from ._hosts import Hosts, origin_of

if TYPE_CHECKING:
    from ._response import Response

AGENT_TOKEN = "storyline"
LONGEST_CRAWL_DELAY = 30.0

Rules = Protego | bool


def robots_url(url: str) -> str:
    return str(httpx.URL(url).copy_with(path="/robots.txt", query=None, fragment=None))


class RobotsDeferred(Exception):
    """robots.txt was not asked for: its host asked us to wait longer than we wait. Nothing
    is kept, so that a later run reads it."""

    def __init__(self, problem: str):
        super().__init__(problem)
        self.problem = problem


class RobotsCache:
    """The rules of every origin asked about; a second thread asking for an origin being
    read waits for that read instead of reading it again."""

    def __init__(self, fetch: Callable[[str], Response], hosts: Hosts):
        self._fetch = fetch
        self._hosts = hosts
        self._rules: dict[str, Rules] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def allowed(self, url: str) -> bool:
        rules = self.rules(url)
        if isinstance(rules, bool):
            return rules
        return rules.can_fetch(url, AGENT_TOKEN)

    def rules(self, url: str) -> Rules:
        origin = origin_of(url)
        with self._lock:
            lock = self._locks.setdefault(origin, threading.Lock())
        with lock:
            if origin not in self._rules:
                self._rules[origin] = self._read(url, origin)
            return self._rules[origin]

    def _read(self, url: str, origin: str) -> Rules:
        response = self._fetch(robots_url(url))
        if response.kind == "deferred":
            raise RobotsDeferred(response.problem or f"{url}: try again later")
        if response.kind == "ok":
            rules = Protego.parse(response.content.decode("utf-8", errors="replace"))
            delay = rules.crawl_delay(AGENT_TOKEN)
            if delay:
                self._hosts.gate(origin).raise_delay(min(float(delay), LONGEST_CRAWL_DELAY))
            return rules
        status = response.status
        if response.kind == "http-error" and status is not None and 400 <= status < 500 \
                and status != 429:
            return True
        return False
