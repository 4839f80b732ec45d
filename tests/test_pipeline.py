import gzip
import json

import pytest

from storyline import Library
from storyline.errors import NotFoundError
from storyline.stories import StorySettings, story_id
from storyline.pipeline import IngestSettings

from .conftest import DATA, EXAMPLES, write_jsonl


def test_seed_pair_ingest_and_reingest_is_a_no_op(library, seed_jsonl):
    first = library.ingest([seed_jsonl])
    assert (first.new, first.unchanged, first.duplicates, len(first.errors)) == (2, 0, 0, 0)
    again = library.ingest([seed_jsonl])
    assert (again.new, again.revised, again.unchanged) == (0, 0, 2)
    assert again.summary() == "0 new, 2 unchanged, 0 duplicates, 0 errors"
    assert [r.revision for r in library.store.revisions("seed-a")] == [1]


def test_seed_bodies_are_clean(library, seed_jsonl):
    library.ingest([seed_jsonl])
    b = library.article("seed-b")
    assert b.outlet == "The Herald" and b.published == "2021-03-14"
    assert "READ MORE" not in b.body and "Picture date" not in b.body
    assert "\nThe Herald:" not in b.body
    assert "Liberal Democrats leader Sir Ed Davey has now written to Dame Cressida" in b.body
    assert b.raw.count("READ MORE") == 2


def test_txt_copies_are_linked_to_their_original(library, seed_jsonl):
    library.ingest([seed_jsonl])
    report = library.ingest(sorted(EXAMPLES.glob("*.txt")), published="2021-03-14")
    assert (report.new, report.duplicates) == (2, 2)
    originals = {library.article(i).duplicate_of for i in report.ids}
    assert originals == {"seed-a", "seed-b"}
    assert len(library.article("seed-a").duplicates) == 1


def test_near_duplicates_are_found_across_runs(tmp_path, seed_records):
    db = tmp_path / "x.db"
    with Library(db) as lib:
        lib.ingest([write_jsonl(tmp_path / "a.jsonl", seed_records)])
    wire = dict(seed_records[0], id="wire-copy", outlet="Other Outlet")
    wire["text"] = wire["text"].replace("four people", "4 people") + "\n\nAdditional reporting by PA."
    with Library(db) as lib:
        report = lib.ingest([write_jsonl(tmp_path / "b.jsonl", [wire])])
        assert report.duplicates == 1
        assert lib.article("wire-copy").duplicate_of == "seed-a"
        assert lib.article("seed-a").duplicates == ["wire-copy"]
        assert lib.article("seed-b").duplicate_of is None


def test_new_content_is_a_new_revision_and_old_bodies_stay(library, tmp_path):
    first = "Two people were hurt when a lorry hit a bus shelter in the town on Friday."
    second = "Three people were hurt when a lorry hit a bus shelter in the town on Friday."
    v1 = write_jsonl(tmp_path / "v1.jsonl", [{"id": "a", "title": "T", "text": first}])
    v2 = write_jsonl(tmp_path / "v2.jsonl", [{"id": "a", "title": "T", "text": second}])
    library.ingest([v1])
    report = library.ingest([v2])
    assert (report.new, report.revised) == (0, 1)
    art = library.article("a")
    assert (art.revision, art.body) == (2, second)
    assert [r.body for r in library.store.revisions("a")] == [first, second]
    assert library.ingest([v2]).unchanged == 1


def test_outlet_boilerplate_is_learned_from_three_articles(library, tmp_path):
    promo = "The Valley Echo, serving the valley since 1887"
    recs = [{"id": f"v{i}", "outlet": "Valley Echo", "title": f"Story {i}",
             "text": f"Story number {i} happened in town {i} when the river burst its banks."
                     f"\n\n{promo}\n\nMore about story {i}."}
            for i in range(3)]
    library.ingest([write_jsonl(tmp_path / "v.jsonl", recs)])
    for i in range(3):
        assert promo not in library.article(f"v{i}").body
    other = [{"id": "o1", "outlet": "Elsewhere", "title": "X",
              "text": f"The mill reopened on Monday under new owners.\n\n{promo}"}]
    library.ingest([write_jsonl(tmp_path / "o.jsonl", other)])
    assert promo in library.article("o1").body


def test_broken_line_does_not_stop_the_batch(library, tmp_path):
    one = "The school will close for a week while the roof is repaired, the head said."
    three = "A rare orchid was found growing beside the railway line near the old station."
    path = write_jsonl(tmp_path / "b.jsonl", [{"id": "1", "text": one}, "{broken",
                                              {"id": "3", "text": three}])
    seen = []
    report = library.ingest([path], on_error=seen.append)
    assert report.new == 2 and len(report.errors) == 1 and seen == report.errors
    assert str(report.errors[0]).startswith(f"{path}:2: invalid JSON")
    assert library.store.count() == 2


