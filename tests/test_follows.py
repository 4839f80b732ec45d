"""Follows and digests over the seed pair: seed-a alone, then follows (the story, a search,
names), then seed-b; a digest says what seed-b brought, the next one says nothing. The
Atom feed of a follow, the /follows page, the API and the CLI are thin shells over it.
Times are given by the library's clock, never waited for."""

import json
import shutil

import feedparser
import pytest
from fastapi.testclient import TestClient

from storyline import InputError, Library, NotFoundError, QueryError
from storyline.follows import digest_markdown, entity_query, names_entity
from storyline.server import create_app
from tests.brief.test_updates import T, Clock, validator
from tests.conftest import DATA, EXAMPLES, run_cli, write_jsonl

TOKEN = "follow-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _seed(tmp_path, n: int):
    with open(EXAMPLES / "seed-pair.jsonl", encoding="utf-8") as fh:
        record = [json.loads(line) for line in fh][n]
    return write_jsonl(tmp_path / f"{record['id']}.jsonl", [record])


@pytest.fixture(scope="module")
def followed(tmp_path_factory):
    """seed-a at T0; at T1 five follows; seed-b at T2; a digest at T3 and one at T4."""
    tmp_path = tmp_path_factory.mktemp("follows")
    db = tmp_path / "f.db"
    with Library(db, clock=Clock(T[0])) as lib:
        lib.ingest([_seed(tmp_path, 0)], jobs=1)
        story = lib.stories()[0].story_id
        lib.clock.time = T[1]
        follows = {"story": lib.follow(story), "clapham": lib.follow(query="Clapham"),
                   "khan": lib.follow(entity="sadiq  KHAN"),
                   "atkins": lib.follow(query="Atkins"),
                   "nobody": lib.follow(entity="Nobody Atall")}
        lib.clock.time = T[2]
        lib.ingest([_seed(tmp_path, 1)], jobs=1)
        lib.clock.time = T[3]
        first = lib.digest()
        after_first = {f.id: f for f in lib.follows()}
        lib.clock.time = T[4]
        second = lib.digest()
        again = lib.digest(since=T[0].isoformat(), now=T[5], remember=False)
        after_all = {f.id: f for f in lib.follows()}
    return {"db": db, "story": story, "follows": follows, "first": first, "second": second,
            "again": again, "after_first": after_first, "after_all": after_all}


def _of(digest: dict, follow) -> dict:
    [found] = [f for f in digest["follows"] if f["follow"]["id"] == follow.id]
    return found


def test_following_remembers_what_it_matched(followed):
    f, story = followed["follows"], followed["story"]
    assert (f["story"].kind, f["story"].value, f["story"].stories) == ("story", story, (story,))
    assert f["clapham"].stories == (story,) and f["khan"].stories == (story,)
    assert f["khan"].value == "sadiq KHAN"  # spacing normalised, case kept
    assert f["atkins"].stories == () and f["nobody"].stories == ()
    assert {x.created_at for x in f.values()} == {T[1].isoformat()}
    assert {x.last_digest_at for x in f.values()} == {None}


def test_digest_lists_the_new_source_and_the_newly_corroborated_fact(followed):
    first, f = followed["first"], followed["follows"]
    assert first["until"] == T[3].isoformat() and first["since"] is None
    item = _of(first, f["story"])
    assert item["since"] == T[1].isoformat() and not item["gone"]
    [story] = item["stories"]
    assert story["story_id"] == followed["story"] and story["new"] is False
    updates = story["updates"]
    assert [s["article_id"] for s in updates["sources"]] == ["seed-b"]
    assert updates["compared_with"] == T[1].isoformat()
    corroborated = [x for x in updates["facts"] if x["change"] == "corroborated"]
    assert corroborated and all({e["article_id"] for e in x["evidence"]} == {"seed-a", "seed-b"}
                                for x in corroborated)
    text = digest_markdown(first)
    assert f"## Follow {f['story'].id}: story {followed['story']}" in text
    assert "#### New sources" in text and "[seed-b]" in text and "**now corroborated**" in text


