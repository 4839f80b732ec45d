"""Robustness benchmark: hostile inputs, and other projects' test corpora, through the CLI.

Every case of ``tests/hostile.py``, beside good records, and every ``--corpus NAME=PATH``
folder (someone else's test inputs; none by default) goes through ``python -m storyline
ingest`` with default settings in a fresh database: exit status, seconds, peak memory of the
process tree (summed PSS), articles stored, errors named and tracebacks. Results go to
``bench/results/robustness.md`` and ``.json``; their notes say what each column means.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from bench import harness
from tests.hostile import CASES, named_lines, run_measured, storyline, stored_texts

#: --smoke runs only this case.
SMOKE_CASE = "invalid UTF-8"
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
    return harness.document(
        [harness.reproduce_line({**env, "platform": None, "git_dirty": None})],
        ["Hostile inputs, each beside good records, through `storyline ingest` with default "
         "settings:"],
        harness.markdown_table(HOSTILE_COLUMNS, map(hostile_cells, hostile),
                               text=("input", "named", "stored / good")),
        corpora and ["Other projects' test corpora, each folder ingested whole with default "
                     "settings (`--corpus NAME=DIR`; the folders are not part of this "
                     "repository):"],
        corpora and harness.markdown_table(CORPUS_COLUMNS, map(corpus_cells, corpora),
                                           text=("corpus",)),
        corpora and ["- error lines of a corpus: every file or record that is not an article is "
                     "named (most feedparser test feeds have no entries, or entries of a few "
                     "words); skipped: WARC records that hold no page."],
        [f"- peak MB: the whole process tree's memory (sum of PSS, sampled every 20 ms); the "
         f"goal is under {MEMORY_GOAL_MB} MB for every hostile input, and under 30 s (10 s for "
         "the gzip bomb).",
         "- named: expected (file, record, reason) error lines found / expected; stored / good: "
         "articles stored / good records in the input.",
         "- exit 1 means some input was named as bad; a traceback is never expected."])


def main(argv: list[str] | None = None) -> int:
    parser = harness.parser(__doc__, data_help=None, quick="the same run")
    parser.add_argument("--corpus", action="append", default=[], metavar="NAME=PATH",
                        help="a folder of other projects' test inputs to ingest whole")
    parser.add_argument("--only", help="run only the hostile cases whose name contains this")
    args, options = harness.parse(parser, argv, "robustness")
    only = SMOKE_CASE if options.smoke else args.only

    def body(say: Callable[[str], None]) -> int:
        env = harness.machine()
        hostile, corpora = [], []
        with tempfile.TemporaryDirectory(prefix="storyline-robustness-") as tmp:
            for case in CASES:
                if only and only not in case.name:
                    continue
                row = run_case(case, Path(tmp) / "case")
                hostile.append(row)
                say(f"{case.name}: exit {row.exit}, {row.seconds:.1f} s, {row.peak_mb:.0f} MB, "
                    f"stored {row.stored}/{row.expected}, named {row.named}")
            for spec in args.corpus:
                name, _, path = spec.partition("=")
                row = run_corpus(name, Path(path or name), Path(tmp) / "corpus")
                corpora.append(row)
                say(f"{name}: exit {row.exit}, {row.seconds:.1f} s, {row.stored} stored, "
                    f"{row.error_lines} errors, {row.tracebacks} tracebacks")
        harness.publish(options, markdown(hostile, corpora, env),
                        {"environment": env, "hostile": [asdict(r) for r in hostile],
                         "corpora": [asdict(r) for r in corpora]})
        bad = [r for r in hostile if r.tracebacks or r.peak_mb >= MEMORY_GOAL_MB
               or r.stored != r.expected or not r.all_named or r.exit != 1]
        return 1 if bad or any(r.tracebacks for r in corpora) else 0

    return harness.main(body)


if __name__ == "__main__":
    sys.exit(main())
