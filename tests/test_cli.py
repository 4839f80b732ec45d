import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import DATA, EXAMPLES, ROOT, run_cli, wait_for, write_jsonl


def test_ingest_list_show_export(tmp_path, seed_jsonl):
    db = tmp_path / "c.db"
    res = run_cli("ingest", str(seed_jsonl), db=db)
    assert res.returncode == 0, res.stderr
    assert res.stdout.decode().splitlines()[0] == \
        "2 new, 0 unchanged, 0 duplicates, 0 errors; 1 new story"
    again = run_cli("ingest", str(seed_jsonl), db=db)
    assert "0 new, 2 unchanged, 0 duplicates, 0 errors" in again.stdout.decode()
    assert "Nothing changed" in again.stdout.decode()

    listing = json.loads(run_cli("articles", "--json", db=db).stdout)
    assert {a["id"] for a in listing} == {"seed-a", "seed-b"}
    herald = json.loads(run_cli("articles", "--json", "--outlet", "the herald", db=db).stdout)
    assert [a["id"] for a in herald] == ["seed-b"]
    assert len(json.loads(run_cli("articles", "--json", "--limit", "1", db=db).stdout)) == 1
    assert "seed-a" in run_cli("articles", db=db).stdout.decode()

    shown = json.loads(run_cli("article", "seed-a", "--json", db=db).stdout)
    text = run_cli("article", "seed-a", "--text", db=db).stdout.decode()
    assert text == shown["body"]
    assert set(shown) >= {"id", "outlet", "title", "url", "published", "body", "revision",
                          "duplicate_of", "duplicates"}
    out = tmp_path / "out.jsonl"
    res = run_cli("export", "-o", str(out), db=db)
    assert res.returncode == 0 and "2 articles written" in res.stderr.decode()
    assert [json.loads(l)["id"] for l in out.read_text().splitlines()] == ["seed-a", "seed-b"]


def test_env_db_and_stdin(tmp_path):
    env = {"STORYLINE_DB": str(tmp_path / "env.db")}
    text = "The ferry returned to service on Saturday after repairs to its engine."
    line = json.dumps({"id": "s1", "title": "From stdin", "text": text}).encode()
    res = run_cli("ingest", "-", input=line + b"\n", env=env)
    assert res.returncode == 0, res.stderr
    assert run_cli("article", "s1", "--text", env=env).stdout == text.encode()


def test_bad_input_exit_status_and_messages(tmp_path):
    db = tmp_path / "e.db"
    fine = "The council approved the new budget on Monday after a long debate."
    path = write_jsonl(tmp_path / "mixed.jsonl", [{"id": "ok", "text": fine}, "{nope"])
    res = run_cli("ingest", str(path), str(tmp_path / "missing.txt"), db=db)
    assert res.returncode == 1
    err = res.stderr.decode()
    assert f"error: {path}:2: invalid JSON" in err
    assert f"error: {tmp_path / 'missing.txt'}: no such file or directory" in err
    assert "Traceback" not in err
    assert "1 new, 0 unchanged, 0 duplicates, 2 errors" in res.stdout.decode()
    assert run_cli("article", "ok", "--text", db=db).stdout == fine.encode()


def test_usage_errors_exit_2(tmp_path):
    db = tmp_path / "u.db"
    # exit 2 alone would also be an unknown option's: each names the value it refused
    no_paths = run_cli("ingest", db=db)
    assert no_paths.returncode == 2 and b"Missing argument" in no_paths.stderr
    pdf = run_cli("ingest", "x", "--format", "pdf", db=db)
    assert pdf.returncode == 2 and b"'pdf' is not one of" in pdf.stderr
    someday = run_cli("ingest", "x", "--published", "someday maybe", db=db)
    assert someday.returncode == 2
    assert b"--published: cannot read 'someday maybe' as a date" in someday.stderr
    since = run_cli("stories", "--since", "someday maybe", db=db)
    assert since.returncode == 2
    assert since.stderr == b"usage error: --since: cannot read 'someday maybe' as a date\n"
    run_cli("ingest", str(EXAMPLES / "seed-pair.jsonl"), db=db)
    both = run_cli("article", "seed-a", "--json", "--text", db=db)
    assert both.returncode == 2 and b"cannot be used together" in both.stderr
    missing = run_cli("article", "nope", db=db)
    assert missing.returncode == 1
    assert missing.stderr.decode().strip() == "error: no article with id 'nope'"


