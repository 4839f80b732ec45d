"""What changed in a story between two of its briefs (``updates.schema.json``).

:func:`brief_updates` compares two brief dicts (``brief.schema.json``): the one kept as the
story stood at some time, and the one now. It stores nothing and reads nothing: the caller
gives the bodies each brief cites (to cut the text of every span, so ``text ==
body[start:end]`` holds in what it answers) and the articles revised in between. A line of
the old brief and one of the new are the same line when they cite the same words of the
same article, so offsets that moved with a revision do not make old lines new.

What it lists: the sources that are new; the facts that are new, that went from one outlet
to corroborated, or that came into conflict; the quotes of speakers new to the story; the
timeline entries that are new; and for each article revised, the sentences of its new
revision that its old one does not have.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone

UPDATES_SCHEMA_VERSION = 1
_DURATION = re.compile(r"(\d+)\s*([smhdw])", re.ASCII)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}

Key = tuple[str, str]
_RANK = {"": 0, "single-source": 1, "corroborated": 2, "conflict": 3}


def iso_time(value: datetime) -> str:
    """A time as kept brief versions record it: UTC ISO 8601 to the second."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat(timespec="seconds")


def parse_since(value: str, now: datetime) -> str:
    """``--since`` as a UTC ISO time: an ISO 8601 date or time (UTC unless it says
    otherwise), or a duration back from ``now`` (``30m``, ``6h``, ``2d``, ``1w``, ``1d12h``).
    Raises ValueError with a message fit for the command line."""
    text = str(value).strip()
    spec = text.lower().replace(" ", "")
    if spec and re.fullmatch(r"(\d+[smhdw])+", spec, re.ASCII):
        delta = timedelta()
        for count, unit in _DURATION.findall(spec):
            delta += timedelta(**{_UNITS[unit]: int(count)})
        return iso_time(now - delta)
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(f"not a time: {value!r} (give an ISO time such as "
                         "2021-03-14T09:00:00Z, or a duration back from now such as 30m, 6h "
                         "or 2d)") from None
    return iso_time(when)


def _cut(span: Mapping, bodies: Mapping[str, str]) -> dict:
    """A span with its text cut from the body it cites."""
    body = bodies.get(span["article_id"], "")
    return {"article_id": span["article_id"], "start": span["start"], "end": span["end"],
            "text": body[span["start"]:span["end"]]}


def _key(span: Mapping, bodies: Mapping[str, str]) -> Key:
    return span["article_id"], _cut(span, bodies)["text"]


def _keys(spans: Iterable[Mapping], bodies: Mapping[str, str]) -> set[Key]:
    return {_key(s, bodies) for s in spans}


def _source_ids(brief: Mapping | None) -> set[str]:
    found: set[str] = set()
    for source in (brief or {}).get("sources", []):
        found.add(source["article_id"])
        found.update(source.get("duplicates", []))
    return found


def _facts(old: Mapping | None, new: Mapping, old_bodies: Mapping[str, str],
           new_bodies: Mapping[str, str]) -> list[dict]:
    was: dict[Key, set[str]] = {}
    for fact in (old or {}).get("facts", []):
        for key in _keys(fact["evidence"], old_bodies):
            was.setdefault(key, set()).add(fact["status"])
    found = []
    for fact in new.get("facts", []):
        # a sentence can be evidence of two facts (corroborated by one outlet, contradicted
        # by another): a fact changed only when no fact of its sentences had its status
        before = {s for k in _keys(fact["evidence"], new_bodies) for s in was.get(k, ())}
        status = fact["status"]
        if not before:
            change = "new"
        elif status != "single-source" and status not in before:
            change = status
        else:
            continue
        found.append({
            "change": change, "status": status,
            "was": max(before, key=_RANK.__getitem__) if before else None,
            "text": fact["text"], "citation": _cut(fact["citation"], new_bodies),
            "evidence": [_cut(s, new_bodies) for s in fact["evidence"]],
            "outlets": list(fact.get("outlets", [])),
            "disagreement": list(fact.get("disagreement", [])),
        })
    return found


def _quotes(old: Mapping | None, new: Mapping, new_bodies: Mapping[str, str]) -> list[dict]:
    speakers = {q["speaker"].casefold() for q in (old or {}).get("quotes", []) if q["speaker"]}
    return [{"text": q["text"], "speaker": q["speaker"], "speaker_entity": q["speaker_entity"],
             "kind": q["kind"], "span": _cut(q["span"], new_bodies)}
            for q in new.get("quotes", [])
            if q["speaker"] and q["speaker"].casefold() not in speakers]


