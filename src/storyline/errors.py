"""Errors storyline raises, all under one root.

    StorylineError
    ├── InputError      a file or record that cannot be read: names the file, line or record, field
    ├── NotFoundError   an id that is not in the database
    │   └── NotAnnotatedError   an article stored without annotation (run `storyline annotate`)
    ├── QueryError      a search query that is not valid FTS5 syntax
    ├── StoreError      the database cannot be opened or is of an unknown schema
    ├── ModelMissingError   spaCy's English pipeline is not installed
    └── MissingDependencyError   an optional package (an extra) is not installed

The CLI prints ``str(error)`` on one line and never a traceback; the server maps the same
classes to HTTP statuses in one place (``server.py``: input and query errors 400, not found
404, missing dependencies and store errors 500).
"""

from __future__ import annotations

from dataclasses import dataclass


class StorylineError(Exception):
    """Root of every error storyline raises on purpose."""


@dataclass(frozen=True)
class Origin:
    """Where a record came from: a file (or ``-`` for stdin) and its line or record number."""

    path: str
    line: int | None = None
    record: int | None = None

    def __str__(self) -> str:
        if self.line is not None:
            return f"{self.path}:{self.line}"
        if self.record is not None:
            return f"{self.path} (record {self.record})"
        return self.path


class InputError(StorylineError):
    """A file or record that cannot be ingested; the rest of the batch still is."""

    def __init__(self, origin: Origin, message: str, field: str | None = None):
        self.origin = origin
        self.field = field
        self.message = message
        where = f"field '{field}': " if field else ""
        super().__init__(f"{origin}: {where}{message}")


class NotFoundError(StorylineError):
    """An id (article, story) that the database does not hold."""

    def __init__(self, kind: str, ident: str):
        self.kind = kind
        self.ident = ident
        super().__init__(f"no {kind} with id {ident!r}")


class QueryError(StorylineError):
    """A search query SQLite's FTS5 cannot parse; says how to search words as they are."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(f"bad search query ({reason}); put words in double quotes to search "
                         'for them as they are, e.g. "O\'Brien" or "covid-19"')


class StoreError(StorylineError):
    """The database file cannot be used: unreadable, not SQLite, or a newer schema."""


class NotAnnotatedError(NotFoundError):
    """An article that is stored but has no annotation of its current revision yet."""

    def __init__(self, ident: str):
        self.kind = "annotation"
        self.ident = ident
        StorylineError.__init__(
            self, f"article {ident!r} is not annotated yet: run `storyline annotate`")


class ModelMissingError(StorylineError):
    """Annotation needs spaCy's English pipeline, which is not installed."""


class MissingDependencyError(StorylineError):
    """A feature needs an optional package (an extra such as ``eval``) that is not installed."""

    def __init__(self, package: str, purpose: str, extra: str = "eval"):
        self.package = package
        super().__init__(f"{purpose} needs the package {package!r}: "
                         f"pip install 'storyline[{extra}]'")
