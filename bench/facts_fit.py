"""Fit the brief's corroboration model (``BriefSettings.fact_weights``, ``fact_bias``,
``fact_threshold``) by cross-validation over ECB+ dev topics, and report held-out figures.

For every gold story of an annotated ECB+ archive (``Library.ingest(..., stories=False)``
of the records without gold fields), the brief's candidate pairs of claims (two sources,
TF-IDF cosine at least ``fact_candidate_similarity``) get :func:`pair_features`; a pair is
labelled by the ecbplus-facts gold when both sentences overlap gold sentences (half of the
shorter) that form a gold pair. Folds: the ECB+ topics by ``topic % folds``. On each
training part a logistic model (scikit-learn, standardised features, L2) is fitted, and
its threshold is the lowest probability whose facts, grouped as the brief groups them,
reach precision ``--target`` on the training stories' gold pairs (text fields); the held-out
topics are then scored with it. The model fitted on all dev topics is printed as settings.

    storyline --db ecb.db ingest ../shared/data/ecbplus/articles.jsonl --no-stories
    .venv/bin/python -m bench.facts_fit ecb.db ../shared/data/ecbplus
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np

from storyline.brief import BriefSettings
from storyline.brief.compose import compare_story
from storyline.brief.facts import PAIR_FEATURES, build_facts, candidate_pairs
from storyline.evaluate.clustering import load_clustering_set
from storyline.evaluate.facts import (FieldMapper, load_fact_set, score_fact_groups,
                                      story_members)
from storyline.library import Library, brief_sources

_TOPIC = re.compile(r"(\d+)_")
THRESHOLDS = tuple(round(0.04 + 0.02 * k, 2) for k in range(48))


def topic_of(article_id: str) -> int:
    return int(_TOPIC.search(article_id).group(1))


def prepared_story(sources, settings):
    """What compose gives build_facts: sentences, similar, related, and the candidate pairs
    with their features."""
    sentences, _, product, similar, related = compare_story(sources, settings)
    return sentences, similar, related, candidate_pairs(sentences, product, settings)


def gold_labels(sentences, records, fact_set):
    """For each sentence index, the gold sentences (article, start, end) it overlaps by
    half of the shorter; and the gold pair labels by sentence keys."""
    by_article = defaultdict(list)
    for s in fact_set.sentences:
        if s["field"] == "text":
            by_article[s["article_id"]].append((s["start"], s["end"]))
    label = {}
    for p in fact_set.pairs:
        a, b = p["a"], p["b"]
        if a["field"] == b["field"] == "text":
            ka = (a["article_id"], a["start"], a["end"])
            kb = (b["article_id"], b["start"], b["end"])
            label[(ka, kb)] = label[(kb, ka)] = bool(p["same_event"])
    gold_of = []
    for s in sentences:
        record = records.get(s.span.article_id)
        found = []
        if record is not None:
            mapped = FieldMapper(record["text"], record["text"]).span(s.span.start, s.span.end)
            if mapped:
                start, end = mapped
                for gs, ge in by_article.get(s.span.article_id, ()):
                    overlap = min(end, ge) - max(start, gs)
                    if overlap > 0 and overlap >= 0.5 * min(end - start, ge - gs):
                        found.append((s.span.article_id, gs, ge))
        gold_of.append(found)
    return gold_of, label


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("archive", type=Path, help="an annotated ingest of the articles")
    parser.add_argument("data", type=Path, help="folder of articles.jsonl (ecbplus)")
    parser.add_argument("--pairs", type=Path, default=None)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--target", type=float, default=0.92,
                        help="precision the threshold must reach on the training folds")
    parser.add_argument("--share", type=float, default=1.0)
    parser.add_argument("--floor", type=float, default=None,
                        help="fact_candidate_similarity [default: BriefSettings']")
    parser.add_argument("--drop", default="dates differ,word overlap,counts differ",
                        help="comma-separated features to leave out [default: the three "
                             "whose weights came out of the wrong sign or collinear with "
                             "cosine]")
    args = parser.parse_args(argv)
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    records_list = load_clustering_set(args.data / "articles.jsonl")
    records = {str(r["id"]): r for r in records_list}
    fact_set = load_fact_set(args.pairs or args.data.parent / "ecbplus-facts")
    settings = BriefSettings()
    if args.floor is not None:
        settings = replace(settings, fact_candidate_similarity=args.floor)
    dropped = {PAIR_FEATURES.index(name) for name in args.drop.split(",") if name}
    keep = [k for k in range(len(PAIR_FEATURES)) if k not in dropped]
    stories = []
    with Library(args.archive) as lib:
        stored = {a.id: a for a in lib.store.articles()}
        for story, ids in story_members(records_list, stored):
            sources = brief_sources(lib.store, ids)
            sentences, similar, related, candidates = prepared_story(sources, settings)
            gold_of, label = gold_labels(sentences, records, fact_set)
            rows = []
            for i, j, x in candidates:
                ys = [label[(ga, gb)] for ga in gold_of[i] for gb in gold_of[j]
                      if (ga, gb) in label]
                rows.append((i, j, x, (any(ys) if ys else None)))
            stories.append({"story": story, "topic": topic_of(ids[0]), "sources": sources,
                            "sentences": sentences, "similar": similar, "related": related,
                            "rows": rows})
    topics = sorted({s["topic"] for s in stories})
    fold_of = {t: n % args.folds for n, t in enumerate(topics)}
    labelled = sum(1 for s in stories for r in s["rows"] if r[3] is not None)
    print(f"{len(stories)} stories, {sum(len(s['rows']) for s in stories)} candidate pairs, "
          f"{labelled} labelled; features: {[PAIR_FEATURES[k] for k in keep]}")

    def fit(train):
        rows = [r for s in train for r in s["rows"] if r[3] is not None]
        x = np.array([[r[2][k] for k in keep] for r in rows])
        y = np.array([r[3] for r in rows])
        scaler = StandardScaler().fit(x)
        model = LogisticRegression(C=1.0, max_iter=1000).fit(scaler.transform(x), y)
        weights = np.zeros(len(PAIR_FEATURES))
        weights[keep] = model.coef_[0] / scaler.scale_
        bias = float(model.intercept_[0] - np.sum(model.coef_[0] * scaler.mean_ / scaler.scale_))
        return weights, bias

    def grouped(part, weights, bias, threshold):
        fitted = replace(settings, fact_weights=tuple(weights.tolist()), fact_bias=bias,
                         fact_threshold=threshold, fact_link_share=args.share)
        groups = defaultdict(list)
        for s in part:
            scored = [(i, j, 1 / (1 + np.exp(-(bias + float(np.dot(weights, x))))))
                      for i, j, x, _ in s["rows"]]
            linked = sorted(((i, j, p) for i, j, p in scored if p >= threshold),
                            key=lambda t: (-t[2], t[0], t[1]))
            facts = build_facts(s["sentences"], s["similar"], s["related"], s["sources"],
                                fitted, linked)
            for n, fact in enumerate(facts):
                if fact.status == "corroborated":
                    for span in fact.evidence:
                        groups[span.article_id].append(
                            (span.start, span.end, f"{s['story']}#{n}", "text"))
        return groups

    def pairs_of(part):
        ids = {a.article.id for s in part for a in s["sources"]}
        return [p for p in fact_set.pairs if p["a"]["article_id"] in ids]

    def choose(part, weights, bias):
        gold = pairs_of(part)
        for threshold in THRESHOLDS:
            score = score_fact_groups(gold, grouped(part, weights, bias, threshold), ("text",))
            if score.predicted_same and score.precision >= args.target:
                return threshold
        return THRESHOLDS[-1]

    totals = defaultdict(int)
    for fold in range(args.folds):
        train = [s for s in stories if fold_of[s["topic"]] != fold]
        test = [s for s in stories if fold_of[s["topic"]] == fold]
        weights, bias = fit(train)
        threshold = choose(train, weights, bias)
        score = score_fact_groups(pairs_of(test), grouped(test, weights, bias, threshold),
                                  ("text",))
        print(f"fold {fold}: threshold {threshold} held-out P {score.precision:.3f} "
              f"R {score.recall:.3f} ({score.tp} tp, {score.fp} fp, {score.pairs} pairs)")
        for key in ("tp", "fp", "fn", "tn"):
            totals[key] += getattr(score, key)
    tp, fp, fn = totals["tp"], totals["fp"], totals["fn"]
    p, r = tp / max(1, tp + fp), tp / max(1, tp + fn)
    print(f"cross-validated ({args.folds} folds by topic): P {p:.3f} R {r:.3f} "
          f"F1 {2 * p * r / max(1e-9, p + r):.3f} ({tp} tp, {fp} fp, {fn} fn)")
    weights, bias = fit(stories)
    threshold = choose(stories, weights, bias)
    score = score_fact_groups(pairs_of(stories), grouped(stories, weights, bias, threshold),
                              ("text",))
    print(f"fit on all dev: threshold {threshold} P {score.precision:.3f} R {score.recall:.3f} "
          f"F1 {score.f1:.3f} ({score.tp} tp, {score.fp} fp)")
    print(json.dumps({"fact_weights": [round(w, 4) for w in weights.tolist()],
                      "fact_bias": round(bias, 4), "fact_threshold": threshold}))


if __name__ == "__main__":
    main()