def test_only_boilerplate_is_an_error(library, tmp_path):
    path = write_jsonl(tmp_path / "j.jsonl", [{"id": "j", "text": "READ MORE: elsewhere"}])
    report = library.ingest([path])
    assert [str(e) for e in report.errors] == [
        f"{path}:1: no article text left after removing boilerplate"]
    assert (report.new, report.ids, library.store.count()) == (0, [], 0)  # and nothing stored


def test_export_round_trip_loses_nothing(tmp_path, seed_jsonl):
    import io

    with Library(tmp_path / "one.db") as lib:
        lib.ingest([seed_jsonl])
        lib.ingest(sorted(EXAMPLES.glob("*.txt")), published="2021-03-14")
        out = io.StringIO()
        assert lib.export(out) == 4
    exported = out.getvalue()
    path = tmp_path / "export.jsonl"
    path.write_text(exported, encoding="utf-8")
    with Library(tmp_path / "one.db") as lib:
        assert lib.ingest([path]).unchanged == 4
    with Library(tmp_path / "two.db") as lib:
        assert lib.ingest([path]).new == 4
        again = io.StringIO()
        lib.export(again)
    assert again.getvalue() == exported
    first = json.loads(exported.splitlines()[0])
    assert set(first) >= {"id", "outlet", "title", "url", "published", "body", "revision",
                          "duplicate_of", "duplicates"}


def test_batches_commit_separately(tmp_path):
    towns = ["Bath", "Leeds", "York", "Hull", "Ely", "Truro", "Derby", "Wells", "Ripon", "Bury",
             "Crewe", "Dover", "Epsom", "Frome", "Goole", "Hythe", "Ilkley", "Jarrow", "Kendal",
             "Louth", "Malton", "Newark", "Oakham", "Penrith", "Rugby"]
    recs = [{"id": str(i), "text": f"The council in {town} voted {i} times on {i * 7} plans for "
                                   f"a new library, a swimming pool and {i + 2} bus routes."}
            for i, town in enumerate(towns)]
    with Library(tmp_path / "b.db", settings=IngestSettings(batch_size=10)) as lib:
        report = lib.ingest([write_jsonl(tmp_path / "n.jsonl", recs)])
        assert report.new == 25 and lib.store.count() == 25


def test_copies_point_to_the_first_and_only_originals_are_indexed(library, tmp_path, seed_records):
    base = seed_records[1]
    copies = [dict(base, id=f"copy{i}", outlet=f"Outlet {i}",
                   text=base["text"] + f"\n\nReporting by desk number {i}.") for i in range(5)]
    report = library.ingest([write_jsonl(tmp_path / "c.jsonl", [base, *copies])])
    assert (report.new, report.duplicates) == (6, 5)
    assert {library.article(f"copy{i}").duplicate_of for i in range(5)} == {"seed-b"}
    assert library.article("seed-b").duplicates == [f"copy{i}" for i in range(5)]
    indexed = library.store.conn.execute("SELECT article_id FROM minhash").fetchall()
    assert [r[0] for r in indexed] == ["seed-b"]


# -- stories ------------------------------------------------------------------------------------

def _gvc_records(tmp_path, limit=10):
    with gzip.open(DATA / "gvc-dev-slice.jsonl.gz", "rt", encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh][:limit]
    return write_jsonl(tmp_path / "other.jsonl",
                       [{k: r[k] for k in ("id", "title", "text", "published")} for r in records])


def test_ingest_puts_the_seed_pair_in_one_story_and_copies_join_it(library, seed_jsonl, tmp_path):
    library.ingest([_gvc_records(tmp_path)], jobs=1)
    report = library.ingest([seed_jsonl], jobs=1)
    assert report.new_stories == 1
    library.ingest(sorted(EXAMPLES.glob("*.txt")), published="2021-03-14", jobs=1)
    story = library.story(library.store.story_of("seed-a"))
    ids = {s.article_id for s in story.sources}
    copies = {a.id for a in library.articles() if a.duplicate_of}
    assert ids == {"seed-a", "seed-b"} | copies and len(copies) == 2
    assert story.story_id == story_id("seed-a")
    assert story.outlets == ("The Herald",)
    assert story.first_published == story.last_published == "2021-03-14"
    assert story.title in {library.article(i).title for i in ("seed-a", "seed-b")}
    assert story.headline_article in ids
    assert sum(s.articles for s in library.stories()) == library.store.count()


