"""Facts: aligned sentences grouped, then corroborated, single-source or in conflict."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from .model import BriefSettings, BriefSource, Fact
from .sentences import ComparedSentence


def _disagreement(a: ComparedSentence, b: ComparedSentence) -> list[str]:
    """Where two aligned sentences disagree: a count of the same thing (with a word of
    context in common), the one date each gives in full, or the people named by sentences
    that are otherwise the same, when neither article names the other's person at all."""
    found = []
    values_a = {(c.noun, c.value) for c in a.numbers}
    values_b = {(c.noun, c.value) for c in b.numbers}
    for ca in a.numbers:
        for cb in b.numbers:
            if ca.noun == cb.noun and ca.value != cb.value and ca.context & cb.context and \
                    (ca.noun, ca.value) not in values_b and (cb.noun, cb.value) not in values_a:
                found.append(" vs ".join(sorted((ca.written, cb.written), key=str.lower)))
    if len(a.dates) == len(b.dates) == 1 and a.dates != b.dates:
        found.append(f"{', '.join(sorted(a.dates))} vs {', '.join(sorted(b.dates))}")
    if a.people and b.people and not a.people & b.people and \
            not a.people & b.article_people and not b.people & a.article_people and \
            len(a.unnamed & b.unnamed) >= 0.8 * len(a.unnamed | b.unnamed):
        found.append("different people named")
    unique: dict[str, str] = {}
    for line in found:
        unique.setdefault(line.casefold(), line)
    return list(unique.values())


def _components(n: int, pairs: Sequence[tuple[int, int]]) -> list[list[int]]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        groups[find(i)].append(i)
    return list(groups.values())


def build_facts(sentences: Sequence[ComparedSentence], similar: dict[int, dict[int, float]],
                related: dict[int, dict[int, float]], sources: Sequence[BriefSource],
                settings: BriefSettings) -> list[Fact]:
    """The claims grouped by what they say (``similar``, or ``related`` by shared details):
    conflicts first, then facts corroborated by most outlets, then at most
    ``max_single_source_facts`` single-source facts that give a number, date or person."""
    claims = [i for i, s in enumerate(sentences) if s.claim]
    at = {i: n for n, i in enumerate(claims)}
    pairs = [(at[i], at[j]) for i in claims for j in [*similar.get(i, ()), *related.get(i, ())]
             if j in at and i < j]
    labels = {s.outlet_key: s.label for s in sources}
    corroborated, conflicts, single = [], [], []
    for group in _components(len(claims), pairs):
        members = sorted((claims[n] for n in group),
                         key=lambda i: (sentences[i].copy, sentences[i].source,
                                        sentences[i].position))
        if sentences[members[0]].copy:
            continue
        lead = sentences[max((i for i in members if not sentences[i].copy),
                             key=lambda i: sum(similar.get(i, {}).get(j, 0.0) for j in members))]
        outlets = list(dict.fromkeys(sentences[i].outlet for i in members))
        disagreement: list[str] = []
        for n, i in enumerate(members):
            for j in members[n + 1:]:
                a, b = sentences[i], sentences[j]
                if a.source == b.source and a.copy == b.copy:
                    continue
                if similar.get(i, {}).get(j, 0.0) >= settings.conflict_similarity:
                    for found in _disagreement(a, b):
                        if found not in disagreement:
                            disagreement.append(found)
        fact = Fact("single-source", lead.span, [sentences[i].span for i in members],
                    [labels[o] for o in outlets], disagreement)
        if disagreement:
            fact.status = "conflict"
            conflicts.append(fact)
        elif len(outlets) > 1:
            fact.status = "corroborated"
            corroborated.append((-len(outlets), lead.source, lead.position, fact))
        elif lead.numbers or lead.dates or lead.people or lead.date:
            single.append((lead.source, lead.position, fact))
    corroborated.sort(key=lambda t: t[:3])
    single.sort(key=lambda t: t[:2])
    return (conflicts + [f for *_, f in corroborated]
            + [f for *_, f in single[: settings.max_single_source_facts]])
