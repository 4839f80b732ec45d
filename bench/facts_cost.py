"""What corroboration costs in a brief: ``build_brief`` timed warm, with the pair model and
with the rule before it, on the ECB+ topic nearest 20 articles and on the largest topic.

    PYTHONPATH=src .venv/bin/python -m bench.facts_cost ARCHIVE.db

ARCHIVE.db: the ECB+ articles ingested and annotated (``Library.ingest(..., stories=False)``).
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections import defaultdict
from pathlib import Path

from storyline.brief import BriefSettings, build_brief
from storyline.library import Library, brief_sources

REPEATS = 7
TARGET = 20


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("archive", type=Path)
    parser.add_argument("--repeats", type=int, default=REPEATS)
    args = parser.parse_args(argv)
    with Library(args.archive) as lib:
        topics: dict[str, list[str]] = defaultdict(list)
        for article in lib.store.articles():
            match = re.search(r"(\d+)_", article.id)
            if match:
                topics[match.group(1)].append(article.id)
        near = min(topics.items(), key=lambda t: (abs(len(t[1]) - TARGET), t[0]))
        largest = max(topics.items(), key=lambda t: (len(t[1]), t[0]))
        for label, (topic, ids) in (("nearest 20", near), ("largest", largest)):
            sources = brief_sources(lib.store, ids)
            for model in (True, False):
                settings = BriefSettings(fact_model=model)
                times = []
                for _ in range(args.repeats):
                    start = time.perf_counter()
                    build_brief(topic, topic, sources, settings)
                    times.append(time.perf_counter() - start)
                print(f"{label}: topic {topic}, {len(ids)} articles, "
                      f"{'pair model' if model else 'rule before'}: "
                      f"median {statistics.median(times) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
