"""Choose the brief summary's weights by cross-validation over ECB+ topics and GVC incidents,
and report held-out ROUGE-2 beside lead and LexRank.

Only the dev splits of ECB+ and GVC exist on this machine (``/work/shared/data``); every
figure here is a dev figure. The cross-validated one is the estimate of how the chosen
weights do on stories they were not chosen on; the grid and the summary's features were
themselves settled while looking at these dev figures, so even it is somewhat optimistic.

Each set is ingested and annotated once, as ``storyline eval summaries`` does
(:func:`~storyline.evaluate.summaries._ingest_summary_set`: the records without their gold
fields, ``stories=False``, into a temporary SQLite file, or into ``--db-dir`` to reuse
across runs). For every gold story of two or more articles the brief's compared sentences
and the summary's candidates are computed once (:func:`storyline.brief.compose.
compare_story`, :func:`~storyline.brief.summary.summary_candidates`); then for each
setting of :data:`GRID` the summary is chosen (:func:`~storyline.brief.summary.
choose_summary`, ``--sentences`` 3, exactly as ``build_summary`` chooses it) and scored
with ROUGE-2 F against the story's best headline, as ``score_summaries`` scores it. Lead
and LexRank do not depend on the grid and are scored once.

Folds: an ECB+ story's group is its topic number, a GVC story's its incident number
(``gvc-incident-N``), and its fold is that number mod ``--folds`` (both events of an ECB+
topic are held out together). Fold k holds out those stories of both sets; the setting
chosen on the other folds is the one with the best mean, over the two sets, of its
training ROUGE-2 divided by lead's on the same training stories (both sets count alike and
one setting serves both, as ``BriefSettings`` has one default), among the settings whose
share of corroborated summary sentences (another outlet says the same) on the training
stories of each set is at least ``--keep-corroborated`` (0.8) times that of the weights
before (:data:`BEFORE`): without that floor ROUGE alone drives ``support_weight`` to 0 and
the summary's corroborated share down to lead's. The held-out stories are
scored with it, and a set's CV score is the mean over all its stories of their held-out
scores. ``--repeats`` R > 1 reruns the CV with the groups dealt to folds in R - 1 seeded
shuffles, to show how much the estimate moves with the split; the 90% interval is a paired
bootstrap over the set's stories of CV score / lead score (the stated split). "fit on all"
is the setting chosen on every dev story, scored on the same stories (optimistic); it is
what ``BriefSettings`` defaults to.

    .venv/bin/python -m bench.tune_summary ../shared/data/ecbplus/articles.jsonl \\
        ../shared/data/gvc/articles.jsonl [--folds 5] [--repeats 10] [--db-dir DIR] [-j 2]
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from storyline.brief import BriefSettings
from storyline.brief.compose import compare_story
from storyline.brief.summary import (choose_summary, summary_candidates, summary_length,
                                      summary_sentences)
from storyline.evaluate.clustering import load_clustering_set
from storyline.evaluate.summaries import (_ingest_summary_set, _rouge_scorer, _summary_stories,
                                          best_rouge, lead_sentences, lexrank_sentences,
                                          load_lexrank)
from storyline.library import Library, brief_sources

#: The grid (972 settings): modest, so that a run takes minutes.
GRID = {
    "centrality_weight": (1.0, 2.0),
    "support_weight": (0.0, 0.25, 0.5),
    "position_weight": (0.5, 1.0, 2.0),
    "length_weight": (0.5, 1.0, 2.0),
    "diversity": (0.1, 0.3, 0.5),
    "quote_weight": (0.0, 0.25),
    "density_weight": (0.0, 1.0, 2.0),
}
#: The summary weights before this tuning (BRIEF_VERSION 2), scored beside the grid.
BEFORE = {"centrality_weight": 1.0, "support_weight": 0.5, "position_weight": 0.5,
          "length_weight": 0.5, "diversity": 0.3, "quote_weight": 0.0,
          "density_weight": 0.0}
_INCIDENT = re.compile(r"(\d+)$")


def group_of(record: dict) -> int:
    """What a story is held out with: its ECB+ topic number, or its GVC incident number."""
    if record.get("topic") is not None:
        return int(record["topic"])
    return int(_INCIDENT.search(str(record["story"])).group(1))


def assign_folds(groups: np.ndarray, folds: int, repeat: int) -> np.ndarray:
    """Repeat 0: group number mod ``folds``; repeat r: the distinct groups in a shuffle
    seeded by r, dealt round-robin."""
    if repeat == 0:
        return groups % folds
    order = np.random.default_rng(repeat).permutation(np.unique(groups))
    dealt = {int(g): n % folds for n, g in enumerate(order)}
    return np.array([dealt[int(g)] for g in groups])


def grid_settings(grid: dict) -> list[dict]:
    names = list(grid)
    return [dict(zip(names, values)) for values in itertools.product(*grid.values())]


def prepare_set(path: Path, db: Path, jobs: int, sentences: int, base: BriefSettings) -> dict:
    """Ingest (unless ``db`` exists) and, per gold story: its group, headlines, sources,
    compared sentences, and lead's and LexRank's ROUGE-2."""
    records = load_clustering_set(path)
    if not db.exists():
        seconds = _ingest_summary_set(records, db, jobs)
        print(f"{path}: ingested and annotated {len(records)} articles in {seconds:.0f}s")
    scorer, lexrank = _rouge_scorer(), load_lexrank()
    by_story = {r["story"]: r for r in records}
    stories = []
    with Library(db) as lib:
        stored = {a.id: a for a in lib.store.articles()}
        for story, ids in _summary_stories(records, stored):
            sources = brief_sources(lib.store, ids)
            headlines = list(dict.fromkeys(stored[i].title.strip() for i in ids
                                           if stored[i].title and stored[i].title.strip()))
            originals = [s.annotation.sentences if s.annotation else [] for s in sources]
            baselines = {}
            for name, spans in (("lead", lead_sentences(originals, sentences)),
                                ("lexrank", lexrank_sentences(originals, sentences, lexrank))):
                text = " ".join(s.text for s in spans)
                baselines[name] = best_rouge(scorer, text, headlines)["rouge2"][2]
            stories.append({"story": story, "group": group_of(by_story[story]),
                            "headlines": headlines, "sources": sources,
                            "compared": compare_story(sources, base), **baselines})
    return {"name": path.parent.name, "stories": stories}


def score_grid(data: dict, settings: list[BriefSettings]) -> tuple[np.ndarray, np.ndarray]:
    """ROUGE-2 F of our summary, [setting, story], as ``build_summary`` makes it (its
    candidates computed once per story), and the share of its sentences another outlet
    says the same as (the brief's support, as ``eval summaries`` counts "corroborated");
    a summary picked twice is scored once."""
    scorer = _rouge_scorer()
    scores = np.zeros((len(settings), len(data["stories"])))
    corroborated = np.zeros_like(scores)
    for k, story in enumerate(data["stories"]):
        seen: dict[tuple, float] = {}
        sentences, matrix, product, similar, _ = story["compared"]
        candidates = summary_candidates(sentences, matrix, product, similar) \
            if sentences else None
        for n, setting in enumerate(settings):
            chosen = choose_summary(candidates, summary_length(len(story["sources"]), setting),
                                    setting) if candidates else []
            key = tuple(sorted(chosen))
            if key not in seen:
                summary = summary_sentences(chosen, sentences, similar, story["sources"])
                text = " ".join(s.span.text for s in summary)
                seen[key] = (best_rouge(scorer, text, story["headlines"])["rouge2"][2],
                             sum(bool(s.support) for s in summary) / max(1, len(summary)))
            scores[n, k], corroborated[n, k] = seen[key]
    return scores, corroborated


def choose(grids: list[np.ndarray], leads: list[np.ndarray], masks: list[np.ndarray],
           kept: list[tuple[np.ndarray, np.ndarray]] | None = None, keep: float = 0.0) -> int:
    """The setting with the best mean over sets of ours / lead on the masked stories, among
    those whose share of corroborated summary sentences on them is, in every set, at least
    ``keep`` times that of the weights before (``kept``: per set, corroborated [setting,
    story] and the weights before's [story]); all settings when none is."""
    objective = np.zeros(grids[0].shape[0])
    eligible = np.ones(grids[0].shape[0], dtype=bool)
    for n, (scores, lead, mask) in enumerate(zip(grids, leads, masks)):
        objective += scores[:, mask].mean(axis=1) / max(lead[mask].mean(), 1e-9)
        if kept and keep:
            corroborated, before = kept[n]
            eligible &= corroborated[:, mask].mean(axis=1) >= keep * before[mask].mean() - 1e-9
    if eligible.any():
        objective[~eligible] = -np.inf
    return int(np.argmax(objective))  # ties: the first in grid order


def cross_validate(grids, leads, folds_of, folds: int, kept=None, keep: float = 0.0):
    """Each set's held-out scores per story, and the setting chosen for each fold."""
    held_out = [np.zeros(g.shape[1]) for g in grids]
    chosen = []
    for fold in range(folds):
        best = choose(grids, leads, [f != fold for f in folds_of], kept, keep)
        chosen.append(best)
        for g, f, out in zip(grids, folds_of, held_out):
            out[f == fold] = g[best, f == fold]
    return held_out, chosen


def bootstrap_ratio(ours: np.ndarray, lead: np.ndarray, draws: int = 2000) -> tuple:
    """90% paired bootstrap interval over stories of mean(ours) / mean(lead)."""
    rng = np.random.default_rng(0)
    picks = rng.integers(0, len(ours), size=(draws, len(ours)))
    ratios = ours[picks].mean(axis=1) / np.maximum(lead[picks].mean(axis=1), 1e-9)
    return float(np.quantile(ratios, 0.05)), float(np.quantile(ratios, 0.95))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", type=Path, nargs="+", help="articles.jsonl of ECB+ / GVC")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=10,
                        help="CV runs: the stated split, then seeded shuffles of the groups")
    parser.add_argument("--sentences", type=int, default=3)
    parser.add_argument("--db-dir", type=Path, default=None,
                        help="keep the annotated databases here and reuse them")
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--keep-corroborated", type=float, default=0.8, metavar="SHARE",
                        help="choose among settings whose share of corroborated summary "
                             "sentences is at least SHARE times the weights before's "
                             "(0: any setting)")
    parser.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2",
                        help="replace one setting's values in the grid (repeatable)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    grid = dict(GRID)
    for item in args.grid:
        name, _, values = item.partition("=")
        grid[name] = tuple(float(v) for v in values.split(","))

    start = time.perf_counter()
    base = replace(BriefSettings(), sentences=args.sentences)
    combos = grid_settings(grid)
    settings = [replace(base, **c) for c in combos + [BEFORE]]
    with tempfile.TemporaryDirectory() as tmp:
        where = args.db_dir or Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        sets = [prepare_set(path, where / f"{path.parent.name}.db", args.jobs, args.sentences,
                            base) for path in args.sets]
    print(f"prepared {sum(len(d['stories']) for d in sets)} stories in "
          f"{time.perf_counter() - start:.0f}s; scoring {len(combos)} settings")
    scored, corroborated = zip(*(score_grid(d, settings) for d in sets))
    before = [g[-1] for g in scored]
    kept = [(c[:-1], c[-1]) for c in corroborated]
    grids = [g[:-1] for g in scored]
    leads = [np.array([s["lead"] for s in d["stories"]]) for d in sets]
    groups = [np.array([s["group"] for s in d["stories"]]) for d in sets]

    runs = []
    for repeat in range(max(1, args.repeats)):
        folds_of = [assign_folds(g, args.folds, repeat) for g in groups]
        held_out, chosen = cross_validate(grids, leads, folds_of, args.folds, kept,
                                          args.keep_corroborated)
        runs.append([out.mean() / lead.mean() for out, lead in zip(held_out, leads)])
        if repeat == 0:
            stated, stated_folds = held_out, folds_of
            for fold, best in enumerate(chosen):
                parts = [f"{d['name']} {int((f == fold).sum())} stories "
                         f"{out[f == fold].mean():.3f} (lead {lead[f == fold].mean():.3f})"
                         for d, out, f, lead in zip(sets, held_out, folds_of, leads)
                         if (f == fold).any()]
                print(f"fold {fold}: {json.dumps(combos[best])}; held out: {'; '.join(parts)}")
    runs = np.array(runs)

    best = choose(grids, leads, [np.ones(len(g), bool) for g in groups], kept,
                  args.keep_corroborated)
    print(f"\n{args.folds}-fold CV (ECB+ by topic, GVC by incident: number mod {args.folds}); "
          f"dev data only, {args.sentences} sentences, ROUGE-2 F against the best headline")
    print("| set | stories | weights before | fit on all dev | CV | lead | LexRank | "
          "fit / lead | CV / lead (90% bootstrap) | CV / lead over "
          f"{len(runs)} splits: mean [min, max] |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    rows = []
    for n, (d, g, out, lead) in enumerate(zip(sets, grids, stated, leads)):
        low, high = bootstrap_ratio(out, lead)
        row = {"set": d["name"], "stories": len(d["stories"]),
               "before": float(before[n].mean()), "fit": float(g[best].mean()),
               "cv": float(out.mean()), "lead": float(lead.mean()),
               "lexrank": float(np.mean([s["lexrank"] for s in d["stories"]])),
               "cv_ratio_interval": [low, high],
               "cv_ratio_splits": [float(runs[:, n].mean()), float(runs[:, n].min()),
                                   float(runs[:, n].max())]}
        rows.append(row)
        mean, lo, hi = row["cv_ratio_splits"]
        print(f"| {row['set']} | {row['stories']} | {row['before']:.3f} | {row['fit']:.3f} | "
              f"{row['cv']:.3f} | {row['lead']:.3f} | {row['lexrank']:.3f} | "
              f"{row['fit'] / row['lead']:.3f} | {row['cv'] / row['lead']:.3f} "
              f"({low:.2f}-{high:.2f}) | {mean:.3f} [{lo:.3f}, {hi:.3f}] |")
    print("corroborated share of summary sentences, weights before -> fit on all: "
          + "; ".join(f"{d['name']} {c[-1].mean():.3f} -> {c[best].mean():.3f}"
                      for d, c in zip(sets, corroborated)))
    print("fit on all dev:", json.dumps(combos[best]))
    print(f"{time.perf_counter() - start:.0f}s")
    if args.json:
        args.json.write_text(json.dumps({"folds": args.folds, "grid": grid,
                                         "chosen": combos[best], "rows": rows,
                                         "stated_folds": [f.tolist() for f in stated_folds]},
                                        indent=1))


if __name__ == "__main__":
    main()
