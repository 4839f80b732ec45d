"""Story updates: a story that grows in steps, and what ``Library.updates`` says changed
after each one. Real text: seed-a alone, then seed-b, then a third outlet's report written
from seed-b's text with a changed figure (five arrested, not four) and a new speaker
(``tests/data/updates/seed-c.jsonl``), then a revision of seed-a that adds one sentence
(``seed-a-revised.jsonl``). Times are given, never waited for."""

import json
from datetime import datetime, timedelta, timezone

import jsonschema
import pytest
from referencing import Registry, Resource

from storyline import InputError, Library
from storyline.brief.updates import brief_updates, has_updates, parse_since, updates_markdown
from storyline.history import brief_as_of, compare
from storyline.store import Store
from tests.conftest import DATA, EXAMPLES, ROOT, run_cli, write_jsonl

SCHEMAS = ROOT / "src" / "storyline"
T = [datetime(2026, 1, 1, 8, tzinfo=timezone.utc) + timedelta(hours=h) for h in range(6)]


def validator(name: str = "updates") -> jsonschema.Draft202012Validator:
    """A validator of ``<name>.schema.json`` that resolves the schemas it refers to."""
    schemas = {n: json.loads((SCHEMAS / f"{n}.schema.json").read_text())
               for n in ("brief", "updates", "digest")}
    registry = Registry().with_resources([(s["$id"], Resource.from_contents(s))
                                          for s in schemas.values()])
    return jsonschema.Draft202012Validator(
        schemas[name], registry=registry, format_checker=jsonschema.FormatChecker())


def step_files(tmp_path) -> list:
    with open(EXAMPLES / "seed-pair.jsonl", encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh]
    return [write_jsonl(tmp_path / "seed-a.jsonl", [records[0]]),
            write_jsonl(tmp_path / "seed-b.jsonl", [records[1]]),
            DATA / "updates" / "seed-c.jsonl", DATA / "updates" / "seed-a-revised.jsonl"]


class Clock:
    """A clock the test sets: what the library's ``clock`` answers."""

    def __init__(self, time: datetime):
        self.time = time

    def __call__(self) -> datetime:
        return self.time


def open_library(path) -> Library:
    return Library(path, clock=Clock(T[0]))


def grow(lib: Library, tmp_path) -> tuple[list[dict], list[dict]]:
    """Ingest the four steps, step n at T[n + 1] by the library's clock, and after each
    step ask what changed since the step before: the updates of each step, and the bodies
    they cite. The first ``updates`` keeps the story's brief, so each ingest after it keeps
    the new brief itself."""
    found, bodies = [], []
    for n, path in enumerate(step_files(tmp_path)):
        lib.clock.time = T[n + 1]
        lib.ingest([path], jobs=1)
        story = lib.stories()[0].story_id
        found.append(lib.updates(story, T[n].isoformat()))
        bodies.append(lib.bodies(["seed-a", "seed-b", "seed-c"]))
    return found, bodies


