"""A fetched feed's bytes to the entries storyline acts on (feedparser parses; nothing here
touches the network): which carry their article in full and which only point to it."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

from ..clean import count_words
from ..errors import InputError, Origin
from ..readers.feed import fragment_to_text

#: An entry's own content is taken as the article when it has at least this many words and
#: does not end by sending the reader to the page; fewer is a teaser, and the page is fetched.
FULL_CONTENT_WORDS = 40
#: A summary alone (RSS ``description``) is most often a teaser; only one this long is kept.
FULL_SUMMARY_WORDS = 150
_READ_MORE = re.compile(r"(read (the )?(full|more|rest)|continue reading|more\W*$|\[\W*(…|\.\.\.)\W*\]"
                        r"|(…|\.\.\.)\s*$)", re.IGNORECASE)


@dataclass
class FeedEntry:
    """One entry of a feed. ``key`` identifies it across rounds (its id, else its link);
    ``text`` is its own content as plain text; ``full`` says that text is the article."""

    key: str
    link: str | None
    title: str | None
    published: str | None
    text: str
    full: bool
    author: str | None = None
    tags: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> FeedEntry:
        return cls(**data)


@dataclass
class ParsedFeed:
    title: str | None
    site_url: str | None
    ttl: str | None
    entries: list[FeedEntry]


def entry_article_id(key: str) -> str:
    """The id of the article an entry (or a fetched URL) becomes: stable across rounds, so
    a page already stored is known before anything is fetched."""
    return hashlib.sha256(json.dumps(["entry", key]).encode()).hexdigest()[:16]


def _published(entry) -> str | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if parsed:
        try:
            return datetime(*parsed[:6], tzinfo=timezone.utc).isoformat()
        except (TypeError, ValueError):
            return None
    return None


def is_full_text(text: str, from_content: bool) -> bool:
    """Whether an entry's own text is the article rather than a teaser for it."""
    words = count_words(text)
    if words < (FULL_CONTENT_WORDS if from_content else FULL_SUMMARY_WORDS):
        return False
    return not _READ_MORE.search(text.strip()[-80:])


def _entry(entry, feed_url: str) -> FeedEntry | None:
    link = (entry.get("link") or "").strip() or None
    if link:
        link = urljoin(feed_url, link)
        if urlsplit(link).scheme not in ("http", "https"):
            link = None
    key = (entry.get("id") or "").strip() or link
    contents = [c.get("value") for c in entry.get("content") or [] if c.get("value")]
    from_content = bool(contents)
    body = contents[0] if contents else entry.get("summary") or ""
    text = fragment_to_text(body).strip() if body else ""
    if not key:
        if not text:
            return None
        key = "text:" + hashlib.sha256(text.encode()).hexdigest()[:24]
    tags = [t.get("term") for t in entry.get("tags") or [] if t.get("term")]
    return FeedEntry(key=key, link=link, title=(entry.get("title") or "").strip() or None,
                     published=_published(entry), text=text,
                     full=bool(text) and (is_full_text(text, from_content) or not link),
                     author=entry.get("author") or None, tags=tags)


def parse_feed(data: bytes, url: str) -> ParsedFeed | InputError:
    """The entries of a feed document, or an error naming the feed when it has none."""
    import feedparser

    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    entries = [e for e in (_entry(entry, url) for entry in parsed.get("entries") or []) if e]
    info = parsed.get("feed") or {}
    if not entries and not info.get("title"):
        problem = parsed.get("bozo_exception")
        return InputError(Origin(url), "not an RSS, Atom or RDF feed"
                          + (f": {problem}" if problem else ""))
    return ParsedFeed(title=(info.get("title") or "").strip() or None,
                      site_url=info.get("link") or None, ttl=info.get("ttl"), entries=entries)
