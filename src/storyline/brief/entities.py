"""The story's people, organisations and places, merged across its sources."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from .model import BriefEntity, BriefSource

_TYPES = ("PERSON", "ORG", "GPE", "LOC", "FAC", "EVENT", "NORP", "OTHER")


def _merge_keys(sources: Sequence[BriefSource]) -> dict[str, str]:
    """Entity key -> the key it merges into across the story's sources.

    Keys already agree across outlets for the same written name; beyond that, a person
    named by surname alone ("PERSON:atkins") joins the only person of the story with that
    surname, one named with more words ("Brian G. Nichols", "Pastor Larry Kroon") joins the
    only shorter name of the story that its words contain in order ("Brian Nichols",
    "Larry Kroon"), and an entity whose alias is another's canonical name joins it.
    """
    names: dict[str, Counter] = defaultdict(Counter)
    aliases: dict[str, set[str]] = defaultdict(set)
    for source in sources:
        for entity in source.annotation.entities if source.annotation else ():
            names[entity.key][entity.type] += len(entity.mentions)
            aliases[entity.key].update(a.casefold() for a in entity.aliases)
    target: dict[str, str] = {}
    by_name: dict[str, list[str]] = defaultdict(list)
    surnames: dict[str, list[str]] = defaultdict(list)
    for key in names:
        type_, name = key.split(":", 1)
        by_name[f"{type_}:{name}"].append(key)
        if type_ == "PERSON" and " " in name:
            surnames[name.rsplit(" ", 1)[1]].append(key)
    people = [key.split(":", 1)[1].split() for key in names if key.startswith("PERSON:")]
    for key in names:
        type_, name = key.split(":", 1)
        if type_ != "PERSON":
            continue
        words = name.split()
        if len(words) == 1:
            if len(surnames.get(name, ())) == 1:
                target[key] = surnames[name][0]
            continue
        shorter = [other for other in people
                   if 2 <= len(other) < len(words) and _subsequence(other, words)]
        if len(shorter) == 1:
            target[key] = "PERSON:" + " ".join(shorter[0])
    for key, written in aliases.items():
        type_ = key.split(":", 1)[0]
        for alias in written:
            others = [k for k in by_name.get(f"{type_}:{alias}", ()) if k != key]
            if len(others) == 1 and key not in target and others[0] not in target:
                target[others[0]] = key
    return {k: _follow(k, target) for k in names}


def _subsequence(short: list[str], long: list[str]) -> bool:
    rest = iter(long)
    return all(word in rest for word in short)


def _follow(key: str, target: dict[str, str]) -> str:
    seen = {key}
    while key in target and target[key] not in seen:
        key = target[key]
        seen.add(key)
    return key


def merge_entities(sources: Sequence[BriefSource]) -> tuple[list[BriefEntity], dict[str, str]]:
    """The story's entities merged across sources, most mentioned first, and a map from
    each article-level entity id (``seed-a:e2``) to its brief entity id (``e1``)."""
    merged_key = _merge_keys(sources)
    groups: dict[str, list] = defaultdict(list)
    for source in sources:
        for entity in source.annotation.entities if source.annotation else ():
            groups[merged_key[entity.key]].append((source.article.id, entity))
    ranked = sorted(groups.items(), key=lambda kv: (-sum(len(e.mentions) for _, e in kv[1]),
                                                    kv[0]))
    entities, ids = [], {}
    for n, (key, members) in enumerate(ranked, 1):
        brief_id = f"e{n}"
        names: Counter = Counter()
        types: Counter = Counter()
        written: Counter = Counter()
        mentions = []
        for _, entity in members:
            names[entity.name] += len(entity.mentions)
            types[entity.type] += len(entity.mentions)
            written.update(entity.aliases)
            mentions.extend(entity.mentions)
            ids[entity.id] = brief_id
        name = max(names, key=lambda x: (names[x], len(x)))
        type_ = max(types, key=lambda x: (types[x], x))
        written.update(n for n in names if n != name)
        aliases = [a for a, _ in written.most_common() if a != name]
        entities.append(BriefEntity(brief_id, name, type_ if type_ in _TYPES else "OTHER",
                                    aliases, mentions, len({a for a, _ in members})))
    return entities, ids
