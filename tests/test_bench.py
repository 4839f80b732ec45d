"""The benches: the harness's pure parts, and every bench run on a tiny plan (``--smoke``).

The smoke runs write to a temporary directory, never over the committed ``bench/results``;
they check that each bench exits 0 and writes its table (and JSON where it keeps one).
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import harness

REPO = Path(__file__).resolve().parent.parent


def test_markdown_table_aligns_text_left_and_figures_right():
    lines = harness.markdown_table(("system", "seconds"), [("a", "1.0"), ("b", "2.0")])
    assert lines == ["| system | seconds |", "|---|---:|", "| a | 1.0 |", "| b | 2.0 |"]
    assert harness.markdown_table(("story", "n"), [], text=("story",))[1] == "|---|---:|"


def test_document_puts_one_blank_line_between_blocks_and_drops_empty_ones():
    assert harness.document(["title"], [], ["a", "b"], "", "end") == "title\n\na\nb\n\nend\n"


def test_notes_warn_only_when_disturbed():
    assert harness.notes(("x",), False) == ["x"]
    warned = harness.notes(("x",), True, "the load")
    assert warned[0] == "x" and "during the load" in warned[1]


def test_disturbed_needs_both_the_floor_and_the_share():
    assert not harness.disturbed(None, 10.0)
    assert not harness.disturbed(0.9, 1.0)  # under the floor
    assert not harness.disturbed(1.5, 20.0)  # under a tenth of a core
    assert harness.disturbed(2.5, 20.0)


def test_reproduce_line_names_the_commit_and_versions():
    env = {"date": "2026-01-02T03:04:05+00:00", "python": "3.11.7", "cpu_count": 2,
           "platform": None, "git_commit": "abc1234", "git_dirty": True}
    assert harness.reproduce_line(env, "spaCy 3") == (
        "Reproduce: `make bench` (ran 2026-01-02, Python 3.11.7, 2 CPUs, commit abc1234 with "
        "uncommitted changes; spaCy 3).")


def test_sizes_are_sorted_without_repeats_and_must_be_positive():
    assert harness.sizes("10,2, 10") == (2, 10)
    with pytest.raises(Exception):
        harness.sizes("0")
    with pytest.raises(Exception):
        harness.sizes(",")


def test_plan_options_scale_and_keep_the_committed_results(tmp_path):
    parser = harness.parser("test")
    parser.add_argument("--n", type=int)
    args, options = harness.parse(parser, ["--data", str(tmp_path), "--smoke"], "x")
    assert options.smoke and options.results == harness.QUICK_RESULTS.resolve()
    assert options.scale(args.n, 500, 100, 5) == 5
    args, options = harness.parse(parser, ["--data", str(tmp_path), "--n", "7",
                                           "--results", str(tmp_path / "r")], "x")
    assert options.results == tmp_path / "r" and options.out == harness.OUT / "x"
    assert options.scale(args.n, 500, 100, 5) == 7
    assert harness.parse(parser, ["--data", str(tmp_path)], "x")[1].results == \
        harness.DEFAULT_RESULTS
    with pytest.raises(SystemExit):
        harness.parse(parser, ["--data", str(tmp_path / "missing")], "x")


def test_run_child_measures_a_child_and_reads_its_json(tmp_path):
    # the child holds its memory long enough to be sampled (peaks are read from /proc)
    cmd = [sys.executable, "-c", "import json, time; x = b'x' * (40 << 20); time.sleep(1); "
                                 "print(json.dumps({'a': 1}))"]
    result, found = harness.run_json_child(cmd, tmp_path / "log")
    assert found == {"a": 1} and result.exit_code == 0
    assert result.seconds > 0 and result.peak_rss_mb >= 40
    assert (tmp_path / "log" / "stdout.log").is_file()


#: bench -> (the columns its first table must have, the keys of its JSON or None)
SMOKE = {
    "ingest": (("kind", "N", "system", "seconds", "articles/s", "peak RSS MB", "vs peer"),
               {"runs", "growth", "notes", "seed", "sizes", "git_commit"}),
    "annotate": (("system", "load s", "seconds", "CPU s", "articles/s", "words/s",
                  "peak RSS MB", "vs pipe 1p"),
                 {"corpus", "runs", "stages", "goal_met", "summary", "notes", "spacy"}),
    "stories": (("system", "archive", "timed", "seconds", "articles/s", "SQL s", "load s",
                 "compared", "DB MB (stories)"), None),
    "brief": (("story", "articles", "sources", "load ms", "build ms", "brief ms (max)",
               "LexRank ms (max)"), None),
    "timeline": (("grouping", "code", "stories", "entries", "listed twice", "with also_in",
                  "background"), None),
    "updates": (("articles", "before", "sources", "build now ms", "diff ms", "updates ms"), None),
    "digest": (("step", "follows", "stories", "with updates", "items", "seconds", "ms per follow",
                "peak RSS MB"), None),
    "serve": (("requests", "count", "errors", "p50 ms", "p99 ms", "requests/s"), None),
    "robustness": (("input", "exit", "seconds", "peak MB", "stored / good", "named"),
                   {"environment", "hostile", "corpora"}),
    "watch": (("system", "seconds", "pages", "pages/s", "requests per new article",
               "peak RSS MB", "max in flight"), {"rounds", "peer", "feeds", "pages", "environment"}),
    "backfill": (("mode", "archive", "timed", "system", "seconds", "s per 1,000",
                  "peak RSS MB", "stored (near-dups)"),
                 {"environment", "runs", "stages", "projection", "summary"}),
}


#: folder of the shared evaluation data -> the committed slice that stands in for it
SMOKE_SETS = {"gvc/articles.jsonl": "gvc", "ecbplus/articles.jsonl": "ecbplus",
              "polnear/articles.jsonl": "polnear", "wikiref220/articles.jsonl": "gvc",
              "article-extraction/pages.jsonl": "extraction"}


@pytest.fixture(scope="module")
def smoke_data(tmp_path_factory) -> Path:
    """The layout of the shared evaluation data, filled from the suite's committed slices, so
    that the smoke runs need nothing outside the repository (GVC's slice, under other ids,
    stands in for WikiRef220, which has none)."""
    root = tmp_path_factory.mktemp("data")
    for target, name in SMOKE_SETS.items():
        with gzip.open(REPO / "tests" / "data" / f"{name}-dev-slice.jsonl.gz", "rt",
                       encoding="utf-8") as fh:
            records = [json.loads(line) for line in fh if line.strip()]
        folder = target.split("/")[0]
        if folder != name and "id" in records[0]:
            records = [{**r, "id": f"{folder}/{r['id']}"} for r in records]
        path = root / target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def smoke_runs(request, tmp_path_factory, smoke_data) -> dict[str, tuple[int, str, Path]]:
    """Every selected bench on its tiny plan, all at once (they only need to run, not to
    measure well): bench -> (exit status, stderr, results directory). ``-k backfill`` runs
    that bench alone."""
    selected = {item.callspec.params["bench"] for item in request.session.items
                if getattr(item, "originalname", None) == "test_bench_runs_on_a_tiny_plan"}
    started = {}
    for bench in (b for b in SMOKE if b in selected):
        results = tmp_path_factory.mktemp(bench)
        log = open(results / "stderr.log", "w+", encoding="utf-8")
        data = [] if bench in ("robustness", "watch") else ["--data", str(smoke_data)]  # own data
        started[bench] = (subprocess.Popen(
            [sys.executable, "-m", f"bench.{bench}", "--smoke", "--results", str(results), *data],
            cwd=REPO, stdout=subprocess.DEVNULL, stderr=log), log, results)
    found = {}
    for bench, (proc, log, results) in started.items():
        try:
            proc.wait(timeout=150)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.seek(0)
        found[bench] = (proc.returncode, log.read(), results)
        log.close()
    return found


@pytest.mark.parametrize("bench", SMOKE)
def test_bench_runs_on_a_tiny_plan(bench, smoke_runs):
    columns, keys = SMOKE[bench]
    returncode, stderr, results = smoke_runs[bench]
    assert returncode == 0, stderr[-2000:]
    markdown = (results / f"{bench}.md").read_text(encoding="utf-8")
    assert markdown.startswith("Reproduce: `make bench`")
    header = next(line for line in markdown.splitlines() if line.startswith("| "))
    assert set(columns) <= {cell.strip() for cell in header.strip("|").split("|")}
    assert "failed" not in markdown
    if keys is None:
        assert not (results / f"{bench}.json").exists()
    else:
        assert keys <= set(json.loads((results / f"{bench}.json").read_text(encoding="utf-8")))
    if bench == "annotate":
        assert "annotate_articles stages on one process:" in markdown
    if bench == "backfill":
        assert "Stages of Library.ingest" in markdown and "| sequential: " in markdown
        assert (results / "backfill.png").stat().st_size > 0
