"""Summaries: our brief's summary against lead and LexRank, per gold story, scored by ROUGE
against the stories' own headlines."""

from __future__ import annotations

import re
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import MissingDependencyError
from ..spans import Span
from ._sets import write_without_gold
from .clustering import load_clustering_set

_WORD = re.compile(r"\w+")


@dataclass
class SummaryScore:
    """One summariser over a set's gold stories, scored against the stories' own headlines."""

    system: str
    stories: int
    #: sentences asked for per summary, and how many summaries gave on average
    requested_sentences: int
    sentences: float
    rouge1: float
    rouge2: float
    rouge1_precision: float
    rouge1_recall: float
    rouge2_precision: float
    rouge2_recall: float
    #: share of summary sentences whose text is ``body[start:end]`` of the cited stored article
    cited: float
    #: mean over stories of the highest ROUGE-1 F between two sentences of one summary
    #: (rouge-score, stemmed: not the similarity the brief chooses by)
    redundancy: float
    #: share of summary sentences that a sentence of another outlet says the same as, by
    #: the brief's own similarity (what it optimises, so not a judgement of it)
    corroborated: float
    seconds: float
    #: ingest and annotation before summarising (the same for every system)
    prepare_seconds: float | None = None
    #: with gold sentence pairs (ecbplus-facts): of the summary sentences the gold covers,
    #: the share that report an event a sentence of another article of the story reports
    #: too (None without gold), and the share of summary sentences the gold covers
    corroborated_gold: float | None = None
    judged: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def _rouge_scorer():
    try:
        from rouge_score import rouge_scorer
    except ImportError:
        raise MissingDependencyError("rouge-score", "Scoring summaries") from None
    return rouge_scorer.RougeScorer(["rouge1", "rouge2"], use_stemmer=True)


def best_rouge(scorer, summary: str, headlines: list[str]) -> dict[str, tuple[float, float, float]]:
    """{"rouge1"|"rouge2": (precision, recall, F)} of ``summary`` against the headline that
    gives it the best F, for each measure apart; all zero without headlines."""
    best = {"rouge1": (0.0, 0.0, 0.0), "rouge2": (0.0, 0.0, 0.0)}
    for headline in headlines:
        scores = scorer.score(headline, summary)  # (target, prediction)
        for name in best:
            s = scores[name]
            if s.fmeasure > best[name][2]:
                best[name] = (s.precision, s.recall, s.fmeasure)
    return best


def lead_sentences(sentences_by_source: list[list[Span]], count: int) -> list[Span]:
    """The lead baseline: the first sentence of each source in turn, then the second
    sentences, and so on, until ``count`` sentences."""
    chosen: list[Span] = []
    depth = max((len(s) for s in sentences_by_source), default=0)
    for position in range(depth):
        for sentences in sentences_by_source:
            if len(chosen) >= count:
                return chosen
            if position < len(sentences):
                chosen.append(sentences[position])
    return chosen


class _WordTokenizer:
    """What sumy asks of a tokenizer. Sentences come from our annotation, so ``to_sentences``
    is only there for completeness: it keeps a text whole."""

    @staticmethod
    def to_sentences(text: str) -> tuple[str, ...]:
        return (text,)

    @staticmethod
    def to_words(sentence: str) -> list[str]:
        return _WORD.findall(sentence)


def load_lexrank():
    """sumy's LexRank as :func:`lexrank_sentences` runs it: (summarizer with English stemming
    and stop words, document, paragraph and sentence classes). Loaded once by a caller that
    ranks many stories, so that a missing sumy is reported before the long part."""
    try:
        from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
        from sumy.nlp.stemmers import Stemmer
        from sumy.summarizers.lex_rank import LexRankSummarizer
        from sumy.utils import get_stop_words
    except ImportError:
        raise MissingDependencyError("sumy", "The LexRank baseline") from None
    summarizer = LexRankSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    return summarizer, ObjectDocumentModel, Paragraph, Sentence


