"""Facts: do a brief's corroborated facts group sentences that report the same event?

Scored against the ecbplus-facts gold pairs (``shared/data/ecbplus-facts``: cross-document
event coreference of ECB+) with the pair metric of its ``fact_metric.py``, re-implemented in
:func:`score_fact_groups`: each corroborated fact is one group of its evidence spans, and a
gold pair of sentences counts as predicted-same when both overlap spans of one group. Beside
the brief as it is: the brief's rule before the pair model, "all same" and the TF-IDF cosine
baseline of the set's SOURCE.md. The fact counts per status are given for any story set.
"""

from __future__ import annotations

import difflib
import gzip
import json
import math
import random
import re
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from ..errors import InputError, Origin
from ._sets import write_without_gold
from .clustering import group_arriving, load_clustering_set

_WORD = re.compile(r"\w+")
#: The TF-IDF cosine threshold of the ecbplus-facts SOURCE.md baseline (best F1 on its dev).
TFIDF_THRESHOLD = 0.1191
STATUSES = ("corroborated", "single-source", "conflict")


@dataclass
class FactSet:
    """The gold of an ecbplus-facts folder: its pairs and its annotated sentences."""

    pairs: list[dict]
    sentences: list[dict]


@dataclass
class FactScore:
    """One system's pair decisions against the gold pairs (:func:`score_fact_groups`)."""

    system: str
    precision: float
    recall: float
    f1: float
    pairs: int
    positives: int
    base_rate: float
    predicted_same: int
    tp: int
    fp: int
    fn: int
    tn: int
    same_story: dict = field(default_factory=dict)
    cross_story: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class FactReport:
    """``storyline eval facts``: scores (empty without gold pairs), fact counts per status
    for each brief system, and the spans that could not be mapped onto the records."""

    articles: int
    stories: int
    stories_kind: str
    scores: list[FactScore]
    counts: dict[str, dict[str, int]]
    evidence_spans: int
    unaligned_spans: int
    fields: list[str]
    #: why there are no scores, when there are none
    note: str | None = None

    def to_dict(self) -> dict:
        return {**asdict(self), "scores": [s.to_dict() for s in self.scores]}


def load_fact_set(folder: str | Path) -> FactSet:
    """pairs.jsonl and sentences.jsonl (or .jsonl.gz) of an ecbplus-facts folder; a missing
    file raises :class:`InputError` naming it."""
    folder = Path(folder)
    found = {}
    for name in ("pairs.jsonl", "sentences.jsonl"):
        path = folder / name
        if not path.is_file() and (folder / (name + ".gz")).is_file():
            path = folder / (name + ".gz")
        if not path.is_file():
            raise InputError(Origin(str(path)), f"no {name} here: --pairs needs a folder like "
                                                "shared/data/ecbplus-facts")
        with (gzip.open if path.suffix == ".gz" else open)(path, "rt", encoding="utf-8") as fh:
            found[name] = [json.loads(line) for line in fh if line.strip()]
    return FactSet(found["pairs.jsonl"], found["sentences.jsonl"])


def default_pairs_folder(articles: str | Path) -> Path | None:
    """The ``ecbplus-facts`` folder beside the articles file's folder, if there is one."""
    folder = Path(articles).resolve().parent.parent / "ecbplus-facts"
    return folder if (folder / "pairs.jsonl").is_file() else None


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _summary(c: Counter) -> dict:
    p, r, f = _prf(c["tp"], c["fp"], c["fn"])
    n = c["tp"] + c["fp"] + c["fn"] + c["tn"]
    positives = c["tp"] + c["fn"]
    return {"precision": p, "recall": r, "f1": f, "pairs": n, "positives": positives,
            "base_rate": positives / n if n else 0.0, "predicted_same": c["tp"] + c["fp"],
            "tp": c["tp"], "fp": c["fp"], "fn": c["fn"], "tn": c["tn"]}


