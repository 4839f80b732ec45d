"""Follows and digests: what is new, since the last digest, in the stories a reader follows.

A follow is a story (by id), a search (an FTS5 query, as :meth:`Library.search`) or a
person's or organisation's name. A name is matched the cheap way that is still sound: an
FTS5 phrase query on the name finds the candidate stories, and a candidate is kept when its
brief names an entity (any type) whose name or one of whose aliases is the name, case and
spacing aside. A search or name follows at most :data:`MAX_STORIES` stories at a time (the
most recently published that match).

Following a story keeps its brief as it stands (so the first digest says what changed since
the follow); following a search or a name keeps the briefs of the stories it matches and
remembers them. A digest lists, for each follow, the :meth:`Library.updates` of its stories
since its last digest (or since it was made), and, for a search or a name, the stories it
did not match before, as new stories with their updates. When the digest completes, each
follow remembers the digest's time and the stories it matched. :class:`Library` delegates
here; this module reads and writes through the library's store.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from .brief.updates import has_updates, iso_time, parse_since, updates_markdown
from .errors import InputError, NotFoundError, Origin
from .history import compare
from .results import Follow

if TYPE_CHECKING:
    from .library import Library

KINDS = ("story", "query", "entity")
#: the most stories a search or name follow matches at a time
MAX_STORIES = 50


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def entity_query(name: str) -> str:
    """The FTS5 phrase query that finds the articles naming ``name``."""
    return '"' + " ".join(name.split()).replace('"', '""') + '"'


def names_entity(brief: dict, name: str) -> bool:
    """Whether a brief (``brief.schema.json``) names an entity called ``name``: its name or
    one of its aliases, case and spacing aside."""
    wanted = _normal(name)
    return any(_normal(alias) == wanted for entity in brief.get("entities", [])
               for alias in (entity["name"], *entity.get("aliases", [])))


def follow_id(value: int | str) -> int:
    """A follow id as given (``3`` or ``"3"``); NotFoundError for one that is no number."""
    try:
        return int(str(value).strip())
    except ValueError:
        raise NotFoundError("follow", str(value)) from None


def _get(lib: Library, value: int | str) -> Follow:
    found = lib.store.follow(follow_id(value))
    if found is None:
        raise NotFoundError("follow", str(value))
    return found


def matching(lib: Library, kind: str, value: str, now: datetime) -> list[str]:
    """The ids of the stories a follow matches now (a followed story: itself, when it is
    still there); briefs built on the way are kept as made ``now``."""
    if kind == "story":
        resolved = lib.store.resolve_story(value)
        return [resolved] if resolved else []
    query = value if kind == "query" else entity_query(value)
    found = [s.story_id for s in lib.stories(query=query, limit=MAX_STORIES)]
    if kind == "entity":
        found = [s for s in found if names_entity(json.loads(lib.brief_json(s, now=now)),
                                                  value)]
    return found


def follow(lib: Library, story_id: str | None = None, *, query: str | None = None,
           entity: str | None = None, now: datetime | None = None) -> Follow:
    """Follow one story, search or name (exactly one); see :meth:`Library.follow`."""
    given = [(k, v) for k, v in (("story_id", story_id), ("query", query), ("entity", entity))
             if v is not None]
    if len(given) != 1:
        raise InputError(Origin("arguments"), "follow one story id, query or entity name "
                         f"(given: {', '.join(k for k, _ in given) or 'none'})")
    field, value = given[0]
    value = " ".join(value.split()) if field == "entity" else value.strip()
    if not value:
        what = {"story_id": "story id", "query": "search query", "entity": "name"}[field]
        raise InputError(Origin("arguments"), f"the {what} is empty", field=field)
    if field == "entity" and not re.search(r"\w", value):
        raise InputError(Origin("arguments"), f"{value!r} has no word to search for",
                         field="entity")
    now = now or lib.clock()
    kind = "story" if field == "story_id" else field
    if kind == "story":
        resolved = lib.store.resolve_story(value)
        if resolved is None:
            raise NotFoundError("story", value)
        value = resolved
    stories = matching(lib, kind, value, now)  # a bad query raises QueryError here
    for story in stories:
        lib.brief_json(story, now=now)  # the digest compares with the story as it stands
    return lib.store.add_follow(kind, value, created_at=iso_time(now), stories=stories)


def unfollow(lib: Library, value: int | str) -> None:
    if not lib.store.remove_follow(follow_id(value)):
        raise NotFoundError("follow", str(value))


def digest(lib: Library, since: str | None = None, now: datetime | None = None, *,
           follow: int | str | None = None, remember: bool = True) -> dict:
    """What is new for each follow (or for one); see :meth:`Library.digest`."""
    now = now or lib.clock()
    until = iso_time(now)
    given = None
    if since is not None and since.strip().lower() not in ("", "last"):
        try:
            given = parse_since(since, now)
        except ValueError as exc:
            raise InputError(Origin("arguments"), str(exc), field="since") from None
    follows = [_get(lib, follow)] if follow is not None else lib.store.follows()
    found, marks = [], []
    for item in follows:
        start = given or item.last_digest_at or item.created_at
        known = {lib.store.resolve_story(s) for s in item.stories} - {None}
        current = matching(lib, item.kind, item.value, now)
        stories = []
        for story in current:
            updates = lib.updates(story, start, now=now)
            new = item.kind != "story" and story not in known
            if new or has_updates(updates):
                stories.append({"story_id": story, "title": updates["title"], "new": new,
                                "updates": updates})
        found.append({"follow": item.to_dict(), "since": start, "gone": not current
                      and item.kind == "story", "stories": stories})
        marks.append((item.id, until, known | set(current)))
    if remember:
        lib.store.mark_digests(marks)
    return {"since": given, "until": until, "follows": found}


def follow_label(item: dict | Follow) -> str:
    """How a follow is named in a digest: ``story se00961cc04e``, ``query "Clapham"``,
    ``entity Sadiq Khan``."""
    kind, value = (item["kind"], item["value"]) if isinstance(item, dict) else (
        item.kind, item.value)
    return f'query "{value}"' if kind == "query" else f"{kind} {value}"


def digest_markdown(found: dict) -> str:
    """A digest as Markdown: a section per follow, a subsection per story with news (its
    updates, as ``storyline updates`` prints them), every line with the span it cites."""
    lines = [f"# Digest until {found['until']}", ""]
    if not found["follows"]:
        lines.append("Nothing is followed: run `storyline follow STORY_ID`, "
                     "`--query QUERY` or `--entity NAME`.")
        return "\n".join(lines) + "\n"
    for item in found["follows"]:
        lines += [f"## Follow {item['follow']['id']}: {follow_label(item['follow'])}", "",
                  f"Since {item['since']}.", ""]
        if item["gone"]:
            lines += ["The story is gone (reclustered away).", ""]
        elif not item["stories"]:
            lines += ["Nothing new.", ""]
        for story in item["stories"]:
            body = updates_markdown(story["updates"]).splitlines()
            head = "New story" if story["new"] else "Story"
            lines += [f"### {head}: {story['title']} [{story['story_id']}]"]
            rest = [("##" + line) if line.startswith("#") else line for line in body[1:]
                    if not line.startswith("Since ")]
            while rest and not rest[0].strip():
                rest.pop(0)
            lines += ["", *rest, ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def follow_history(lib: Library, value: int | str) -> tuple[Follow, list[dict]]:
    """Every change of the follow's stories since it was made, oldest first: for each brief
    version kept after the follow was made, what changed from the version before (a story
    first kept after it: everything), each ``{"story_id", "title", "new", "updates"}``."""
    item = _get(lib, value)
    now = lib.clock()
    stories: Iterable[str] = dict.fromkeys(
        [*filter(None, (lib.store.resolve_story(s) for s in item.stories)),
         *matching(lib, item.kind, item.value, now)])
    found = []
    for story in stories:
        lib.brief_json(story, now=now)  # keeps a version when the story changed
        versions = lib.store.brief_versions(story)
        for before, version in zip([None, *versions], versions):
            if version.made_at <= item.created_at:
                continue
            updates = compare(lib, before, version, since=before.made_at if before else
                              item.created_at)
            found.append({"story_id": story, "title": updates["title"],
                          "new": before is None, "updates": updates})
    found.sort(key=lambda e: (e["updates"]["until"], e["story_id"]))
    return item, found


__all__ = ["KINDS", "MAX_STORIES", "digest", "digest_markdown", "entity_query", "follow",
           "follow_history", "follow_id", "follow_label", "matching", "names_entity",
           "unfollow"]
