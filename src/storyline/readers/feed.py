"""RSS and Atom feeds (feedparser): one article per entry, the feed's title as outlet."""

from __future__ import annotations

import html as html_lib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..errors import InputError
from ..records import RawArticle, normalize_published

if TYPE_CHECKING:
    from . import Source

_BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
               "blockquote", "tr", "table", "section", "article", "header", "footer", "pre",
               "figure", "hr", "dd", "dt"}
_DROP_TAGS = {"script", "style", "figcaption", "noscript", "iframe"}


def fragment_to_text(fragment: str) -> str:
    """Text of an HTML fragment (a feed entry's content), one line per block element."""
    if "<" not in fragment:
        return html_lib.unescape(fragment)
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except Exception:  # lxml rejects some broken fragments outright
        return html_lib.unescape(fragment)
    parts: list[str] = []

    def walk(el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _DROP_TAGS:
            return
        block = tag in _BLOCK_TAGS
        if block:
            parts.append("\n")
        if isinstance(el.tag, str) and el.text:
            parts.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if block:
            parts.append("\n")

    walk(root)
    return "".join(parts)


def read(source: Source) -> Iterator[RawArticle | InputError]:
    import feedparser

    parsed = feedparser.parse(source.read())
    entries = parsed.get("entries") or []
    if not entries:
        problem = parsed.get("bozo_exception")
        why = f": {problem}" if problem else ""
        yield InputError(source.origin(), f"not an RSS/Atom feed with entries{why}")
        return
    outlet = (parsed.get("feed") or {}).get("title") or None
    for number, entry in enumerate(entries, start=1):
        origin = source.origin(record=number)
        contents = entry.get("content") or []
        body = next((c.get("value") for c in contents if c.get("value")), None)
        body = body or entry.get("summary")
        if not body or not body.strip():
            yield InputError(origin, "feed entry has neither content nor summary")
            continue
        try:
            published = normalize_published(entry.get("published") or entry.get("updated"))
        except ValueError as exc:
            yield InputError(origin, str(exc), field="published")
            continue
        metadata = {}
        if entry.get("author"):
            metadata["author"] = entry["author"]
        tags = [t.get("term") for t in entry.get("tags") or [] if t.get("term")]
        if tags:
            metadata["tags"] = tags
        yield RawArticle(
            text=fragment_to_text(body), origin=origin, id=entry.get("id") or None,
            title=entry.get("title") or None, url=entry.get("link") or None, outlet=outlet,
            published=published, metadata=metadata,
        )
