"""Quotes: our annotator's quotes and speakers against PolNeAR's hand-annotated
attributions, beside textacy's direct quotations on the same articles."""

from __future__ import annotations

import os
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ._sets import read_records


_HONORIFICS = re.compile(r"^(?:(?:mr|mrs|ms|miss|dr|sen|rep|gov|gen|sir|dame|lord|lady|prof|"
                         r"president|senator|governor|mayor|secretary)\.?\s+)+", re.IGNORECASE)
_NOT_NAMES = frozenset("i you he she it we they me him her us them who which that this those "
                       "these one someone".split())


@dataclass
class QuoteScore:
    """Quote finding and attribution against hand-annotated attributions (PolNeAR)."""

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

    @property
    def articles_per_second(self) -> float:
        return self.articles / self.seconds if self.seconds else float("inf")

    def to_dict(self) -> dict:
        return {**asdict(self), "articles_per_second": round(self.articles_per_second, 2)}


def _name_words(text: str) -> list[str]:
    """A speaker as comparable words: honorifics, possessives and appended clauses dropped."""
    head = re.split(r",|\(| who | which |—|–", text)[0]
    head = _HONORIFICS.sub("", head.strip())
    head = re.sub(r"['’]s$", "", head)
    return re.findall(r"[\w.'’-]+", head.casefold().replace(".", ""))


def is_name(speaker: str | None) -> bool:
    """Whether a gold speaker is written as a name ("Trump", "Mr. Obama", "The New York Post"),
    not a pronoun or a description ("the mayor", "a source")."""
    if not speaker:
        return False
    head = re.split(r",|\(| who | which ", speaker)[0].strip()
    words = head.split()
    return bool(words) and words[0].casefold() not in _NOT_NAMES and words[-1][:1].isupper()


def same_speaker(gold: str, predicted: str | None, aliases: tuple[str, ...] = ()) -> bool:
    """True when the predicted speaker names the gold one: "Trump" ~ "Donald Trump"."""
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


def score_quotes(records: list[dict], predictions: list[list[dict]], system: str,
                 seconds: float) -> QuoteScore:
    """Recall of quote-marked gold attributions, precision of found verbatim quotes, speaker
    accuracy where the gold speaker is a name.

    A found quote matches a gold attribution when they share at least half of the shorter
    one's characters. ``predictions`` hold dicts with start, end, kind, speaker (aliases).
    """
    gold_quoted = hits = found = correct_found = judged = right = 0
    indirect = indirect_right = 0
    for record, predicted in zip(records, predictions):
        golds = record["quotes"]
        for pred in predicted:
            matched = any(_match(pred, g) is not None for g in golds)
            if pred["kind"] == "indirect":
                indirect += 1
                indirect_right += matched
            else:
                found += 1
                correct_found += matched
        for gold in golds:
            if not gold["has_quote_marks"]:
                continue
            gold_quoted += 1
            best, best_overlap = None, 0
            for pred in predicted:
                overlap = _match(pred, gold)
                if overlap is not None and overlap > best_overlap:
                    best, best_overlap = pred, overlap
            if best is None:
                continue
            hits += 1
            if is_name(gold["speaker"]):
                judged += 1
                right += same_speaker(gold["speaker"], best.get("speaker"),
                                      tuple(best.get("aliases", ())))
    return QuoteScore(
        system=system, articles=len(records), gold_quoted=gold_quoted, found=found,
        recall=hits / gold_quoted if gold_quoted else 0.0,
        precision=correct_found / found if found else 0.0,
        speakers_judged=judged, speaker_accuracy=right / judged if judged else 0.0,
        seconds=seconds, indirect_found=indirect,
        indirect_precision=indirect_right / indirect if indirect else None)


def load_quote_set(path: str | Path, limit: int | None = None) -> list[dict]:
    """Articles with ``text`` and gold ``quotes`` (PolNeAR's format, see its SOURCE.md)."""
    return read_records(path, limit, {"text": str, "quotes": list}, "article")


def _our_quotes(records: list[dict], jobs: int) -> tuple[list[list[dict]], float]:
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
    predictions = []
    for annotation in annotations:
        aliases = {e.id: tuple(e.aliases) for e in annotation.entities}
        predictions.append([{"start": q.span.start, "end": q.span.end, "kind": q.kind,
                             "speaker": q.speaker, "aliases": aliases.get(q.speaker_entity, ())}
                            for q in annotation.quotes])
    return predictions, seconds


def _textacy_quotes(records: list[dict]) -> tuple[list[list[dict]], float] | None:
    """textacy's ``direct_quotations`` over the full spaCy pipeline; it gives up on an article
    with unbalanced quotation marks, which then counts as no quotes found."""
    try:
        from textacy.extract.triples import direct_quotations
    except ImportError:
        return None
    from ..nlp import MODEL_PACKAGE
    import importlib

    nlp = importlib.import_module(MODEL_PACKAGE).load()
    start = time.perf_counter()
    predictions = []
    for doc in nlp.pipe([r["text"] for r in records], batch_size=16):
        found = []
        try:
            for triple in direct_quotations(doc):
                found.append({"start": triple.content.start_char, "end": triple.content.end_char,
                              "kind": "direct",
                              "speaker": " ".join(t.text for t in triple.speaker) or None})
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
        theirs = _textacy_quotes(records)
        if theirs is not None:
            results.append(score_quotes(records, theirs[0], "textacy direct_quotations", theirs[1]))
    return results
