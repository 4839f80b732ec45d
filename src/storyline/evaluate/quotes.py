"""Quotes: our annotator's quotes and speakers against PolNeAR's hand-annotated
attributions, beside textacy's direct quotations on the same articles."""

from __future__ import annotations

import os
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import MissingDependencyError
from ._sets import read_records


_HONORIFICS = re.compile(r"^(?:(?:mr|mrs|ms|miss|dr|sen|rep|gov|gen|sir|dame|lord|lady|prof|"
                         r"president|senator|governor|mayor|secretary)\.?\s+)+", re.IGNORECASE)
_PRONOUNS = frozenset("i you he she it we they me him her us them who which that this those "
                      "these one someone his hers its our ours their theirs my mine your yours "
                      "another".split())
_DETERMINERS = frozenset("the a an".split())


@dataclass
class QuoteScore:
    """Quote finding and attribution against hand-annotated attributions (PolNeAR).

    ``recall`` and ``precision`` are lenient (a found quote is right when it overlaps any
    gold attribution, and several found quotes may share one); the ``strict_`` figures
    match found and gold one to one. Speakers are judged on matched gold quotes whose
    speaker is written as a name (``speaker_accuracy``; ``speaker_precision`` leaves out
    the quotes given no speaker) or as a description ("the newspaper", "a spokesman").
    """

    system: str
    articles: int
    gold_quoted: int
    found: int
    recall: float
    precision: float
    speakers_judged: int
    speaker_accuracy: float
    seconds: float
    indirect_found: int = 0
    indirect_precision: float | None = None
    strict_recall: float = 0.0
    strict_precision: float = 0.0
    speakers_named: int = 0
    speaker_precision: float | None = None
    descriptions_judged: int = 0
    description_accuracy: float | None = None

    @property
    def articles_per_second(self) -> float:
        return self.articles / self.seconds if self.seconds else float("inf")

    def to_dict(self) -> dict:
        return {**asdict(self), "articles_per_second": round(self.articles_per_second, 2)}


def _name_words(text: str) -> list[str]:
    """A speaker as comparable words: honorifics, leading articles, possessives and
    appended clauses dropped."""
    head = re.split(r",|\(| who | which |—|–", text)[0]
    head = _HONORIFICS.sub("", head.strip())
    head = re.sub(r"['’]s$", "", head)
    words = re.findall(r"[\w.'’-]+", head.casefold().replace(".", ""))
    while words and words[0] in _DETERMINERS:
        words = words[1:]
    return words


def _head_words(speaker: str) -> list[str]:
    return re.split(r",|\(| who | which ", speaker)[0].strip().split()


def is_name(speaker: str | None) -> bool:
    """Whether a gold speaker is written as a name ("Trump", "Mr. Obama", "The New York Post"),
    not a pronoun or a description ("the mayor", "a source")."""
    if not speaker:
        return False
    words = _head_words(speaker)
    return bool(words) and words[0].casefold() not in _PRONOUNS and words[-1][:1].isupper()


def is_description(speaker: str | None) -> bool:
    """Whether a gold speaker is a description: neither a name nor a pronoun ("the
    newspaper", "a state official", "emails released by WikiLeaks")."""
    if not speaker or is_name(speaker):
        return False
    words = _head_words(speaker)
    return bool(words) and words[0].casefold() not in _PRONOUNS


def same_speaker(gold: str, predicted: str | None, aliases: tuple[str, ...] = ()) -> bool:
    """True when the predicted speaker, or one of the ways the text writes it (``aliases``:
    the mention the system took it from), names the gold one: "Trump" ~ "Donald Trump",
    "the spokesman" ~ "a spokesman for the campaign"."""
    if not predicted:
        return False
    g = _name_words(gold)
    if not g:
        return False
    for candidate in (predicted, *aliases):
        p = _name_words(candidate)
        if not p:
            continue
        short, long = (g, p) if len(g) <= len(p) else (p, g)
        if any(long[i:i + len(short)] == short for i in range(len(long) - len(short) + 1)):
            return True
    return False


def _overlap(a: tuple[int, int], spans: list) -> int:
    return sum(max(0, min(a[1], e) - max(a[0], s)) for s, e in spans)


def _match(pred: dict, gold: dict) -> int | None:
    """How many characters a found quote shares with a gold attribution, or None when that
    is less than half of the shorter of the two."""
    overlap = _overlap((pred["start"], pred["end"]), gold["content_spans"])
    size = sum(e - s for s, e in gold["content_spans"])
    return overlap if overlap * 2 >= min(pred["end"] - pred["start"], size) else None


