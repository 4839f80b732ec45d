"""Hostile inputs through the real command line, default settings, each beside good records:
no traceback, exit status 1, the bad file and record named, the good records stored, and
the whole process tree under 500 MB and 30 seconds (the gzip bomb: 10)."""

import os
import signal
import time

import pytest

from .hostile import CASES, Case, good_pages, jsonl, named_lines, run_measured, storyline, stored_texts

MEMORY_MB = 500


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_hostile_input_is_named_and_the_rest_is_stored(case: Case, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    paths = case.build(folder)
    db = tmp_path / "archive.db"
    run = run_measured(storyline("--db", str(db), "ingest", *map(str, paths), *case.args))
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == 1, run.stderr
    missing = [pair for pair, found in named_lines(run.stderr, case, folder).items() if not found]
    assert not missing, f"not named: {missing}\n{run.stderr}"
    count, texts, integrity = stored_texts(db)
    assert count == case.stored, run.stdout + run.stderr
    assert integrity == "ok"
    assert not [text for text in case.never_stored if text in texts]
    assert run.seconds < case.seconds, f"{run.seconds:.1f} s"
    assert run.peak_mb < MEMORY_MB, f"{run.peak_mb:.0f} MB"


def test_mixed_encodings_in_a_text_file_read_each_part_right(tmp_path):
    from storyline import Library

    from .hostile import mixed_encodings

    paths = mixed_encodings(tmp_path)
    with Library(tmp_path / "a.db") as lib:
        lib.ingest([p for p in paths if p.suffix == ".txt"], annotate=False)
        (article,) = lib.articles()
    assert article.title == "Café owner speaks out"
    assert "José Núñez" in article.body and "council’s decision" in article.body


def test_a_worker_killed_mid_page_costs_that_page_alone(tmp_path):
    """As the out-of-memory killer would: kill the worker that holds the slow page. The
    page is named, the others are stored, and the run goes on with a fresh worker."""
    pages = good_pages(3)
    slow = ("<html><body><p " + " ".join(f'a{i}="v"' for i in range(200_000))
            + ">The council met on Monday.</p></body></html>")
    records = [{"id": "slow", "html": slow}] + [
        {"id": f"page-{n}", "url": p["url"], "html": p["html"]} for n, p in enumerate(pages)]
    source = tmp_path / "pages.jsonl"
    source.write_bytes(jsonl(records))
    db = tmp_path / "archive.db"
    import subprocess

    proc = subprocess.Popen(storyline("--db", str(db), "ingest", str(source)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    killed = _kill_busiest_child(proc.pid, wait=60)
    out, err = proc.communicate(timeout=120)
    assert killed, "no worker was found busy"
    assert b"Traceback" not in err, err
    assert proc.returncode == 1
    assert f"{source}:1: extracting this page failed: its worker process died (SIGKILL)".encode() in err
    count, _, _ = stored_texts(db)
    assert count == 3


def _kill_busiest_child(pid: int, wait: float) -> bool:
    """Kill the child process of ``pid`` that has used the most CPU over half a second,
    once one has used at least a second (the worker on the slow page)."""
    from .hostile import _children

    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        before = {c: _cpu(c) for c in _children(pid)}
        time.sleep(0.5)
        busy = [(now - before[c], c) for c in before if (now := _cpu(c)) is not None
                and before[c] is not None and now > 1.0]
        busy = [b for b in busy if b[0] > 0.3]
        if busy:
            os.kill(max(busy)[1], signal.SIGKILL)
            return True
    return False


def _cpu(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None
