"""Extraction: our stored bodies (a full ingest) against plain trafilatura.

Extraction uses the article-extraction-benchmark's metric (scrapinghub): ``\\w+`` tokens,
4-token shingles counted as multisets, precision and recall averaged over pages, F1 of the
averages, and accuracy = share of pages whose token list equals the gold one.

A set whose records carry ``must_include`` / ``must_exclude`` strings instead of a gold
``body`` (other projects' test assertions) is scored as checks: required strings kept and
boilerplate strings dropped, a string counting as kept where it appears in the body once
whitespace is normalised on both sides.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import NotFoundError, Origin
from ._sets import read_records

_TOKEN = re.compile(r"\w+")


@dataclass
class ExtractionScore:
    system: str
    pages: int
    precision: float
    recall: float
    f1: float
    accuracy: float
    seconds: float

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else float("inf")

    def to_dict(self) -> dict:
        return {**asdict(self), "pages_per_second": round(self.pages_per_second, 2)}


def _shingles(text: str, size: int = 4) -> Counter:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i:i + size]) for i in range(max(1, len(tokens) - size + 1))) \
        if tokens else Counter()


def score_extraction(pairs: list[tuple[str, str]]) -> tuple[float, float, float, float]:
    """(precision, recall, F1, accuracy) of predicted bodies against gold, per the benchmark."""
    precisions, recalls, exact = [], [], 0
    for gold, pred in pairs:
        g, p = _shingles(gold), _shingles(pred)
        tp = sum((g & p).values())
        fp = sum((p - g).values())
        fn = sum((g - p).values())
        if tp + fp:
            precisions.append(tp / (tp + fp))
        if tp + fn:
            recalls.append(tp / (tp + fn))
        exact += _TOKEN.findall(gold or "") == _TOKEN.findall(pred or "")
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, exact / len(pairs) if pairs else 0.0


def load_extraction_set(path: str | Path, limit: int | None = None) -> list[dict]:
    """Records with ``html`` and gold ``body`` (and ``id``, ``url``)."""
    return read_records(path, limit, {"html": str, "body": str}, "page")


@dataclass
class CheckScore:
    system: str
    pages: int
    kept: int
    required: int
    dropped: int
    boilerplate: int
    seconds: float
    #: (page id, string) of required strings lost and of boilerplate strings kept
    lost: list = field(default_factory=list, repr=False)
    leaked: list = field(default_factory=list, repr=False)

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else float("inf")

    def to_dict(self) -> dict:
        return {**{k: v for k, v in asdict(self).items() if k not in ("lost", "leaked")},
                "pages_per_second": round(self.pages_per_second, 2)}


_SPACE = re.compile(r"\s+")


def _flat(text: str) -> str:
    return _SPACE.sub(" ", text or "").strip()


def is_checks_set(path: str | Path) -> bool:
    """Whether the set's first record carries must_include/must_exclude instead of a body."""
    first = read_records(path, 1, {}, "page")
    return bool(first) and "body" not in first[0] and \
        ("must_include" in first[0] or "must_exclude" in first[0])


def load_checks_set(path: str | Path, limit: int | None = None) -> list[dict]:
    """Records with ``html`` and lists ``must_include`` and ``must_exclude`` of strings."""
    return read_records(path, limit, {"html": str, "must_include": list, "must_exclude": list},
                        "page", string_lists=("must_include", "must_exclude"))


def score_checks(system: str, records: list[dict], bodies: list[str], seconds: float) -> CheckScore:
    score = CheckScore(system, len(records), 0, 0, 0, 0, seconds)
    for rec, body in zip(records, bodies):
        flat = _flat(body)
        for s in rec["must_include"]:
            score.required += 1
            if _flat(s) in flat:
                score.kept += 1
            else:
                score.lost.append((str(rec["id"]), s))
        for s in rec["must_exclude"]:
            score.boilerplate += 1
            if _flat(s) in flat:
                score.leaked.append((str(rec["id"]), s))
            else:
                score.dropped += 1
    return score


def warm_up(html: str) -> None:
    """Import and run both extractors once, so that timings measure pages, not imports."""
    import trafilatura

    from ..dedup import DedupSettings, signature
    from ..readers.html import extract_html

    trafilatura.extract(html)
    extract_html(html, Origin("warm-up"))
    signature("warm up the minhash", DedupSettings())


def _ingested_bodies(records: list[dict], jobs: int | None) -> dict[int, tuple[list[str], float]]:
    """Each record's stored body after a full ingest, once on one process and once on
    ``jobs``: {jobs: (bodies, seconds)}."""
    from ..library import Library

    with tempfile.TemporaryDirectory() as tmp:
        pages = Path(tmp) / "pages.jsonl"
        with open(pages, "w", encoding="utf-8") as fh:
            for r in records:
                fh.write(json.dumps({"id": str(r["id"]), "url": r.get("url"), "html": r["html"]}) + "\n")
        runs = {}
        for jobs in sorted({1, jobs or os.cpu_count() or 1}):
            start = time.perf_counter()
            with Library(Path(tmp) / f"eval-{jobs}.db") as lib:
                lib.ingest([pages], jobs=jobs, annotate=False)
                seconds = time.perf_counter() - start
                bodies = []
                for r in records:
                    try:
                        bodies.append(lib.article(str(r["id"])).body)
                    except NotFoundError:
                        bodies.append("")
            runs[jobs] = (bodies, seconds)
    return runs


def _plain(records: list[dict]) -> tuple[list[str], float]:
    import trafilatura

    start = time.perf_counter()
    plain = [trafilatura.extract(r["html"], url=r.get("url")) or "" for r in records]
    return plain, time.perf_counter() - start


def _system(jobs: int) -> str:
    return f"storyline, {jobs} process{'es' if jobs > 1 else ''}"


def evaluate_extraction(path: str | Path, *, limit: int | None = None, jobs: int | None = None) -> list[ExtractionScore]:
    """Our stored bodies (full ingest into a temporary database) against plain trafilatura."""
    records = load_extraction_set(path, limit)
    warm_up(records[0]["html"] if records else "<html></html>")
    golds = [r["body"] for r in records]
    runs = _ingested_bodies(records, jobs)
    plain, plain_seconds = _plain(records)
    results = []
    systems = [(_system(jobs), bodies, seconds) for jobs, (bodies, seconds) in runs.items()]
    for name, preds, seconds in [*systems, ("trafilatura.extract", plain, plain_seconds)]:
        p, r, f, a = score_extraction(list(zip(golds, preds)))
        results.append(ExtractionScore(name, len(records), p, r, f, a, seconds))
    return results


def evaluate_checks(path: str | Path, *, limit: int | None = None, jobs: int | None = None) -> list[CheckScore]:
    """Must-appear / must-not-appear strings: our stored bodies against plain trafilatura."""
    records = load_checks_set(path, limit)
    warm_up(records[0]["html"] if records else "<html></html>")
    runs = _ingested_bodies(records, jobs)
    plain, plain_seconds = _plain(records)
    return [*(score_checks(_system(jobs), records, bodies, seconds)
              for jobs, (bodies, seconds) in runs.items()),
            score_checks("trafilatura.extract", records, plain, plain_seconds)]
