"""Fit the story model's weights (StorySettings.weights) on dev splits with gold stories, and
measure the fit by cross-validation.

Replays each set as it could arrive (publication order, and shuffled arrival in
``--batches`` batches, each with ``--seeds`` seeds) and, for every article, collects the
features of each candidate story the index retrieves, labelled by whether it is the
article's gold story; the article then joins its gold story (teacher forcing), so the
features describe the decisions the online grouping really faces. A logistic regression
over all of them gives the coefficients and intercept for ``StorySettings.weights``.
Teacher forcing joins no wrong story, so nothing is split while fitting; measuring groups
with :meth:`StoryIndex.assign_story` itself, young stories split as in ingest.

There is no train split of ECB+ or the Gun Violence Corpus here, so the fit is judged by
``--folds`` cross-validation: each set's topics (ECB+ ``topic``, both of its twin events
together) or stories (GVC incidents) are sorted and dealt round robin into folds; the model
is fitted on the other folds of both sets and measured on the held-out fold, grouping it
online in publication order and in batches, beside offline TF-IDF + average linkage on the
same fold. The held-out folds' stories, pooled, are scored with BCubed over the whole set.

    .venv/bin/python -m bench.fit_story_weights    # ECB+ and GVC dev of ../shared/data

Needs scikit-learn (the ``eval`` extra). Only dev splits: held-out splits judge the result.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from storyline import Library
from storyline.evaluate import bcubed
from storyline.evaluate.clustering import OFFLINE_DISTANCE, offline_baseline
from storyline.stories import (StoryIndex, StorySettings, Vocabulary, article_vectors,
                               order_key, pair_features, story_article)

FEATURES = ("text", "title", "names", "names conflict", "log(members)",
            "places conflict", "years conflict", "intercept")


@dataclasses.dataclass
class Row:
    article: object
    annotation: object
    gold: str
    group: str


def annotated(path: str, db: str) -> list[Row]:
    """Every record read through a real ingest, with its gold story and CV group."""
    with open(path, encoding="utf-8") as fh:
        lines = [json.loads(line) for line in fh if line.strip()]
    gold = {line["id"]: (line["story"], str(line.get("topic", line["story"]))) for line in lines}
    records = [{k: v for k, v in r.items() if k not in ("story", "story_name", "topic")}
               for r in lines]
    source = Path(db).with_suffix(".jsonl")
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    with Library(db) as lib:
        lib.ingest([source], stories=False)
        return [Row(a, lib.store.annotation(a.id), *gold[a.id]) for a in lib.store.articles()]


def arrival(rows: Sequence[Row], seed: int, batches: int) -> list[list[int]]:
    """Row indices in ``batches`` batches of one shuffled order; each batch is grouped in
    publication order, as ingest groups what it was given."""
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    size = -(-len(order) // batches)
    chunks = [order[i:i + size] for i in range(0, len(order), size)]
    result = []
    for chunk in chunks:
        seq = {i: n for n, i in enumerate(chunk)}
        result.append(sorted(chunk, key=lambda i: order_key(rows[i].article.published, seq[i])))
    return result


def samples(rows: Sequence[Row], seed: int, batches: int, settings: StorySettings):
    index = StoryIndex(settings, Vocabulary())
    story_of_gold: dict[str, str] = {}
    X, y = [], []
    for chunk in arrival(rows, seed, batches):
        for i in chunk:
            row = rows[i]
            record = story_article(row.article, row.annotation, settings)
            if record.duplicate_of and record.duplicate_of in index.article_story:
                index.assign_story(record)
                continue
            index.vocabulary.add(set(record.terms) | set(record.names))
            vectors = article_vectors(record, index.vocabulary)
            for story in index.candidates(index.query(vectors)):
                X.append(pair_features(vectors, record.names, story, settings,
                                       places=record.places, years=record.years))
                y.append(int(story_of_gold.get(row.gold) == story.id))
            target = index.stories.get(story_of_gold.get(row.gold, ""))
            if target is None:
                target = index._new_story(record.id)
                story_of_gold[row.gold] = target.id
            index._join(target, record, vectors)
            index.article_story[record.id] = target.id
    return X, y


def fit(sets: Sequence[Sequence[Row]], seeds: int, batches: Sequence[int],
        settings: StorySettings) -> tuple[float, ...]:
    X, y = [], []
    for rows in sets:
        for seed in range(seeds):
            for b in batches:
                xs, ys = samples(rows, 100 + seed, b, settings)
                X += xs
                y += ys
    model = LogisticRegression(C=1.0, max_iter=3000).fit(np.array(X), np.array(y))
    return tuple(round(float(w), 2) for w in [*model.coef_[0], model.intercept_[0]])


def group_online(rows: Sequence[Row], seed: int, batches: int,
                 settings: StorySettings) -> dict[str, str]:
    """Story of each article as the online grouping places them in this arrival."""
    index = StoryIndex(settings, Vocabulary())
    for chunk in arrival(rows, seed, batches):
        for i in chunk:
            index.assign_story(story_article(rows[i].article, rows[i].annotation, settings))
    return {r.article.id: index.resolve(index.article_story[r.article.id]) for r in rows}


def group_offline(rows: Sequence[Row]) -> dict[str, str]:
    labels = offline_baseline([f"{r.article.title or ''}\n{r.article.body}" for r in rows],
                              OFFLINE_DISTANCE)
    return {r.article.id: str(label) for r, label in zip(rows, labels)}


def folds_of(rows: Sequence[Row], k: int) -> list[int]:
    """The fold of each row: its group's place in the sorted groups (numerically when all
    are numbers), dealt round robin."""
    groups = sorted({r.group for r in rows},
                    key=lambda g: (0, int(g), "") if g.isdigit() else (1, 0, g))
    fold = {g: n % k for n, g in enumerate(groups)}
    return [fold[r.group] for r in rows]


def score(rows: Sequence[Row], labels: dict[str, str]) -> float:
    return bcubed({r.article.id: r.gold for r in rows}, labels)[2]


SYSTEMS = ("publication order", "6 batches")


def measure(rows: Sequence[Row], settings: StorySettings, seeds: int,
            batches: int) -> dict[str, list[dict[str, str]]]:
    """Labels of each arrival (one per seed) of each system, and of the offline baseline."""
    return {"publication order": [group_online(rows, s, 1, settings) for s in range(seeds)],
            f"{batches} batches": [group_online(rows, s, batches, settings) for s in range(seeds)],
            "offline": [group_offline(rows)]}


def report(name: str, rows: Sequence[Row], labels: dict[str, list[dict]],
           verdicts: list[str]) -> list[str]:
    """Table rows of each system, and into ``verdicts`` whether every order of each
    arrival is at least the offline baseline."""
    lines = []
    scores = {system: [score(rows, run) for run in runs] for system, runs in labels.items()}
    offline = scores["offline"][0]
    for system, found in scores.items():
        spread = f" ({min(found):.3f}-{max(found):.3f})" if len(found) > 1 else ""
        lines.append(f"| {name} | {system} | {np.mean(found):.3f}{spread} |")
        if system != "offline":
            met = "met" if min(found) >= offline else "NOT met"
            verdicts.append(f"{name}, {system}: every order >= offline {offline:.3f}: {met} "
                            f"(lowest {min(found):.3f})")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", help="sets with gold stories (default: ECB+ and "
                        "GVC dev from the shared data)")
    parser.add_argument("--seeds", type=int, default=3, help="orders per arrival, fit and measure")
    parser.add_argument("--batches", type=int, default=6)
    parser.add_argument("--folds", type=int, default=5, help="0: no cross-validation")
    parser.add_argument("--cache", help="directory to keep the annotated sets in")
    parser.add_argument("--out", default="bench/results/story-weights.md",
                        help="where to keep the table ('' for nowhere)")
    args = parser.parse_args()
    if not args.files:
        from bench.harness import DEFAULT_DATA

        args.files = [str(DEFAULT_DATA / "ecbplus" / "articles.jsonl"),
                      str(DEFAULT_DATA / "gvc" / "articles.jsonl")]
    settings = StorySettings()
    arrivals = (1, args.batches)
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(args.cache or tmp)
        where.mkdir(parents=True, exist_ok=True)
        sets = {}
        for path in args.files:
            db = where / f"{Path(path).parent.name}-{Path(path).stem}.db"
            if db.exists():
                db.unlink()
            sets[path] = annotated(path, str(db))
            print(f"{path}: {len(sets[path])} articles", file=sys.stderr)
    weights = fit(list(sets.values()), args.seeds, arrivals, settings)
    fitted = dataclasses.replace(settings, weights=weights)
    lines = ["| set | system | BCubed F1, mean (range) of orders |", "|---|---|---:|"]
    verdicts: list[str] = []
    for path, rows in sets.items():
        lines += report(f"{Path(path).parent.name} dev, fit on all", rows,
                        measure(rows, fitted, args.seeds, args.batches), verdicts)
    if args.folds:
        folds = {path: folds_of(rows, args.folds) for path, rows in sets.items()}
        pooled = {path: {} for path in sets}
        for k in range(args.folds):
            train = [[r for r, f in zip(rows, folds[p]) if f != k] for p, rows in sets.items()]
            held = dataclasses.replace(settings, weights=fit(train, args.seeds, arrivals, settings))
            print(f"fold {k}: weights {held.weights}", file=sys.stderr)
            for path, rows in sets.items():
                test = [r for r, f in zip(rows, folds[path]) if f == k]
                for system, runs in measure(test, held, args.seeds, args.batches).items():
                    slots = pooled[path].setdefault(system, [{} for _ in runs])
                    for slot, run in zip(slots, runs):
                        slot.update({a: f"{k}:{s}" for a, s in run.items()})
        for path, rows in sets.items():
            lines += report(f"{Path(path).parent.name}, {args.folds}-fold CV", rows, pooled[path],
                            verdicts)
    lines += ["", "Goal: online grouping at least the offline baseline in every order:", ""]
    lines += [f"- {v}" for v in verdicts]
    lines += ["", "| input | weight |", "|---|---:|"]
    lines += [f"| {name} | {w:+.2f} |" for name, w in zip(FEATURES, weights)]
    lines += ["", f"weights = {weights}"]
    print("\n".join(lines))
    if args.out:
        command = " ".join(["python -m bench.fit_story_weights", *sys.argv[1:]])
        Path(args.out).write_text(
            f"Reproduce: `{command}` (seeds {args.seeds}, batches {args.batches}, folds "
            f"{args.folds}; dev splits only).\n\n" + "\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
