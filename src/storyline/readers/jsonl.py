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

from ..errors import InputError, Origin
from ..records import DERIVED_FIELDS, RawArticle, normalize_published
from .html import HtmlPage

if TYPE_CHECKING:
    from . import Source

_KNOWN = {"id", "title", "url", "outlet", "published", "body", "text", "html", "metadata"}
_STRING_FIELDS = ("title", "url", "outlet")


def record_to_article(obj: object, origin: Origin) -> RawArticle | HtmlPage | InputError:
    """Check one JSON record's fields and make it a raw article, or say what is wrong."""
    if not isinstance(obj, dict):
        return InputError(origin, f"expected a JSON object, got {type(obj).__name__}")
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


def _read_lines(source: Source) -> Iterator[RawArticle | HtmlPage | InputError]:
    with source.open() as fh:
        for number, raw in enumerate(fh, start=1):
            origin = source.origin(line=number)
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield InputError(origin, f"not UTF-8 ({exc.reason} at byte {exc.start})")
                continue
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield InputError(origin, f"invalid JSON: {exc.msg} (column {exc.colno})")
                continue
            yield record_to_article(obj, origin)


def read(source: Source) -> Iterator[RawArticle | HtmlPage | InputError]:
    """JSON Lines; a ``.json`` file (or stream so named) that is one JSON document, an
    object or an array, is read whole."""
    name = source.name.lower().removesuffix(".gz")
    if name.endswith(".json"):
        data = source.read()
        try:
            doc = json.loads(data.decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            yield InputError(source.origin(), f"not UTF-8 ({exc.reason} at byte {exc.start})")
            return
        except json.JSONDecodeError as exc:
            if source.stream is not None:  # read already: it cannot be tried as JSON Lines
                yield InputError(source.origin(line=exc.lineno),
                                 f"invalid JSON: {exc.msg} (column {exc.colno})")
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