def test_stories_resume_from_the_database_in_a_later_run(tmp_path, seed_records):
    db = tmp_path / "x.db"
    with Library(db) as lib:
        lib.ingest([write_jsonl(tmp_path / "a.jsonl", seed_records[:1])], jobs=1)
    with Library(db) as lib:
        report = lib.ingest([write_jsonl(tmp_path / "b.jsonl", seed_records[1:])], jobs=1)
        assert report.new_stories == 0
        assert [s.articles for s in lib.stories()] == [2]


def test_recluster_rebuilds_the_same_stories(library, seed_jsonl, tmp_path):
    library.ingest([_gvc_records(tmp_path), seed_jsonl], jobs=1)
    before = library.store.story_assignments()
    assert library.recluster() == library.store.count()
    assert library.store.story_assignments() == before


def test_unannotated_articles_wait_for_annotate(library, seed_jsonl):
    library.ingest([seed_jsonl], annotate=False)
    assert library.stories() == [] and library.store.count_ungrouped() == 0
    library.annotate(jobs=1)
    assert [s.articles for s in library.stories()] == [2]


def test_a_new_revision_stays_in_its_story(library, seed_records, tmp_path):
    library.ingest([write_jsonl(tmp_path / "a.jsonl", seed_records)], jobs=1)
    changed = [dict(seed_records[0], text=seed_records[0]["text"] + "\n\nUpdated at 6pm.")]
    report = library.ingest([write_jsonl(tmp_path / "b.jsonl", changed)], jobs=1)
    assert report.revised == 1
    assert [s.articles for s in library.stories()] == [2]


def test_a_merged_story_id_still_resolves(tmp_path, seed_jsonl):
    # Joining is switched off, so seed-b starts a story that the merge step folds in.
    settings = StorySettings(join_threshold=1.0, merge_threshold=0.5)
    with Library(tmp_path / "m.db", story_settings=settings) as lib:
        lib.ingest([seed_jsonl], jobs=1)
        (story,) = lib.stories()
        merged = lib.story(story.story_id).merged_from
        assert len(merged) == 1
        assert lib.story(merged[0]).story_id == story.story_id
        with pytest.raises(NotFoundError, match="no story with id 'nope'"):
            lib.story("nope")


def test_a_failed_batch_leaves_stories_as_they_were(library, seed_records, tmp_path, monkeypatch):
    library.ingest([write_jsonl(tmp_path / "a.jsonl", seed_records[:1])], jobs=1)
    before = (library.stories(), library.store.story_assignments())

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(library.store, "put_story", broken)
    with pytest.raises(RuntimeError, match="disk full"):  # the failure is put_story's
        library.ingest([write_jsonl(tmp_path / "b.jsonl", seed_records[1:])], jobs=1)
    assert (library.stories(), library.store.story_assignments()) == before
    assert library.store.count() == 1  # the article's batch was rolled back with its story


# -- hardening: one bad record costs itself ------------------------------------------------------

_GOOD = ["The county council voted on Tuesday to close the old library and build a new one.",
         "Firefighters spent the night tackling a blaze at a warehouse on the edge of town.",
         "A rare white stork was seen nesting on the church tower for the first time since 1416."]


def _records(texts, prefix="r"):
    return [{"id": f"{prefix}{n}", "title": f"Story {n}", "text": t, "published": "2024-05-01"}
            for n, t in enumerate(texts)]


def test_too_few_words_is_no_article_but_a_headline_alone_is_kept(library, tmp_path):
    records = _records(_GOOD[:1]) + [
        {"id": "short", "title": "Flood", "text": "The river rose."},
        {"id": "headline", "title": "Esther Williams, swimming star, dies at 91.", "text": ""}]
    report = library.ingest([write_jsonl(tmp_path / "w.jsonl", records)], annotate=False)
    assert [str(e) for e in report.errors] == [
        f"{tmp_path / 'w.jsonl'}:2: no article text: 3 words after removing boilerplate, fewer "
        "than the 10 an article needs (--min-words)"]
    assert sorted(a.id for a in library.articles()) == ["headline", "r0"]


def test_min_words_and_max_body_are_settings(tmp_path):
    from storyline import Limits

    records = _records(["The river rose.", "word " * 400])
    settings = IngestSettings(limits=Limits(min_words=2, max_body_chars=1000))
    with Library(tmp_path / "s.db", settings=settings) as lib:
        report = lib.ingest([write_jsonl(tmp_path / "s.jsonl", records)], annotate=False)
        assert [a.id for a in lib.articles()] == ["r0"]
    (error,) = report.errors
    assert str(error).endswith("the article's text is 1,999 characters after cleaning, over the "
                               "limit of 1,000 (raise it with --max-body-chars)")