def test_search_and_name_follows_pick_the_story_up(followed):
    first, f, story = followed["first"], followed["follows"], followed["story"]
    for key in ("clapham", "khan"):
        [found] = _of(first, f[key])["stories"]
        assert found["story_id"] == story and found["new"] is False
        assert [s["article_id"] for s in found["updates"]["sources"]] == ["seed-b"]
    # only seed-b names Atkins: the story is new to that follow, with its updates
    [found] = _of(first, f["atkins"])["stories"]
    assert found["story_id"] == story and found["new"] is True
    assert [s["article_id"] for s in found["updates"]["sources"]] == ["seed-b"]
    assert _of(first, f["nobody"])["stories"] == []
    assert "### New story: " in digest_markdown(first)
    assert followed["after_first"][f["atkins"].id].stories == (story,)


def test_a_second_digest_with_nothing_new_lists_nothing(followed):
    second = followed["second"]
    assert [item["stories"] for item in second["follows"]] == [[]] * 5
    assert {item["since"] for item in second["follows"]} == {T[3].isoformat()}
    assert digest_markdown(second).count("Nothing new.") == 5
    assert {x.last_digest_at for x in followed["after_all"].values()} == {T[4].isoformat()}


def test_a_digest_since_a_time_that_does_not_remember(followed):
    again, f = followed["again"], followed["follows"]
    assert again["since"] == T[0].isoformat() and again["until"] == T[5].isoformat()
    [story] = _of(again, f["story"])["stories"]
    # no brief was kept by T0: it is rebuilt from seed-a as stored at T0, so seed-b is new
    assert story["updates"]["compared_with"] == T[0].isoformat()
    assert story["updates"]["rebuilt"] is True
    assert [s["article_id"] for s in story["updates"]["sources"]] == ["seed-b"]
    assert {x.last_digest_at for x in followed["after_all"].values()} == {T[4].isoformat()}


def test_names_match_entities_and_aliases():
    brief = {"entities": [{"name": "Sadiq Khan", "aliases": ["Mr Khan"]}]}
    assert names_entity(brief, "sadiq khan") and names_entity(brief, " Mr  Khan ")
    assert not names_entity(brief, "Khan")
    assert entity_query('Dwayne "The Rock" Johnson') == '"Dwayne ""The Rock"" Johnson"'


def test_bad_input(tmp_path):
    with Library(tmp_path / "e.db") as lib:
        for kwargs, field in (({"query": "  "}, "query"), ({"entity": ""}, "entity"),
                              ({"entity": "--"}, "entity"), ({"story_id": " "}, "story_id")):
            with pytest.raises(InputError) as caught:
                lib.follow(**kwargs)
            assert caught.value.field == field
        with pytest.raises(InputError):
            lib.follow()
        with pytest.raises(InputError):
            lib.follow("s1", query="x")
        with pytest.raises(NotFoundError, match="no story with id 'nope'"):
            lib.follow("nope")
        with pytest.raises(QueryError):
            lib.follow(query='"unclosed')
        with pytest.raises(NotFoundError, match="no follow with id '7'"):
            lib.unfollow(7)
        with pytest.raises(NotFoundError):
            lib.unfollow("x")
        with pytest.raises(InputError) as caught:
            lib.digest(since="soonish")
        assert caught.value.field == "since"
        assert lib.digest()["follows"] == [] and lib.follows() == []


def test_atom_feed_of_a_follow(followed):
    f = followed["follows"]
    with TestClient(create_app(followed["db"])) as client:
        answer = client.get(f"/follows/{f['story'].id}.atom")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("application/atom+xml")
        feed = feedparser.parse(answer.content)
        atkins = feedparser.parse(client.get(f"/follows/{f['atkins'].id}.atom").content)
        nobody = feedparser.parse(client.get(f"/follows/{f['nobody'].id}.atom").content)
        assert client.get("/follows/99.atom").status_code == 404
        assert client.get("/follows/x.atom").status_code == 404
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10" and feed.feed.title == f"Follow: story {followed['story']}"
    # one entry: the version kept when seed-b came in (the follow's own is not news)
    [entry] = feed.entries
    assert entry.updated == T[2].isoformat()
    assert entry.title.startswith("Sadiq Khan calls for") and "1 new source" in entry.title
    assert entry.link.endswith(f"/stories/{followed['story']}")
    assert "<strong>now corroborated</strong>" in entry.content[0].value
    assert [e.updated for e in atkins.entries] == [T[2].isoformat()]
    assert not nobody.bozo and nobody.entries == []


