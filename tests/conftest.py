import functools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "seed-pair"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def seed_jsonl() -> Path:
    return EXAMPLES / "seed-pair.jsonl"


@pytest.fixture
def seed_records() -> list[dict]:
    with open(EXAMPLES / "seed-pair.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


@pytest.fixture
def library(tmp_path):
    from storyline import Library

    with Library(tmp_path / "test.db") as lib:
        yield lib


def write_jsonl(path: Path, records: list) -> Path:
    """Write records (dicts, or raw strings for broken lines) one per line."""
    with open(path, "w", encoding="utf-8") as fh:
        for rec in records:
            fh.write((rec if isinstance(rec, str) else json.dumps(rec)) + "\n")
    return path


def run_cli(*args: str, db: Path | None = None, input: bytes | None = None,
            env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real ``storyline`` entry point in a subprocess, as a user would.

    Output is piped, so rich wraps tables at 80 columns unless told otherwise; a wide
    ``COLUMNS`` keeps a title with a long checkout path on one line, wherever CI clones."""
    full_env = {**os.environ, "COLUMNS": "250", **(env or {})}
    full_env.pop("STORYLINE_DB", None) if env is None or "STORYLINE_DB" not in env else None
    cmd = [sys.executable, "-m", "storyline"]
    if db is not None:
        cmd += ["--db", str(db)]
    return subprocess.run(cmd + list(args), input=input, capture_output=True, env=full_env,
                          timeout=300)


def wait_for(condition, seconds: float = 60.0, step: float = 0.1, *, alive=None):
    """Poll ``condition()`` until it returns something true (returned) or ``seconds`` pass
    (None). The suite runs on two processes beside servers and pools of their own, so a
    start-up can take many times what it takes on an idle machine: wait by a deadline, and
    stop early when ``alive()`` says the awaited process is gone."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        if alive is not None and not alive():
            return None
        time.sleep(step)
    return None


@pytest.fixture(scope="session")
def seed_annotations() -> dict:
    """The seed pair annotated once with the real spaCy model: {article id: Annotation}."""
    from storyline.annotate import annotate_batch
    from storyline.records import Article

    with open(EXAMPLES / "seed-pair.jsonl", encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh]
    articles = [Article(id=r["id"], revision=1, outlet=None, title=r.get("title"), url=None,
                        published=r["published"], body=r["text"]) for r in records]
    return {a.article_id: a for a in annotate_batch(articles, nlp_model())}


@functools.lru_cache(maxsize=1)
def nlp_model():
    """The real spaCy model, loaded once for the test session (storyline itself keeps no
    process-wide model: each caller owns one)."""
    from storyline.nlp import load_pipeline

    return load_pipeline()


def annotate_text(body: str, published: str | None = "2021-03-14", article_id: str = "t"):
    """Annotate one body with the real model (loaded once per process)."""
    from storyline.annotate import annotate_batch
    from storyline.records import Article

    article = Article(id=article_id, revision=1, outlet=None, title=None, url=None,
                      published=published, body=body)
    return annotate_batch([article], nlp_model())[0]


def pytest_collection_modifyitems(items):
    """The tests that need Ray run last: a Ray driver runs threads in this process, and a
    process with threads starts its worker pools by forkserver instead of forking (so
    workers no longer share the loaded model nor a test's monkeypatches)."""
    items.sort(key=lambda item: "ray_session" in getattr(item, "fixturenames", ()))


@pytest.fixture(scope="session")
def ray_session():
    """One local Ray of 2 CPUs for the whole test run (starting one takes seconds), quiet,
    without its dashboard and with a small object store. Its workers import the tests' own
    modules (the test stages) through PYTHONPATH, which they inherit from this process."""
    import ray

    paths = [str(ROOT), str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False,
             logging_level="WARNING", object_store_memory=200 * 2**20)
    try:
        yield ray
    finally:
        ray.shutdown()
