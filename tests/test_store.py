import sqlite3

import pytest

from storyline import Library, NotFoundError, StoreError
from storyline.store import SCHEMA_VERSION, Store


def test_new_database_is_wal_and_migrated(tmp_path):
    store = Store(tmp_path / "s.db")
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.schema_version() == SCHEMA_VERSION
    names = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master")}
    assert {"articles", "revisions", "minhash_bands", "outlet_lines", "articles_fts"} <= names
    store.close()
    assert Store(tmp_path / "s.db").schema_version() == SCHEMA_VERSION  # reopening is a no-op


def test_newer_schema_is_refused(tmp_path):
    store = Store(tmp_path / "s.db")
    store.conn.execute("INSERT INTO schema_migrations VALUES (999, 'future', 'now')")
    store.close()
    with pytest.raises(StoreError, match="schema version 999 is newer"):
        Store(tmp_path / "s.db")


def test_not_a_database(tmp_path):
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="junk.db: cannot use as a storyline database"):
        Store(path)


def test_unknown_article(library):
    with pytest.raises(NotFoundError, match="no article with id 'nope'"):
        library.article("nope")


def test_full_text_index_follows_revisions(library, tmp_path):
    from .conftest import write_jsonl

    text = "The {} crossing reopened to traffic on Thursday after two years of repairs."
    library.ingest([write_jsonl(tmp_path / "a.jsonl", [{"id": "a", "title": "Bridge",
                                                        "text": text.format("Tamar")}])])
    library.ingest([write_jsonl(tmp_path / "b.jsonl", [{"id": "a", "title": "Bridge",
                                                        "text": text.format("Severn")}])])
    hits = lambda q: library.store.conn.execute(
        "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?", (q,)).fetchone()[0]
    assert hits("severn") == 1 and hits("tamar") == 0 and hits("bridge") == 1


def test_failed_batch_rolls_back(tmp_path):
    store = Store(tmp_path / "r.db")
    # the second write is the one that fails, after the first was made inside the batch
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE constraint failed: articles.id"):
        with store.transaction():
            store.conn.execute("INSERT INTO articles (id, revision, created_at, updated_at) "
                               "VALUES ('x', 1, 'now', 'now')")
            assert store.count() == 1
            store.conn.execute("INSERT INTO articles (id, revision, created_at, updated_at) "
                               "VALUES ('x', 1, 'now', 'now')")
    assert store.count() == 0


def test_env_default_path(tmp_path, monkeypatch):
    monkeypatch.setenv("STORYLINE_DB", str(tmp_path / "env.db"))
    with Library() as lib:
        assert lib.path == str(tmp_path / "env.db")
    assert (tmp_path / "env.db").exists()


def test_database_keeps_its_near_duplicate_settings(tmp_path, seed_jsonl):
    from storyline.dedup import DedupSettings
    from storyline.pipeline import IngestSettings

    with Library(tmp_path / "d.db") as lib:
        lib.ingest([seed_jsonl])
    other = IngestSettings(dedup=DedupSettings(num_perm=64))
    with Library(tmp_path / "d.db", settings=other) as lib:
        with pytest.raises(StoreError, match="near-duplicate signatures"):
            lib.ingest([seed_jsonl])


def test_annotations_are_stored_and_listed(tmp_path, seed_annotations, seed_records):
    from storyline.records import Article

    store = Store(tmp_path / "a.db")
    with store.transaction():
        for record in seed_records:
            store.write_revision(Article(id=record["id"], revision=1, outlet=None, title=None,
                                         url=None, published=None, body=record["text"]),
                                 input_hash="h")
    assert store.count_unannotated(1) == 2
    first, second = store.unannotated(1)
    assert [a.id for _, a in store.unannotated(1, after=first[0])] == [second[1].id]
    with store.transaction():
        store.put_annotation(seed_annotations["seed-a"], 1)
    assert [a.id for _, a in store.unannotated(1)] == ["seed-b"]
    assert store.annotation("seed-a") == seed_annotations["seed-a"]
    assert store.annotation("seed-b") is None
    khan = store.quotes(speaker="khan")
    assert khan and all("Khan" in r.speaker for r in khan)
    assert store.quotes(speaker="%") == []  # LIKE wildcards are taken literally
    with store.transaction():  # re-annotating replaces, never duplicates
        store.put_annotation(seed_annotations["seed-a"], 2)
    assert len(store.quotes()) == len(seed_annotations["seed-a"].quotes)
    assert store.count_unannotated(2) == 1


def test_a_page_of_stories_reads_indexes_only(tmp_path):
    """The page is chosen on the newest-first index, and no table or view is scanned
    whole: a page costs the same at 100k articles as at 100."""
    store = Store(tmp_path / "plan.db")
    page = f"SELECT id FROM stories ORDER BY {store._STORY_ORDER.format(t='')} LIMIT 20"
    sql = (store._STORY_SUMMARY + f"WHERE s.id IN ({page}) GROUP BY s.id ORDER BY "
           + store._STORY_ORDER.format(t="s."))
    plan = [row[3] for row in store.conn.execute("EXPLAIN QUERY PLAN " + sql)]
    assert "SCAN stories USING INDEX stories_newest" in plan
    assert not [step for step in plan if step.startswith(("SCAN", "MATERIALIZE"))
                and "stories_newest" not in step], plan
    store.close()
