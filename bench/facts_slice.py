"""Write the quality gate's slice of ecbplus-facts by the rule of ``bench/slices.py``: the
gold pairs and annotated sentences of the ECB+ dev topics whose number leaves 2 when divided
by 3 (the topics of ``tests/data/ecbplus-dev-slice.jsonl.gz``), gzipped, with the set's
scorer ``fact_metric.py`` copied beside them unchanged (CC BY 3.0, see its SOURCE.md).

    .venv/bin/python -m bench.facts_slice ../shared/data/ecbplus-facts
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "tests" / "data" / "ecbplus-facts-dev-slice"
_TOPIC = re.compile(r"ecbplus/(\d+)_")


def in_slice(article_id: str) -> bool:
    return int(_TOPIC.match(article_id).group(1)) % 3 == 2


def write_gz(rows: list[dict], out: Path) -> None:
    with gzip.GzipFile(out, "wb", mtime=0) as raw:
        raw.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("facts", type=Path, help="the ecbplus-facts folder")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    for name, keep in (("pairs.jsonl", lambda r: in_slice(r["a"]["article_id"])
                        and in_slice(r["b"]["article_id"])),
                       ("sentences.jsonl", lambda r: in_slice(r["article_id"]))):
        rows = [json.loads(line) for line in (args.facts / name).read_text("utf-8").splitlines()
                if line.strip()]
        kept = [r for r in rows if keep(r)]
        write_gz(kept, OUT / (name + ".gz"))
        print(f"{name}: {len(kept)} of {len(rows)}")
    shutil.copyfile(args.facts / "fact_metric.py", OUT / "fact_metric.py")


if __name__ == "__main__":
    main()
