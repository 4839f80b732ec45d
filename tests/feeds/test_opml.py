"""OPML in and out: what the feed readers' exports look like, what a hostile file cannot do,
and that what storyline writes it reads back."""

import pickle

from hypothesis import given, settings, strategies as st

from storyline.errors import InputError
from storyline.feeds.opml import Subscription, read_opml, write_opml

EXPORT = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>Feeds from a reader</title></head>
  <body>
    <outline text="News" title="News">
      <outline text="Local">
        <outline type="rss" text="Town &amp; Gown" xmlUrl="https://town.example/feed?a=1&amp;b=2"
                 htmlUrl="https://town.example/"/>
      </outline>
      <outline type="rss" text="Wire" xmlUrl="http://wire.example/rss"/>
    </outline>
    <outline type="rss" text="Top" xmlUrl="https://top.example/atom.xml"/>
    <outline type="rss" title="Only a title" xmlUrl="https://titled.example/"/>
    <outline type="rss" text="Again" xmlUrl="http://wire.example/rss"/>
    <outline type="rss" text="Gopher" xmlUrl="gopher://old.example/feed"/>
    <outline type="rss" text="Script" xmlUrl="javascript:alert(1)"/>
    <outline htmlUrl="https://site.example/"/>
    <outline type="include" text="More" url="https://lists.example/more.opml"/>
  </body>
</opml>
"""


def test_an_export_is_read_with_its_categories():
    subs, _ = read_opml(EXPORT, "feeds.opml")
    assert subs == [
        Subscription("https://town.example/feed?a=1&b=2", "Town & Gown", "News / Local"),
        Subscription("http://wire.example/rss", "Wire", "News"),
        Subscription("https://top.example/atom.xml", "Top", None),
        Subscription("https://titled.example/", "Only a title", None),
    ]


def test_outlines_that_cannot_be_followed_are_named_and_the_rest_still_read():
    _, errors = read_opml(EXPORT, "feeds.opml")
    messages = [str(error) for error in errors]
    assert len(messages) == 4
    assert "feeds.opml: field 'xmlUrl': outline 'Gopher'" in messages[0]
    assert "'gopher://old.example/feed' is not http or https" in messages[0]
    assert "'Script'" in messages[1] and "javascript:alert(1)" in messages[1]
    assert "(untitled)" in messages[2] and "no feed URL" in messages[2]
    assert "'https://site.example/'" in messages[2]
    assert "'More'" in messages[3] and "not followed" in messages[3]
    assert all(isinstance(error, InputError) and error.field == "xmlUrl" for error in errors)
    assert [str(e) for e in pickle.loads(pickle.dumps(errors))] == messages


def test_a_duplicate_url_keeps_its_first_outline():
    subs, _ = read_opml(EXPORT, "feeds.opml")
    wire = [sub for sub in subs if sub.url == "http://wire.example/rss"]
    assert wire == [Subscription("http://wire.example/rss", "Wire", "News")]


def test_a_file_that_is_not_opml_is_one_error():
    for data in (b"", b"just words", b"<html><body><p>hi</p></body></html>",
                 b'<?xml version="1.0"?><rss><channel><title>x</title></channel></rss>',
                 b"\xff\xfe\x00garbage\x00"):
        subs, errors = read_opml(data, "x.opml")
        assert subs == []
        assert len(errors) == 1 and "x.opml: not an OPML file" in str(errors[0])
        pickle.loads(pickle.dumps(errors[0]))


def test_an_empty_opml_file_is_no_error():
    data = b'<?xml version="1.0"?><opml version="2.0"><head/><body/></opml>'
    assert read_opml(data, "empty.opml") == ([], [])


def test_a_url_string_is_refused_rather_than_fetched():
    try:
        read_opml("https://example.com/feeds.opml", "x")  # type: ignore[arg-type]
    except TypeError:
        pass
    else:
        raise AssertionError("a str was accepted")


def test_entity_declarations_are_not_expanded(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    bomb = f"""<?xml version="1.0"?>
<!DOCTYPE opml [
  <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
  <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
  <!ENTITY x SYSTEM "file://{secret}">
]>
<opml version="2.0"><body>
  <outline text="&d;" xmlUrl="https://bomb.example/"/>
  <outline text="&x;" xmlUrl="https://xxe.example/"/>
</body></opml>""".encode()
    subs, errors = read_opml(bomb, "bomb.opml")
    assert errors == []
    assert [sub.url for sub in subs] == ["https://bomb.example/", "https://xxe.example/"]
    assert all(len(sub.title or "") < 10 for sub in subs)
    assert all("TOP-SECRET" not in (sub.title or "") for sub in subs)


def test_writing_is_opml_2_with_nested_categories():
    data = write_opml([
        Subscription("https://a.example/?x=1&y=2", 'A "quoted" <b> & c', "News / Local",
                     "https://a.example/"),
        Subscription("https://b.example/", "日本語", None),
        Subscription("https://c.example/", None, "News"),
    ], title="Mine")
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    text = data.decode("utf-8")
    assert '<opml version="2.0">' in text and "<title>Mine</title>" in text
    assert '<outline text="News" title="News">' in text
    assert 'xmlUrl="https://a.example/?x=1&amp;y=2"' in text
    assert 'htmlUrl="https://a.example/"' in text
    assert 'type="rss" text="日本語"' in text
    import xml.etree.ElementTree as ET
    root = ET.fromstring(data)
    news = root.find("body/outline[@text='News']")
    assert news.find("outline[@text='Local']/outline").get("title") == 'A "quoted" <b> & c'


def test_writing_drops_characters_xml_cannot_hold():
    data = write_opml([Subscription("https://a.example/", "bell\x07 and nul\x00", "x\x1b")])
    subs, errors = read_opml(data, "out.opml")
    assert errors == [] and subs == [Subscription("https://a.example/", "bell and nul", "x")]


_text = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/"),
                max_size=20).map(str.strip)
_segment = _text.filter(bool)
_url = st.builds(lambda scheme, host, path: f"{scheme}://{host}.example/{path}",
                 st.sampled_from(["http", "https"]),
                 st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12),
                 st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
                         max_size=20))
_subscription = st.builds(
    Subscription, url=_url, title=st.one_of(st.none(), _segment),
    category=st.one_of(st.none(), st.lists(_segment, min_size=1, max_size=3).map(" / ".join)))


@settings(max_examples=150, deadline=None)
@given(st.lists(_subscription, max_size=12))
def test_what_is_written_reads_back(subs):
    firsts = list({sub.url: sub for sub in reversed(subs)}.values())
    read, errors = read_opml(write_opml(subs), "round.opml")
    assert errors == []
    assert sorted(read, key=lambda s: s.url) == sorted(firsts, key=lambda s: s.url)
