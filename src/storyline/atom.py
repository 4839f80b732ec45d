"""Updates as Atom feeds (RFC 4287), each entry's content what changed, as escaped HTML: a
story's (one entry per kept version of its brief after the first, what changed from the
version before) and a follow's (one entry per version of each of its stories' briefs kept
since the follow was made)."""

from __future__ import annotations

from collections.abc import Sequence
from xml.etree import ElementTree as ET

from .brief.updates import updates_headline, updates_html

ATOM = "http://www.w3.org/2005/Atom"


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def _feed(feed_id: str, title: str, updated: str, *, self_url: str,
          alternate_url: str) -> ET.Element:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _add(feed, "id", feed_id)
    _add(feed, "title", title)
    _add(feed, "updated", updated)
    _add(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    _add(feed, "link", rel="alternate", href=alternate_url, type="text/html")
    _add(_add(feed, "author"), "name", "storyline")
    _add(feed, "generator", "storyline")
    return feed


def _entry(feed: ET.Element, entry_id: str, title: str, updates: dict, url: str) -> None:
    entry = _add(feed, "entry")
    _add(entry, "id", entry_id)
    _add(entry, "title", title)
    _add(entry, "updated", updates["until"])
    _add(entry, "link", rel="alternate", href=url, type="text/html")
    _add(entry, "content", updates_html(updates), type="html")


def updates_atom(story_id: str, title: str, history: Sequence[dict], *, self_url: str,
                 story_url: str, generated: str) -> bytes:
    """The feed of one story's ``history`` (:meth:`Library.update_history`, oldest first;
    listed newest first). ``generated`` (ISO 8601) is its ``updated`` when there is no
    entry."""
    feed = _feed(f"tag:storyline,2026:story/{story_id}/updates", f"Updates: {title}",
                 history[-1]["until"] if history else generated, self_url=self_url,
                 alternate_url=story_url)
    for number, updates in reversed(list(enumerate(history, start=2))):
        # the change to version ``number`` of the brief
        _entry(feed, f"tag:storyline,2026:story/{story_id}/updates/{number}",
               updates_headline(updates), updates, story_url)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def follow_atom(follow_id: int, title: str, history: Sequence[dict], *, self_url: str,
                page_url: str, story_url: str, generated: str) -> bytes:
    """The feed of one follow's ``history`` (:meth:`Library.follow_history`: ``{"story_id",
    "title", "new", "updates"}`` oldest first; listed newest first). ``story_url`` has a
    ``{id}`` for the story's id; ``generated`` is the feed's ``updated`` when there is no
    entry."""
    feed = _feed(f"tag:storyline,2026:follow/{follow_id}", title,
                 history[-1]["updates"]["until"] if history else generated,
                 self_url=self_url, alternate_url=page_url)
    for item in reversed(history):
        updates = item["updates"]
        head = (f"New story: {item['title']}" if item["new"] else
                f"{item['title']}: {updates_headline(updates)}")
        _entry(feed, f"tag:storyline,2026:follow/{follow_id}/story/{item['story_id']}/"
                     f"{updates['until']}", head, updates,
               story_url.replace("{id}", item["story_id"]))
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
