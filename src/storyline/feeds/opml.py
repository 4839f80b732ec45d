"""Subscription lists in and out as OPML, the format every feed reader imports and exports.

Reading goes through ``listparser`` (given bytes only, so it never fetches a URL). listparser
feeds the document to an HTML parser (lxml's, or the standard library's), which does not
expand ``<!ENTITY`` declarations: an entity bomb or an external entity stays the literal
text ``&name;`` (``tests/feeds/test_opml.py`` holds that, in case a later listparser changes).

listparser keeps no ``htmlUrl`` for a feed, so ``Subscription.site_url`` read from a file is
always None; the feed's own ``<link>`` supplies the site on its first fetch. Writing keeps it.

A category is the path of the nested outlines a feed sits in, its titles joined with
``" / "`` ("News / Local"); on writing, ``/`` separates the levels (as listparser splits an
outline's ``category`` attribute), so a title cannot itself hold a ``/``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass

import listparser

from storyline.errors import InputError, Origin

_SCHEMES = ("http://", "https://")
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Subscription:
    """One feed to follow: its URL (the identity), and what the list said about it."""

    url: str
    title: str | None = None
    category: str | None = None
    site_url: str | None = None


def _category(path: Iterable[str]) -> str | None:
    segments = [part.strip() for part in path if part.strip()]
    return " / ".join(segments) or None


def _segments(category: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (category or "").split("/") if part.strip())


def _named(entry) -> str:
    return repr(entry.get("title") or "(untitled)")


def read_opml(data: bytes, origin: str) -> tuple[list[Subscription], list[InputError]]:
    """The feeds an OPML file lists, and an error for each outline that cannot be followed.

    One bad outline never costs the others: the errors come back beside the subscriptions
    for the caller to show. A URL listed twice is followed once, under its first outline.
    """
    where = Origin(origin)
    if not isinstance(data, bytes):
        raise TypeError("read_opml takes the file's bytes (a str could be fetched as a URL)")
    parsed = listparser.parse(data)
    feeds = parsed.get("feeds") or []
    if not feeds and not str(parsed.get("version") or "").startswith("opml"):
        reason = parsed.get("bozo_exception") if parsed.get("bozo") else None
        detail = f" ({reason})" if reason else ""
        return [], [InputError(where, f"not an OPML file: no <opml> element{detail}")]

    subscriptions: list[Subscription] = []
    errors: list[InputError] = []
    seen: set[str] = set()
    for entry in feeds:
        url = (entry.get("url") or "").strip()
        if not url.lower().startswith(_SCHEMES):
            errors.append(InputError(
                where, f"outline {_named(entry)}: feed URL {url!r} is not http or https",
                field="xmlUrl"))
            continue
        if url in seen:
            continue
        seen.add(url)
        paths = entry.get("categories") or []
        subscriptions.append(Subscription(
            url=url, title=(entry.get("title") or "").strip() or None,
            category=_category(paths[0]) if paths else None))
    for entry in parsed.get("opportunities") or []:
        errors.append(InputError(
            where, f"outline {_named(entry)}: no feed URL (xmlUrl), only the site "
                   f"{entry.get('url')!r}", field="xmlUrl"))
    for entry in parsed.get("lists") or []:
        errors.append(InputError(
            where, f"outline {_named(entry)}: links another subscription list "
                   f"{entry.get('url')!r}, which is not followed", field="xmlUrl"))
    return subscriptions, errors


def _clean(text: str | None) -> str:
    """Text XML 1.0 can carry: ElementTree escapes markup but writes control characters as
    they are, which no parser reads back."""
    return _NOT_XML.sub("", text or "")


def write_opml(subscriptions: Iterable[Subscription],
               title: str = "storyline subscriptions") -> bytes:
    """An OPML 2.0 document (UTF-8) of the subscriptions, categories as nested outlines.

    Outlines come in the order their first subscription does; a URL given twice is written
    once (the first), as :func:`read_opml` would keep it.
    """
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = _clean(title)
    body = ET.SubElement(root, "body")
    groups: dict[tuple[str, ...], ET.Element] = {(): body}
    seen: set[str] = set()
    for sub in subscriptions:
        if sub.url in seen:
            continue
        seen.add(sub.url)
        path = _segments(_clean(sub.category))
        for depth in range(1, len(path) + 1):
            if path[:depth] not in groups:
                name = path[depth - 1]
                groups[path[:depth]] = ET.SubElement(
                    groups[path[:depth - 1]], "outline", text=name, title=name)
        name = _clean(sub.title)
        feed = ET.SubElement(groups[path], "outline", type="rss", text=name, title=name,
                             xmlUrl=_clean(sub.url))
        if sub.site_url:
            feed.set("htmlUrl", _clean(sub.site_url))
    ET.indent(root)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True) + b"\n"
