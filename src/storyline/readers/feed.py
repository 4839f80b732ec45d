"""RSS and Atom feeds (feedparser): one article per entry, the feed's title as outlet."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..errors import InputError, LimitError
from ..limits import megabytes
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


_DECLARES_ENTITIES = re.compile(rb"<!ENTITY\s", re.IGNORECASE)


def _entities_refused(source: Source) -> InputError:
    """Entity declarations are how XML asks a reader to expand text a billion times or to
    read a local file; neither feedparser nor the streamed reader does either."""
    return InputError(source.origin(), "declares XML entities in its DOCTYPE, which storyline "
                      "never expands (nor reads the files they name): the entries are read "
                      "with the references left as they are")


def _entry_article(entry, origin, outlet: str | None) -> RawArticle | InputError:
    contents = entry.get("content") or []
    body = next((c.get("value") for c in contents if c.get("value")), None)
    body = body or entry.get("summary")
    if not body or not body.strip():
        return InputError(origin, "feed entry has neither content nor summary")
    try:
        published = normalize_published(entry.get("published") or entry.get("updated"))
    except ValueError as exc:
        return InputError(origin, str(exc), field="published")
    metadata = {}
    if entry.get("author"):
        metadata["author"] = entry["author"]
    tags = [t.get("term") for t in entry.get("tags") or [] if t.get("term")]
    if tags:
        metadata["tags"] = tags
    return RawArticle(
        text=fragment_to_text(body), origin=origin, id=entry.get("id") or None,
        title=entry.get("title") or None, url=entry.get("link") or None, outlet=outlet,
        published=published, metadata=metadata,
    )


def read(source: Source) -> Iterator[RawArticle | InputError]:
    """A feed of up to ``max_record_bytes`` is parsed whole by feedparser; a larger one is
    read an entry at a time (:func:`stream_entries`), so memory stays flat however large."""
    import feedparser

    try:
        data = source.read()
    except LimitError:
        yield from _read_streamed(source)
        return
    if _DECLARES_ENTITIES.search(data[:65536]):
        yield _entities_refused(source)
    parsed = feedparser.parse(data)
    entries = parsed.get("entries") or []
    if not entries:
        problem = parsed.get("bozo_exception")
        why = f": {problem}" if problem else ""
        yield InputError(source.origin(), f"not an RSS/Atom feed with entries{why}")
        return
    outlet = (parsed.get("feed") or {}).get("title") or None
    for number, entry in enumerate(entries, start=1):
        yield _entry_article(entry, source.origin(record=number), outlet)


_ENTRY_TAGS = ("item", "entry")


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def stream_entries(fh, limit: int) -> Iterator[tuple[str | None, bytes | None]]:
    """``(feed title, entry document)`` for each entry of a feed, read incrementally with
    lxml: each entry is cut out as a feed of one entry (the root element and the channel
    around it, namespaces kept) for feedparser, then dropped from memory; ``fh`` is a
    buffered stream (:meth:`Source.open`). An entry whose text passes ``limit`` bytes comes
    back as ``(title, None)`` without being kept. Entities are never resolved and nothing
    is fetched."""
    from lxml import etree

    head = fh.peek(4096)[:4096]
    encoding = None
    if not re.match(rb"\s*<\?xml[^>]*encoding", head):
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # no declaration and not UTF-8: guess, as feedparser
                encoding = _guess_encoding(head)
    events = etree.iterparse(fh, events=("start", "end"), resolve_entities=False,
                             no_network=True, load_dtd=False, huge_tree=False, recover=True,
                             encoding=encoding)
    title: str | None = None
    entry_depth, size, depth = None, 0, 0
    for event, element in events:
        if event == "start":
            depth += 1
            if entry_depth is None and _local(element.tag) in _ENTRY_TAGS:
                entry_depth, size = depth, 0
            continue
        depth -= 1
        if entry_depth is None:
            if title is None and _local(element.tag) == "title" and depth <= 2:
                title = (element.text or "").strip() or None
            continue
        size += len(element.text or "") + len(element.tail or "")
        if size > limit:
            element.clear(keep_tail=False)
        if depth + 1 > entry_depth:
            continue
        entry_depth = None
        if size > limit:
            yield title, None
        else:
            yield title, _one_entry_feed(element)
        element.clear(keep_tail=False)
        parent = element.getparent()
        while parent is not None and element.getprevious() is not None:
            del parent[0]


def _guess_encoding(head: bytes) -> str:
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(head).best()
    except ImportError:  # trafilatura brings it; without it, the usual legacy encoding
        best = None
    return best.encoding if best is not None else "windows-1252"


def _one_entry_feed(entry) -> bytes:
    from copy import deepcopy

    from lxml import etree

    root = entry.getroottree().getroot()
    doc = etree.Element(root.tag, attrib=dict(root.attrib), nsmap=root.nsmap)
    holder, parent = doc, entry.getparent()
    if parent is not None and parent is not root:
        holder = etree.SubElement(doc, parent.tag, nsmap=parent.nsmap)
    holder.append(deepcopy(entry))
    return etree.tostring(doc, encoding="utf-8", xml_declaration=True)


def _read_streamed(source: Source) -> Iterator[RawArticle | InputError]:
    import feedparser

    limit = source.limits.max_record_bytes
    number = 0
    try:
        with source.open() as fh:
            if _DECLARES_ENTITIES.search(fh.peek(65536)[:65536]):
                yield _entities_refused(source)
            for title, document in stream_entries(fh, limit):
                number += 1
                origin = source.origin(record=number)
                if document is None:
                    yield LimitError(origin, f"a feed entry over the limit of {megabytes(limit)} "
                                     "for one record", "--max-record-mb")
                    continue
                entries = feedparser.parse(document).get("entries") or []
                if not entries:
                    yield InputError(origin, "not a readable feed entry")
                    continue
                yield _entry_article(entries[0], origin, title)
    except InputError:
        raise
    except Exception as exc:  # lxml's XMLSyntaxError and the like, past what it recovers
        yield InputError(source.origin(record=number + 1), f"cannot read the feed past this "
                         f"entry: {exc.__class__.__name__}: {exc}")
        return
    if not number:
        yield InputError(source.origin(), "not an RSS/Atom feed with entries")
