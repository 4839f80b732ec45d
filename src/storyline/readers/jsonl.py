"""JSON Lines (and plain JSON: one object or an array of them).

Fields: ``id``, ``title``, ``url``, ``outlet``, ``published`` and the article as ``body``
(already clean, kept as is: this is what ``storyline export`` writes), ``text`` (raw text,
cleaned at ingest) or ``html`` (a page, extracted by trafilatura). Other fields are kept as
metadata.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..errors import InputError, LimitError, Origin
from ..limits import megabytes
from ..records import DERIVED_FIELDS, RawArticle, normalize_published
from .html import HtmlPage
from ._decode import READ_ERRORS, looks_like_utf16, valid_unicode

if TYPE_CHECKING:
    from . import Source

_KNOWN = {"id", "title", "url", "outlet", "published", "body", "text", "html", "metadata"}
_STRING_FIELDS = ("title", "url", "outlet")


def record_to_article(obj: object, origin: Origin) -> RawArticle | HtmlPage | InputError:
    """Check one JSON record's fields and make it a raw article, or say what is wrong."""
    if not isinstance(obj, dict):
        return InputError(origin, f"expected a JSON object, got {type(obj).__name__}")
    obj = {k: valid_unicode(v) if isinstance(v, str) else v for k, v in obj.items()}
    ident = obj.get("id")
    if ident is not None and not isinstance(ident, (str, int)) or isinstance(ident, bool):
        return InputError(origin, "must be a string or an integer", field="id")
    for name in _STRING_FIELDS:
        if obj.get(name) is not None and not isinstance(obj[name], str):
            return InputError(origin, f"must be a string or null, got {type(obj[name]).__name__}",
                              field=name)
    try:
        published = normalize_published(obj.get("published"))
    except ValueError as exc:
        return InputError(origin, str(exc), field="published")
    metadata = obj.get("metadata") or {}
    if not isinstance(metadata, dict):
        return InputError(origin, "must be an object", field="metadata")
    metadata = dict(metadata)
    metadata.update({k: v for k, v in obj.items() if k not in _KNOWN and k not in DERIVED_FIELDS})

    for name in ("body", "text", "html"):
        value = obj.get(name)
        if value is not None and not isinstance(value, str):
            return InputError(origin, f"must be a string, got {type(value).__name__}", field=name)
    title = obj.get("title") or None
    if obj.get("body") is not None or obj.get("text") is not None:
        prepared = obj.get("body") is not None
        text = obj["body"] if prepared else obj["text"]
        if not text.strip() and not title:
            return InputError(origin, "empty article: no title and no text")
        article = RawArticle(text=text, origin=origin, prepared=prepared)
    elif obj.get("html") is not None:
        fields = {name: obj.get(name) for name in _STRING_FIELDS}
        fields.update(id=str(ident) if ident is not None else None, published=published,
                      metadata=metadata)
        return HtmlPage(obj["html"], origin, url=obj.get("url"), fields=fields)
    else:
        return InputError(origin, "no article text: give one of 'text', 'body' or 'html'")
    article.id = str(ident) if ident is not None and str(ident).strip() else None
    article.title = title or article.title
    article.url = obj.get("url") or article.url
    article.outlet = obj.get("outlet") or article.outlet
    article.published = published or article.published
    article.metadata = metadata
    return article


#: A file whose first lines are all unreadable is not JSON Lines: named once, not per line.
_GIVE_UP_AFTER = 20


def _parse_line(raw: bytes, number: int, origin: Origin) -> object | InputError:
    """One line's JSON value, or the error that says why it has none."""
    try:
        line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        return InputError(origin, f"not UTF-8 ({exc.reason} at byte {exc.start})")
    return parse_json(line, origin)


def parse_json(text: str, origin: Origin, *, lines: bool = False) -> object | InputError:
    """``json.loads``, with what it can raise besides a syntax error (nesting past the
    interpreter's recursion limit, a number too long to convert) as an :class:`InputError`;
    with ``lines``, a syntax error names its line in ``origin``'s file."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        if lines:
            origin = Origin(origin.path, line=exc.lineno)
        return InputError(origin, f"invalid JSON: {exc.msg} (column {exc.colno})")
    except RecursionError:
        return InputError(origin, "invalid JSON: nested too deeply to read")
    except ValueError as exc:
        return InputError(origin, f"invalid JSON: {exc}")


def _skip_line(fh) -> None:
    while chunk := fh.readline(1 << 20):
        if chunk.endswith(b"\n"):
            return


def _read_lines(source: Source) -> Iterator[RawArticle | HtmlPage | InputError]:
    """Line by line, each line read only up to ``max_record_bytes`` (a longer one is named
    and skipped without being held), so memory stays flat however large the file."""
    limit = source.limits.max_record_bytes
    unreadable: list[InputError] = []
    good = False
    with source.open() as fh:
        if looks_like_utf16(fh.peek(4096)[:4096]):
            yield InputError(source.origin(), "UTF-16 text: JSON Lines must be UTF-8 (convert "
                             "it, e.g. iconv -f UTF-16 -t UTF-8)")
            return
        number = 0
        while True:
            number += 1
            origin = source.origin(line=number)
            try:
                raw = fh.readline(limit + 1)
                if len(raw) > limit and not raw.endswith(b"\n"):
                    _skip_line(fh)
                    yield LimitError(origin, f"a line over the limit of {megabytes(limit)} for "
                                     "one record", "--max-record-mb")
                    continue
            except InputError:
                raise
            except READ_ERRORS as exc:
                yield InputError(origin, f"cannot read: {exc}")
                return
            if not raw:
                break
            if not raw.strip():
                continue
            value = _parse_line(raw, number, origin)
            if isinstance(value, InputError):
                if good:
                    yield value
                    continue
                unreadable.append(value)
                if len(unreadable) >= _GIVE_UP_AFTER:
                    yield InputError(source.origin(), f"not JSON Lines: none of its first "
                                     f"{_GIVE_UP_AFTER} lines is JSON ({unreadable[0]}); the "
                                     "rest was not read")
                    return
                continue
            if not good:
                good = True
                yield from unreadable
                unreadable.clear()
            yield record_to_article(value, origin)
    yield from unreadable


def read(source: Source) -> Iterator[RawArticle | HtmlPage | InputError]:
    """JSON Lines; a ``.json`` file (or stream so named) that is one JSON document, an
    object or an array, is read whole (up to ``max_record_bytes``)."""
    name = source.name.lower().removesuffix(".gz")
    if name.endswith(".json"):
        try:
            data = source.read()
        except LimitError as exc:
            yield LimitError(exc.origin, f"{exc.message}: one JSON document is read whole, so "
                             "write large inputs as JSON Lines (one article per line)",
                             exc.setting)
            return
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            yield InputError(source.origin(), f"not UTF-8 ({exc.reason} at byte {exc.start})")
            return
        doc = parse_json(text, source.origin(), lines=True)
        if isinstance(doc, InputError):
            if source.stream is not None or "\n" not in text.strip():
                yield doc  # read already (stdin), or one line: it cannot be JSON Lines
                return
            doc = None  # perhaps JSON Lines under a .json name
        if isinstance(doc, list):
            for number, obj in enumerate(doc, start=1):
                yield record_to_article(obj, source.origin(record=number))
            return
        if isinstance(doc, dict):
            yield record_to_article(doc, source.origin())
            return
        if source.stream is not None:
            yield InputError(source.origin(), "expected a JSON object or an array of them, "
                             f"got {type(doc).__name__}")
            return
    yield from _read_lines(source)
