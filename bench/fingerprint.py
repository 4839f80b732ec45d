"""Hash what storyline stores and builds for a few inputs, to show a change kept behaviour.

For each input set (the seed pair as ``make demo`` ingests it, and the GVC and ECB+ dev sets in
file order) this ingests into a new database through :class:`storyline.Library` and hashes,
apart: the stored bodies, the annotations, the story partition (stories as sets of article ids,
with their ids) and every story's brief JSON. Run it before and after a refactor and compare::

    python bench/fingerprint.py --out before.json
    python bench/fingerprint.py --out after.json --compare before.json
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path

from storyline import Library

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
SEED = ROOT / "examples" / "seed-pair"


def _sets() -> dict[str, list[tuple[list[Path], dict]]]:
    return {
        "seed-pair": [([SEED / "seed-pair.jsonl"], {}),
                      (sorted(SEED.glob("*.txt")), {"published": "2021-03-14"})],
        "gvc-dev": [([DATA / "gvc" / "articles.jsonl"], {})],
        "ecbplus-dev": [([DATA / "ecbplus" / "articles.jsonl"], {})],
    }


def _digest(value) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def fingerprint(steps: list[tuple[list[Path], dict]], db: Path, jobs: int) -> dict[str, str]:
    """The four hashes (and counts) of one input set ingested into ``db``."""
    with Library(db) as lib:
        for paths, options in steps:
            lib.ingest(paths, jobs=jobs, **options)
        articles = sorted(lib.articles(), key=lambda a: a.id)
        bodies = [(a.id, a.revision, a.body, a.duplicate_of) for a in articles]
        annotations = [(a.id, lib.annotation(a.id).to_dict()) for a in articles]
        stories = [s.story_id for s in lib.stories()]
        partition = sorted((i, sorted(x.article_id for x in lib.story(i).sources))
                           for i in stories)
        briefs = {i: json.loads(lib.brief_json(i)) for i in stories}
    return {"articles": len(articles), "stories": len(stories),
            "bodies": _digest(bodies), "annotations": _digest(annotations),
            "stories_partition": _digest(partition), "briefs": _digest(briefs)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write the hashes here (JSON)")
    parser.add_argument("--compare", type=Path, help="hashes of an earlier run to compare with")
    parser.add_argument("--jobs", "-j", type=int, default=2)
    parser.add_argument("--only", action="append", help="only this set (repeatable)")
    args = parser.parse_args(argv)
    found = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, steps in _sets().items():
            if args.only and name not in args.only:
                continue
            found[name] = fingerprint(steps, Path(tmp) / f"{name}.db", args.jobs)
            print(name, json.dumps(found[name]), flush=True)
    if args.out:
        args.out.write_text(json.dumps(found, indent=2) + "\n")
    if args.compare:
        before = json.loads(args.compare.read_text())
        differ = [f"{name}.{key}" for name, hashes in found.items()
                  for key, value in hashes.items() if before.get(name, {}).get(key) != value]
        print("identical" if not differ else "differ: " + ", ".join(differ))
        return 1 if differ else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