def lexrank_sentences(sentences_by_source: list[list[Span]], count: int,
                      lexrank=None) -> list[Span]:
    """sumy's LexRank over all sources as one document (one paragraph per source), on our
    sentence splits; a sentence printed word for word by two sources is ranked once."""
    summarizer, Document, Paragraph, Sentence = lexrank or load_lexrank()
    tokenizer = _WordTokenizer()
    spans: dict = {}
    paragraphs = []
    for sentences in sentences_by_source:
        members = []
        for span in sentences:
            sentence = Sentence(span.text, tokenizer)
            if span.text.strip() and sentence not in spans:
                spans[sentence] = span
                members.append(sentence)
        if members:
            paragraphs.append(Paragraph(members))
    if not spans:
        return []
    return [spans[s] for s in summarizer(Document(paragraphs), count)]


class StorySentences:
    """Every sentence of a story as the brief compares them (the first ``max_sources``
    sources, and a copy's sentences its original does not print), each with its outlet, and
    their pairwise similarity (:func:`storyline.brief.similarity_matrix`)."""

    def __init__(self, sources: list, settings) -> None:
        self.spans: list[Span] = []
        self.outlets: list[str] = []
        self.copy: list[bool] = []
        self.outlet_of: dict[str, str] = {}
        from ..brief import compared_sentences

        for source in sources:
            self.outlet_of[source.article.id] = source.outlet_key
            for copy, _ in source.copies:
                self.outlet_of[copy.id] = source.outlet_key
        for index, _, annotation, copy, positions in compared_sentences(sources, settings):
            self._add([annotation.sentences[n] for n in positions], sources[index].outlet_key,
                      copy)
        self._matrix = None
        self._at: dict | None = None

    def _add(self, spans, outlet: str, copy: bool) -> None:
        self.spans.extend(spans)
        self.outlets.extend([outlet] * len(spans))
        self.copy.extend([copy] * len(spans))

    def index(self, span: Span) -> int:
        key = (span.article_id, span.start, span.end)
        if self._at is None:
            self._at = {(s.article_id, s.start, s.end): n for n, s in enumerate(self.spans)}
        if key in self._at:
            return self._at[key]
        # a sentence of a source past max_sources: compare it too
        self._at[key] = len(self.spans)
        self._add([span], self.outlet_of.get(span.article_id, "article:" + span.article_id),
                  False)
        self._matrix = None
        return len(self.spans) - 1

    @property
    def matrix(self):
        if self._matrix is None:
            from ..brief import similarity_matrix

            self._matrix = similarity_matrix([s.text for s in self.spans])
        return self._matrix


def corroborated_sentences(summary: list[Span], story: StorySentences,
                           threshold: float) -> list[bool]:
    """For each summary sentence, whether a sentence of a source of another outlet (not a
    folded copy) says the same: similarity at least ``threshold``, as the brief's support."""
    at = [story.index(span) for span in summary]
    matrix = story.matrix
    found = []
    for i in at:
        found.append(any(matrix[i, j] >= threshold and not story.copy[j]
                         and story.outlets[j] != story.outlets[i]
                         for j in range(len(story.spans))))
    return found


def summary_redundancy(texts: list[str], scorer=None) -> float:
    """The highest ROUGE-1 F between two sentences of one summary (0 for fewer than two):
    measured apart from the similarity the brief picks sentences by."""
    scorer = scorer or _rouge_scorer()
    return max((scorer.score(a, b)["rouge1"].fmeasure
                for n, a in enumerate(texts) for b in texts[n + 1:]), default=0.0)


