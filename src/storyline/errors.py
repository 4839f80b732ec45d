"""Errors storyline raises, all under one root.

    StorylineError
    ├── InputError      a file, record or argument that cannot be read: names the file, line
    │                   or record and the field (a date argument that is no date, too)
    │   └── LimitError  a file or record over one of the ingest limits (names the setting)
    ├── NotFoundError   an id that is not in the database
    │   └── NotAnnotatedError   an article stored without annotation (run `storyline annotate`)
    ├── QueryError      a search query that is not valid FTS5 syntax, an empty one, a bad cursor
    ├── StoreError      the database cannot be opened or is of an unknown schema
    ├── ModelMissingError   spaCy's English pipeline is not installed
    ├── MissingDependencyError   an optional package (an extra) is not installed
    └── EngineError     an engine that cannot start: a cluster nothing answers at (names it)

The CLI prints ``str(error)`` on one line and never a traceback; the server maps the same
classes to HTTP statuses in one place (``server.py``: input and query errors 400, not found
404, missing dependencies, engine and store errors 500).
"""

from __future__ import annotations

from dataclasses import dataclass


def _rebuild(cls: type, args: tuple, state: dict) -> StorylineError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class StorylineError(Exception):
    """Root of every error storyline raises on purpose.

    Errors cross process boundaries (a worker's per-record error comes back to the parent),
    so each one pickles as its message and attributes, whatever its ``__init__`` takes:
    Python's default rebuilds an exception by calling ``__init__`` with ``args`` alone.
    """

    def __reduce__(self):
        return _rebuild, (type(self), self.args, dict(self.__dict__))


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


class LimitError(InputError):
    """A file or record past one of the ingest :class:`~storyline.limits.Limits`; ``setting``
    is the command-line option that raises the limit (``--max-record-mb``)."""

    def __init__(self, origin: Origin, message: str, setting: str, field: str | None = None):
        self.setting = setting
        super().__init__(origin, f"{message} (raise it with {setting})", field=field)


class NotFoundError(StorylineError):
    """An id (article, story) that the database does not hold."""

    def __init__(self, kind: str, ident: str):
        self.kind = kind
        self.ident = ident
        super().__init__(f"no {kind} with id {ident!r}")


class QueryError(StorylineError):
    """A query the archive cannot answer: a search SQLite's FTS5 cannot parse (the message
    says how to search words as they are), an empty query, a cursor that is not one."""

    def __init__(self, reason: str, *, syntax: bool = True):
        self.reason = reason
        self.syntax = syntax
        if syntax:
            super().__init__(f"bad search query ({reason}); put words in double quotes to "
                             'search for them as they are, e.g. "O\'Brien" or "covid-19"')
        else:
            super().__init__(f"bad query: {reason}")


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


class EngineError(StorylineError):
    """An engine that cannot run: the Ray cluster at ``address`` cannot be reached (the
    message names it and why), so nothing was started or sent there."""

    def __init__(self, message: str, address: str | None = None):
        self.address = address
        super().__init__(message)