def test_the_store_refuses_what_sqlite_cannot_hold_and_keeps_the_batch(library, tmp_path):
    import sqlite3

    library.store.conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 4000)
    records = _records(_GOOD[:1]) + [{"id": "big", "text": " ".join(_GOOD) * 20}] + _records(
        _GOOD[1:], prefix="s")
    report = library.ingest([write_jsonl(tmp_path / "b.jsonl", records)], annotate=False)
    (error,) = report.errors
    assert "more than this database can hold in one row (4,000)" in str(error)
    assert str(error).startswith(f"{tmp_path / 'b.jsonl'}:2: ")
    assert sorted(a.id for a in library.articles()) == ["r0", "s0", "s1"]
    assert library.store.integrity_check() == "ok"


def test_a_lone_surrogate_is_refused_by_the_store_before_it_writes(library):
    from storyline.errors import InputError
    from storyline.records import Article

    article = Article(id="x", revision=1, outlet=None, title="Bad \ud800 title", url=None,
                      published=None, body="Some body text.", origin="x.jsonl:1")
    with pytest.raises(InputError, match=r"^x\.jsonl:1: field 'title': not valid Unicode"):
        library.store.write_revision(article, input_hash="h")
    assert library.store.count() == 0


def test_lone_surrogates_from_json_become_replacement_characters(library, tmp_path):
    line = '{"id": "s", "title": "Caf\\ud800", "text": "%s \\udc00"}' % _GOOD[0]
    path = tmp_path / "s.jsonl"
    path.write_text(line + "\n")
    report = library.ingest([path], annotate=False)
    assert not report.errors
    article = library.article("s")
    assert article.title == "Caf\ufffd" and article.body.endswith("\ufffd")


def test_an_article_annotation_fails_on_is_named_and_the_rest_stored(library, tmp_path, monkeypatch):
    import storyline.annotate as annotate_module

    real = annotate_module.read_bodies

    def reading(bodies, nlp, timings=None):
        if any("stork" in body for body in bodies):
            raise RuntimeError("the model choked")
        return real(bodies, nlp, timings=timings)

    monkeypatch.setattr(annotate_module, "read_bodies", reading)
    path = write_jsonl(tmp_path / "a.jsonl", _records(_GOOD))
    report = library.ingest([path], jobs=1)
    assert [str(e) for e in report.errors] == [
        f"{path}:3: cannot annotate this article: RuntimeError: the model choked"]
    assert sorted(a.id for a in library.articles()) == ["r0", "r1"]
    assert all(library.annotation(i) for i in ("r0", "r1"))
    assert library.store.story_of("r0") and library.store.story_of("r1")


def test_a_worker_that_dies_annotating_costs_only_its_article(library, tmp_path, monkeypatch):
    """Workers are forked from this process, so they run the patched reader: the article
    that kills its worker (as a segfault or the out-of-memory killer would) is named, the
    rest of its batch is redone in fresh workers and stored."""
    import os
    import signal

    import storyline.annotate as annotate_module

    real = annotate_module.read_bodies

    def reading(bodies, nlp, timings=None):
        if any("stork" in body for body in bodies):
            os.kill(os.getpid(), signal.SIGKILL)
        return real(bodies, nlp, timings=timings)

    monkeypatch.setattr(annotate_module, "read_bodies", reading)
    texts = [f"{_GOOD[n % 2]} It was report number {n} of the day." for n in range(40)]
    texts[17] = _GOOD[2]
    path = write_jsonl(tmp_path / "k.jsonl", _records(texts))
    report = library.ingest([path], jobs=2)
    assert [str(e) for e in report.errors] == [
        f"{path}:18: cannot annotate this article: its worker process died (SIGKILL)"]
    assert library.store.count() == 39 and report.new == 39
    assert library.store.count_unannotated(annotate_module.ANNOTATOR_VERSION) == 0


def test_an_unexpected_failure_storing_one_record_leaves_nothing_of_it(library, tmp_path,
                                                                        monkeypatch):
    """The failure comes after the record's revision was written: its savepoint undoes it."""
    real = library.store.put_signature

    def put_signature(article_id, blob, bands):
        if article_id == "r1":
            raise ZeroDivisionError("a bug")
        return real(article_id, blob, bands)

    monkeypatch.setattr(library.store, "put_signature", put_signature)
    path = write_jsonl(tmp_path / "u.jsonl", _records(_GOOD))
    report = library.ingest([path], annotate=False)
    assert [str(e) for e in report.errors] == [f"{path}:2: cannot store: ZeroDivisionError: a bug"]
    assert sorted(a.id for a in library.articles()) == ["r0", "r2"]
    assert library.store.conn.execute(
        "SELECT count(*) FROM revisions WHERE article_id = 'r1'").fetchone()[0] == 0
