"""Evaluations on public data sets: ``storyline eval ...``.

Extraction uses the article-extraction-benchmark's metric (scrapinghub): ``\\w+`` tokens,
4-token shingles counted as multisets, precision and recall averaged over pages, F1 of the
averages, and accuracy = share of pages whose token list equals the gold one.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from .errors import InputError, MissingDependencyError, NotFoundError, Origin
from .spans import Span

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


def _read_records(path: str | Path, limit: int | None, fields: dict[str, type],
                  default_id: str) -> list[dict]:
    """JSON Lines records (``.gz`` too) that must carry ``fields`` of the given types; a bad
    line raises :class:`InputError` naming the file, the line and the field."""
    records = []
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(Origin(str(path), line=number), f"invalid JSON: {exc.msg}") from exc
            for name, kind in fields.items():
                if not isinstance(rec.get(name), kind):
                    raise InputError(Origin(str(path), line=number),
                                     f"missing or not a {'list' if kind is list else 'string'}",
                                     field=name)
            rec.setdefault("id", f"{default_id}-{number}")
            records.append(rec)
            if limit and len(records) >= limit:
                break
    return records


def load_extraction_set(path: str | Path, limit: int | None = None) -> list[dict]:
    """Records with ``html`` and gold ``body`` (and ``id``, ``url``)."""
    return _read_records(path, limit, {"html": str, "body": str}, "page")


def warm_up(html: str) -> None:
    """Import and run both extractors once, so that timings measure pages, not imports."""
    import trafilatura

    from .dedup import DedupSettings, signature
    from .readers.html import extract_html

    trafilatura.extract(html)
    extract_html(html, Origin("warm-up"))
    signature("warm up the minhash", DedupSettings())


def evaluate_extraction(path: str | Path, *, limit: int | None = None, jobs: int | None = None) -> list[ExtractionScore]:
    """Our stored bodies (full ingest into a temporary database) against plain trafilatura."""
    import trafilatura

    from .library import Library

    records = load_extraction_set(path, limit)
    warm_up(records[0]["html"] if records else "<html></html>")
    golds = [r["body"] for r in records]
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

    start = time.perf_counter()
    plain = [trafilatura.extract(r["html"], url=r.get("url")) or "" for r in records]
    plain_seconds = time.perf_counter() - start

    results = []
    systems = [(f"storyline, {jobs} process{'es' if jobs > 1 else ''}", bodies, seconds)
               for jobs, (bodies, seconds) in runs.items()]
    for name, preds, seconds in [*systems, ("trafilatura.extract", plain, plain_seconds)]:
        p, r, f, a = score_extraction(list(zip(golds, preds)))
        results.append(ExtractionScore(name, len(records), p, r, f, a, seconds))
    return results


# -- quotes -------------------------------------------------------------------------------------

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
    return _read_records(path, limit, {"text": str, "quotes": list}, "article")


def _our_quotes(records: list[dict], jobs: int) -> tuple[list[list[dict]], float]:
    from .annotate import annotate_articles
    from .nlp import load_pipeline
    from .records import Article

    load_pipeline()
    articles = [Article(id=str(r["id"]), revision=1, outlet=r.get("outlet"), title=r.get("title"),
                        url=r.get("url"), published=r.get("published"), body=r["text"])
                for r in records]
    start = time.perf_counter()
    annotations = list(annotate_articles(articles, jobs=jobs))
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
    from .nlp import MODEL_PACKAGE
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


# -- stories ------------------------------------------------------------------------------------

#: Gold and dataset-only fields that must not reach the database under evaluation.
_GOLD_FIELDS = ("story", "story_name", "topic", "noise", "published_raw")
#: Cosine distance at which the offline baseline stops merging: the one threshold that does
#: best over the ECB+ and GVC dev splits together, so the baseline is a strong one.
OFFLINE_DISTANCE = 0.85


@dataclass
class ClusteringScore:
    """BCubed scores of one grouping against gold stories."""

    system: str
    articles: int
    stories: int
    gold_stories: int
    precision: float
    recall: float
    f1: float
    seconds: float
    #: ingest and annotation before grouping (online grouping reads the annotations)
    prepare_seconds: float | None = None

    @property
    def articles_per_second(self) -> float:
        return self.articles / self.seconds if self.seconds else float("inf")

    def to_dict(self) -> dict:
        return {**asdict(self), "articles_per_second": round(self.articles_per_second, 2)}


def bcubed(gold: dict[str, str], predicted: dict[str, str]) -> tuple[float, float, float]:
    """BCubed precision, recall and F1 (Bagga & Baldwin 1998; Amigó et al. 2009) of a
    grouping of the gold items; an item without a prediction counts as alone."""
    if not gold:
        return 0.0, 0.0, 0.0
    pred = {item: predicted.get(item, ("alone", item)) for item in gold}
    gold_members: dict = {}
    pred_members: dict = {}
    for item in gold:
        gold_members.setdefault(gold[item], set()).add(item)
        pred_members.setdefault(pred[item], set()).add(item)
    precision = recall = 0.0
    for item in gold:
        same = len(gold_members[gold[item]] & pred_members[pred[item]])
        precision += same / len(pred_members[pred[item]])
        recall += same / len(gold_members[gold[item]])
    precision /= len(gold)
    recall /= len(gold)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def load_clustering_set(path: str | Path, limit: int | None = None) -> list[dict]:
    """Articles with a gold ``story`` (and ``title``/``text``, as ECB+, GVC, WikiRef220)."""
    return _read_records(path, limit, {"story": str}, "article")


def _offline_baseline(texts: list[str], distance: float) -> list[int] | None:
    """TF-IDF over all articles at once, then average-linkage agglomerative clustering cut
    at one cosine distance (scikit-learn; None when it is not installed)."""
    try:
        from sklearn.cluster import AgglomerativeClustering
        from sklearn.feature_extraction.text import TfidfVectorizer
    except ImportError:
        return None

    if len(texts) < 2:
        return list(range(len(texts)))
    vectors = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
    return AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                   distance_threshold=distance).fit_predict(vectors.toarray()).tolist()


def _group_in_order(records: list[dict], seed: int | None, jobs: int | None,
                    tmp: Path) -> tuple[dict[str, str], float, float, dict]:
    """Ingest (and annotate) the records in an order shuffled with ``seed`` into a new
    database, group them as ``recluster`` does; (assignments, ingest s, grouping s, articles)."""
    import random

    from .library import Library

    order = list(records)
    if seed is not None:
        random.Random(seed).shuffle(order)
    name = "file" if seed is None else f"seed{seed}"
    source = tmp / f"{name}.jsonl"
    with open(source, "w", encoding="utf-8") as fh:
        for r in order:
            fh.write(json.dumps({k: v for k, v in r.items() if k not in _GOLD_FIELDS},
                                ensure_ascii=False) + "\n")
    with Library(tmp / f"{name}.db") as lib:
        start = time.perf_counter()
        lib.ingest([source], jobs=jobs, stories=False)
        ingest_seconds = time.perf_counter() - start
        start = time.perf_counter()
        lib.recluster()
        seconds = time.perf_counter() - start
        return (lib.store.story_assignments(), ingest_seconds, seconds,
                {a.id: a for a in lib.store.articles()})


def evaluate_clustering(path: str | Path, *, limit: int | None = None, jobs: int | None = None,
                        orders: int = 3, seed: int | None = 0, baseline: bool = True,
                        distance: float = OFFLINE_DISTANCE) -> list[ClusteringScore]:
    """Online grouping (``recluster`` over a temporary database) against gold stories, beside
    two baselines on the same stored articles: every article alone, and offline TF-IDF +
    average-linkage clustering.

    Online grouping depends on the order articles arrive in: they are taken by publication
    date, ingest order breaking ties (all undated articles tie). So the records are ingested
    in ``orders`` orders, shuffled with seeds ``seed``, ``seed + 1``, ...; the first row is
    the mean over them, followed by one row per order. ``seed=None`` keeps the file's order
    (which in most sets lists a story's articles together, and so flatters online grouping).
    Grouping is timed after ingest and annotation, which are timed apart.
    """
    records = load_clustering_set(path, limit)
    gold = {str(r["id"]): r["story"] for r in records}
    gold_count = len(set(gold.values()))
    seeds = [None] if seed is None else [seed + n for n in range(max(1, orders))]

    def score(system: str, labels: dict, seconds: float) -> ClusteringScore:
        labels = {i: labels[i] for i in gold if i in labels}
        p, r, f = bcubed(gold, labels)
        found = len(set(labels.values())) + sum(i not in labels for i in gold)
        return ClusteringScore(system, len(gold), found, gold_count, p, r, f, seconds)

    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for s in seeds:
            predicted, ingest_seconds, seconds, stored = _group_in_order(records, s, jobs, Path(tmp))
            run = score("storyline, file order" if s is None else f"storyline, order seed {s}",
                        predicted, seconds)
            run.prepare_seconds = ingest_seconds
            runs.append(run)
    results = []
    if len(runs) > 1:
        def mean(name: str) -> float:
            return sum(getattr(r, name) for r in runs) / len(runs)

        results.append(ClusteringScore(
            f"storyline online grouping, mean of {len(runs)} orders", len(gold),
            round(mean("stories")), gold_count, mean("precision"), mean("recall"), mean("f1"),
            mean("seconds"), mean("prepare_seconds")))
    results.extend(runs)
    results.append(score("every article alone", {i: i for i in gold}, 0.0))
    if baseline:
        ids = [i for i in gold if i in stored]
        texts = [f"{stored[i].title or ''}\n{stored[i].body}" for i in ids]
        start = time.perf_counter()
        labels = _offline_baseline(texts, distance)
        if labels is not None:
            results.append(score(f"offline TF-IDF + average linkage ({distance})",
                                 dict(zip(ids, labels)), time.perf_counter() - start))
    return results


# -- summaries ----------------------------------------------------------------------------------


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
    #: mean over stories of the highest similarity between two sentences of one summary
    redundancy: float
    #: share of summary sentences that a sentence of another outlet says the same as
    corroborated: float
    seconds: float
    #: ingest and annotation before summarising (the same for every system)
    prepare_seconds: float | None = None

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
        return _TOKEN.findall(sentence)


def _lexrank():
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
    summarizer, Document, Paragraph, Sentence = lexrank or _lexrank()
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


class _StorySentences:
    """Every sentence of a story as the brief compares them (the first ``max_sources``
    sources, and a copy's sentences its original does not print), each with its outlet, and
    their pairwise similarity (:func:`storyline.brief.similarity_matrix`)."""

    def __init__(self, sources: list, settings) -> None:
        self.spans: list[Span] = []
        self.outlets: list[str] = []
        self.copy: list[bool] = []
        self.outlet_of: dict[str, str] = {}
        from .brief import compared_sentences

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
            from .brief import similarity_matrix

            self._matrix = similarity_matrix([s.text for s in self.spans])
        return self._matrix


def corroborated_sentences(summary: list[Span], story: _StorySentences,
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


def summary_redundancy(texts: list[str]) -> float:
    """The highest similarity between two sentences of one summary (0 for fewer than two)."""
    if len(texts) < 2:
        return 0.0
    from .brief import similarity_matrix

    matrix = similarity_matrix(texts)
    return float(max(matrix[i, j] for i in range(len(texts)) for j in range(i + 1, len(texts))))


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
    from .library import Library

    source = db.with_suffix(".jsonl")
    with open(source, "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps({k: v for k, v in r.items() if k not in _GOLD_FIELDS},
                                 ensure_ascii=False) + "\n" for r in records)
    start = time.perf_counter()
    with Library(db) as lib:
        lib.ingest([source], jobs=jobs, stories=False, on_item=on_item)
    return time.perf_counter() - start


def score_summaries(store, records: list[dict], *, sentences: int = 3, settings=None,
                    on_progress=None) -> list[SummaryScore]:
    """Our summary, lead and LexRank for every gold story of two or more articles held in
    ``store`` (already ingested and annotated), scored against the stories' headlines.

    ``settings`` (a :class:`~storyline.brief.BriefSettings`) replaces the default one; its
    ``sentences`` is set to ``sentences`` either way.
    """
    from dataclasses import replace

    from .brief import BriefSettings, build_brief
    from .library import brief_sources

    scorer = _rouge_scorer()
    lexrank = _lexrank()
    settings = replace(settings or BriefSettings(), sentences=sentences)
    stored = {a.id: a for a in store.articles()}
    stories = _summary_stories(records, stored)
    systems = ("storyline brief summary", "lead (round-robin over sources)",
               "LexRank (sumy)")
    totals = {name: Counter() for name in systems}

    for done, (story, ids) in enumerate(stories, start=1):
        sources = brief_sources(store, ids)
        headlines = list(dict.fromkeys(stored[i].title.strip() for i in ids
                                       if stored[i].title and stored[i].title.strip()))
        originals = [s.annotation.sentences if s.annotation else [] for s in sources]
        sentences_of = _StorySentences(sources, settings)
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
            t["redundancy"] += summary_redundancy(texts)
            t["corroborated"] += sum(corroborated_sentences(spans, sentences_of,
                                                            settings.same_similarity))
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
            corroborated=t["corroborated"] / count, seconds=t["seconds"]))
    return results


def evaluate_summaries(path: str | Path, *, limit: int | None = None, jobs: int | None = None,
                       sentences: int = 3, on_progress=None) -> list[SummaryScore]:
    """Our brief's summary against two extractive baselines, lead and LexRank, per gold story.

    The records are ingested and annotated into a temporary database (titles as titles, not
    body text) and grouped by their gold ``story``. For each gold story of two or more
    articles (in publication order), each system picks ``sentences`` sentences from the same
    stored bodies. References are the journalists' own headlines, the titles of the story's
    articles: ROUGE-1 and ROUGE-2 (rouge-score, Porter stemming) against the best-matching
    headline, averaged over stories. ``on_progress(done, total)`` counts articles ingested,
    then stories summarised.
    """
    _rouge_scorer()
    _lexrank()  # a missing package is reported before the long part
    records = load_clustering_set(path, limit)
    multi = sum(1 for c in Counter(r["story"] for r in records).values() if c >= 2)
    total = len(records) + multi
    ingested = 0

    def on_item() -> None:
        nonlocal ingested
        ingested += 1
        if on_progress:
            on_progress(ingested, total)

    from .library import Library

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "summaries.db"
        prepare = _ingest_summary_set(records, db, jobs, on_item)
        with Library(db) as lib:
            results = score_summaries(
                lib.store, records, sentences=sentences,
                on_progress=(lambda done, _: on_progress(len(records) + done, total))
                if on_progress else None)
    for r in results:
        r.prepare_seconds = prepare
    return results
