"""What a fetched feed holds: full-content entries, teasers and link-only entries."""

from hypothesis import given, settings, strategies as st

from storyline.errors import InputError
from storyline.feeds.entries import FeedEntry, entry_article_id, is_full_text, parse_feed

PARAGRAPH = ("Firefighters from three towns worked through the night to contain the blaze at the "
             "old textile mill, the county fire chief said on Sunday. No one was hurt, but the "
             "building, which had stood empty since 1998, was destroyed. Investigators will "
             "return on Monday to look for the cause.")

RSS = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>Lakeside Herald</title><link>https://herald.example/</link>
<ttl>60</ttl>
<item><title>Mill fire</title><link>https://herald.example/mill.html</link>
<guid>herald-1</guid><pubDate>Sun, 14 Mar 2021 10:00:00 GMT</pubDate>
<description>Firefighters fought a blaze at the old mill...</description></item>
<item><title>Only a link</title><link>https://herald.example/link.html</link></item>
</channel></rss>""".encode()

ATOM = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Valley Courier</title>
<entry><id>tag:courier,2021:1</id><title>Mill destroyed</title>
<link href="https://courier.example/mill"/><updated>2021-03-14T12:00:00Z</updated>
<content type="html">&lt;p&gt;{PARAGRAPH}&lt;/p&gt;&lt;p&gt;{PARAGRAPH}&lt;/p&gt;</content></entry>
</feed>""".encode()


def test_link_only_and_teaser_entries_are_not_full():
    feed = parse_feed(RSS, "https://herald.example/rss.xml")
    assert feed.title == "Lakeside Herald" and feed.ttl == "60"
    teaser, bare = feed.entries
    assert teaser.key == "herald-1" and teaser.link == "https://herald.example/mill.html"
    assert teaser.published == "2021-03-14T10:00:00+00:00"
    assert not teaser.full and not bare.full
    assert bare.key == "https://herald.example/link.html"  # no guid: the link identifies it


def test_full_content_entry_is_the_article():
    (entry,) = parse_feed(ATOM, "https://courier.example/atom.xml").entries
    assert entry.full and entry.text.count("Firefighters") == 2
    assert "<p>" not in entry.text


def test_not_a_feed_is_named():
    found = parse_feed(b"<html><body>hello</body></html>", "https://x.example/feed")
    assert isinstance(found, InputError) and "x.example/feed" in str(found)


def test_read_more_marks_a_teaser():
    assert is_full_text(PARAGRAPH, True)
    assert not is_full_text(PARAGRAPH + " Continue reading", True)
    assert not is_full_text(PARAGRAPH, False)  # a summary alone must be longer


def test_an_entry_round_trips_through_json():
    entry = FeedEntry("k", "https://a.example/x", "T", None, "text", False, "Ann", ["a"])
    assert FeedEntry.from_json(entry.to_json()) == entry


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=400))
def test_parse_feed_never_raises(data):
    found = parse_feed(data, "https://x.example/feed")
    assert isinstance(found, InputError) or all(e.key for e in found.entries)


def test_article_ids_are_stable_and_distinct():
    assert entry_article_id("a") == entry_article_id("a") != entry_article_id("b")
