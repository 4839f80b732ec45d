"""What the fetcher is told (settings, requests) and what it answers (responses)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime, timezone

from .. import __version__
from ..errors import InputError, LimitError, Origin
from ..limits import MB


@dataclass(frozen=True)
class FetchSettings:
    """How storyline fetches: its name, its patience, its caps and its manners.

    - ``connect_seconds``, ``read_seconds`` (between bytes) and ``request_seconds`` (the
      whole request, body included: a page that trickles is cut off too);
    - ``max_bytes``: the largest body, decoded (a gzip bomb stops there);
    - ``per_host`` requests in flight to one host (scheme, name and port), their starts
      ``host_delay`` seconds apart (robots.txt's Crawl-delay can raise it);
    - ``max_wait``: the longest a request waits for a host that asked for time
      (``Retry-After``); longer, and it is deferred to a later round;
    - ``allow_private``: also fetch from private, loopback and link-local addresses;
    - ``threads``: requests in flight in all.
    """

    user_agent: str = f"storyline/{__version__} (news reader; +https://pypi.org/project/storyline/)"
    connect_seconds: float = 10.0
    read_seconds: float = 20.0
    request_seconds: float = 60.0
    max_bytes: int = 10 * MB
    per_host: int = 2
    host_delay: float = 1.0
    max_redirects: int = 5
    allow_private: bool = False
    max_wait: float = 60.0
    threads: int = 8

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            floor = 0 if item.name in ("host_delay", "max_wait", "max_redirects") else 1e-9
            if value < floor:
                raise ValueError(f"{item.name} must be {'at least 0' if floor == 0 else 'positive'}"
                                 f", got {value}")


@dataclass(frozen=True)
class Request:
    """One GET to make; ``key`` is the caller's, handed back with the response."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    robots: bool = False
    key: object = None


#: Response kinds that are answers, not problems.
ANSWERS = ("ok", "not-modified")


@dataclass
class Response:
    """What one GET came to. ``kind`` is ``ok`` (2xx), ``not-modified`` (304),
    ``http-error`` (any other status, 410, 429 and 503 included), ``refused`` (not sent:
    scheme or a non-public address), ``robots`` (not sent: robots.txt disallows it),
    ``timeout``, ``too-large``, ``network``, ``deferred`` (not sent: the host asked for
    more time than one call waits) or ``redirects`` (too many). ``problem`` says it in one
    line naming the URL, for every kind but the answers."""

    url: str
    final_url: str
    status: int | None
    headers: dict[str, str]
    content: bytes
    fetched_at: str
    elapsed: float
    kind: str
    problem: str | None = None
    redirects: list[tuple[int, str]] = field(default_factory=list)
    retry_after: float | None = None

    @classmethod
    def failed(cls, url: str, kind: str, problem: str, *, status: int | None = None,
               headers: dict | None = None, redirects: list | None = None,
               elapsed: float = 0.0, final_url: str | None = None,
               retry_after: float | None = None) -> Response:
        return cls(url=url, final_url=final_url or url, status=status, headers=headers or {},
                   content=b"", fetched_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                   elapsed=elapsed, kind=kind, problem=problem, redirects=list(redirects or []),
                   retry_after=retry_after)

    @property
    def moved_permanently(self) -> str | None:
        """Where the URL now lives, when every redirect on the way was permanent."""
        if self.redirects and all(status in (301, 308) for status, _ in self.redirects):
            return self.final_url
        return None

    def error(self) -> InputError | None:
        """The problem as an error naming the URL (a LimitError naming the option for a
        page too large or too slow), None for an answer."""
        if self.kind in ANSWERS:
            return None
        origin = Origin(self.url)
        message = (self.problem or f"HTTP {self.status}").removeprefix(f"{self.url}: ")
        if self.kind == "too-large":
            return LimitError(origin, message, "--max-page-mb")
        if self.kind == "timeout":
            return LimitError(origin, message, "--fetch-seconds")
        return InputError(origin, message)
