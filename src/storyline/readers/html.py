"""HTML pages: trafilatura finds the article text, title, date, site name and canonical url."""

from __future__ import annotations

import codecs
import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from ..clean import count_words
from ..errors import InputError, LimitError, Origin
from ..limits import Limits
from ..records import RawArticle, normalize_published
from ..engine import Engine, Failure, Stage
from ._decode import looks_binary, looks_like_utf16

if TYPE_CHECKING:
    from . import Source

#: trafilatura's balanced defaults, without reader comments. Precision mode (F1 0.979 on the
#: article-extraction dev pages) lost article text on held-out pages (short paragraphs,
#: lists, quotes in their own paragraphs): on mozilla/readability's test pages it kept
#: 2462 of 2687 required strings, balanced mode 2513; the cleaning rules take out the
#: boilerplate balanced mode lets through.
EXTRACT_OPTIONS = {"include_comments": False, "include_tables": True}
#: An extraction worker whose own memory passes this (lxml and malloc keep what a large
#: page took) is replaced by a fresh one between pages.
RECYCLE_BYTES = 256 * 1024 * 1024
#: When the balanced extraction leaves fewer words than an article needs (it keeps only the
#: date of some blog pages), the extraction is redone in trafilatura's recall mode.
FALLBACK_OPTIONS = {"favor_recall": True, "include_comments": False, "include_tables": True}
#: Publication dates from the page's markup and metadata only; htmldate's extensive search of
#: the whole text costs a third of extraction time and mostly finds other dates.
DATE_OPTIONS = {"extensive_search": False, "original_date": True}


#: Embedded social posts (tweets, Instagram, TikTok) are part of the story they are quoted in;
#: trafilatura keeps a bare ``<blockquote>`` but discards the widget wrappers pages put around
#: it (classes with "social", "embed", "widget"), so the post is unwrapped first.
_EMBEDDED_POST = ("//blockquote[contains(@class, 'twitter-tweet')"
                  " or contains(@class, 'instagram-media') or contains(@class, 'tiktok-embed')]")
_EMBED_WRAPPER = re.compile(r"social|embed|tweet|widget|instagram|twitter", re.IGNORECASE)


def unwrap_embedded_posts(tree) -> None:
    """Replace each embedded post's wrappers (that hold nothing else) by a plain blockquote."""
    for quote in tree.xpath(_EMBEDDED_POST):
        for attr in ("class", "id", "style", "data-instgrm-permalink"):
            quote.attrib.pop(attr, None)
        node, parent = quote, quote.getparent()
        while parent is not None and parent.tag in ("div", "figure", "section", "span", "aside") \
                and _EMBED_WRAPPER.search(f"{parent.get('class') or ''} {parent.get('id') or ''}") \
                and all(child is node or not isinstance(child.tag, str)
                        or child.tag in ("script", "noscript") for child in parent):
            node, parent = parent, parent.getparent()
        if node is not quote and parent is not None:
            quote.tail = node.tail
            parent.replace(node, quote)


def page_metadata(tree, url: str | None) -> dict:
    """Title, canonical url, publication date and site name, with trafilatura's own helpers.

    trafilatura's full metadata pass also hunts for authors, categories, tags and licences
    through the whole page, which costs a third of extraction time; a brief needs none of them.
    """
    from htmldate import find_date
    from trafilatura import metadata as meta

    found = meta.examine_meta(tree)
    try:
        found = meta.extract_meta_json(tree, found)
    except Exception:  # trafilatura's JSON-LD parser fails on some malformed blocks
        pass
    page_url = found.url or meta.extract_url(tree, url) or url
    site = (found.sitename or meta.extract_sitename(tree) or "").strip().lstrip("@")
    if site and "." not in site and not site[0].isupper():
        site = site.title()
    if not site and page_url:
        site = urlparse(page_url).hostname or ""
    try:
        date = find_date(tree, url=page_url, **DATE_OPTIONS)
    except Exception:  # htmldate rejects some odd trees; a page without a date is fine
        date = None
    return {
        "title": ((found.title or meta.extract_title(tree) or "").strip()) or None,
        "url": page_url or None,
        "outlet": site.removeprefix("www.") or None,
        "published": date,
        "author": found.author if found.author and " " in found.author else None,
        "description": found.description,
    }


def _text(doc) -> str:
    """The text of trafilatura's extraction ("" when it found none)."""
    return (getattr(doc, "text", None) or "") if doc is not None else ""


def _not_html(head: str | bytes) -> str | None:
    """Why the start of a page says it is no HTML page at all (binary data, UTF-16 without
    a byte-order mark), or None."""
    if isinstance(head, str):
        head = head.encode("utf-8", errors="replace")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    if looks_like_utf16(head):
        return "UTF-16 without a byte-order mark: save the page as UTF-8"
    return "binary data, not an HTML page" if looks_binary(head) else None