def _one_to_one(edges: dict[int, list[int]]) -> dict[int, int]:
    """A maximum matching of found quotes to gold ones (augmenting paths), found -> gold."""
    taken: dict[int, int] = {}

    def augment(found: int, seen: set[int]) -> bool:
        for gold in edges[found]:
            if gold in seen:
                continue
            seen.add(gold)
            if gold not in taken or augment(taken[gold], seen):
                taken[gold] = found
                return True
        return False

    for found in edges:
        augment(found, set())
    return {found: gold for gold, found in taken.items()}


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def score_quotes(records: list[dict], predictions: list[list[dict]], system: str,
                 seconds: float) -> QuoteScore:
    """Recall of quote-marked gold attributions, precision of found verbatim quotes (lenient
    and one to one), speaker accuracy where the gold speaker is a name or a description.

    A found quote matches a gold attribution when they share at least half of the shorter
    one's characters. ``predictions`` hold dicts with start, end, kind, speaker and
    ``mention`` (the text the speaker was read from), judged by one rule for every system.
    """
    gold_quoted = hits = found = correct_found = strict_found = strict_hits = 0
    judged = right = named = described = described_right = indirect = indirect_right = 0
    for record, predicted in zip(records, predictions):
        golds = record["quotes"]
        overlaps = [[_match(pred, gold) for gold in golds] for pred in predicted]
        edges = {i: [j for _, j in sorted(((o, j) for j, o in enumerate(row) if o is not None),
                                          reverse=True)]
                 for i, row in enumerate(overlaps) if predicted[i]["kind"] != "indirect"}
        pairs = _one_to_one(edges)
        found += len(edges)
        correct_found += sum(1 for targets in edges.values() if targets)
        strict_found += len(pairs)
        strict_hits += sum(1 for j in pairs.values() if golds[j]["has_quote_marks"])
        for pred, row in zip(predicted, overlaps):
            if pred["kind"] == "indirect":
                indirect += 1
                indirect_right += any(o is not None for o in row)
        for j, gold in enumerate(golds):
            if not gold["has_quote_marks"]:
                continue
            gold_quoted += 1
            best, best_overlap = None, 0
            for pred, row in zip(predicted, overlaps):
                if row[j] is not None and row[j] > best_overlap:
                    best, best_overlap = pred, row[j]
            if best is None:
                continue
            hits += 1
            said = same_speaker(gold["speaker"] or "", best.get("speaker"),
                                (best["mention"],) if best.get("mention") else ())
            if is_name(gold["speaker"]):
                judged += 1
                right += said
                named += best.get("speaker") is not None
            elif is_description(gold["speaker"]):
                described += 1
                described_right += said
    return QuoteScore(
        system=system, articles=len(records), gold_quoted=gold_quoted, found=found,
        recall=hits / gold_quoted if gold_quoted else 0.0,
        precision=correct_found / found if found else 0.0,
        speakers_judged=judged, speaker_accuracy=right / judged if judged else 0.0,
        seconds=seconds, indirect_found=indirect,
        indirect_precision=_ratio(indirect_right, indirect),
        strict_recall=strict_hits / gold_quoted if gold_quoted else 0.0,
        strict_precision=strict_found / found if found else 0.0,
        speakers_named=named, speaker_precision=_ratio(right, named),
        descriptions_judged=described, description_accuracy=_ratio(described_right, described))


def load_quote_set(path: str | Path, limit: int | None = None) -> list[dict]:
    """Articles with ``text`` and gold ``quotes`` (PolNeAR's format, see its SOURCE.md)."""
    return read_records(path, limit, {"text": str, "quotes": list}, "article")


def annotate_quote_set(records: list[dict], jobs: int) -> tuple[list, float]:
    """Our annotations of a quote set's articles on ``jobs`` processes, and the seconds they
    took once the models were loaded (an untimed first article loads them)."""
    from ..annotate import annotate_articles
    from ..engine import LocalEngine
    from ..records import Article

    articles = [Article(id=str(r["id"]), revision=1, outlet=r.get("outlet"), title=r.get("title"),
                        url=r.get("url"), published=r.get("published"), body=r["text"])
                for r in records]
    with LocalEngine(jobs) as engine:
        list(annotate_articles(articles[:1], engine=engine))  # loads the model, untimed
        start = time.perf_counter()
        annotations = list(annotate_articles(articles, engine=engine))
        seconds = time.perf_counter() - start
    return annotations, seconds


def _our_quotes(records: list[dict], jobs: int) -> tuple[list[list[dict]], float]:
    annotations, seconds = annotate_quote_set(records, jobs)
    predictions = []
    for annotation in annotations:
        predictions.append([{"start": q.span.start, "end": q.span.end, "kind": q.kind,
                             "speaker": q.speaker,
                             "mention": q.speaker_span.text if q.speaker_span else None}
                            for q in annotation.quotes])
    return predictions, seconds


def _textacy_quotes(records: list[dict]) -> tuple[list[list[dict]], float]:
    """textacy's ``direct_quotations`` over the full spaCy pipeline; it gives up on an article
    with unbalanced quotation marks, which then counts as no quotes found."""
    try:
        from textacy.extract.triples import direct_quotations
    except ImportError:
        raise MissingDependencyError("textacy", "The textacy baseline (--no-baseline skips it)") \
            from None
    from ..nlp import MODEL_PACKAGE
    import importlib

    nlp = importlib.import_module(MODEL_PACKAGE).load()
    start = time.perf_counter()
    predictions = []
    for doc in nlp.pipe([r["text"] for r in records], batch_size=16):
        found = []
        try:
            for triple in direct_quotations(doc):
                speaker = " ".join(t.text for t in triple.speaker) or None
                found.append({"start": triple.content.start_char, "end": triple.content.end_char,
                              "kind": "direct", "speaker": speaker, "mention": speaker})
        except ValueError:
            pass
        predictions.append(found)
    return predictions, time.perf_counter() - start


def evaluate_quotes(path: str | Path, *, limit: int | None = None, jobs: int | None = None,
                    baseline: bool = True) -> list[QuoteScore]:
    """Our annotator (1 and ``jobs`` processes) and textacy's direct quotations, same articles."""
    records = load_quote_set(path, limit)
    results = []
    for n in sorted({1, jobs or os.cpu_count() or 1}):
        predictions, seconds = _our_quotes(records, n)
        name = f"storyline, {n} process{'es' if n > 1 else ''}"
        results.append(score_quotes(records, predictions, name, seconds))
    if baseline:
        theirs, seconds = _textacy_quotes(records)
        results.append(score_quotes(records, theirs, "textacy direct_quotations", seconds))
    return results
