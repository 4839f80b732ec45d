import gzip
import io
import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from storyline.engine import LocalEngine
from storyline.errors import InputError
from storyline.readers import Source, format_of, read_inputs, read_source, sniff_format
from storyline.readers.feed import fragment_to_text
from storyline.readers.txt import split_title
from storyline.records import RawArticle, Skipped

from .conftest import EXAMPLES, write_jsonl

PAGE = """<!DOCTYPE html><html><head><title>Bridge reopens | The Gazette</title>
<meta property="og:site_name" content="The Gazette">
<meta property="og:title" content="Bridge reopens after two years">
<link rel="canonical" href="https://gazette.example/news/bridge-reopens">
<meta property="article:published_time" content="2024-05-02T09:00:00Z">
</head><body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Bridge reopens after two years</h1>
<p>The Tamar crossing reopened to traffic on Thursday morning after a two-year closure for repairs
that cost the county council more than twelve million pounds in total.</p>
<p>Council leader Anna Price said the work had been "long overdue" and thanked residents for their
patience during the many months of diversions through the town centre.</p>
<p>Engineers replaced the deck, the cables and the lighting, and the bridge now carries a cycle lane
in each direction for the first time since it opened in 1961.</p>
</article><footer>Copyright 2024 The Gazette. All rights reserved.</footer></body></html>"""

RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>Valley News</title>
<link>https://valley.example</link><description>d</description>
<item><title>Flood warning lifted</title><link>https://valley.example/flood</link>
<guid>valley-1</guid><pubDate>Sun, 14 Mar 2021 10:00:00 GMT</pubDate>
<description>&lt;p&gt;The flood warning for the river was lifted on Sunday.&lt;/p&gt;&lt;p&gt;Residents may return home.&lt;/p&gt;</description></item>
<item><title>No body</title><link>https://valley.example/empty</link></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>Harbour Times</title><id>urn:ht</id><updated>2021-03-14T00:00:00Z</updated>
<entry><title>Ferry returns</title><id>urn:ht:1</id><link href="https://ht.example/ferry"/>
<updated>2021-03-13T08:00:00Z</updated>
<content type="html">&lt;p&gt;The ferry returned to service on Saturday.&lt;/p&gt;</content></entry>
</feed>"""


def articles(items):
    return [i for i in items if isinstance(i, RawArticle)]


def errors(items):
    return [i for i in items if isinstance(i, InputError)]


def test_txt_title_heuristic():
    assert split_title("Bridge reopens\n\nThe bridge reopened.") == ("Bridge reopens",
                                                                      "\nThe bridge reopened.")
    lead = "London mayor Sadiq Khan has called for an investigation.\n\nMore text."
    assert split_title(lead) == (None, lead)


def test_seed_txt_files_keep_their_first_sentence():
    items = list(read_inputs([str(EXAMPLES / "khan-calls-for-investigation.txt")]))
    (art,) = articles(items)
    assert art.title is None
    assert art.text.startswith("London mayor Sadiq Khan has called")


def test_jsonl_fields_and_metadata(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [
        {"id": 7, "title": "T", "text": "Body text here.", "outlet": "O",
         "published": "2021-03-14", "story": "s1", "url": "https://x.example/a"},
        {"title": "Prepared", "body": "Clean body.", "metadata": {"k": 1}, "revision": 3},
    ])
    a, b = articles(read_inputs([str(path)]))
    assert (a.id, a.title, a.outlet, a.published, a.url) == ("7", "T", "O", "2021-03-14",
                                                             "https://x.example/a")
    assert a.metadata == {"story": "s1"} and not a.prepared
    assert b.prepared and b.metadata == {"k": 1} and b.id is None


def test_jsonl_broken_lines_are_named(tmp_path):
    path = write_jsonl(tmp_path / "b.jsonl", [
        {"id": "ok1", "text": "Fine."},
        '{"id": "bad", "text": ',
        {"id": "nofield"},
        {"id": "badtype", "text": 5},
        {"id": "baddate", "text": "x", "published": "not a date at all"},
        [1, 2],
        {"id": "ok2", "text": "Also fine."},
    ])
    items = list(read_inputs([str(path)]))
    assert [a.id for a in articles(items)] == ["ok1", "ok2"]
    messages = [str(e) for e in errors(items)]
    assert messages[0].startswith(f"{path}:2: invalid JSON")
    assert messages[1].startswith(f"{path}:3: no article text")
    assert messages[2] == f"{path}:4: field 'text': must be a string, got int"
    assert messages[3].startswith(f"{path}:5: field 'published':")
    assert messages[4] == f"{path}:6: expected a JSON object, got list"


def test_json_array_and_object(tmp_path):
    (tmp_path / "arr.json").write_text(json.dumps([{"id": "a", "text": "A."}, "oops"]))
    (tmp_path / "one.json").write_text(json.dumps({"id": "b", "text": "B."}))
    items = list(read_inputs([str(tmp_path / "arr.json"), str(tmp_path / "one.json")]))
    assert [a.id for a in articles(items)] == ["a", "b"]
    assert str(errors(items)[0]) == f"{tmp_path / 'arr.json'} (record 2): expected a JSON object, got str"


def test_html_file_metadata(tmp_path):
    (tmp_path / "page.html").write_text(PAGE)
    (art,) = articles(read_inputs([str(tmp_path / "page.html")]))
    assert art.outlet == "The Gazette"
    assert art.url == "https://gazette.example/news/bridge-reopens"
    assert art.published.startswith("2024-05-02")
    assert art.title == "Bridge reopens after two years"
    assert "Council leader Anna Price said" in art.text
    assert "Home" not in art.text.split("\n")


def test_html_inside_jsonl_record_fields_win(tmp_path):
    path = write_jsonl(tmp_path / "h.jsonl", [{"id": "h1", "html": PAGE, "outlet": "Mine",
                                               "extra": True}])
    (art,) = articles(read_inputs([str(path)]))
    assert (art.id, art.outlet) == ("h1", "Mine")
    assert art.metadata["extra"] is True
    assert "Tamar crossing" in art.text


def test_html_extraction_in_parallel_keeps_order(tmp_path):
    records = []
    for i in range(6):
        records.append({"id": f"p{i}", "html": PAGE.replace("Tamar", f"Tamar{i}")})
        records.append({"id": f"t{i}", "text": f"Plain {i}."})
    path = write_jsonl(tmp_path / "mix.jsonl", records)
    with LocalEngine(2) as engine:
        ids = [a.id for a in articles(read_inputs([str(path)], engine=engine))]
    assert ids == [r["id"] for r in records]


def test_rss_and_atom(tmp_path):
    (tmp_path / "feed.rss").write_text(RSS)
    (tmp_path / "feed.atom").write_text(ATOM)
    items = list(read_inputs([str(tmp_path / "feed.rss"), str(tmp_path / "feed.atom")]))
    rss, atom = articles(items)
    assert (rss.id, rss.outlet, rss.title, rss.url) == ("valley-1", "Valley News",
                                                        "Flood warning lifted",
                                                        "https://valley.example/flood")
    assert rss.published == "2021-03-14T10:00:00"
    assert "lifted on Sunday." in rss.text and "Residents may return home." in rss.text
    assert atom.outlet == "Harbour Times" and "returned to service" in atom.text
    (err,) = errors(items)
    assert str(err) == f"{tmp_path / 'feed.rss'} (record 2): feed entry has neither content nor summary"


def make_warc(path, pages):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=str(path).endswith(".gz"))
        for url, ctype, body in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
            rec = writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                            http_headers=headers)
            writer.write_record(rec)
            rec.raw_stream.close()


def test_warc_html_responses(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    make_warc(path, [("https://gazette.example/a", "text/html; charset=utf-8", PAGE.encode()),
                     ("https://gazette.example/logo.png", "image/png", b"\x89PNG..."),
                     ("https://gazette.example/b", "text/html", b"<html><body></body></html>")])
    items = list(read_inputs([str(path)]))
    (art,) = articles(items)
    assert art.url == "https://gazette.example/news/bridge-reopens"
    assert "warc_date" in art.metadata
    (err,) = errors(items)
    assert str(err).startswith(f"{path} (record 3): ")


def test_gzip_directories_and_stdin(tmp_path):
    sub = tmp_path / "deep" / "er"
    sub.mkdir(parents=True)
    with gzip.open(sub / "a.jsonl.gz", "wt") as fh:
        fh.write(json.dumps({"id": "gz", "text": "Zipped."}) + "\n")
    (tmp_path / "b.txt").write_text("Headline\n\nSome text.")
    (tmp_path / "notes.md").write_text("not an input")
    (tmp_path / ".hidden.txt").write_text("Hidden\n\nno.")
    items = list(read_inputs([str(tmp_path)]))
    assert sorted(a.id or a.title for a in articles(items)) == ["Headline", "gz"]
    stdin = io.BytesIO(b'{"id": "in", "text": "From stdin."}\n')
    (art,) = articles(read_inputs(["-"], stdin=stdin))
    assert art.id == "in" and str(art.origin) == "<stdin>:1"


def test_missing_path_and_defaults(tmp_path):
    (tmp_path / "x.txt").write_text("Title\n\nText.")
    items = list(read_inputs([str(tmp_path / "nope.txt"), str(tmp_path / "x.txt")],
                             outlet="Fill", published="14 March 2021"))
    assert str(errors(items)[0]) == f"{tmp_path / 'nope.txt'}: no such file or directory"
    (art,) = articles(items)
    assert (art.outlet, art.published) == ("Fill", "2021-03-14T00:00:00")


def test_format_detection():
    from pathlib import Path

    assert format_of(Path("a.warc.gz")) == "warc"
    assert format_of(Path("a.JSONL")) == "jsonl"
    assert format_of(Path("a.dat")) is None
    assert sniff_format(b"WARC/1.0\r\n") == "warc"
    assert sniff_format(b'  {"id": 1}') == "jsonl"
    assert sniff_format(b"<?xml version='1.0'?><rss>") == "rss"
    assert sniff_format(b"<!DOCTYPE html><html>") == "html"
    assert sniff_format(b"Plain words.") == "txt"
    assert sniff_format(b"\x00\xff\xfe\x00binary junk \xff\xff\xff\xff") is None


def test_fragment_to_text_blocks():
    assert fragment_to_text("<p>One.</p><p>Two <b>bold</b>.</p><figcaption>Pic</figcaption>"
                            ).split() == ["One.", "Two", "bold."]


READERS = ["txt", "jsonl", "html", "rss", "warc"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2000), fmt=st.sampled_from(READERS), gz=st.booleans())
@example(data=b"\n\x00", fmt="warc", gz=False)  # a WARC record without a type: Skipped
def test_readers_never_crash_on_bytes(tmp_path, data, fmt, gz):
    path = tmp_path / ("input.bin.gz" if gz else "input.bin")
    path.write_bytes(gzip.compress(data) if gz else data)
    for item in read_source(Source(str(path), path=path), fmt):
        assert (isinstance(item, (RawArticle, InputError, Skipped))
                or type(item).__name__ == "HtmlPage")
    for item in read_inputs([str(path)], fmt):
        assert isinstance(item, (RawArticle, InputError, Skipped))


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["id", "title", "text", "body", "html", "url", "outlet", "published",
                         "metadata", "x"]), children, max_size=6),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(JSONISH, max_size=5))
def test_jsonl_reader_never_crashes_on_any_json(tmp_path, records):
    path = write_jsonl(tmp_path / "any.jsonl", [json.dumps(r) for r in records])
    items = list(read_inputs([str(path)]))
    assert len(items) == len(records)
    for item in items:
        assert isinstance(item, (RawArticle, InputError))


@pytest.mark.parametrize("name", ["seed-pair.jsonl", "khan-calls-for-investigation.txt"])
def test_examples_read_cleanly(name):
    items = list(read_inputs([str(EXAMPLES / name)]))
    assert not errors(items) and articles(items)


def test_embedded_tweets_are_kept(tmp_path):
    tweet = ('<div class="social-embed"><blockquote class="twitter-tweet"><p>We will reopen the '
             'bridge on Thursday, the council confirmed tonight.</p>&mdash; Council (@council)'
             '</blockquote><script src="widgets.js"></script></div>')
    page = PAGE.replace("<p>Engineers replaced", tweet + "<p>Engineers replaced")
    (tmp_path / "tweet.html").write_text(page)
    (art,) = articles(read_inputs([str(tmp_path / "tweet.html")]))
    assert "We will reopen the bridge on Thursday" in art.text


# -- hardening: limits, streaming, archives ---------------------------------------------------


def test_a_feed_read_entry_by_entry_gives_what_feedparser_gives_whole(tmp_path):
    from storyline.readers.feed import _read_streamed, read

    for name, text in (("feed.rss", RSS), ("feed.atom", ATOM)):
        path = tmp_path / name
        path.write_text(text)
        source = Source(str(path), path=path)
        whole, streamed = list(read(source)), list(_read_streamed(source))
        assert [str(e) for e in errors(streamed)] == [str(e) for e in errors(whole)]
        assert [vars(a) for a in articles(streamed)] == [vars(a) for a in articles(whole)]
        assert articles(whole)


def test_a_feed_over_the_record_limit_is_streamed_with_flat_memory(tmp_path):
    import tracemalloc

    from storyline.limits import Limits

    entry = ("<item><title>Story {n}</title><guid>g{n}</guid><link>https://v.example/{n}</link>"
             "<description>{text}</description></item>")
    text = "The council said the vote on the new bridge would be held next month. " * 20
    path = tmp_path / "big.rss"
    with open(path, "w") as fh:
        fh.write('<?xml version="1.0"?><rss version="2.0"><channel><title>Valley News</title>')
        for n in range(4000):
            fh.write(entry.format(n=n, text=text))
        fh.write("</channel></rss>")
    assert path.stat().st_size > 5_000_000
    limits = Limits(max_record_bytes=1_000_000)
    tracemalloc.start()
    count = sum(1 for item in read_source(Source(str(path), path=path, limits=limits))
                if isinstance(item, RawArticle) and item.outlet == "Valley News")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == 4000
    assert peak < 20_000_000


def test_records_over_the_limit_are_named_without_being_read(tmp_path):
    from storyline.limits import Limits

    limits = Limits(max_record_bytes=2000)
    good = {"id": "ok", "text": "The bridge reopened on Thursday after two years of repairs."}
    path = write_jsonl(tmp_path / "r.jsonl", [good, {"id": "big", "text": "x" * 5000}, good])
    items = list(read_source(Source(str(path), path=path, limits=limits)))
    assert [i.id for i in articles(items)] == ["ok", "ok"]
    (err,) = errors(items)
    assert str(err) == (f"{path}:2: a line over the limit of 2,000 bytes for one record "
                        "(raise it with --max-record-mb)")
    page = tmp_path / "p.html"
    page.write_text(PAGE * 3)
    (err,) = errors(read_source(Source(str(page), path=page, limits=limits)))
    assert "over the limit of 2,000 bytes for one record" in str(err)
    doc = tmp_path / "d.json"
    doc.write_text(json.dumps([good] * 50))
    (err,) = errors(read_source(Source(str(doc), path=doc, limits=limits)))
    assert "one JSON document is read whole, so write large inputs as JSON Lines" in str(err)


def test_decompressed_size_is_capped(tmp_path):
    from storyline.limits import Limits

    path = tmp_path / "z.jsonl.gz"
    good = json.dumps({"id": "ok", "text": "The bridge reopened on Thursday after repairs."})
    with gzip.open(path, "wt") as fh:
        fh.write(good + "\n" + (" " * 100 + "\n") * 20_000 + good + "\n")
    items = list(read_source(Source(str(path), path=path,
                                    limits=Limits(max_decompressed_bytes=100_000))))
    assert [i.id for i in articles(items)] == ["ok"]
    (err,) = errors(items)
    assert str(err) == (f"{path}: decompresses to more than 100,000 bytes "
                        "(raise it with --max-decompressed-mb)")


def test_gzip_is_read_by_its_bytes_and_other_compressions_are_named(tmp_path):
    good = {"id": "ok", "text": "The bridge reopened on Thursday after two years of repairs."}
    (tmp_path / "plain.jsonl").write_bytes(gzip.compress(json.dumps(good).encode() + b"\n"))
    (tmp_path / "crawl.warc.zst").write_bytes(b"\x28\xb5\x2f\xfd" + b"\x00" * 64)
    (tmp_path / "old.arc.lz4").write_bytes(b"\x04\x22\x4d\x18" + b"\x00" * 64)
    items = list(read_inputs([str(tmp_path)]))
    assert [a.id for a in articles(items)] == ["ok"]
    assert sorted(str(e) for e in errors(items)) == [
        f"{tmp_path / 'crawl.warc.zst'}: compressed with Zstandard, which storyline does not "
        "read: decompress it first (zstd -d FILE) or gzip it",
        f"{tmp_path / 'old.arc.lz4'}: compressed with LZ4, which storyline does not read: "
        "decompress it first (lz4 -d FILE) or gzip it"]
    assert format_of(tmp_path / "old.arc.gz") == "warc"


def test_warc_records_without_a_page_are_skipped_and_counted(tmp_path):
    from storyline.records import Skipped

    from .hostile import warc_mixed

    (path,) = warc_mixed(tmp_path)
    items = list(read_inputs([str(path)]))
    skipped = [i.reason for i in items if isinstance(i, Skipped)]
    assert sorted(skipped) == sorted(["warcinfo", "warcinfo", "image/png", "WARC revisit",
                                      *["WARC request"] * 5])
    assert len(articles(items)) == 2
    assert [str(e).split(": ")[0] for e in errors(items)] == [
        f"{path} (record 7)", f"{path} (record 13)"]


def test_jsonl_that_is_noise_is_named_once(tmp_path):
    import random

    rng = random.Random(3)
    path = tmp_path / "noise.jsonl"
    path.write_bytes(b"\n".join(bytes(rng.getrandbits(8) for _ in range(60)) for _ in range(500)))
    (err,) = list(read_source(Source(str(path), path=path)))
    assert str(err).startswith(f"{path}: not JSON Lines: none of its first 20 lines is JSON")
    mostly_good = write_jsonl(tmp_path / "m.jsonl", ["{bad", {"id": "a", "text": "Some text."}])
    items = list(read_source(Source(str(mostly_good), path=mostly_good)))
    assert [str(e).split(": ")[0] for e in errors(items)] == [f"{mostly_good}:1"]
    assert len(articles(items)) == 1


def test_a_page_the_first_extraction_empties_is_extracted_again(monkeypatch):
    """Some blog pages leave only their date to trafilatura's first pass; recall mode is
    tried then."""
    import trafilatura

    from storyline.errors import Origin
    from storyline.readers.html import extract_html

    real = trafilatura.bare_extraction

    def extraction(tree, **options):
        doc = real(tree, **options)
        if not options.get("favor_recall"):
            doc.text = "May 19, 2020"
        return doc

    monkeypatch.setattr(trafilatura, "bare_extraction", extraction)
    found = extract_html(PAGE, Origin("p.html"), min_words=10)
    assert "reopened to traffic on Thursday morning" in found.text
    assert extract_html(PAGE, Origin("p.html")).text == "May 19, 2020"


def test_a_stray_nul_does_not_make_a_page_binary(tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes(PAGE.encode().replace(b"</footer>", b"\x00</footer>"))
    (article,) = articles(read_inputs([str(path)]))
    assert "Tamar crossing" in article.text
