"""Which PERSON entities the platform and broadcaster rules of storyline.entities retype.

``python -m bench.person_types [--train N]`` reads the first N (200) polnear-train articles
with the annotation model once, then groups each article's mentions twice, with the rules
(:func:`storyline.entities._media_are_not_people` and ``_split_possessives``) and with both
made no-ops, and lists every entity that was a PERSON without them and is of another type
with them, with its context. Verdicts come from ``bench/results/person-types-judged.json``,
written by a person reading each context ("right", "wrong" or a note), never by this script.
Results: ``bench/results/person-types.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TRAIN = REPO.parent / "shared" / "data" / "polnear-train" / "articles.jsonl"
RESULTS = REPO / "bench" / "results"
JUDGED = RESULTS / "person-types-judged.json"


def _grouped(records, mentions, rules: bool):
    from storyline import entities

    saved = entities._media_are_not_people, entities._split_possessives
    if not rules:
        entities._media_are_not_people = lambda body, ms: None
        entities._split_possessives = lambda body, raw: raw
    try:
        return [entities.group_entities(r["id"], r["text"], m) for r, m in zip(records, mentions)]
    finally:
        entities._media_are_not_people, entities._split_possessives = saved


def changes(records, mentions) -> tuple[list[dict], int, int]:
    without, with_ = _grouped(records, mentions, False), _grouped(records, mentions, True)
    found = []
    for record, old, new in zip(records, without, with_):
        body = record["text"]
        types = {(m.start, m.end): e.type for e in new for m in e.mentions}
        for e in old:
            if e.type != "PERSON":
                continue
            now = next((types[(m.start, m.end)] for m in e.mentions
                        if types.get((m.start, m.end), "PERSON") != "PERSON"), None)
            if now is not None:
                m = next(m for m in e.mentions if types.get((m.start, m.end)) == now)
                found.append({"article": record["id"], "name": e.name, "now": now,
                              "mentions": len(e.mentions),
                              "context": " ".join(body[max(0, m.start - 80):m.end + 60].split())})
    people = [sum(e.type == "PERSON" for es in side for e in es) for side in (without, with_)]
    return found, *people


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", type=int, default=200, help="polnear-train articles (200)")
    args = parser.parse_args(argv)
    from bench import harness
    from storyline.nlp import load_pipeline, model_package, read_bodies

    records = harness.read_jsonl(TRAIN)[:args.train]
    nlp = load_pipeline()
    mentions = []
    for i in range(0, len(records), 16):
        mentions += [r.mentions for r in read_bodies([r["text"] for r in records[i:i + 16]], nlp)]
    found, before, after = changes(records, mentions)
    judged = json.loads(JUDGED.read_text(encoding="utf-8")) if JUDGED.exists() else {}
    for item in found:
        item["verdict"] = judged.get(f"{item['article']}|{item['name']}", "not judged")
    verdicts = Counter(item["verdict"].split()[0] for item in found)
    env = harness.machine()
    md = harness.document(
        "# PERSON entities the platform and broadcaster rules retype",
        [f"`python -m bench.person_types --train {args.train}` (ran {env['date']}, commit "
         f"{env['git_commit']}{' with uncommitted changes' if env['git_dirty'] else ''}, model "
         f"{model_package()}): the first {len(records)} polnear-train articles, grouped with and "
         "without the rules on the same mentions.",
         "",
         f"PERSON entities without the rules: {before}; with them: {after}; retyped: "
         f"{len(found)}. Hand-judged: " + ", ".join(f"{k} {v}" for k, v in verdicts.most_common())
         + "."],
        harness.markdown_table(["name", "now", "mentions", "verdict", "context"],
                               [[f["name"], f["now"], str(f["mentions"]), f["verdict"],
                                 f["context"].replace("|", "/")] for f in found],
                               text=("name", "now", "verdict", "context")),
    )
    RESULTS.mkdir(exist_ok=True)
    suffix = "" if args.train == 200 else f"-{args.train}"
    (RESULTS / f"person-types{suffix}.md").write_text(md, encoding="utf-8")
    (RESULTS / f"person-types{suffix}.json").write_text(json.dumps(
        {"env": env, "articles": len(records), "person_before": before, "person_after": after,
         "changes": found}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(found)} retyped of {before} PERSON entities; {dict(verdicts)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