class GoldEvents:
    """Which sentences of an ECB+ story report an event another article of the story also
    reports, by the gold event coreference of ecbplus-facts: a summary sentence is judged
    by the gold sentences it overlaps (by half the shorter, as ``fact_metric.py`` does)."""

    def __init__(self, fact_set, records: dict[str, dict]) -> None:
        self.records = records
        self.sentences: dict[str, list[tuple[int, int, tuple]]] = {}
        for g in fact_set.sentences:
            if g.get("field", "text") == "text":
                key = (g["article_id"], g["start"], g["end"])
                self.sentences.setdefault(g["article_id"], []).append((g["start"], g["end"], key))
        self.corroborated: set[tuple] = set()
        for pair in fact_set.pairs:
            a, b = pair["a"], pair["b"]
            if not pair.get("same_event") or a["article_id"] == b["article_id"] or \
                    pair.get("story_a") != pair.get("story_b"):
                continue
            if a.get("field", "text") == "text" and b.get("field", "text") == "text":
                for ref in (a, b):
                    self.corroborated.add((ref["article_id"], ref["start"], ref["end"]))
        self._mappers: dict = {}

    def judge(self, span: Span, body: str) -> bool | None:
        """True when a gold sentence under ``span`` is corroborated by another article,
        False when the gold covers it and none is, None when the gold does not cover it."""
        from .facts import FieldMapper, overlaps

        record = self.records.get(span.article_id)
        if record is None or span.article_id not in self.sentences:
            return None
        if span.article_id not in self._mappers:
            self._mappers[span.article_id] = FieldMapper(body, record.get("text") or "")
        mapped = self._mappers[span.article_id].span(span.start, span.end)
        if mapped is None:
            return None
        start, end = mapped
        under = [key for s, e, key in self.sentences[span.article_id]
                 if overlaps(start, end, s, e)]
        if not under:
            return None
        return any(key in self.corroborated for key in under)


def _summary_stories(records: list[dict], stored: dict) -> list[tuple[str, list[str]]]:
    """(gold story, its stored article ids in publication order, ties and undated last in
    file order) for each gold story with two or more stored articles."""
    members: dict[str, list[tuple[int, str]]] = {}
    for n, r in enumerate(records):
        if str(r["id"]) in stored:
            members.setdefault(r["story"], []).append((n, str(r["id"])))

    def when(item: tuple[int, str]) -> tuple:
        published = stored[item[1]].published
        return (published is None, published or "", item[0])

    return [(story, [i for _, i in sorted(items, key=when)])
            for story, items in members.items() if len(items) >= 2]


def _ingest_summary_set(records: list[dict], db: Path, jobs: int | None,
                        on_item=None) -> float:
    """Ingest and annotate the records, without gold fields and without grouping, into the
    database file ``db``; the seconds it took."""
    from ..library import Library

    source = db.with_suffix(".jsonl")
    write_without_gold(records, source)
    start = time.perf_counter()
    with Library(db) as lib:
        lib.ingest([source], jobs=jobs, stories=False, on_item=on_item)
    return time.perf_counter() - start