def score_pair_decisions(pairs: Iterable[dict], same: Callable[[dict, dict], bool],
                         fields: Sequence[str] | None = None, system: str = "") -> FactScore:
    """Precision, recall and F1 of ``same(a, b)`` over the gold pairs (whose two sentences
    lie in ``fields``, if given), overall and for same-story and cross-story pairs."""
    counts = {k: Counter() for k in ("all", "same_story", "cross_story")}
    for pair in pairs:
        a, b = pair["a"], pair["b"]
        if fields and not {a.get("field", "text"), b.get("field", "text")} <= set(fields):
            continue
        predicted, gold = same(a, b), bool(pair["same_event"])
        key = ("tp" if predicted else "fn") if gold else ("fp" if predicted else "tn")
        counts["all"][key] += 1
        counts["cross_story" if pair.get("cross_story") else "same_story"][key] += 1
    return FactScore(system=system, **_summary(counts["all"]),
                     same_story=_summary(counts["same_story"]),
                     cross_story=_summary(counts["cross_story"]))


def overlaps(start: int, end: int, s: int, e: int, min_overlap: float = 0.5) -> bool:
    """``fact_metric.py``'s rule: two spans meet when they share characters, at least
    ``min_overlap`` of the shorter of the two."""
    shared = min(end, e) - max(start, s)
    return shared > 0 and shared >= min_overlap * min(end - start, e - s)


def score_fact_groups(pairs: Iterable[dict], groups: dict[str, list[tuple]],
                      fields: Sequence[str] | None = None, min_overlap: float = 0.5,
                      system: str = "") -> FactScore:
    """``fact_metric.score``'s rule: ``groups`` maps an article id to spans (start, end,
    group, field) in the record's ``field``; a gold sentence is in a group when it overlaps
    one of its spans by at least ``min_overlap`` of the shorter of the two, and a pair is
    predicted-same when its sentences share a group."""
    by_field: dict[tuple[str, str], list[tuple[int, int, object]]] = defaultdict(list)
    for article_id, spans in groups.items():
        for start, end, group, field_name in spans:
            if end > start:
                by_field[(article_id, field_name)].append((start, end, group))
    cache: dict[tuple, frozenset] = {}

    def groups_of(ref: dict) -> frozenset:
        key = (ref["article_id"], ref.get("field", "text"), ref["start"], ref["end"])
        if key not in cache:
            start, end = ref["start"], ref["end"]
            cache[key] = frozenset(g for s, e, g in by_field.get(key[:2], ())
                                   if overlaps(start, end, s, e, min_overlap))
        return cache[key]

    return score_pair_decisions(pairs, lambda a, b: bool(groups_of(a) & groups_of(b)),
                                fields, system)


def tfidf_baseline(fact_set: FactSet, records: dict[str, dict],
                   threshold: float = TFIDF_THRESHOLD) -> Callable[[dict, dict], bool]:
    """SOURCE.md's baseline: lower-cased ``\\w+`` tokens, raw tf × smoothed idf over the
    aligned sentences, cosine of the pair at least ``threshold``."""
    vectors = {}
    texts = {}
    for s in fact_set.sentences:
        record = records.get(s["article_id"])
        if record is not None:
            texts[(s["article_id"], s["field"], s["start"], s["end"])] = \
                _WORD.findall((record.get(s["field"]) or "")[s["start"]:s["end"]].lower())
    df = Counter(w for words in texts.values() for w in set(words))
    n = len(texts)
    for key, words in texts.items():
        weights = {w: c * (math.log((1 + n) / (1 + df[w])) + 1) for w, c in Counter(words).items()}
        norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0
        vectors[key] = {w: v / norm for w, v in weights.items()}

    def same(a: dict, b: dict) -> bool:
        va = vectors.get((a["article_id"], a.get("field", "text"), a["start"], a["end"]), {})
        vb = vectors.get((b["article_id"], b.get("field", "text"), b["start"], b["end"]), {})
        return sum(v * vb.get(w, 0.0) for w, v in va.items()) >= threshold

    return same


