"""Write the quality gate's committed story slices by a stated rule, not by hand.

- ``tests/data/ecbplus-dev-slice.jsonl.gz``: the ECB+ dev topics whose number leaves 2 when
  divided by 3 (topics 2, 5, 8, 11, 14, 20: every third topic, both of each topic's events).
- ``tests/data/gvc-dev-slice.jsonl.gz``: all of GVC dev (78 articles, small enough whole).

    .venv/bin/python -m bench.slices ../shared/data

The gate's floors are pinned on these slices; the comparison with the offline baseline on
the full dev sets runs in ``make bench`` (``bench/stories.py``).
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "tests" / "data"


def ecbplus_rule(record: dict) -> bool:
    return int(record["topic"]) % 3 == 2


def write_slice(source: Path, out: Path, keep) -> int:
    rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    kept = [r for r in rows if keep(r)]
    with gzip.GzipFile(out, "wb", mtime=0) as raw:
        raw.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in kept).encode())
    return len(kept)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="the shared data folder (holds ecbplus/, gvc/)")
    args = parser.parse_args(argv)
    n = write_slice(args.data / "ecbplus" / "articles.jsonl", OUT / "ecbplus-dev-slice.jsonl.gz",
                    ecbplus_rule)
    print(f"ecbplus-dev-slice: {n} articles")
    n = write_slice(args.data / "gvc" / "articles.jsonl", OUT / "gvc-dev-slice.jsonl.gz",
                    lambda r: True)
    print(f"gvc-dev-slice: {n} articles")


if __name__ == "__main__":
    main()