def _timeline(old: Mapping | None, new: Mapping, old_bodies: Mapping[str, str],
              new_bodies: Mapping[str, str]) -> list[dict]:
    seen: set[Key] = set()
    for entry in (old or {}).get("timeline", []):
        seen |= _keys([entry["span"], *entry.get("also_in", [])], old_bodies)
    found = []
    for entry in new.get("timeline", []):
        if _keys([entry["span"], *entry.get("also_in", [])], new_bodies) & seen:
            continue
        found.append({"date": entry["date"], "expression": entry["expression"],
                      "text": entry["text"], "span": _cut(entry["span"], new_bodies),
                      "also_in": [_cut(s, new_bodies) for s in entry.get("also_in", [])]})
    return found


def revised_sentences(old_body: str, new_body: str,
                      sentences: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The sentences (``(start, end)`` offsets into ``new_body``) whose words the old body
    does not have."""
    return [(start, end) for start, end in sentences
            if new_body[start:end].strip() and new_body[start:end].strip() not in old_body]


def brief_updates(old: Mapping | None, new: Mapping, *, old_bodies: Mapping[str, str],
                  new_bodies: Mapping[str, str], revised: Sequence[Mapping] = (),
                  since: str | None = None, compared_with: str | None = None,
                  until: str | None = None, rebuilt: bool = False) -> dict:
    """What changed from brief ``old`` (None: there was none, so everything is new) to
    brief ``new`` (``updates.schema.json``). ``old_bodies`` and ``new_bodies`` are the bodies
    each cites, by article id; ``revised`` lists the articles revised in between, each
    ``{"article_id", "from_revision", "to_revision", "old_body", "sentences"}`` with the
    ``(start, end)`` sentences of the new revision (in ``new_bodies``). ``rebuilt``: ``old``
    was rebuilt from the articles as stored at ``since``, not a kept version."""
    old_ids = _source_ids(old)
    sources = {s["article_id"]: s for s in new.get("sources", [])}
    for source in new.get("sources", []):
        for copy in source.get("duplicates", []):
            sources.setdefault(copy, source)
    revisions = []
    for item in revised:
        article_id = item["article_id"]
        body = new_bodies.get(article_id, "")
        source = sources.get(article_id, {})
        changed = revised_sentences(item["old_body"], body, item["sentences"])
        revisions.append({
            "article_id": article_id, "outlet": source.get("outlet"),
            "title": source.get("title"), "from_revision": item["from_revision"],
            "to_revision": item["to_revision"],
            "sentences": [{"text": body[s:e], "span": {"article_id": article_id, "start": s,
                                                       "end": e, "text": body[s:e]}}
                          for s, e in changed]})
    return {
        "schema_version": UPDATES_SCHEMA_VERSION,
        "story_id": new["story_id"], "title": new["title"],
        "since": since, "compared_with": compared_with, "rebuilt": rebuilt, "until": until,
        "sources": [{"article_id": s["article_id"], "outlet": s["outlet"], "title": s["title"],
                     "url": s["url"], "published": s["published"],
                     "label": s.get("label") or s["outlet"] or s["title"] or s["article_id"]}
                    for s in new.get("sources", []) if s["article_id"] not in old_ids],
        "facts": _facts(old, new, old_bodies, new_bodies),
        "quotes": _quotes(old, new, new_bodies),
        "timeline": _timeline(old, new, old_bodies, new_bodies),
        "revised": revisions,
    }


def has_updates(updates: Mapping) -> bool:
    return any(updates[part] for part in ("sources", "facts", "quotes", "timeline", "revised"))


def _cite(span: Mapping) -> str:
    return f"[{span['article_id']} {span['start']}:{span['end']}]"


def compared_what(updates: Mapping) -> str:
    """What the updates were compared with, in words."""
    against = updates.get("compared_with")
    if updates.get("rebuilt"):
        return f"the brief rebuilt from the story's articles as stored at {against}"
    if against:
        return f"the brief as made at {against}"
    return "the story had no article by then: everything is new"


def updates_markdown(updates: Mapping) -> str:
    """The updates as Markdown, every line with the span it cites."""
    since = updates.get("since")
    lines = [f"# Updates: {updates['title']}", ""]
    if since:
        lines += [f"Since {since} ({compared_what(updates)}).", ""]
    if not has_updates(updates):
        lines.append("Nothing changed.")
        return "\n".join(lines) + "\n"
    if updates["sources"]:
        lines += ["## New sources", ""]
        lines += [f"- {s['label']}: {s['title'] or '(no title)'} "
                  f"({(s['published'] or 'undated')[:10]}) [{s['article_id']}]"
                  for s in updates["sources"]]
        lines.append("")
    if updates["facts"]:
        lines += ["## Facts", ""]
        for fact in updates["facts"]:
            what = {"new": f"new, {fact['status']}", "corroborated": "now corroborated",
                    "conflict": "now in conflict"}[fact["change"]]
            extra = f" ({'; '.join(fact['disagreement'])})" if fact["disagreement"] else ""
            lines.append(f"- **{what}**{extra}: {fact['text']} {_cite(fact['citation'])}")
            if fact["status"] != "single-source":
                lines += [f"  - {e['text']} {_cite(e)}" for e in fact["evidence"]]
        lines.append("")
    if updates["quotes"]:
        lines += ["## New speakers", ""]
        lines += [f"- {q['speaker']}: \u201c{q['text']}\u201d {_cite(q['span'])}"
                  for q in updates["quotes"]]
        lines.append("")
    if updates["timeline"]:
        lines += ["## New on the timeline", ""]
        lines += [f"- {t['date']}: {t['text']} {_cite(t['span'])}" for t in updates["timeline"]]
        lines.append("")
    for item in updates["revised"]:
        lines += [f"## Revised: {item['title'] or item['article_id']} (revision "
                  f"{item['from_revision']} to {item['to_revision']})", ""]
        lines += [f"- {s['text']} {_cite(s['span'])}" for s in item["sentences"]]
        if not item["sentences"]:
            lines.append("- (no sentence is new: only words were removed or moved)")
        lines.append("")
    return "\n".join(lines)


def updates_headline(updates: Mapping) -> str:
    """One line that says what changed: "1 new source, 2 facts, 1 new speaker"."""
    def count(n: int, one: str, many: str) -> str | None:
        return f"{n} {one if n == 1 else many}" if n else None

    speakers = {q["speaker"] for q in updates["quotes"]}
    parts = [count(len(updates["sources"]), "new source", "new sources"),
             count(len(updates["facts"]), "fact", "facts"),
             count(len(speakers), "new speaker", "new speakers"),
             count(len(updates["timeline"]), "timeline entry", "timeline entries"),
             count(len(updates["revised"]), "revised article", "revised articles")]
    return ", ".join(p for p in parts if p) or "nothing changed"


def updates_html(updates: Mapping) -> str:
    """The updates as an HTML fragment (every text escaped), each line with its citation."""
    from html import escape

    def cite(span: Mapping) -> str:
        return (f' <cite>[{escape(span["article_id"])} {span["start"]}:{span["end"]}]'
                "</cite>")

    out: list[str] = []

    def part(title: str, items: list[str]) -> None:
        if items:
            out.append(f"<h3>{escape(title)}</h3><ul>" + "".join(f"<li>{i}</li>" for i in items)
                       + "</ul>")

    part("New sources", [f"{escape(s['label'])}: {escape(s['title'] or '(no title)')} "
                         f"({escape((s['published'] or 'undated')[:10])})"
                         for s in updates["sources"]])
    facts = []
    for fact in updates["facts"]:
        what = {"new": f"new, {fact['status']}", "corroborated": "now corroborated",
                "conflict": "now in conflict"}[fact["change"]]
        extra = f" ({escape('; '.join(fact['disagreement']))})" if fact["disagreement"] else ""
        line = f"<strong>{escape(what)}</strong>{extra}: {escape(fact['text'])}"
        line += cite(fact["citation"])
        if fact["status"] != "single-source":
            line += "<ul>" + "".join(f"<li>{escape(e['text'])}{cite(e)}</li>"
                                     for e in fact["evidence"]) + "</ul>"
        facts.append(line)
    part("Facts", facts)
    part("New speakers", [f"{escape(q['speaker'])}: \u201c{escape(q['text'])}\u201d"
                          + cite(q["span"]) for q in updates["quotes"]])
    part("New on the timeline", [f"{escape(t['date'])}: {escape(t['text'])}" + cite(t["span"])
                                 for t in updates["timeline"]])
    for item in updates["revised"]:
        part(f"Revised: {item['title'] or item['article_id']} (revision "
             f"{item['from_revision']} to {item['to_revision']})",
             [escape(x["text"]) + cite(x["span"]) for x in item["sentences"]])
    return "".join(out) or "<p>Nothing changed.</p>"