class FieldMapper:
    """Offsets into a stored body mapped onto the record's ``text`` field: the identity
    when the body is the text, else through the character blocks the two share
    (difflib), so a span whose ends fall outside every shared block is unaligned (None)."""

    def __init__(self, body: str, text: str) -> None:
        self.same = body == text
        self.body, self.text = body, text
        self.blocks = [] if self.same else [
            b for b in difflib.SequenceMatcher(None, body, text, autojunk=False)
            .get_matching_blocks() if b.size]

    def _at(self, offset: int, end: bool) -> int | None:
        for block in self.blocks:
            if block.a <= offset < block.a + block.size or \
                    (end and block.a < offset <= block.a + block.size):
                return block.b + offset - block.a
        return None

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        if self.same:
            return start, end
        mapped = self._at(start, False), self._at(end, True)
        if None in mapped or mapped[1] <= mapped[0] or \
                _squeezed(self.text[mapped[0]:mapped[1]]) != _squeezed(self.body[start:end]):
            return None  # the ends met other copies of their characters: not this sentence
        return mapped


def _squeezed(text: str) -> str:
    return "".join(text.split())


def fact_groups(briefs: Iterable, records: dict[str, dict]
                ) -> tuple[dict[str, list[tuple]], int, int]:
    """Each corroborated fact's evidence spans as one group (``"<story>#<n>"``), mapped
    onto the records' ``text`` field: (groups, evidence spans, spans not aligned)."""
    groups: dict[str, list[tuple]] = defaultdict(list)
    mappers: dict[str, FieldMapper] = {}
    total = unaligned = 0
    for brief in briefs:
        bodies = brief.bodies
        for n, fact in enumerate(brief.facts):
            if fact.status != "corroborated":
                continue
            for span in fact.evidence:
                total += 1
                record = records.get(span.article_id)
                if record is None:
                    unaligned += 1
                    continue
                if span.article_id not in mappers:
                    mappers[span.article_id] = FieldMapper(bodies[span.article_id],
                                                           record.get("text") or "")
                mapped = mappers[span.article_id].span(span.start, span.end)
                if mapped is None:
                    unaligned += 1
                    continue
                groups[span.article_id].append((*mapped, f"{brief.story_id}#{n}", "text"))
    return dict(groups), total, unaligned


def fact_counts(briefs: Iterable) -> dict[str, int]:
    """How many facts of each status (:data:`STATUSES`) the briefs give."""
    counts = Counter(f.status for brief in briefs for f in brief.facts)
    return {status: counts.get(status, 0) for status in STATUSES}


def story_members(records: list[dict], stored: dict, assignments: dict[str, str] | None = None
                  ) -> list[tuple[str, list[str]]]:
    """(story, its stored article ids in publication order, undated last, ties in file
    order): the gold stories, or the stories of ``assignments`` (article id -> story)."""
    members: dict[str, list[tuple[int, str]]] = {}
    for n, r in enumerate(records):
        article_id = str(r["id"])
        if article_id in stored:
            story = assignments.get(article_id) if assignments is not None else r["story"]
            if story is not None:
                members.setdefault(str(story), []).append((n, article_id))

    def when(item: tuple[int, str]) -> tuple:
        published = stored[item[1]].published
        return (published is None, published or "", item[0])

    return [(story, [i for _, i in sorted(items, key=when)]) for story, items in members.items()]


def story_briefs(store, stories: list[tuple[str, list[str]]], settings=None,
                 on_progress=None) -> list:
    """The brief of every story (id, article ids) held in ``store``."""
    from ..brief import build_brief
    from ..library import brief_sources

    briefs = []
    for done, (story, ids) in enumerate(stories, start=1):
        briefs.append(build_brief(story, story, brief_sources(store, ids), settings))
        if on_progress:
            on_progress(done, len(stories))
    return briefs