def extract_html(html: str | bytes, origin: Origin, url: str | None = None,
                 min_words: int = 0) -> RawArticle | InputError:
    """One page to one raw article, or an error saying why there is none. Where the
    balanced extraction finds fewer than ``min_words`` words, recall mode is tried too."""
    import trafilatura

    if not html or (isinstance(html, (str, bytes)) and not html.strip()):
        return InputError(origin, "empty HTML page")
    problem = _not_html(html[:65536])
    if problem:
        return InputError(origin, problem)
    try:
        tree = trafilatura.load_html(html)
        if tree is None:
            return InputError(origin, "cannot parse HTML")
        unwrap_embedded_posts(tree)
        found = page_metadata(tree, url)
        text = _text(trafilatura.bare_extraction(tree, url=url, **EXTRACT_OPTIONS))
        if count_words(text) < min_words:
            again = trafilatura.load_html(html)
            unwrap_embedded_posts(again)
            more = _text(trafilatura.bare_extraction(again, url=url, **FALLBACK_OPTIONS))
            if count_words(more) > count_words(text):
                text = more
    except Exception as exc:  # trafilatura raises many kinds on hostile markup
        return InputError(origin, f"cannot parse HTML: {exc.__class__.__name__}: {exc}")
    if not text or not text.strip():
        return InputError(origin, "no article text found in the HTML page")
    try:
        published = normalize_published(found["published"])
    except ValueError:
        published = None
    metadata = {k: found[k] for k in ("author", "description") if found[k]}
    return RawArticle(text=text, origin=origin, title=found["title"], url=found["url"],
                      outlet=found["outlet"], published=published, metadata=metadata)


@dataclass
class HtmlPage:
    """A page waiting for extraction, so that extraction can run on every core.

    ``fields`` are what the input said besides the page (a JSONL record's id, title, url,
    outlet, published, metadata); they win over what the page says of itself.
    """

    html: str | bytes
    origin: Origin
    url: str | None = None
    fields: dict = field(default_factory=dict)


def extract_page(page: HtmlPage, min_words: int = 0) -> RawArticle | InputError:
    """Extract one waiting page and apply the input's own fields over the page's metadata."""
    item = extract_html(page.html, page.origin, url=page.url, min_words=min_words)
    if isinstance(item, RawArticle):
        for name in ("id", "title", "url", "outlet", "published"):
            if page.fields.get(name):
                setattr(item, name, page.fields[name])
        item.metadata.update(page.fields.get("metadata") or {})
    return item


def _page_cost(item) -> int:
    if isinstance(item, HtmlPage):
        return len(item.html)
    return len(getattr(item, "text", "") or "")


def _extract_stage(min_words: int, state: None, batch: list[HtmlPage], timings) -> list:
    return [extract_page(page, min_words=min_words) for page in batch]


def extraction_stage(limits: Limits) -> Stage:
    """Extraction as an engine stage: isolated, so that a page past ``limits.page_seconds``
    or ``limits.worker_memory_bytes``, or one that kills its worker, costs that page alone."""
    return Stage("extract", functools.partial(_extract_stage, limits.min_words), isolated=True,
                 seconds=limits.page_seconds, memory=limits.worker_memory_bytes,
                 recycle=RECYCLE_BYTES, preload=("storyline.readers.html", "trafilatura"))


def extract_pages(items: Iterable, engine: Engine, limits: Limits | None = None,
                  timings=None) -> Iterator:
    """Replace each :class:`HtmlPage` in a stream by its extraction, in order.

    Pages are extracted one per task by the ``engine``'s workers (at least one, even on one
    job): a page that fails comes back as an :class:`InputError` naming it. The engine holds
    a bounded number of pages at once, so memory stays bounded whatever the input's size.
    """
    limits = limits or Limits()
    for item, result in engine.map_batches(extraction_stage(limits), items, cost=_page_cost,
                                           passthrough=lambda item: not isinstance(item, HtmlPage),
                                           timings=timings):
        yield _failed(item, result, limits) if isinstance(result, Failure) else result


def _failed(page: HtmlPage, failure: Failure, limits: Limits) -> InputError:
    if failure.kind == "timeout":
        return LimitError(page.origin, f"extracting this page {failure}", "--page-seconds")
    if failure.kind == "memory":
        return LimitError(page.origin, f"extracting this page {failure}", "--worker-memory-mb")
    if failure.kind == "died":
        return InputError(page.origin, f"extracting this page failed: {failure}")
    return InputError(page.origin, f"cannot extract this page: {failure}")


def read(source: Source) -> Iterator[HtmlPage]:
    yield HtmlPage(source.read(), source.origin())