def test_follows_page_and_navigation(followed):
    f = followed["follows"]
    with TestClient(create_app(followed["db"])) as client:
        page = client.get("/follows")
        home = client.get("/")
    assert page.status_code == 200
    assert 'href="/follows"' in home.text
    html = page.text
    assert f'href="/stories/{followed["story"]}"' in html
    for follow in f.values():
        assert f'href="/follows/{follow.id}.atom"' in html
    assert "Sadiq Khan calls for independent investigation" in html
    assert 'href="/search?q=Clapham"' in html


def test_api_follows(followed, tmp_path):
    db = tmp_path / "api.db"
    shutil.copy(followed["db"], db)
    story = followed["story"]
    with TestClient(create_app(db, token=TOKEN)) as client:
        listed = client.get("/api/follows").json()["follows"]
        assert [x["id"] for x in listed] == [x.id for x in followed["follows"].values()]
        assert client.post("/api/follows", json={"query": "Clapham"}).status_code == 401
        made = client.post("/api/follows", json={"entity": "Cressida Dick"}, headers=AUTH)
        assert made.status_code == 200, made.text
        new = made.json()
        assert new["kind"] == "entity" and new["stories"] == [story]
        for body, status, said in (({"query": " "}, 400, "query"),
                                   ({"entity": ""}, 400, "entity"),
                                   ({"story_id": "nope"}, 404, "nope"),
                                   ({"query": '"open'}, 400, "bad search query"),
                                   ({"query": "a", "entity": "b"}, 400, "one of"),
                                   ({"name": "x"}, 400, "one of"),
                                   ({"query": 3}, 400, "query")):
            bad = client.post("/api/follows", json=body, headers=AUTH)
            assert bad.status_code == status and said in bad.json()["detail"], body
        digest = client.get(f"/api/follows/{new['id']}/digest")
        assert digest.status_code == 200
        assert [x["follow"]["id"] for x in digest.json()["follows"]] == [new["id"]]
        assert digest.json()["follows"][0]["stories"] == []
        since = client.get(f"/api/follows/{new['id']}/digest",
                           params={"since": T[0].isoformat()}).json()
        [found] = since["follows"][0]["stories"]
        assert found["story_id"] == story and found["new"] is False
        assert client.get(f"/api/follows/{new['id']}/digest",
                          params={"since": "soonish"}).status_code == 400
        assert client.get("/api/follows/99/digest").status_code == 404
        # a read: the follow's last digest did not move
        assert [x["last_digest_at"] for x in client.get("/api/follows").json()["follows"]
                if x["id"] == new["id"]] == [None]
        assert client.delete(f"/api/follows/{new['id']}").status_code == 401
        assert client.delete(f"/api/follows/{new['id']}", headers=AUTH).status_code == 200
        assert client.delete(f"/api/follows/{new['id']}", headers=AUTH).status_code == 404
        assert new["id"] not in [x["id"] for x in client.get("/api/follows").json()["follows"]]


