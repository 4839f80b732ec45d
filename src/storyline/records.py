"""The typed records that flow between stages.

A reader turns any input into :class:`RawArticle`; ingest cleans it into a stored
:class:`Article`. Both are plain dataclasses so that every stage is a function over them.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from .errors import Origin
from .spans import Span

#: Record fields that ingest derives itself; an input that carries them (an export) is not
#: asking for them to be stored as metadata.
DERIVED_FIELDS = ("revision", "duplicate_of", "duplicates")


@dataclass
class RawArticle:
    """One article as a reader found it, before cleaning.

    ``text`` is raw article text (boilerplate and all) unless ``prepared`` is true, which
    means it is already a cleaned body (the ``body`` field of a JSONL export) to keep as is.
    """

    text: str
    origin: Origin
    id: str | None = None
    outlet: str | None = None
    title: str | None = None
    url: str | None = None
    published: str | None = None
    metadata: dict = field(default_factory=dict)
    prepared: bool = False

    def article_id(self) -> str:
        """The input's id when it has one, otherwise a hash that is stable across runs.

        The hash is of the url when known (one url, one article), else of outlet, title and
        publication date when there is a title, else of the text itself.
        """
        if self.id:
            return self.id
        if self.url:
            key = ["url", self.url]
        elif self.title:
            key = ["title", self.outlet, self.title, self.published]
        else:
            key = ["text", self.outlet, self.text]
        return hashlib.sha256(json.dumps(key).encode()).hexdigest()[:16]

    def input_hash(self) -> str:
        """Fingerprint of everything the input says, to tell a re-ingest from a new revision."""
        payload = [self.outlet, self.title, self.url, self.published, self.text, self.prepared,
                   self.metadata]
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class Article:
    """A stored article: the latest revision of its cleaned body and what we know of it."""

    id: str
    revision: int
    outlet: str | None
    title: str | None
    url: str | None
    published: str | None
    body: str
    raw: str = ""
    duplicate_of: str | None = None
    duplicates: list[str] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)
    origin: str | None = None
    ingested_at: str | None = None

    def to_dict(self) -> dict:
        """The fields of ``storyline article --json`` and of every ``export`` line."""
        return {
            "id": self.id,
            "outlet": self.outlet,
            "title": self.title,
            "url": self.url,
            "published": self.published,
            "body": self.body,
            "revision": self.revision,
            "duplicate_of": self.duplicate_of,
            "duplicates": list(self.duplicates),
            "metadata": dict(self.metadata),
        }


@dataclass(frozen=True)
class Skipped:
    """A record of an input that holds no article and is not an error: a WARC request or
    metadata record, an image response. Ingest counts them by ``reason``."""

    origin: Origin
    reason: str


@dataclass
class IngestReport:
    """What one ingest did, for the closing line and for API callers."""

    new: int = 0
    revised: int = 0
    unchanged: int = 0
    duplicates: int = 0
    errors: list = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    new_stories: int = 0
    #: records that hold no article (WARC requests, images...), counted by reason
    skipped: dict[str, int] = field(default_factory=dict)

    def add(self, other: IngestReport) -> None:
        """Fold another report (one batch's) into this one."""
        self.new += other.new
        self.revised += other.revised
        self.unchanged += other.unchanged
        self.duplicates += other.duplicates
        self.new_stories += other.new_stories
        self.errors.extend(other.errors)
        self.ids.extend(other.ids)
        for reason, count in other.skipped.items():
            self.skipped[reason] = self.skipped.get(reason, 0) + count

    def summary(self) -> str:
        line = (f"{self.new} new, {self.unchanged} unchanged, {self.duplicates} duplicates, "
                f"{len(self.errors)} errors")
        if self.revised:
            line += f" ({self.revised} updated to a new revision)"
        if self.new_stories:
            line += f"; {self.new_stories} new {'story' if self.new_stories == 1 else 'stories'}"
        if self.skipped:
            total = sum(self.skipped.values())
            reasons = ", ".join(f"{count} {reason}" for reason, count in
                                sorted(self.skipped.items(), key=lambda kv: (-kv[1], kv[0])))
            line += f"; {total} record{'s' if total != 1 else ''} without an article skipped ({reasons})"
        return line

    def to_dict(self) -> dict:
        return {
            "new": self.new,
            "revised": self.revised,
            "unchanged": self.unchanged,
            "duplicates": self.duplicates,
            "new_stories": self.new_stories,
            "errors": [str(e) for e in self.errors],
            "ids": list(self.ids),
            "skipped": dict(self.skipped),
        }


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def normalize_published(value: object) -> str | None:
    """An ISO 8601 date or datetime string, or None; raise ValueError when it is no date.

    ISO input is kept at its own precision (``2021-03-14`` stays a date); other forms
    ("Sun, 14 Mar 2021 10:00:00 GMT", "14 March 2021") go through dateparser.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        raise ValueError(f"expected a date string, got {type(value).__name__}")
    text = value.strip()
    if len(text) > 100:
        raise ValueError(f"cannot read a {len(text):,}-character string as a date")
    if _ISO_DATE.match(text):
        return date.fromisoformat(text).isoformat()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()
    except ValueError:
        pass
    import dateparser  # slow to import; only free-form dates need it

    parsed = dateparser.parse(text, languages=None, settings={"RETURN_AS_TIMEZONE_AWARE": False})
    if parsed is None:
        raise ValueError(f"cannot read {value!r} as a date")
    return parsed.isoformat()


# -- annotation: what reading one article found ------------------------------------------------


@dataclass
class Entity:
    """One person, organisation or place as one article names it, all its mentions together.

    ``name`` is the canonical form (no titles or honorifics); ``aliases`` are the other ways
    the article writes it ("Dame Cressida", "Ms Dick", "the Met"); ``key`` is what the story
    level merges on across outlets. ``roles`` are job titles the article gives the entity
    ("mayor", "home office minister"), so "the mayor" can be resolved to it; ``gender`` is
    "male"/"female" only when an honorific or title says so.
    """

    id: str
    name: str
    type: str
    key: str
    aliases: list[str] = field(default_factory=list)
    mentions: list[Span] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    gender: str | None = None

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "type": self.type, "key": self.key,
                "aliases": list(self.aliases), "mentions": [m.to_dict() for m in self.mentions],
                "roles": list(self.roles), "gender": self.gender}


@dataclass
class Quote:
    """Words attributed to a speaker: quoted verbatim (direct, partial) or reported (indirect).

    ``span`` covers the quoted words without the quotation marks (the reported clause for
    an indirect quote). ``speaker`` is an entity's canonical name, a description of an unnamed
    speaker ("the crowd"), or None when the text does not say; never a pronoun.
    """

    text: str
    kind: str
    span: Span
    speaker: str | None = None
    speaker_entity: str | None = None
    speaker_span: Span | None = None
    cue: Span | None = None

    def to_dict(self) -> dict:
        return {"text": self.text, "speaker": self.speaker, "speaker_entity": self.speaker_entity,
                "kind": self.kind, "span": self.span.to_dict(),
                "speaker_span": self.speaker_span.to_dict() if self.speaker_span else None,
                "cue": self.cue.to_dict() if self.cue else None}


@dataclass
class DatedEvent:
    """A time expression resolved to a date, and the sentence (or clause) it dates.

    ``date`` is ISO 8601 at the precision the text supports: YYYY, YYYY-MM or YYYY-MM-DD.
    """

    date: str
    expression: str
    expression_span: Span
    span: Span

    @property
    def text(self) -> str:
        return self.span.text

    def to_dict(self) -> dict:
        return {"date": self.date, "expression": self.expression, "text": self.span.text,
                "span": self.span.to_dict(), "expression_span": self.expression_span.to_dict()}


@dataclass
class Annotation:
    """Everything read from one revision of one article; later stages read only this."""

    article_id: str
    revision: int
    sentences: list[Span] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    events: list[DatedEvent] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "article_id": self.article_id,
            "revision": self.revision,
            "sentences": [{"text": s.text, "span": s.to_dict()} for s in self.sentences],
            "entities": [e.to_dict() for e in self.entities],
            "quotes": [q.to_dict() for q in self.quotes],
            "events": [e.to_dict() for e in self.events],
        }


def annotation_from_dict(data: dict, body: str) -> Annotation:
    """Rebuild a stored annotation; every span's text is re-cut from the body it indexes."""
    from .spans import make_span

    article_id = data["article_id"]

    def span(d: dict | None) -> Span | None:
        if d is None:
            return None
        return make_span(article_id, body, d["start"], d["end"], trim=False)

    return Annotation(
        article_id=article_id,
        revision=data["revision"],
        sentences=[span(s["span"]) for s in data["sentences"]],
        entities=[Entity(id=e["id"], name=e["name"], type=e["type"], key=e["key"],
                         aliases=list(e["aliases"]), mentions=[span(m) for m in e["mentions"]],
                         roles=list(e.get("roles", [])), gender=e.get("gender"))
                  for e in data["entities"]],
        quotes=[Quote(text=span(q["span"]).text, kind=q["kind"],
                      span=span(q["span"]), speaker=q["speaker"],
                      speaker_entity=q["speaker_entity"], speaker_span=span(q.get("speaker_span")),
                      cue=span(q.get("cue")))
                for q in data["quotes"]],
        events=[DatedEvent(date=e["date"], expression=e["expression"],
                           expression_span=span(e["expression_span"]), span=span(e["span"]))
                for e in data["events"]],
    )
