"""What the fetcher is told to do and what it hands back."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from .. import __version__
from ..errors import InputError, LimitError, Origin
from ..limits import MB

SETTING_OF_KIND = {"too-large": "--max-page-mb", "timeout": "--fetch-seconds"}
PERMANENT_REDIRECTS = (301, 308)


@dataclass(frozen=True)
class FetchSettings:
    """How the fetcher treats the sites it reads: it identifies itself, waits for nobody
    too long, reads nothing too big, and never crowds one host."""

    user_agent: str = (f"storyline/{__version__} (news reader; "
                       "+https://pypi.org/project/storyline/)")
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
        positive = ("connect_seconds", "read_seconds", "request_seconds", "max_bytes",
                    "per_host", "threads")
        not_negative = ("host_delay", "max_redirects", "max_wait")
        for setting in fields(self):
            value = getattr(self, setting.name)
            if setting.name in positive + not_negative:
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise ValueError(f"{setting.name} must be a number, not {value!r}")
                if setting.name in positive and not value > 0:
                    raise ValueError(f"{setting.name} must be positive, not {value!r}")
                if setting.name in not_negative and not value >= 0:
                    raise ValueError(f"{setting.name} must not be negative, not {value!r}")
        for name in ("per_host", "threads", "max_bytes", "max_redirects"):
            if not isinstance(getattr(self, name), int):
                raise ValueError(f"{name} must be a whole number, not {getattr(self, name)!r}")
        if not isinstance(self.user_agent, str) or not self.user_agent.strip():
            raise ValueError("user_agent must be a non-empty string")


@dataclass(frozen=True)
class Request:
    """One URL for :meth:`Fetcher.get_all`, with its validators; ``key`` is the caller's
    own tag, handed back with the response."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    robots: bool = False
    key: object = None


@dataclass
class Response:
    """The outcome of one fetch, whatever happened: ``kind`` says what, ``problem`` says it
    to a person (naming the URL and what to do about it)."""

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

    @property
    def moved_permanently(self) -> str | None:
        """Where the page lives now, when every redirect on the way was permanent: a
        caller updates its stored URL only then."""
        if self.redirects and all(status in PERMANENT_REDIRECTS for status, _ in self.redirects):
            return self.final_url
        return None

    def error(self) -> InputError | None:
        """The problem as storyline's error (a :class:`LimitError` naming the setting for a
        page too large or too slow), None when the fetch went fine."""
        if self.kind in ("ok", "not-modified"):
            return None
        message = self.problem or f"could not be fetched ({self.kind})"
        if message.startswith(self.url):
            message = message[len(self.url):].lstrip(": ") or message
        origin = Origin(self.url)
        setting = SETTING_OF_KIND.get(self.kind)
        if setting is None:
            return InputError(origin, message)
        message = message.removesuffix(f" (raise it with {setting})")
        return LimitError(origin, message, setting)
