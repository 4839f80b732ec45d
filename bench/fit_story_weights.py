"""Fit the story model's weights (StorySettings.weights) on dev splits with gold stories.

Replays each set in publication order (ingest order shuffled with a few seeds) and, for every
article, collects the features of each candidate story the index retrieves, labelled by
whether it is the article's gold story; the article then joins its gold story (teacher
forcing), so the features describe the decisions the online grouping really faces. A
logistic regression over all of them gives the coefficients and intercept to paste into
``StorySettings.weights``.

    .venv/bin/python bench/fit_story_weights.py ../shared/data/ecbplus/articles.jsonl \\
        ../shared/data/gvc/articles.jsonl

Needs scikit-learn (the ``eval`` extra). Only dev splits: held-out splits judge the result.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from storyline import Library
from storyline.stories import (StoryIndex, StorySettings, Vocabulary, article_vectors,
                               order_key, pair_features, story_article)


def annotated(path: str, db: str) -> list[tuple]:
    """(article, annotation, gold story) of every record, read through a real ingest."""
    with open(path, encoding="utf-8") as fh:
        lines = [json.loads(line) for line in fh if line.strip()]
    gold = {line["id"]: line["story"] for line in lines}
    records = [{k: v for k, v in r.items() if k not in ("story", "story_name", "topic")}
               for r in lines]
    source = Path(db).with_suffix(".jsonl")
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    with Library(db) as lib:
        lib.ingest([source], stories=False)
        return [(a, lib.store.annotation(a.id), gold[a.id]) for a in lib.store.articles()]


def samples(rows: list[tuple], seed: int, settings: StorySettings):
    rng = random.Random(seed)
    position = list(range(len(rows)))
    rng.shuffle(position)
    order = sorted(range(len(rows)), key=lambda i: order_key(rows[i][0].published, position[i]))
    index = StoryIndex(settings, Vocabulary())
    story_of_gold: dict[str, str] = {}
    X, y = [], []
    for i in order:
        article, annotation, gold = rows[i]
        record = story_article(article, annotation, settings)
        if record.duplicate_of and record.duplicate_of in index.article_story:
            index.assign_story(record)
            continue
        index.vocabulary.add(set(record.terms) | set(record.names))
        vectors = article_vectors(record, index.vocabulary)
        for story in index.candidates(index.query(vectors)):
            X.append(pair_features(vectors, record.names, record.day, story, settings))
            y.append(int(story_of_gold.get(gold) == story.id))
        target = index.stories.get(story_of_gold.get(gold, ""))
        if target is None:
            target = index._new_story(record.id)
            story_of_gold[gold] = target.id
        index._join(target, record, vectors)
        index.article_story[record.id] = target.id
    return X, y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    settings = StorySettings()
    X, y = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for n, path in enumerate(args.files):
            rows = annotated(path, f"{tmp}/set{n}.db")
            for seed in range(args.seeds):
                xs, ys = samples(rows, seed, settings)
                X += xs
                y += ys
            print(f"{path}: {len(rows)} articles, {len(y)} samples so far", file=sys.stderr)
    model = LogisticRegression(C=1.0, max_iter=2000).fit(np.array(X), np.array(y))
    weights = tuple(round(float(w), 2) for w in [*model.coef_[0], model.intercept_[0]])
    names = ("text", "title", "names", "conflict", "log1p(days)", "log(members)", "intercept")
    for name, w in zip(names, weights):
        print(f"{name:>14}  {w:+.2f}")
    print(f"weights = {weights}")


if __name__ == "__main__":
    main()
