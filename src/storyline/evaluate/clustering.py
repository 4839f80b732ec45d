"""Clustering: online grouping against gold stories (ECB+, GVC, WikiRef220), by BCubed, beside
every article alone and an offline TF-IDF + average-linkage baseline."""

from __future__ import annotations

import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ._sets import read_records, write_without_gold

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
    return read_records(path, limit, {"story": str}, "article")


def offline_baseline(texts: list[str], distance: float) -> list[int] | None:
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


def group_arriving(lib, batches: int = 1) -> None:
    """Group a library's stored articles as if they had arrived in ``batches`` ingests, one
    after another in ingest order, each grouped in publication order after the stories of
    the ones before; 1 regroups them all at once, as ``recluster`` does."""
    from ..stories import StoryGrouper

    if batches <= 1:
        lib.recluster()
        return
    store = lib.store
    with store.transaction():
        store.clear_stories()
    arrived = list(store.articles())
    size = -(-len(arrived) // batches)
    grouper = StoryGrouper(store, lib.story_settings)
    for at in range(0, len(arrived), size):
        with store.transaction():
            grouper.group([(a, store.annotation(a.id)) for a in arrived[at:at + size]])


def _group_in_order(records: list[dict], seed: int | None, jobs: int | None, tmp: Path,
                    batches: int = 1) -> tuple[dict[str, str], float, float, dict]:
    """Ingest (and annotate) the records in an order shuffled with ``seed`` into a new
    database, then group them: all at once as ``recluster`` does (publication order), or,
    with ``batches`` > 1, as that many ingests arriving one after another would, each batch
    grouped in publication order after the stories of the batches before it. Returns
    (assignments, ingest s, grouping s, articles)."""
    import random

    from ..library import Library

    order = list(records)
    if seed is not None:
        random.Random(seed).shuffle(order)
    name = "file" if seed is None else f"seed{seed}"
    source = tmp / f"{name}-{batches}.jsonl"
    write_without_gold(order, source)
    with Library(tmp / f"{name}-{batches}.db") as lib:
        start = time.perf_counter()
        lib.ingest([source], jobs=jobs, stories=False)
        ingest_seconds = time.perf_counter() - start
        start = time.perf_counter()
        group_arriving(lib, batches)
        seconds = time.perf_counter() - start
        return (lib.store.story_assignments(), ingest_seconds, seconds,
                {a.id: a for a in lib.store.articles()})


def evaluate_clustering(path: str | Path, *, limit: int | None = None, jobs: int | None = None,
                        orders: int = 3, seed: int | None = 0, baseline: bool = True,
                        distance: float = OFFLINE_DISTANCE,
                        batches: int = 1) -> list[ClusteringScore]:
    """Online grouping (``recluster`` over a temporary database) against gold stories, beside
    two baselines on the same stored articles: every article alone, and offline TF-IDF +
    average-linkage clustering.

    Online grouping depends on the order articles arrive in: they are taken by publication
    date, ingest order breaking ties (all undated articles tie). So the records are ingested
    in ``orders`` orders, shuffled with seeds ``seed``, ``seed + 1``, ...; the first row is
    the mean over them, followed by one row per order. ``seed=None`` keeps the file's order
    (which in most sets lists a story's articles together, and so flatters online grouping).
    ``batches`` > 1 has each order arrive in that many batches, one after another, so older
    reports may come after newer ones, as from a backfill or a feed that catches up.
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

    arrival = f", {batches} batches" if batches > 1 else ""
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for s in seeds:
            predicted, ingest_seconds, seconds, stored = _group_in_order(
                records, s, jobs, Path(tmp), batches)
            run = score(("storyline, file order" if s is None else f"storyline, order seed {s}")
                        + arrival, predicted, seconds)
            run.prepare_seconds = ingest_seconds
            runs.append(run)
    results = []
    if len(runs) > 1:
        def mean(name: str) -> float:
            return sum(getattr(r, name) for r in runs) / len(runs)

        results.append(ClusteringScore(
            f"storyline online grouping{arrival}, mean of {len(runs)} orders", len(gold),
            round(mean("stories")), gold_count, mean("precision"), mean("recall"), mean("f1"),
            mean("seconds"), mean("prepare_seconds")))
    results.extend(runs)
    results.append(score("every article alone", {i: i for i in gold}, 0.0))
    if baseline:
        ids = [i for i in gold if i in stored]
        texts = [f"{stored[i].title or ''}\n{stored[i].body}" for i in ids]
        start = time.perf_counter()
        labels = offline_baseline(texts, distance)
        if labels is not None:
            results.append(score(f"offline TF-IDF + average linkage ({distance})",
                                 dict(zip(ids, labels)), time.perf_counter() - start))
    return results
