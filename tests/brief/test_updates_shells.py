"""``storyline updates`` and ``GET /api/stories/{id}/updates`` over the grown story of
:mod:`tests.brief.test_updates`: thin shells over ``Library.updates``."""

import json

import pytest
from fastapi.testclient import TestClient

from storyline.server import create_app
from tests.brief.test_updates import T, grow, open_library, validator
from tests.conftest import run_cli


@pytest.fixture(scope="module")
def grown_db(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("updates-shells")
    with open_library(tmp_path / "u.db") as lib:
        steps, _ = grow(lib, tmp_path)
        # since step 2: steps 3 and 4 at once
        steps.append(lib.updates(steps[0]["story_id"], T[2].isoformat(), now=T[5]))
    return tmp_path / "u.db", steps


def _same(found: dict, expected: dict) -> None:
    assert {k: v for k, v in found.items() if k != "until"} == {
        k: v for k, v in expected.items() if k != "until"}


def test_cli_json_is_what_the_library_said(grown_db):
    db, steps = grown_db
    story = steps[0]["story_id"]
    done = run_cli("updates", story, "--since", T[3].isoformat(), "--json", db=db)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    validator().validate(found)
    _same(found, steps[3])
    done = run_cli("updates", story, "--since", T[2].isoformat(), "--format", "json", db=db)
    _same(json.loads(done.stdout), steps[4])


def test_cli_markdown_lists_each_part(grown_db):
    db, steps = grown_db
    story = steps[0]["story_id"]
    done = run_cli("updates", story, "--since", T[2].isoformat(), db=db)
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode()
    assert "## New sources" in text and "The Courier" in text
    assert "**now in conflict** (five people vs four people)" in text
    assert "Jane Morrow: \u201cPeople came to grieve, and they were met with force.\u201d" in text
    assert "(revision 1 to 2)" in text
    done = run_cli("updates", story, "--since", T[3].isoformat(), "--format", "md", db=db)
    text = done.stdout.decode()
    assert "## Revised: " in text and "(revision 1 to 2)" in text
    assert "- All four were later released, the force said on Sunday morning. [seed-a " \
        in text


def test_cli_bad_since_is_a_usage_error_naming_it(grown_db):
    db, steps = grown_db
    done = run_cli("updates", steps[0]["story_id"], "--since", "last tuesday", db=db)
    assert done.returncode == 2 and done.stdout == b""
    assert b"--since" in done.stderr and b"last tuesday" in done.stderr
    done = run_cli("updates", "no-such-story", "--since", "6h", db=db)
    assert done.returncode == 1 and b"no-such-story" in done.stderr


def test_api_updates(grown_db):
    db, steps = grown_db
    story = steps[0]["story_id"]
    with TestClient(create_app(db)) as client:
        answer = client.get(f"/api/stories/{story}/updates", params={"since": T[2].isoformat()})
        assert answer.status_code == 200
        validator().validate(answer.json())
        _same(answer.json(), steps[4])
        bad = client.get(f"/api/stories/{story}/updates", params={"since": "soonish"})
        assert bad.status_code == 400 and "since" in bad.json()["detail"]
        missing = client.get(f"/api/stories/{story}/updates")
        assert missing.status_code == 400 and "since" in missing.json()["detail"]
        assert client.get("/api/stories/nope/updates", params={"since": "1h"}).status_code == 404


def test_atom_feed_of_the_story_updates(grown_db):
    import feedparser

    db, steps = grown_db
    story = steps[0]["story_id"]
    with TestClient(create_app(db)) as client:
        answer = client.get(f"/stories/{story}/updates.atom")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("application/atom+xml")
        feed = feedparser.parse(answer.content)
        assert client.get("/stories/nope/updates.atom").status_code == 404
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title.startswith("Updates: ")
    # one entry per kept version after the first (the story did not change since step 4)
    entries = feed.entries
    assert [e.updated for e in entries] == [t.isoformat() for t in reversed(T[2:5])]
    assert [e.id.rsplit("/", 1)[1] for e in entries] == ["4", "3", "2"]
    assert [e.title for e in entries] == [
        "1 fact, 1 timeline entry, 1 revised article",
        "1 new source, 5 facts, 1 new speaker",
        "1 new source, 12 facts, 2 new speakers, 4 timeline entries"]
    revised, courier = entries[0].content[0], entries[1].content[0]
    assert revised.type == "text/html"
    assert "All four were later released, the force said on Sunday morning." in revised.value
    assert "<strong>now in conflict</strong> (five people vs four people)" in courier.value
    assert "Jane Morrow: \u201cPeople came to grieve, and they were met with force.\u201d" \
        in courier.value
    assert "<script" not in courier.value