def test_quiet_prints_nothing_on_success(tmp_path, seed_jsonl):
    res = run_cli("ingest", "--quiet", str(seed_jsonl), db=tmp_path / "q.db")
    assert res.returncode == 0 and res.stdout == b"" and res.stderr == b""


def test_db_option_after_the_command(tmp_path, seed_jsonl):
    db = tmp_path / "late.db"
    cmd = [sys.executable, "-m", "storyline", "ingest", str(seed_jsonl), "--db", str(db)]
    assert subprocess.run(cmd, capture_output=True).returncode == 0
    assert db.exists()


def _children(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (Linux /proc; empty elsewhere)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_killed_ingest_is_consistent_and_rerun_completes(tmp_path):
    """kill -9 in the middle of an ingest; the rerun loses and duplicates nothing."""
    n = 3000
    records = [{"id": f"k{i}", "title": f"Report {i}",
                "text": f"Report {i} says council {i % 97} voted {i * 31 % 1000} to {i % 13}. "
                        f"Turnout was {i % 71} percent in ward {i % 53}."} for i in range(n)]
    path = write_jsonl(tmp_path / "big.jsonl", records)
    db = tmp_path / "kill.db"
    cmd = [sys.executable, "-m", "storyline", "--db", str(db), "ingest", "--quiet", str(path)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    stored = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        try:
            con = sqlite3.connect(db, timeout=1)
            stored = con.execute("SELECT count(*) FROM articles").fetchone()[0]
            con.close()
        except sqlite3.Error:
            continue
        if stored >= 200:
            break
    workers = _children(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 0 < stored < n, "the ingest should have been killed part way"
    # annotation workers end with the ingest, not orphaned
    wait_for(lambda: not any(os.path.exists(f"/proc/{pid}") for pid in workers), 30, 0.05)
    assert not any(os.path.exists(f"/proc/{pid}") for pid in workers)
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    partial = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    con.close()
    res = subprocess.run(cmd[:-2] + [str(path)], capture_output=True)
    assert res.returncode == 0, res.stderr
    summary = res.stdout.decode()
    assert f"{n - partial} new, {partial} unchanged" in summary
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == n
    assert con.execute("SELECT count(*) FROM revisions").fetchone()[0] == n
    assert con.execute("SELECT count(*) FROM articles_fts").fetchone()[0] == n


def test_readme_documents_every_command():
    readme = (ROOT / "README.md").read_text()
    from storyline.cli import app, eval_app

    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    names += [f"eval {c.name}" for c in eval_app.registered_commands]
    for name in names:
        assert f"storyline {name}" in readme, f"README does not document `storyline {name}`"


def _schema_validator(part: str):
    import jsonschema

    schema = json.loads((ROOT / "src" / "storyline" / "brief.schema.json").read_text())
    items = schema["properties"][part]["items"]
    return jsonschema.Draft202012Validator({"$defs": schema["$defs"], **items})


def test_annotations_quotes_and_annotate(tmp_path, seed_jsonl):
    db = tmp_path / "q.db"
    assert run_cli("ingest", str(seed_jsonl), "--no-annotate", db=db).returncode == 0
    missing = run_cli("article", "seed-a", "--annotations", db=db)
    assert missing.returncode == 1
    assert "not annotated yet: run `storyline annotate`" in missing.stderr.decode()
    done = run_cli("annotate", db=db)
    assert done.returncode == 0 and "2 articles annotated" in done.stdout.decode()
    assert "Nothing to do" in run_cli("annotate", db=db).stdout.decode()

    shown = json.loads(run_cli("article", "seed-a", "--annotations", "--json", db=db).stdout)
    assert {"sentences", "entities", "quotes", "events"} <= set(shown)
    body = run_cli("article", "seed-a", "--text", db=db).stdout.decode()
    for part in ("quotes", "entities", "sentences"):  # each loop below has items to check
        assert shown[part], f"seed-a has no {part}"
    for part in ("quotes", "entities"):
        validator = _schema_validator(part)
        for item in shown[part]:
            validator.validate(item)
    for sentence in shown["sentences"]:
        assert body[sentence["span"]["start"]:sentence["span"]["end"]] == sentence["text"]
    for event in shown["events"]:
        _schema_validator("timeline").validate(event)
    dates = {e["date"] for e in shown["events"]}
    assert {"2021-03-03", "2021-03-10", "2021-03-13"} <= dates
    human = run_cli("article", "seed-a", "--annotations", db=db).stdout.decode()
    assert "Quotes (" in human and "Helen Ball" in human

    quotes = json.loads(run_cli("quotes", "--speaker", "ball", "--json", db=db).stdout)
    assert quotes and {q["speaker"] for q in quotes} == {"Helen Ball"}
    validator = _schema_validator("quotes")
    for q in quotes:
        validator.validate(q)
        assert body[q["span"]["start"]:q["span"]["end"]] == q["text"]
    listing = run_cli("quotes", db=db).stdout.decode().splitlines()
    assert any(line.startswith("Victoria Atkins\t") for line in listing)


def test_ingest_annotates_by_default(tmp_path, seed_jsonl):
    db = tmp_path / "d.db"
    assert run_cli("ingest", str(seed_jsonl), db=db).returncode == 0
    speakers = {q["speaker"] for q in json.loads(run_cli("quotes", "--json", db=db).stdout)}
    assert {"Sadiq Khan", "Helen Ball", "Ed Davey", "Victoria Atkins", "the assembled crowd"} <= speakers
    assert "Nothing to do" in run_cli("annotate", db=db).stdout.decode()


def test_stories_story_and_recluster(tmp_path, seed_jsonl):
    db = tmp_path / "s.db"
    assert run_cli("ingest", str(seed_jsonl), "-j", "1", db=db).returncode == 0
    res = run_cli("stories", "--json", db=db)
    assert res.returncode == 0, res.stderr
    (story,) = json.loads(res.stdout)
    assert set(story) == {"story_id", "title", "articles", "sources", "outlets",
                          "first_published", "last_published"}
    assert story["articles"] == story["sources"] == 2 and story["outlets"] == ["The Herald"]
    piped = run_cli("stories", db=db).stdout.decode().splitlines()
    assert piped == [f"{story['story_id']}\t2021-03-14\t2\t1\t{story['title']}"]
    assert json.loads(run_cli("stories", "--json", "--since", "2022-01-01", db=db).stdout) == []
    assert run_cli("stories", "--since", "soon", db=db).returncode == 2
    res = run_cli("story", story["story_id"], "--json", db=db)
    detail = json.loads(res.stdout)
    assert [s["article_id"] for s in detail["sources"]] == ["seed-a", "seed-b"]
    shown = run_cli("story", story["story_id"], db=db).stdout.decode()
    assert story["title"] in shown and "[seed-a]" in shown and "[seed-b]" in shown
    missing = run_cli("story", "s-nope", db=db)
    assert missing.returncode == 1
    assert missing.stderr.decode().strip() == "error: no story with id 's-nope'"
    res = run_cli("recluster", db=db)
    assert res.returncode == 0 and res.stdout.decode().strip() == "2 articles in 1 story"
    assert json.loads(run_cli("stories", "--json", db=db).stdout) == [story]


def test_brief_prints_json_markdown_and_writes_html(tmp_path, seed_jsonl):
    import jsonschema

    db = tmp_path / "b.db"
    assert run_cli("ingest", str(seed_jsonl), "-j", "1", db=db).returncode == 0
    (story,) = json.loads(run_cli("stories", "--json", db=db).stdout)
    res = run_cli("brief", story["story_id"], "--format", "json", db=db)
    assert res.returncode == 0, res.stderr
    brief = json.loads(res.stdout)
    schema = json.loads((ROOT / "src" / "storyline" / "brief.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(brief)
    assert brief["story_id"] == story["story_id"] and len(brief["summary"]) == 4
    short = json.loads(run_cli("brief", story["story_id"], "-f", "json", "-n", "2", db=db).stdout)
    assert [s["text"] for s in short["summary"]] != [] and len(short["summary"]) == 2
    markdown = run_cli("brief", story["story_id"], db=db).stdout.decode()
    assert markdown.startswith(f"# {story['title']}")
    assert "## Who said what" in markdown and "### Sadiq Khan" in markdown
    page = tmp_path / "out" / "brief.html"
    page.parent.mkdir()
    res = run_cli("brief", story["story_id"], "-f", "html", "-o", str(page), db=db)
    assert res.returncode == 0 and res.stdout == b""
    assert f"wrote {page}" in res.stderr.decode()
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "four people were arrested" in html
    missing = run_cli("brief", "s-nope", db=db)
    assert missing.returncode == 1
    assert missing.stderr.decode().strip() == "error: no story with id 's-nope'"
    unwritable = run_cli("brief", story["story_id"], "-o", str(tmp_path / "no" / "x.md"), db=db)
    assert unwritable.returncode == 1 and "cannot write" in unwritable.stderr.decode()
    assert run_cli("brief", story["story_id"], "-f", "pdf", db=db).returncode == 2


def test_search_and_stories_query(tmp_path, seed_jsonl):
    db = tmp_path / "s.db"
    assert run_cli("ingest", str(seed_jsonl), "-j", "1", db=db).returncode == 0
    hits = json.loads(run_cli("search", "handcuffs", "--json", db=db).stdout)
    assert {h["article_id"] for h in hits} == {"seed-a", "seed-b"}
    for hit in hits:
        start, end = hit["highlights"][0]
        assert hit["snippet"][start:end] == "handcuffs"
    lines = run_cli("search", "vigil", "--limit", "1", db=db).stdout.decode().splitlines()
    assert len(lines) == 2 and "[vigil]" in lines[1].lower()
    bad = run_cli("search", "O'Brien", db=db)
    assert bad.returncode == 1 and bad.stderr.decode().startswith("error: bad search query")
    assert len(json.loads(run_cli("stories", "--json", "-q", "Everard", db=db).stdout)) == 1
    assert json.loads(run_cli("stories", "--json", "--query", "zebra", db=db).stdout) == []


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_answers_http_until_stopped(tmp_path, seed_jsonl, workers):
    import socket
    import urllib.error
    import urllib.request

    db = tmp_path / "serve.db"
    assert run_cli("ingest", str(seed_jsonl), "--no-annotate", db=db).returncode == 0
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "STORYLINE_TOKEN"}
    proc = subprocess.Popen([sys.executable, "-m", "storyline", "--db", str(db), "serve",
                             "--port", str(port), "--workers", str(workers)],
                            stderr=subprocess.PIPE, env=env)
    try:
        def healthz():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    return json.load(r)
            except OSError:
                return None

        health = wait_for(healthz, alive=lambda: proc.poll() is None)
        if health is None:
            raise AssertionError("the server did not answer")
        assert health["articles"] == 2 and health["writes"] == "disabled"
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/articles", data=b"{}",
                                         headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)
        assert refused.value.code == 403
        refused.value.close()
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert f"serving {db} on http://127.0.0.1:{port}/ with {workers} process" in err.decode()
    assert "STORYLINE_TOKEN" in err.decode()


def test_eval_clustering_prints_bcubed_and_baselines(tmp_path):
    import gzip

    with gzip.open(DATA / "gvc-dev-slice.jsonl.gz", "rt", encoding="utf-8") as fh:
        lines = fh.readlines()[:8]
    path = tmp_path / "few.jsonl"
    path.write_text("".join(lines))
    res = run_cli("eval", "clustering", str(path), "--json", "--orders", "1", "-j", "1")
    assert res.returncode == 0, res.stderr
    rows = {r["system"]: r for r in json.loads(res.stdout)}
    assert set(rows) == {"storyline, order seed 0", "every article alone",
                         "offline TF-IDF + average linkage (0.85)"}
    alone = rows["every article alone"]
    assert alone["articles"] == alone["stories"] == 8 and alone["precision"] == 1.0
    ours = rows["storyline, order seed 0"]
    assert 0 < ours["f1"] <= 1 and ours["gold_stories"] == len({json.loads(x)["story"] for x in lines})


def test_eval_clustering_in_batches_groups_each_batch_after_the_last(tmp_path):
    import gzip

    with gzip.open(DATA / "gvc-dev-slice.jsonl.gz", "rt", encoding="utf-8") as fh:
        lines = fh.readlines()[:12]
    path = tmp_path / "few.jsonl"
    path.write_text("".join(lines))
    res = run_cli("eval", "clustering", str(path), "--orders", "1", "-j", "1", "--arrival",
                  "batches", "--batches", "4",
                  "--no-baseline")
    assert res.returncode == 0, res.stderr
    out = res.stdout.decode()
    assert "each arriving in 4 batches" in out and "order seed 0, 4 batches" in out
    bad = run_cli("eval", "clustering", str(path), "--arrival", "batches", "--batches", "1")
    assert bad.returncode == 2 and "--batches" in bad.stderr.decode()


def test_eval_quotes_prints_strict_and_speaker_figures(tmp_path):
    import gzip

    with gzip.open(DATA / "polnear-dev-slice.jsonl.gz", "rt", encoding="utf-8") as fh:
        lines = fh.readlines()[:3]
    path = tmp_path / "few.jsonl"
    path.write_text("".join(lines))
    res = run_cli("eval", "quotes", str(path), "-j", "1", "--no-baseline")
    assert res.returncode == 0, res.stderr
    out = res.stdout.decode()
    for word in ("recall (strict)", "precision (strict)", "named speakers", "named prec.",
                 "described"):
        assert word in out
    res = run_cli("eval", "quotes", str(path), "--json", "-j", "1")
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)
    assert [r["system"] for r in rows] == ["storyline, 1 process", "textacy direct_quotations"]
    for row in rows:
        assert row["strict_precision"] <= row["precision"] and row["strict_recall"] <= row["recall"]
        assert row["speakers_named"] <= row["speakers_judged"]


def test_eval_summaries_prints_rouge_table_and_json(tmp_path):
    import gzip

    with gzip.open(DATA / "gvc-dev-slice.jsonl.gz", "rt", encoding="utf-8") as fh:
        lines = fh.readlines()[:6]
    path = tmp_path / "few.jsonl"
    path.write_text("".join(lines))
    stories = {json.loads(x)["story"] for x in lines}
    res = run_cli("eval", "summaries", str(path), "-n", "2", "-j", "1")
    assert res.returncode == 0, res.stderr
    out = res.stdout.decode()
    for word in ("R-1", "R-2", "cited", "redundant", "same", "gold", "storyline brief summary",
                 "lead (round-robin over sources)", "LexRank (sumy)", "headlines"):
        assert word in out
    res = run_cli("eval", "summaries", str(path), "--json", "--sentences", "2", "-j", "1")
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)
    assert [r["system"] for r in rows] == ["storyline brief summary",
                                           "lead (round-robin over sources)", "LexRank (sumy)"]
    for row in rows:
        assert 0 < row["stories"] <= len(stories) and row["requested_sentences"] == 2
        assert 0 < row["rouge1"] <= 1 and 0 <= row["rouge2"] <= 1 and row["cited"] == 1.0


def test_eval_summaries_judges_corroboration_by_gold_event_pairs(tmp_path):
    import gzip

    with gzip.open(DATA / "ecbplus-dev-slice.jsonl.gz", "rt", encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh]
    story = records[0]["story"]
    path = tmp_path / "few.jsonl"
    chosen = [r for r in records if r["story"] == story][:6]
    path.write_text("".join(json.dumps(r) + "\n" for r in chosen))
    res = run_cli("eval", "summaries", str(path), "--json", "-j", "1", "--pairs",
                  str(DATA / "ecbplus-facts-dev-slice"))
    assert res.returncode == 0, res.stderr
    for row in json.loads(res.stdout):
        assert 0 < row["judged"] <= 1 and 0 <= row["corroborated_gold"] <= 1
    res = run_cli("eval", "summaries", str(path), "-j", "1")  # no pairs beside tmp_path
    assert res.returncode == 0, res.stderr
    assert "Gold: –" in res.stdout.decode()
    missing = run_cli("eval", "summaries", str(path), "--pairs", str(tmp_path))
    assert missing.returncode == 1 and "pairs.jsonl" in missing.stderr.decode()
