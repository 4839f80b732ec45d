"""A story's history: its brief as it stood at a moment, and what changed since.

Briefs are kept as versions when they are built (:meth:`Library.brief_json`), so a story
nobody has read has none, and a version kept days before ``since`` would count as new what
arrived between it and ``since``. Every revision is stored with the time it was ingested and
keeps its annotation, so the brief as it stood at ``since`` can be rebuilt exactly from the
story's articles as they were then (each one's newest revision ingested by then; articles
ingested later left out). The kept version is used when it was made from just those
revisions (it also knows how the story was grouped then); otherwise the rebuilt one, and the
updates say so (``rebuilt``). Grouping is today's: an article that joined the story through a
later merge counts as part of it at ``since`` if it was stored by then.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import TYPE_CHECKING

from .brief import build_brief
from .brief.updates import brief_updates, iso_time, parse_since
from .errors import InputError, NotFoundError, Origin
from .results import BriefVersion
from .store._summaries import headline_of

if TYPE_CHECKING:
    from .library import Library


def brief_as_of(lib: Library, story_id: str, time: str, *,
                revisions: dict[str, int] | None = None) -> BriefVersion | None:
    """The brief of a (resolved) story rebuilt from its articles as stored at ``time``
    (UTC ISO 8601), None when none of them was stored by then. Its title is its headline
    article's when that was stored by then, else the earliest published one's (where a
    story's headline starts), a guess when the headline moved in between."""
    from .library import brief_sources

    revisions = lib.store.story_revisions_at(story_id, time)
    if not revisions:
        return None
    story = lib.story(story_id)
    order = [s.article_id for s in story.sources if s.article_id in revisions]
    sources = brief_sources(lib.store, order, revisions=revisions)
    head = story.headline_article if story.headline_article in revisions else order[0]
    article = lib.store.article_at(head, revisions[head])
    title = headline_of(article.title, article.body) if article else story.title
    data = json.dumps(build_brief(story.story_id, title, sources).to_dict(),
                      ensure_ascii=False)
    return BriefVersion(time, data, revisions)


def version_at(lib: Library, story_id: str, time: str) -> tuple[BriefVersion | None, bool]:
    """The brief of a (resolved) story as it stood at ``time``, and whether it was rebuilt:
    the newest version kept by then when it was made from the revisions stored by then (or
    says nothing of its revisions, as versions carried over from the brief cache do), else
    the rebuilt one (:func:`brief_as_of`); (None, False) when the story had nothing yet."""
    kept = lib.store.brief_version_at(story_id, time)
    if kept is not None and not kept.revisions:
        return kept, False
    stored = lib.store.story_revisions_at(story_id, time)
    if not stored or (kept is not None and kept.revisions == stored):
        return kept, False
    return brief_as_of(lib, story_id, time, revisions=stored), True


def story_updates(lib: Library, story_id: str, since: str, *,
                  now: datetime | None = None) -> dict:
    """What changed in a story since ``since``; see :meth:`Library.updates`."""
    now = now or lib.clock()
    try:
        since_time = parse_since(since, now)
    except ValueError as exc:
        raise InputError(Origin("arguments"), str(exc), field="since") from None
    resolved = lib.store.resolve_story(story_id)
    if resolved is None:
        raise NotFoundError("story", story_id)
    data = lib.brief_json(resolved, now=now)
    made_of = lib.store.story_fingerprint(resolved)
    current = BriefVersion(iso_time(now), data or "{}", {r[0]: r[1] for r in made_of[1:]})
    old, rebuilt = version_at(lib, resolved, since_time)
    return compare(lib, old, current, since=since_time, rebuilt=rebuilt)


def update_history(lib: Library, story_id: str) -> list[dict]:
    """Every change between kept versions; see :meth:`Library.update_history`."""
    resolved = lib.store.resolve_story(story_id)
    if resolved is None:
        raise NotFoundError("story", story_id)
    versions = lib.store.brief_versions(resolved)
    return [compare(lib, a, b, since=a.made_at) for a, b in zip(versions, versions[1:])]


def compare(lib: Library, old: BriefVersion | None, new: BriefVersion, *, since: str,
            rebuilt: bool = False) -> dict:
    """The updates (``updates.schema.json``) from brief version ``old`` (None: everything
    is new) to ``new``, each span cut from the revision its version was made from. The
    same brief made from the same revisions has nothing new, and is not compared: a digest
    asks this of every story a follow matches, most of them unchanged."""
    if old is not None and old.data == new.data and old.revisions == new.revisions:
        brief = json.loads(new.data)
        return brief_updates(brief, brief, old_bodies={}, new_bodies={}, revised=[],
                             since=since, until=new.made_at, compared_with=old.made_at,
                             rebuilt=rebuilt)
    old_brief = json.loads(old.data) if old else None
    new_brief = json.loads(new.data)
    old_bodies = version_bodies(lib, old_brief, old.revisions) if old else {}
    new_bodies = version_bodies(lib, new_brief, new.revisions)
    revised = []
    for article_id, revision in new.revisions.items():
        before = old.revisions.get(article_id) if old else None
        if before is None or revision <= before:
            continue
        annotation = lib.store.annotation_at(article_id, revision)
        body = new_bodies.get(article_id) or ""
        sentences = ([(s.start, s.end) for s in annotation.sentences] if annotation else
                     [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", body)])
        revised.append({"article_id": article_id, "from_revision": before,
                        "to_revision": revision, "sentences": sentences,
                        "old_body": lib.store.revision_body(article_id, before) or ""})
    return brief_updates(old_brief, new_brief, old_bodies=old_bodies, new_bodies=new_bodies,
                         revised=revised, since=since, until=new.made_at,
                         compared_with=old.made_at if old else None, rebuilt=rebuilt)


def version_bodies(lib: Library, brief: dict, revisions: dict[str, int]) -> dict[str, str]:
    """The bodies a kept brief cites: each article's at the revision it was made from (its
    current one when the version does not say)."""
    ids = [i for s in brief.get("sources", []) for i in (s["article_id"], *s["duplicates"])]
    current = lib.bodies(i for i in ids if i not in revisions)
    found = {i: lib.store.revision_body(i, revisions[i]) for i in ids if i in revisions}
    return {**current, **{i: b for i, b in found.items() if b is not None}}


__all__ = ["brief_as_of", "compare", "story_updates", "update_history", "version_at",
           "version_bodies"]
