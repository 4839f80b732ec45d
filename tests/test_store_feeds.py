"""The feeds tables: subscriptions, the entry queue, kept responses."""

import pickle

from storyline.store import Store


def test_adding_again_reactivates_a_gone_feed_and_keeps_its_fields(tmp_path):
    store = Store(tmp_path / "s.db")
    assert store.add_feed("https://a.example/rss", title="A", category="Local")
    feed = store.feed("https://a.example/rss")
    store.update_feed(feed.id, state="gone", consecutive_errors=4, next_check=None)
    assert store.due_feeds(None) == []
    assert not store.add_feed("https://a.example/rss", outlet="A Daily")
    again = store.feed("https://a.example/rss")
    assert (again.state, again.consecutive_errors, again.title, again.category,
            again.outlet) == ("active", 0, "A", "Local", "A Daily")
    assert [f.url for f in store.due_feeds(None)] == ["https://a.example/rss"]


def test_due_feeds_follow_next_check(tmp_path):
    store = Store(tmp_path / "s.db")
    for name in "abc":
        store.add_feed(f"https://{name}.example/rss")
    a, b, c = store.feeds()
    store.update_feed(a.id, next_check="2026-01-01T10:00:00+00:00")
    store.update_feed(b.id, next_check="2026-01-01T12:00:00+00:00")
    due = store.due_feeds("2026-01-01T11:00:00+00:00")
    assert [f.url for f in due] == [c.url, a.url]  # never checked first
    assert store.next_due() == ""  # c is due now


def test_entry_attempts_count_only_tries(tmp_path):
    store = Store(tmp_path / "s.db")
    store.put_entry("k", feed_id=None, url="https://a.example/x", article_id=None,
                    state="pending", entry={"key": "k"})
    assert store.entry("k")["attempts"] == 0
    store.put_entry("k", feed_id=None, url="https://a.example/x", article_id=None,
                    state="failed", error="timeout", entry={"key": "k"})
    assert [r["key"] for r in store.entries_to_retry(3, states=("failed",))] == ["k"]
    for _ in range(2):
        store.put_entry("k", feed_id=None, url="https://a.example/x", article_id=None,
                        state="failed", error="timeout", entry={"key": "k"})
    assert store.entry("k")["attempts"] == 3
    assert store.entries_to_retry(3, states=("failed",)) == []
    assert store.count_entries() == {"failed": 1}


def test_responses_keep_their_bytes(tmp_path):
    store = Store(tmp_path / "s.db")
    body = "<html><body>caf\u00e9</body></html>".encode() * 100
    store.put_response(url="http://a.example/x", final_url="https://a.example/x",
                       fetched_at="2026-01-01T00:00:00+00:00", status=200,
                       headers={"content-type": "text/html"}, body=body, article_id="a1")
    (kept,) = store.responses()
    assert kept["body"] == body and kept["headers"] == {"content-type": "text/html"}
    assert store.count_responses() == 1


def test_a_feed_record_pickles(tmp_path):
    store = Store(tmp_path / "s.db")
    store.add_feed("https://a.example/rss")
    feed = store.feed("https://a.example/rss")
    assert pickle.loads(pickle.dumps(feed)) == feed
    assert feed.to_dict()["state"] == "active"