@pytest.fixture(scope="module")
def grown(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("updates")
    with open_library(tmp_path / "u.db") as lib:
        steps, bodies = grow(lib, tmp_path)
        versions = lib.store.brief_versions(steps[0]["story_id"])
        history = lib.update_history(steps[0]["story_id"])
    return steps, bodies, versions, history


def spans(updates: dict):
    for fact in updates["facts"]:
        yield fact["citation"]
        yield from fact["evidence"]
    for quote in updates["quotes"]:
        yield quote["span"]
    for entry in updates["timeline"]:
        yield entry["span"]
        yield from entry["also_in"]
    for item in updates["revised"]:
        for sentence in item["sentences"]:
            assert sentence["text"] == sentence["span"]["text"]
            yield sentence["span"]


def changes(updates: dict, *kinds: str) -> list[tuple[str, str]]:
    return [(f["change"], f["text"]) for f in updates["facts"] if f["change"] in kinds]


def test_every_step_validates_and_every_span_is_exact(grown):
    steps, bodies, _, history = grown
    check = validator()
    # the history's updates cite what the steps' did, each at the revisions of its time
    for updates, cut in zip(steps + history, bodies + bodies[1:]):
        check.validate(updates)
        cited = list(spans(updates))
        assert cited
        for span in cited:
            assert span["text"] == cut[span["article_id"]][span["start"]:span["end"]]
            assert span["text"].strip() == span["text"] != ""


def test_each_version_is_kept_with_its_time(grown):
    steps, _, versions, history = grown
    assert [v.made_at for v in versions] == [t.isoformat() for t in T[1:5]]
    assert versions[-1].revisions == {"seed-a": 2, "seed-b": 1, "seed-c": 1}
    assert [u["until"] for u in history] == [t.isoformat() for t in T[2:5]]
    # the history between kept versions is what updates said at each step
    assert [u["sources"] for u in history] == [u["sources"] for u in steps[1:]]
    assert [u["revised"] for u in history] == [u["revised"] for u in steps[1:]]


def test_step_one_without_a_brief_before_everything_is_new(grown):
    first = grown[0][0]
    assert first["compared_with"] is None and first["since"] == T[0].isoformat()
    assert [s["article_id"] for s in first["sources"]] == ["seed-a"]
    assert {f["change"] for f in first["facts"]} == {"new"}
    assert "Sadiq Khan" in {q["speaker"] for q in first["quotes"]}
    assert first["timeline"] and first["revised"] == []


def test_step_two_a_second_outlet_corroborates(grown):
    second = grown[0][1]
    assert second["compared_with"] == T[1].isoformat()
    assert [(s["article_id"], s["outlet"], s["published"]) for s in second["sources"]] == [
        ("seed-b", "The Herald", "2021-03-14")]
    corroborated = [f for f in second["facts"] if f["change"] == "corroborated"]
    assert [f["text"][:40] for f in corroborated] == [
        "Mr Khan said he would be asking HM Inspe", "Officers from the Metropolitan Police we"]
    for fact in corroborated:
        assert fact["was"] == "single-source" and fact["status"] == "corroborated"
        assert {e["article_id"] for e in fact["evidence"]} == {"seed-a", "seed-b"}
    arrests = corroborated[1]["evidence"]
    assert any("four people were arrested" in e["text"] for e in arrests
               if e["article_id"] == "seed-a")
    assert changes(second, "conflict") == []
    assert sorted({q["speaker"] for q in second["quotes"]}) == ["Ed Davey", "Victoria Atkins"]
    assert second["revised"] == []


def test_step_three_a_changed_figure_is_a_conflict_and_a_new_speaker_is_quoted(grown):
    third = grown[0][2]
    assert [s["outlet"] for s in third["sources"]] == ["The Courier"]
    [conflict] = [f for f in third["facts"] if f["change"] == "conflict"]
    assert conflict["was"] == "corroborated"
    assert conflict["disagreement"] == ["five people vs four people"]
    sides = {e["article_id"]: e["text"] for e in conflict["evidence"]
             if "people were arrested" in e["text"]}
    assert "five people were arrested" in sides["seed-c"]
    assert "four people were arrested" in sides["seed-a"]
    assert "four people were arrested" in sides["seed-b"]
    assert [t[:40] for _, t in changes(third, "corroborated")] == [
        "Liberal Democrats leader Sir Ed Davey ha", "London Mayor Sadiq Khan also said he was"]
    assert [(q["speaker"], q["text"]) for q in third["quotes"]] == [
        ("Jane Morrow", "People came to grieve, and they were met with force.")]
    assert third["revised"] == []


def test_step_four_a_revision_lists_its_new_sentence(grown):
    fourth = grown[0][3]
    assert fourth["sources"] == [] and fourth["quotes"] == []
    [revised] = fourth["revised"]
    assert (revised["article_id"], revised["from_revision"], revised["to_revision"]) == (
        "seed-a", 1, 2)
    assert [s["text"] for s in revised["sentences"]] == [
        "All four were later released, the force said on Sunday morning."]
    assert [t for _, t in changes(fourth, "new")] == [
        "All four were later released, the force said on Sunday morning."]
    assert [t["text"] for t in fourth["timeline"]] == [
        "All four were later released, the force said on Sunday morning."]
    # a revision moved seed-a's offsets: its other lines are not new for it
    assert changes(fourth, "corroborated", "conflict") == []


@pytest.fixture(scope="module")
def unread(tmp_path_factory):
    """The same four steps at the same times, with no brief read in between: nothing kept."""
    tmp_path = tmp_path_factory.mktemp("unread")
    with open_library(tmp_path / "unread.db") as lib:
        for n, path in enumerate(step_files(tmp_path)):
            lib.clock.time = T[n + 1]
            lib.ingest([path], jobs=1)
        story = lib.stories()[0].story_id
        assert lib.store.brief_versions(story) == []
        rebuilt = [brief_as_of(lib, story, t.isoformat()) for t in T[:5]]
        lib.clock.time = T[5]
        since_two = lib.updates(story, T[2].isoformat())
        bodies = lib.bodies(["seed-a", "seed-b", "seed-c"])
    return tmp_path / "unread.db", story, rebuilt, since_two, bodies


def test_a_brief_rebuilt_as_of_a_step_is_the_one_kept_then(grown, unread):
    _, _, versions, _ = grown
    rebuilt = unread[2]
    assert rebuilt[0] is None  # nothing stored by T0
    for kept, again in zip(versions, rebuilt[1:]):
        assert again.made_at == kept.made_at and again.revisions == kept.revisions
        assert json.loads(again.data) == json.loads(kept.data)


def test_a_story_nobody_read_still_says_what_changed_since(grown, unread):
    _, story, _, found, bodies = unread
    validator().validate(found)
    assert found["rebuilt"] is True and found["compared_with"] == T[2].isoformat()
    assert [s["article_id"] for s in found["sources"]] == ["seed-c"]
    [revised] = found["revised"]
    assert (revised["article_id"], revised["from_revision"], revised["to_revision"]) == (
        "seed-a", 1, 2)
    [conflict] = [f for f in found["facts"] if f["change"] == "conflict"]
    assert conflict["disagreement"] == ["five people vs four people"]
    assert [q["speaker"] for q in found["quotes"]] == ["Jane Morrow"]
    for span in spans(found):
        assert span["text"] == bodies[span["article_id"]][span["start"]:span["end"]]
    # what a reader who had read it at T2 was told, steps three and four at once
    steps = grown[0]
    told = {part: sorted(json.dumps(x, sort_keys=True) for step in steps[2:] for x in step[part])
            for part in ("sources", "quotes")}
    assert {part: sorted(json.dumps(x, sort_keys=True) for x in found[part])
            for part in ("sources", "quotes")} == told
    assert "the brief rebuilt from the story's articles as stored at" in updates_markdown(found)


def test_the_cli_says_what_changed_in_a_story_nobody_read(unread):
    db, story = unread[:2]
    done = run_cli("updates", story, "--since", T[3].isoformat(), "--json", db=db)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["rebuilt"] is True and found["sources"] == []
    assert [r["article_id"] for r in found["revised"]] == ["seed-a"]
    done = run_cli("updates", story, "--since", "2025-12-31T00:00:00Z", db=db)
    assert done.returncode == 0 and b"everything is new" in done.stdout


def test_nothing_changed_since_now(tmp_path):
    with Library(tmp_path / "u.db") as lib:
        lib.ingest([step_files(tmp_path)[0]], jobs=1)
        story = lib.stories()[0].story_id
        lib.updates(story, "1h", now=T[1])
        again = lib.updates(story, T[2].isoformat(), now=T[3])
        assert again["compared_with"] == T[1].isoformat()
        assert [again[k] for k in ("sources", "facts", "quotes", "timeline", "revised")] == [
            [], [], [], [], []]
        assert "Nothing changed." in updates_markdown(again)
        assert len(lib.store.brief_versions(story)) == 1  # an unchanged brief is kept once


def test_a_bad_since_is_an_input_error_naming_it(library):
    with pytest.raises(InputError) as caught:
        library.updates("nope", "yesterday-ish")
    assert caught.value.field == "since" and "yesterday-ish" in caught.value.message


@pytest.mark.parametrize("value, expected", [
    ("6h", "2026-01-01T02:00:00+00:00"), ("2d", "2025-12-30T08:00:00+00:00"),
    ("30m", "2026-01-01T07:30:00+00:00"), ("1d12h", "2025-12-30T20:00:00+00:00"),
    ("2026-01-01T07:00:00Z", "2026-01-01T07:00:00+00:00"),
    ("2026-01-01T09:00:00+02:00", "2026-01-01T07:00:00+00:00"),
    ("2025-12-31", "2025-12-31T00:00:00+00:00"),
])
def test_since_is_an_iso_time_or_a_duration_back(value, expected):
    assert parse_since(value, T[0]) == expected


@pytest.mark.parametrize("value", ["", "6x", "h6", "soon", "2026-13-01"])
def test_since_refuses_what_is_neither(value):
    with pytest.raises(ValueError, match="not a time"):
        parse_since(value, T[0])


def test_the_diff_is_pure(grown):
    steps, bodies, versions, _ = grown
    new, bodies = json.loads(versions[1].data), bodies[1]
    same = brief_updates(new, new, old_bodies=bodies, new_bodies=bodies)
    assert not any(same[k] for k in ("sources", "facts", "quotes", "timeline", "revised"))
    fresh = brief_updates(None, new, old_bodies={}, new_bodies=bodies)
    assert [s["article_id"] for s in fresh["sources"]] == ["seed-a", "seed-b"]
    assert len(fresh["facts"]) == len(new["facts"])


def test_an_unchanged_version_is_not_compared_yet_says_what_the_diff_says(grown, tmp_path):
    steps, bodies, versions, _ = grown
    with open_library(tmp_path / "u.db") as lib:
        grow(lib, tmp_path)
        for version, body in zip(versions, bodies):
            brief = json.loads(version.data)
            full = brief_updates(brief, brief, old_bodies=body, new_bodies=body,
                                 since=version.made_at, until=version.made_at,
                                 compared_with=version.made_at)
            assert compare(lib, version, version, since=version.made_at) == full
            assert not has_updates(full)


def test_a_database_from_before_keeps_its_cached_brief_as_the_first_version(tmp_path):
    store = Store(tmp_path / "old.db")
    store.conn.executescript(
        "DROP TABLE brief_versions; DELETE FROM schema_migrations WHERE version = 6; "
        "INSERT INTO briefs (story_id, key, data, built_at) "
        "VALUES ('s1', 'k', '{}', '2025-01-01T00:00:00+00:00');")
    store.close()
    reopened = Store(tmp_path / "old.db")
    [version] = reopened.brief_versions("s1")
    assert (version.made_at, version.data, version.revisions) == (
        "2025-01-01T00:00:00+00:00", "{}", {})


def test_html_and_atom_escape_every_text():
    from storyline.atom import updates_atom
    from storyline.brief.updates import updates_html

    span = {"article_id": "a<1>", "start": 0, "end": 9, "text": "<b>x</b>&"}
    updates = {"sources": [{"label": "<i>Outlet</i>", "title": "T & <T>", "published": None}],
               "facts": [], "timeline": [], "revised": [], "until": "2026-01-01T00:00:00+00:00",
               "quotes": [{"speaker": "<script>", "text": "<b>x</b>&", "span": span}]}
    html = updates_html(updates)
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;x&lt;/b&gt;&amp;" in html
    feed = updates_atom("s<1>", "A & B", [updates], self_url="http://x/a.atom",
                        story_url="http://x/s", generated="2026-01-01T00:00:00+00:00")
    assert b"<h3>" not in feed and b"&lt;h3&gt;" in feed and b"&amp;lt;script&amp;gt;" in feed


def test_ingest_keeps_the_new_brief_of_a_story_read_before(tmp_path):
    first, second = step_files(tmp_path)[:2]
    with Library(tmp_path / "u.db") as lib:
        lib.ingest([first], jobs=1)
        story = lib.stories()[0].story_id
        assert lib.store.brief_versions(story) == []  # nobody read it: nothing kept
        lib.brief_json(story, now=T[1])
        lib.ingest([second], jobs=1)  # no read in between: ingest keeps the new brief
        versions = lib.store.brief_versions(story)
        assert len(versions) == 2 and versions[0].made_at == T[1].isoformat()
        assert versions[1].revisions == {"seed-a": 1, "seed-b": 1}
        assert versions[1].made_at > T[1].isoformat()  # by the real clock
        found = lib.updates(story, T[1].isoformat())
        assert found["compared_with"] == T[1].isoformat()
        assert [s["article_id"] for s in found["sources"]] == ["seed-b"]