def score_summaries(store, records: list[dict], *, sentences: int = 3, settings=None,
                    on_progress=None, fact_set=None) -> list[SummaryScore]:
    """Our summary, lead and LexRank for every gold story of two or more articles held in
    ``store`` (already ingested and annotated), scored against the stories' headlines.

    ``settings`` (a :class:`~storyline.brief.BriefSettings`) replaces the default one; its
    ``sentences`` is set to ``sentences`` either way. With ``fact_set`` (the gold of an
    ecbplus-facts folder) corroboration is also judged by the gold (:class:`GoldEvents`).
    """
    from dataclasses import replace

    from ..brief import BriefSettings, build_brief
    from ..library import brief_sources

    scorer = _rouge_scorer()
    lexrank = load_lexrank()
    settings = replace(settings or BriefSettings(), sentences=sentences)
    stored = {a.id: a for a in store.articles()}
    stories = _summary_stories(records, stored)
    systems = ("storyline brief summary", "lead (round-robin over sources)",
               "LexRank (sumy)")
    totals = {name: Counter() for name in systems}
    gold = GoldEvents(fact_set, {str(r["id"]): r for r in records}) if fact_set else None

    for done, (story, ids) in enumerate(stories, start=1):
        sources = brief_sources(store, ids)
        headlines = list(dict.fromkeys(stored[i].title.strip() for i in ids
                                       if stored[i].title and stored[i].title.strip()))
        originals = [s.annotation.sentences if s.annotation else [] for s in sources]
        sentences_of = StorySentences(sources, settings)
        picks = {}
        start = time.perf_counter()
        brief = build_brief(story, headlines[0] if headlines else story, sources, settings)
        picks[systems[0]] = ([s.span for s in brief.summary], time.perf_counter() - start)
        start = time.perf_counter()
        picks[systems[1]] = (lead_sentences(originals, sentences), time.perf_counter() - start)
        start = time.perf_counter()
        picks[systems[2]] = (lexrank_sentences(originals, sentences, lexrank),
                             time.perf_counter() - start)
        for name, (spans, seconds) in picks.items():
            t = totals[name]
            texts = [s.text for s in spans]
            rouge = best_rouge(scorer, " ".join(texts), headlines)
            for metric, (p, r, f) in rouge.items():
                t[f"{metric}_precision"] += p
                t[f"{metric}_recall"] += r
                t[metric] += f
            t["stories"] += 1
            t["sentences"] += len(spans)
            t["cited"] += sum(store.article(s.article_id).body[s.start:s.end] == s.text
                              for s in spans)
            t["redundancy"] += summary_redundancy(texts, scorer)
            t["corroborated"] += sum(corroborated_sentences(spans, sentences_of,
                                                            settings.same_similarity))
            if gold is not None:
                verdicts = [gold.judge(span, stored[span.article_id].body) for span in spans]
                t["judged"] += sum(v is not None for v in verdicts)
                t["corroborated_gold"] += sum(v is True for v in verdicts)
            t["seconds"] += seconds
        if on_progress:
            on_progress(done, len(stories))

    results = []
    for name in systems:
        t = totals[name]
        n = t["stories"] or 1
        count = t["sentences"] or 1
        results.append(SummaryScore(
            system=name, stories=t["stories"], requested_sentences=sentences,
            sentences=t["sentences"] / n, rouge1=t["rouge1"] / n, rouge2=t["rouge2"] / n,
            rouge1_precision=t["rouge1_precision"] / n, rouge1_recall=t["rouge1_recall"] / n,
            rouge2_precision=t["rouge2_precision"] / n, rouge2_recall=t["rouge2_recall"] / n,
            cited=t["cited"] / count, redundancy=t["redundancy"] / n,
            corroborated=t["corroborated"] / count, seconds=t["seconds"],
            corroborated_gold=(t["corroborated_gold"] / (t["judged"] or 1)) if gold else None,
            judged=t["judged"] / count if gold else None))
    return results


def evaluate_summaries(path: str | Path, *, limit: int | None = None, jobs: int | None = None,
                       sentences: int = 3, on_progress=None,
                       pairs: str | Path | None = None) -> list[SummaryScore]:
    """Our brief's summary against two extractive baselines, lead and LexRank, per gold story.

    The records are ingested and annotated into a temporary database (titles as titles, not
    body text) and grouped by their gold ``story``. For each gold story of two or more
    articles (in publication order), each system picks ``sentences`` sentences from the same
    stored bodies. References are the journalists' own headlines, the titles of the story's
    articles: ROUGE-1 and ROUGE-2 (rouge-score, Porter stemming) against the best-matching
    headline, averaged over stories. ECB+'s "headlines" are the first sentences its
    parser chose, not headlines an editor wrote. ``pairs``, an ecbplus-facts folder, judges
    corroboration by gold event coreference. ``on_progress(done, total)`` counts articles
    ingested, then stories summarised.
    """
    _rouge_scorer()
    load_lexrank()  # a missing package is reported before the long part
    records = load_clustering_set(path, limit)
    fact_set = None
    if pairs is not None:
        from .facts import load_fact_set

        fact_set = load_fact_set(pairs)
        if not {str(r["id"]) for r in records} & {g["article_id"] for g in fact_set.sentences}:
            fact_set = None  # pairs of another set (ECB+ beside GVC): nothing to judge
    multi = sum(1 for c in Counter(r["story"] for r in records).values() if c >= 2)
    total = len(records) + multi
    ingested = 0

    def on_item() -> None:
        nonlocal ingested
        ingested += 1
        if on_progress:
            on_progress(ingested, total)

    from ..library import Library

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "summaries.db"
        prepare = _ingest_summary_set(records, db, jobs, on_item)
        with Library(db) as lib:
            results = score_summaries(
                lib.store, records, sentences=sentences, fact_set=fact_set,
                on_progress=(lambda done, _: on_progress(len(records) + done, total))
                if on_progress else None)
    for r in results:
        r.prepare_seconds = prepare
    return results
