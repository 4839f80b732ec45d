"""robots.txt, read once per origin per fetcher (protego), for article pages."""

from __future__ import annotations

import threading
from collections.abc import Callable

#: Crawl-delay is honoured up to this many seconds between requests.
MAX_CRAWL_DELAY = 30.0
AGENT_TOKEN = "storyline"


class RobotsRules:
    """The rules of one origin: everything allowed, everything disallowed (RFC 9309: a
    robots.txt that cannot be reached because of a server error), or protego's parse."""

    def __init__(self, parsed=None, allow_all: bool = False, why: str | None = None):
        self.parsed, self.allow_all, self.why = parsed, allow_all, why

    def allowed(self, url: str) -> bool:
        if self.parsed is not None:
            return bool(self.parsed.can_fetch(url, AGENT_TOKEN))
        return self.allow_all

    def crawl_delay(self) -> float | None:
        if self.parsed is None:
            return None
        delay = self.parsed.crawl_delay(AGENT_TOKEN)
        return min(float(delay), MAX_CRAWL_DELAY) if delay else None


def rules_from(status: int | None, body: bytes) -> RobotsRules:
    """The rules an answer to ``/robots.txt`` gives: 2xx parsed, 4xx (none there) allow
    everything, 5xx or no answer disallow everything for now."""
    if status is not None and 200 <= status < 300:
        from protego import Protego

        return RobotsRules(Protego.parse(body.decode("utf-8", errors="replace")))
    if status is not None and 400 <= status < 500:
        return RobotsRules(allow_all=True)
    return RobotsRules(allow_all=False, why="robots.txt could not be read "
                       + (f"(HTTP {status})" if status else "(no answer)"))


class RobotsCache:
    """One fetch of robots.txt per origin, however many threads ask at once."""

    def __init__(self, fetch: Callable[[str], tuple[int | None, bytes]]):
        self.fetch = fetch
        self._rules: dict[str, RobotsRules] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def rules(self, origin: str) -> RobotsRules:
        with self._lock:
            lock = self._locks.setdefault(origin, threading.Lock())
        with lock:
            if origin not in self._rules:
                status, body = self.fetch(origin.rstrip("/") + "/robots.txt")
                self._rules[origin] = rules_from(status, body)
            return self._rules[origin]
