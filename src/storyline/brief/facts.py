"""Facts: aligned sentences grouped, then corroborated, single-source or in conflict."""

from __future__ import annotations

import math
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


#: What :func:`pair_features` measures of two sentences, in order; the weights of
#: ``BriefSettings.fact_weights`` follow it.
PAIR_FEATURES = ("cosine", "word overlap", "shared names", "shared counts", "shared dates",
                 "dates differ", "counts differ", "shared event kinds", "both ledes",
                 "later position", "length ratio", "event kinds differ")


def pair_features(a: ComparedSentence, b: ComparedSentence, cosine: float) -> tuple[float, ...]:
    """How far two sentences of two outlets look like reports of one event
    (:data:`PAIR_FEATURES`): their TF-IDF ``cosine`` and the share of words they have in
    common; the people, places, counts and dates both give, and whether the dates or counts
    of the same thing differ; the kinds of event both name (paraphrase: "gathered to pay
    tribute" and "a vigil to remember") or that both name kinds of event but no kind in
    common (an arrest, and a charge); whether both open their articles (news states its
    event first), how late the later one comes, and how alike their lengths are."""
    words_a, words_b = set(a.words), set(b.words)
    union = len(words_a | words_b) or 1
    names_a = {d for d in a.details if d[0] == "name"}
    names_b = {d for d in b.details if d[0] == "name"}
    counts_a = {(c.noun, c.value) for c in a.numbers}
    counts_b = {(c.noun, c.value) for c in b.numbers}
    nouns_differ = {c.noun for c in a.numbers} & {c.noun for c in b.numbers}
    differ = any(noun == other and (noun, value) not in counts_b
                 for noun, value in counts_a for other in nouns_differ)
    shorter, longer = sorted((len(a.words) or 1, len(b.words) or 1))
    return (cosine, len(words_a & words_b) / union,
            math.log1p(len(names_a & names_b)), math.log1p(len(counts_a & counts_b)),
            float(bool(a.dates & b.dates)),
            float(bool(a.dates and b.dates and not a.dates & b.dates)), float(differ),
            math.log1p(len(a.events & b.events)),
            float(max(a.position, b.position) <= 1),
            math.log1p(max(a.position, b.position)), shorter / longer,
            float(bool(a.events and b.events and not a.events & b.events)))


def same_fact_probability(features: Sequence[float], settings: BriefSettings) -> float:
    """The logistic model of ``settings.fact_weights`` (fitted by ``bench/facts_fit.py``)."""
    z = settings.fact_bias + sum(w * x for w, x in zip(settings.fact_weights, features))
    return 1.0 / (1.0 + math.exp(-z))


def corroborating_pairs(sentences: Sequence[ComparedSentence], product,
                        settings: BriefSettings) -> list[tuple[int, int, float]]:
    """The pairs of claims of two sources that report the same fact, most likely first:
    each pair of TF-IDF cosine at least ``fact_candidate_similarity`` (``product`` is the
    sentences' cosine matrix, scipy sparse) whose :func:`same_fact_probability` reaches
    ``fact_threshold``, a threshold chosen for precision before recall; (i, j, probability)."""
    found = []
    for i, j, features in candidate_pairs(sentences, product, settings):
        probability = same_fact_probability(features, settings)
        if probability >= settings.fact_threshold:
            found.append((i, j, probability))
    found.sort(key=lambda t: (-t[2], t[0], t[1]))
    return found


def candidate_pairs(sentences: Sequence[ComparedSentence], product,
                    settings: BriefSettings) -> list[tuple[int, int, list[float]]]:
    """The pairs the corroboration model judges (and ``bench/facts_fit.py`` fits it on):
    claims of two sources of TF-IDF cosine at least ``fact_candidate_similarity`` (``product``
    the sentences' cosine matrix, scipy sparse, or None), with their :func:`pair_features`."""
    if product is None:
        return []
    pairs = product.tocoo()
    keep = (pairs.data >= settings.fact_candidate_similarity) & (pairs.row < pairs.col)
    found = []
    for i, j, v in zip(pairs.row[keep].tolist(), pairs.col[keep].tolist(),
                       pairs.data[keep].tolist()):
        a, b = sentences[i], sentences[j]
        if a.source != b.source and a.claim and b.claim:
            found.append((i, j, pair_features(a, b, v)))
    return found


def linked_groups(n: int, pairs: Sequence[tuple[int, int, float]],
                  sources: Sequence[int], share: float) -> list[list[int]]:
    """Groups of the ``n`` items from their linked pairs (most likely first): two groups
    merge only when at least ``share`` of their pairs of items of two sources are linked,
    so that one loose link cannot chain two facts into one."""
    group = list(range(n))
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    linked = {(i, j) for i, j, _ in pairs} | {(j, i) for i, j, _ in pairs}
    for i, j, _ in pairs:
        gi, gj = group[i], group[j]
        if gi == gj:
            continue
        cross = [(a, b) for a in members[gi] for b in members[gj] if sources[a] != sources[b]]
        if sum((a, b) in linked for a, b in cross) < share * len(cross):
            continue
        keep, gone = min(gi, gj), max(gi, gj)
        for k in members[gone]:
            group[k] = keep
        members[keep] += members.pop(gone)
    return [sorted(m) for m in members.values()]


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
                settings: BriefSettings,
                linked: Sequence[tuple[int, int, float]] | None = None) -> list[Fact]:
    """The claims grouped by what they say: ``linked`` pairs of sentence indices
    (:func:`corroborating_pairs`) when given, else ``similar``, or ``related`` by shared
    details (the rule before the pair model). Conflicts first, then facts corroborated by
    most outlets, then at most ``max_single_source_facts`` single-source facts that give a
    number, date or person."""
    claims = [i for i, s in enumerate(sentences) if s.claim]
    at = {i: n for n, i in enumerate(claims)}
    if linked is None:
        pairs = [(at[i], at[j]) for i in claims
                 for j in [*similar.get(i, ()), *related.get(i, ())] if j in at and i < j]
        groups = _components(len(claims), pairs)
    else:
        groups = linked_groups(len(claims), [(at[i], at[j], p) for i, j, p in linked
                                             if i in at and j in at],
                               [sentences[i].source for i in claims], settings.fact_link_share)
    labels = {s.outlet_key: s.label for s in sources}
    corroborated, conflicts, single = [], [], []
    for group in groups:
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