def test_cli_round_trip(followed, tmp_path):
    db = tmp_path / "cli.db"
    shutil.copy(followed["db"], db)
    story = followed["story"]
    done = run_cli("follow", story, db=db)
    assert done.returncode == 0, done.stderr
    follow_id = int(done.stdout)
    assert f"following story {story}".encode() in done.stderr
    done = run_cli("follow", "--entity", "Sadiq Khan", "--json", db=db)
    assert done.returncode == 0 and json.loads(done.stdout)["stories"] == [story]
    listed = json.loads(run_cli("follows", "--json", db=db).stdout)
    assert [x["id"] for x in listed][-2:] == [follow_id, follow_id + 1]
    lines = run_cli("follows", db=db).stdout.decode().splitlines()
    assert lines[-2].startswith(f"{follow_id}\tstory\t{story}\t")
    done = run_cli("digest", "--json", db=db)
    assert done.returncode == 0, done.stderr
    digest = json.loads(done.stdout)
    assert [x["stories"] for x in digest["follows"]] == [[]] * 7
    done = run_cli("digest", "--since", T[0].isoformat(), "--format", "md", db=db)
    assert done.returncode == 0 and b"#### New sources" in done.stdout
    assert done.stdout.count(b"[seed-b]") == 6  # every follow but the name no story has
    done = run_cli("digest", db=db)
    assert done.stdout.count(b"Nothing new.") == 7
    assert run_cli("unfollow", str(follow_id), str(follow_id + 1), db=db).returncode == 0
    listed = json.loads(run_cli("follows", "--json", db=db).stdout)
    assert follow_id not in [x["id"] for x in listed]
    for args, code, said in ((("unfollow", str(follow_id)), 1, b"no follow with id"),
                             (("follow",), 2, b"give one of"),
                             (("follow", story, "--query", "x"), 2, b"give one of"),
                             (("follow", "--query", " "), 2, b"--query"),
                             (("follow", "--entity", ""), 2, b"--entity"),
                             (("follow", "nope"), 1, b"no story with id 'nope'"),
                             (("digest", "--since", "last tuesday"), 2, b"--since")):
        done = run_cli(*args, db=db)
        assert done.returncode == code and said in done.stderr, (args, done.stderr)
        assert done.stdout == b""


def test_every_digest_follows_its_schema(followed):
    check = validator("digest")
    for key in ("first", "second", "again"):
        check.validate(followed[key])
    assert any(story["updates"]["facts"] for item in followed["first"]["follows"]
               for story in item["stories"])


def test_a_bad_record_beside_good_ones_in_an_ingest_that_rebuilds_followed_briefs(
        followed, tmp_path):
    db = tmp_path / "bad.db"
    shutil.copy(followed["db"], db)
    story = followed["story"]
    with open(DATA / "updates" / "seed-c.jsonl", encoding="utf-8") as fh:
        good = fh.read().strip()
    path = tmp_path / "mixed.jsonl"
    path.write_text('{"id": "broken", "text": \n' + good + "\n[1, 2]\n", encoding="utf-8")
    with Library(db) as lib:
        versions = len(lib.store.brief_versions(story))
    done = run_cli("ingest", str(path), "-j", "1", db=db)
    assert done.returncode == 1, done.stderr
    assert f"{path}:1".encode() in done.stderr and f"{path}:3".encode() in done.stderr
    with Library(db) as lib:
        assert lib.store.story_of("seed-c") == story
        kept = lib.store.brief_versions(story)
        assert len(kept) == versions + 1 and "seed-c" in kept[-1].revisions
    done = run_cli("digest", "--json", db=db)
    assert done.returncode == 0, done.stderr
    digest = json.loads(done.stdout)
    validator("digest").validate(digest)
    found = {s["story_id"]: s for item in digest["follows"] for s in item["stories"]}
    assert [s["outlet"] for s in found[story]["updates"]["sources"]] == ["The Courier"]


def test_a_digest_that_fails_remembers_nothing(followed, tmp_path, monkeypatch):
    db = tmp_path / "fail.db"
    shutil.copy(followed["db"], db)
    with Library(db, clock=Clock(T[5])) as lib:
        calls = []
        updates = lib.updates

        def failing(story_id, since, *, now=None):
            calls.append(story_id)
            if len(calls) == 3:
                raise RuntimeError("disk on fire")
            return updates(story_id, since, now=now)

        monkeypatch.setattr(lib, "updates", failing)
        with pytest.raises(RuntimeError):
            lib.digest()
        assert {f.last_digest_at for f in lib.follows()} == {T[4].isoformat()}
        monkeypatch.setattr(lib, "updates", updates)
        lib.digest()
        assert {f.last_digest_at for f in lib.follows()} == {T[5].isoformat()}