def score_facts(store, records: list[dict], fact_set: FactSet | None, *,
                stories: str = "gold", settings=None, fields: Sequence[str] = ("text",),
                on_progress=None) -> FactReport:
    """The facts of the briefs of the stories held in ``store`` (already ingested and
    annotated; ``stories="online"``: storyline's own stories, which ``store`` must hold),
    scored against ``fact_set`` when given, beside the rule before the pair model."""
    from ..brief import BriefSettings

    settings = settings or BriefSettings()
    stored = {a.id: a for a in store.articles()}
    assignments = store.story_assignments() if stories == "online" else None
    members = story_members(records, stored, assignments)
    by_id = {str(r["id"]): r for r in records}
    systems = {"pair model (now)": replace(settings, fact_model=True),
               "similarity rule (before)": replace(settings, fact_model=False)}
    total = len(members) * len(systems)
    scores, counts = [], {}
    evidence = unaligned = 0
    for n, (name, system_settings) in enumerate(systems.items()):
        briefs = story_briefs(store, members, system_settings,
                              (lambda done, _, n=n: on_progress(n * len(members) + done, total))
                              if on_progress else None)
        counts[name] = fact_counts(briefs)
        groups, spans, missed = fact_groups(briefs, by_id)
        if n == 0:
            evidence, unaligned = spans, missed
        if fact_set is not None:
            scores.append(score_fact_groups(fact_set.pairs, groups, fields, system=name))
    if fact_set is not None:
        scores.append(score_pair_decisions(fact_set.pairs, lambda a, b: True, fields,
                                           "all same"))
        scores.append(score_pair_decisions(fact_set.pairs, tfidf_baseline(fact_set, by_id),
                                           fields, f"TF-IDF cosine >= {TFIDF_THRESHOLD}"))
    return FactReport(articles=len(stored), stories=len(members), stories_kind=stories,
                      scores=scores, counts=counts, evidence_spans=evidence,
                      unaligned_spans=unaligned, fields=list(fields))


def evaluate_facts(path: str | Path, pairs: str | Path | None = None, *,
                   stories: str = "gold", limit: int | None = None, jobs: int | None = None,
                   fields: Sequence[str] = ("text",), on_progress=None,
                   batches: int = 1) -> FactReport:
    """Ingest and annotate the articles (gold fields left out) into a temporary database,
    build the brief of every gold story (or, ``stories="online"``, of storyline's own
    stories after grouping) and score their corroborated facts against the ecbplus-facts
    folder ``pairs`` (None: no scores, only the fact counts). With ``batches`` > 1 the
    online stories are grouped as the articles would arrive in that many batches of one
    shuffled order (seed 0; :func:`~storyline.evaluate.clustering.group_arriving`)."""
    from ..library import Library

    if stories not in ("gold", "online"):
        raise ValueError(f"stories must be 'gold' or 'online', not {stories!r}")
    fact_set = load_fact_set(pairs) if pairs is not None else None
    records = load_clustering_set(path, limit)
    note = None
    if fact_set is None:
        note = f"no gold pairs: no {Path(path).resolve().parent.parent / 'ecbplus-facts'}" \
               "/pairs.jsonl beside the articles' folder, and no --pairs"
    elif not {str(r["id"]) for r in records} & {s["article_id"] for s in fact_set.sentences}:
        note = f"no gold pairs: the pairs of {pairs} name none of these articles"
        fact_set = None
    ingested = 0

    def on_item() -> None:
        nonlocal ingested
        ingested += 1
        if on_progress:
            on_progress(ingested, len(records) * 2)

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "facts.db"
        source = db.with_suffix(".jsonl")
        arriving = list(records)
        if stories == "online" and batches > 1:
            random.Random(0).shuffle(arriving)
        write_without_gold(arriving, source)
        with Library(db) as lib:
            lib.ingest([source], jobs=jobs, stories=False, on_item=on_item)
            if stories == "online":
                group_arriving(lib, batches)
            report = score_facts(
                lib.store, records, fact_set, stories=stories, fields=fields,
                on_progress=(lambda done, total: on_progress(
                    len(records) + done * len(records) // max(1, total), len(records) * 2))
                if on_progress else None)
    report.note = note
    return report
