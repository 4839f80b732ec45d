"""Robustness benchmark: hostile inputs, and other projects' test corpora, through the CLI.

Run from the repository root as ``make bench`` (or ``.venv/bin/python bench/robustness.py``).

* **Hostile inputs.** Every case of ``tests/hostile.py`` (the same files the suite asserts
  on: a gzip bomb, a 50 MB JSON Lines line, JSON and HTML nested 100,000 deep, random bytes,
  billion laughs, an external entity, damaged WARCs, ARC, LZ4, a page that keeps trafilatura
  busy for minutes...), each beside good records, goes through ``python -m storyline ingest``
  with default settings, in a fresh database. For each: exit status, wall seconds, the peak
  memory of the whole process tree (sum of PSS, read every 20 ms, so a forked worker's pages
  shared with its parent count once), articles stored against the good records in the input,
  error lines printed and whether every expected file and record was named, and whether a
  traceback was printed.
* **Corpora** (``--corpus NAME=PATH``, repeatable; none by default): a folder of someone
  else's test inputs (feedparser's test feeds, warcio's and jwarc's WARC and ARC files,
  trafilatura's cached pages...), ingested whole with default settings: files, articles
  stored, files and records named as errors, records skipped, tracebacks, seconds and peak
  memory. These folders are not part of the repository; the README says where they came from.

Results go to ``bench/results/robustness.md`` and ``.json`` (``--quick``: a temporary folder).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import ingest as ingest_bench  # noqa: E402  (bench/ingest.py: machine line, Markdown table)
from tests.hostile import CASES, named_lines, run_measured, storyline, stored_texts  # noqa: E402

REPO = ingest_bench.REPO
DEFAULT_RESULTS = REPO / "bench" / "results"
QUICK_RESULTS = ingest_bench.QUICK_RESULTS
MEMORY_GOAL_MB = 500
INPUT_SUFFIXES = (".txt", ".text", ".jsonl", ".ndjson", ".json", ".html", ".htm", ".xhtml",
                  ".rss", ".atom", ".xml", ".warc", ".arc")


@dataclass
class Row:
    input: str
    exit: int
    seconds: float
    peak_mb: float
    stored: int
    expected: int | None
    error_lines: int
    named: str
    all_named: bool
    skipped: int
    tracebacks: int
    files: int | None = None


def _skipped(stdout: str) -> int:
    found = re.search(r"(\d+) records? without an article skipped", stdout)
    return int(found.group(1)) if found else 0


def _errors(stderr: str) -> int:
    return sum(line.startswith("error: ") for line in stderr.splitlines())


def run_case(case, work: Path) -> Row:
    folder = work / "in"
    shutil.rmtree(work, ignore_errors=True)
    folder.mkdir(parents=True)
    paths = case.build(folder)
    db = work / "archive.db"
    run = run_measured(storyline("--db", str(db), "ingest", *map(str, paths), *case.args))
    count, texts, _ = stored_texts(db)
    named = named_lines(run.stderr, case, folder)
    leaked = [text for text in case.never_stored if text in texts]
    return Row(case.name, run.returncode, run.seconds, run.peak_mb, count, case.stored,
               _errors(run.stderr), f"{sum(named.values())}/{len(named)}"
               + (" (leaked!)" if leaked else ""), all(named.values()) and not leaked,
               _skipped(run.stdout), run.stderr.count("Traceback"))


def run_corpus(name: str, path: Path, work: Path) -> Row:
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    files = sum(1 for f in path.rglob("*") if f.is_file() and not f.name.startswith(".")
                and f.name.lower().removesuffix(".gz").endswith(INPUT_SUFFIXES))
    db = work / "archive.db"
    run = run_measured(storyline("--db", str(db), "ingest", str(path)), timeout=3600)
    count, _, _ = stored_texts(db)
    (work / "stderr.txt").write_text(run.stderr)
    return Row(name, run.returncode, run.seconds, run.peak_mb, count, None, _errors(run.stderr),
               "", True, _skipped(run.stdout), run.stderr.count("Traceback"), files)


HOSTILE_COLUMNS = ("input", "exit", "seconds", "peak MB", "stored / good", "error lines",
                   "named", "skipped", "tracebacks")
CORPUS_COLUMNS = ("corpus", "files", "exit", "seconds", "peak MB", "stored", "error lines",
                  "skipped", "tracebacks")


def hostile_cells(r: Row) -> list[str]:
    return [r.input, str(r.exit), f"{r.seconds:.1f}", f"{r.peak_mb:.0f}",
            f"{r.stored} / {r.expected}", str(r.error_lines), r.named, str(r.skipped),
            str(r.tracebacks)]


def corpus_cells(r: Row) -> list[str]:
    return [r.input, str(r.files), str(r.exit), f"{r.seconds:.1f}", f"{r.peak_mb:.0f}",
            str(r.stored), str(r.error_lines), str(r.skipped), str(r.tracebacks)]


def markdown(hostile: list[Row], corpora: list[Row], env: dict) -> str:
    lines = [ingest_bench.reproduce_line({**env, "platform": None, "git_dirty": None}), "",
             "Hostile inputs, each beside good records, through `storyline ingest` with default "
             "settings:", "",
             *ingest_bench.markdown_table(HOSTILE_COLUMNS, map(hostile_cells, hostile),
                                          text=("input", "named", "stored / good"))]
    if corpora:
        lines += ["", "Other projects' test corpora, each folder ingested whole with default "
                  "settings (`--corpus NAME=DIR`; the folders are not part of this repository):",
                  "",
                  *ingest_bench.markdown_table(CORPUS_COLUMNS, map(corpus_cells, corpora),
                                               text=("corpus",)),
                  "", "- error lines of a corpus: every file or record that is not an article is "
                  "named (most feedparser test feeds have no entries, or entries of a few "
                  "words); skipped: WARC records that hold no page."]
    lines += ["", f"- peak MB: the whole process tree's memory (sum of PSS, sampled every 20 ms); "
              f"the goal is under {MEMORY_GOAL_MB} MB for every hostile input, and under 30 s "
              "(10 s for the gzip bomb).",
              "- named: expected (file, record, reason) error lines found / expected; stored / "
              "good: articles stored / good records in the input.",
              "- exit 1 means some input was named as bad; a traceback is never expected."]
    return "\n".join(lines) + "\n"


def print_table(title: str, columns, rows) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column, justify="left" if column in ("input", "corpus", "named") else "right")
    for row in rows:
        table.add_row(*row)
    Console().print(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", action="append", default=[], metavar="NAME=PATH",
                        help="a folder of other projects' test inputs to ingest whole")
    parser.add_argument("--only", help="run only the hostile cases whose name contains this")
    parser.add_argument("--quick", action="store_true", help="results to a temporary folder")
    parser.add_argument("--results", type=Path, default=None)
    args = parser.parse_args(argv)
    results = args.results or (QUICK_RESULTS if args.quick else DEFAULT_RESULTS)
    results.mkdir(parents=True, exist_ok=True)
    env = ingest_bench.machine()
    hostile, corpora = [], []
    with tempfile.TemporaryDirectory(prefix="storyline-robustness-") as tmp:
        for case in CASES:
            if args.only and args.only not in case.name:
                continue
            row = run_case(case, Path(tmp) / "case")
            hostile.append(row)
            print(f"{case.name}: exit {row.exit}, {row.seconds:.1f} s, {row.peak_mb:.0f} MB, "
                  f"stored {row.stored}/{row.expected}, named {row.named}", file=sys.stderr)
        for spec in args.corpus:
            name, _, path = spec.partition("=")
            row = run_corpus(name, Path(path or name), Path(tmp) / "corpus")
            corpora.append(row)
            print(f"{name}: exit {row.exit}, {row.seconds:.1f} s, {row.stored} stored, "
                  f"{row.error_lines} errors, {row.tracebacks} tracebacks", file=sys.stderr)
    print_table("Hostile inputs (default settings)", HOSTILE_COLUMNS, map(hostile_cells, hostile))
    if corpora:
        print_table("Other projects' corpora", CORPUS_COLUMNS, map(corpus_cells, corpora))
    (results / "robustness.md").write_text(markdown(hostile, corpora, env))
    (results / "robustness.json").write_text(json.dumps(
        {"environment": env, "hostile": [asdict(r) for r in hostile],
         "corpora": [asdict(r) for r in corpora]}, indent=2) + "\n")
    print(f"results: {results / 'robustness.md'}")
    bad = [r for r in hostile if r.tracebacks or r.peak_mb >= MEMORY_GOAL_MB
           or r.stored != r.expected or not r.all_named or r.exit != 1]
    return 1 if bad or any(r.tracebacks for r in corpora) else 0


if __name__ == "__main__":
    sys.exit(main())
