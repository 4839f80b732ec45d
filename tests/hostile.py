"""Hostile inputs, each beside good records, and a way to run ``storyline ingest`` on them
while measuring its time and the peak memory of its whole process tree.

Used by ``tests/test_hostile.py`` (which asserts on every case) and ``bench/robustness.py``
(which prints the table). Each case writes its files into a folder and says what ingest must
store and which files and records it must name.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def good_pages(n: int = 2) -> list[dict]:
    """Real article pages (the committed extraction slice): id, url, html."""
    with gzip.open(DATA / "extraction-dev-slice.jsonl.gz", "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    small = sorted(rows, key=lambda r: len(r["html"]))[:n]
    return [{"id": r["id"], "url": r["url"], "html": r["html"]} for r in small]


def good_texts(n: int = 2, offset: int = 0) -> list[dict]:
    """Real news articles as text records (the committed GVC slice)."""
    with gzip.open(DATA / "gvc-dev-slice.jsonl.gz", "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    return [{k: r[k] for k in ("id", "title", "text", "published", "outlet", "url")}
            for r in rows[offset:offset + n]]


def jsonl(records: list) -> bytes:
    return b"".join((r if isinstance(r, bytes) else json.dumps(r).encode()) + b"\n"
                    for r in records)


@dataclass
class Case:
    """One hostile input: ``build(folder)`` writes it and returns the paths to ingest."""

    name: str
    build: Callable[[Path], list[Path]]
    #: articles that must be stored (the good records)
    stored: int
    #: (file name, text) pairs that must appear together on one error line
    named: list[tuple[str, str]]
    #: text that must never be in the database (a local file's content, an expanded entity)
    never_stored: list[str] = field(default_factory=list)
    args: list[str] = field(default_factory=list)
    #: how many seconds the run may take (the issue's 30, or 10 for the gzip bomb)
    seconds: float = 30.0


# -- the cases ---------------------------------------------------------------------------------


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def truncated_gzip(folder: Path) -> list[Path]:
    data = gzip.compress(jsonl(good_texts(4)))
    return [_write(folder / "cut.jsonl.gz", data[: len(data) * 3 // 4])]


def gzip_bomb(folder: Path) -> list[Path]:
    """0.4 MB that expands to one 400 MB record between two good ones (the issue's file)."""
    a, b = good_texts(2)
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as gz:
        gz.write(json.dumps(a).encode() + b"\n")
        gz.write(b'{"id": "bomb", "text": "')
        chunk = b"A" * (1 << 20)
        for _ in range(400):
            gz.write(chunk)
        gz.write(b'"}\n')
        gz.write(json.dumps(b).encode() + b"\n")
    return [_write(folder / "bomb.jsonl.gz", out.getvalue())]


def invalid_utf8(folder: Path) -> list[Path]:
    a, b = good_texts(2)
    bad = json.dumps({"id": "bad", "text": "Police said XX the man was arrested"}).encode()
    bad = bad.replace(b"XX", b"\xff\xfe\xc3")
    return [_write(folder / "broken.jsonl", jsonl([a, bad, b]))]


def mixed_encodings(folder: Path) -> list[Path]:
    """A JSON Lines line in Windows-1252 among UTF-8 ones (named), and a text file that
    mixes the two (read, each part in its own encoding)."""
    a, b = good_texts(2)
    latin = json.dumps({"id": "latin", "text": "Le café a été fermé"}, ensure_ascii=False)
    text = ("Café owner speaks out\n\nThe owner of the café, José Núñez, said on Monday that "
            "the council’s decision would cost the town its last independent café.")
    mixed = text.encode("utf-8").replace("José".encode(), "José".encode("cp1252"))
    return [_write(folder / "mixed.jsonl", jsonl([a, latin.encode("cp1252"), b])),
            _write(folder / "mixed.txt", mixed)]


def utf16_without_bom(folder: Path) -> list[Path]:
    a, b = good_texts(2)
    return [_write(folder / "good.jsonl", jsonl([a, b])),
            _write(folder / "wide.jsonl", jsonl(good_texts(1, offset=5)).decode().encode("utf-16-le")),
            _write(folder / "wide.txt", good_texts(1, offset=6)[0]["text"].encode("utf-16-le"))]


def nul_bytes(folder: Path) -> list[Path]:
    a, b = good_texts(2)
    escaped = dict(good_texts(1, offset=3)[0], id="escaped-nul")
    escaped["text"] = escaped["text"].replace(" ", "\u0000 ", 3)  # JSON \u0000: kept, NULs dropped
    raw_nul = json.dumps({"id": "raw-nul", "text": "The mayor said NUL the bridge"}).encode()
    raw_nul = raw_nul.replace(b"NUL", b"\x00")
    stray = good_texts(1, offset=4)[0]["text"].encode().replace(b" ", b"\x00 ", 3)
    return [_write(folder / "nul.jsonl", jsonl([a, raw_nul, escaped, b])),
            _write(folder / "stray-nul.txt", stray)]


def long_line(folder: Path) -> list[Path]:
    a, b = good_texts(2)
    big = json.dumps({"id": "huge", "text": "word " * (10 * 1024 * 1024)}).encode()  # 50 MB
    return [_write(folder / "long.jsonl", jsonl([a, big, b]))]


def deep_json(folder: Path) -> list[Path]:
    a, b = good_texts(2)
    deep = b"[" * 100_000 + b"]" * 100_000
    nested = b'{"id": "deep", "metadata": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_000 + b"}"
    return [_write(folder / "deep.jsonl", jsonl([a, deep, nested, b])),
            _write(folder / "deep.json", deep)]


def deep_html(folder: Path) -> list[Path]:
    page = good_pages(1)[0]
    deep = ("<html><body>" + "<div>" * 100_000 + "<p>Police said the man was arrested.</p>"
            + "</div>" * 100_000 + "</body></html>")
    return [_write(folder / "good.html", page["html"].encode()),
            _write(folder / "deep.html", deep.encode())]


def html_without_text(folder: Path) -> list[Path]:
    page = good_pages(1)[0]
    menu = ("<html><head><title>Example News</title></head><body><nav><a href='/'>Home</a>"
            "</nav><script>var x = 1;</script></body></html>")
    empty = "<html><head><title>Nothing</title></head><body><script>x()</script></body></html>"
    return [_write(folder / "good.html", page["html"].encode()),
            _write(folder / "menu.html", menu.encode()),
            _write(folder / "empty.html", empty.encode())]


def random_bytes(folder: Path) -> list[Path]:
    rng = random.Random(14)
    noise = bytes(rng.getrandbits(8) for _ in range(256 * 1024))
    a, b = good_texts(2)
    return [_write(folder / "good.jsonl", jsonl([a, b])),
            *(_write(folder / f"noise{ext}", noise[i * 997:])
              for i, ext in enumerate((".html", ".xml", ".warc.gz", ".jsonl", ".txt")))]


_ENTRY = ("<item><title>{title}</title><link>https://valley.example/{n}</link>"
          "<guid>{n}</guid><pubDate>Sun, 14 Mar 2021 10:00:00 GMT</pubDate>"
          "<description>{text}</description></item>")


def _feed(items: list[tuple[str, str]], doctype: str = "") -> bytes:
    body = "".join(_ENTRY.format(title=t, text=x, n=f"{t.split()[0].lower()}-{n}")
                   for n, (t, x) in enumerate(items))
    return (f'<?xml version="1.0"?>\n{doctype}<rss version="2.0"><channel><title>Valley News'
            f"</title><link>https://valley.example</link>{body}</channel></rss>").encode()


_STORY = ("The county council said on Sunday that the flood warning for the river had been "
          "lifted and that residents could return to their homes after three days away.")


def entity_expansion(folder: Path) -> list[Path]:
    """Billion laughs: ten levels of ten, 10^9 "lol"s if anything expanded them."""
    doctype = '<!DOCTYPE rss [\n<!ENTITY lol "lol">\n'
    previous = "lol"
    for level in range(1, 10):
        doctype += f'<!ENTITY lol{level} "' + f"&{previous};" * 10 + '">\n'
        previous = f"lol{level}"
    doctype += "]>\n"
    return [_write(folder / "good.xml", _feed([("Flood warning lifted", _STORY)])),
            _write(folder / "laughs.xml", _feed([("Laughs", _STORY + " &lol9;")], doctype))]


def external_entity(folder: Path) -> list[Path]:
    """An external entity that points at a local file, whose content must never be read."""
    secret = folder / "secret.txt"
    secret.write_text("PRIVATE-CANARY-7f3a secret token\n")
    doctype = f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
    return [_write(folder / "good.xml", _feed([("Flood warning lifted", _STORY)])),
            _write(folder / "xxe.xml", _feed([("Leak &xxe;", _STORY + " &xxe;")], doctype))]


def warc_record(kind: str, block: bytes, url: str | None = None, content_type: str = "",
                extra: dict | None = None) -> bytes:
    """One WARC/1.0 record, written by hand so that tests control every byte."""
    import uuid

    headers = {"WARC-Type": kind, "WARC-Record-ID": f"<urn:uuid:{uuid.uuid4()}>",
               "WARC-Date": "2021-03-14T10:00:00Z"}
    if url:
        headers["WARC-Target-URI"] = url
    if content_type:
        headers["Content-Type"] = content_type
    headers.update(extra or {})
    headers["Content-Length"] = str(len(block))
    head = "WARC/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    return head.encode() + block + b"\r\n\r\n"


def _http(body: bytes, content_type: str, status: str = "200 OK") -> bytes:
    return (f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def _warc_records(pages: list[dict], extra: bytes = b"") -> list[bytes]:
    """warcinfo, then a request and a response record per page (as crawlers write them)."""
    records = [warc_record("warcinfo", b"software: storyline tests\r\n",
                           content_type="application/warc-fields")]
    for page in pages:
        url = page["url"]
        host = url.split("/")[2]
        records.append(warc_record("request", f"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n".encode(),
                                   url, "application/http; msgtype=request"))
        body = page["html"] if isinstance(page["html"], bytes) else page["html"].encode()
        records.append(warc_record("response", _http(body, page.get("type", "text/html; charset=utf-8")),
                                   url, "application/http; msgtype=response"))
    if extra:
        records.append(extra)
    return records


def _gzip_each(records: list[bytes]) -> bytes:
    """Each record its own gzip member, as .warc.gz files are made."""
    return b"".join(gzip.compress(record) for record in records)


_NO_TEXT_PAGE = "<html><head><title>Gallery</title></head><body><img src='a.jpg'></body></html>"
_PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


_REVISIT = warc_record("revisit", b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n",
                       "https://a.example/again", "application/http; msgtype=response",
                       {"WARC-Profile": "http://netpreserve.org/warc/1.0/revisit/identical-payload-digest",
                        "WARC-Refers-To-Target-URI": "https://a.example/first"})


def warc_mixed(folder: Path) -> list[Path]:
    """Good pages, a page without text, an image response, request and revisit records, and
    a truncated last record: the good pages stored, the rest named or counted as skipped."""
    pages = good_pages(2) + [
        {"url": "https://a.example/gallery", "html": _NO_TEXT_PAGE},
        {"url": "https://a.example/logo.png", "html": _PNG, "type": "image/png"},
        {"url": "https://a.example/last", "html": good_pages(3)[2]["html"]},
    ]
    warc = b"".join(_warc_records(pages[:4], extra=_REVISIT) + _warc_records(pages[4:]))
    return [_write(folder / "crawl.warc", warc[:-2000])]


def warc_one_gzip_member(folder: Path) -> list[Path]:
    """A .warc.gz compressed as one gzip stream (not a member per record), warcio's
    "non-chunked" file, beside one made the usual way, and a page without text."""
    pages = good_pages(2)
    no_text = [{"url": "https://a.example/gallery", "html": _NO_TEXT_PAGE}]
    return [_write(folder / "whole.warc.gz", gzip.compress(b"".join(_warc_records(pages[:1] + no_text)))),
            _write(folder / "members.warc.gz", _gzip_each(_warc_records(pages[1:])))]


def warc_wrong_members(folder: Path) -> list[Path]:
    """A .warc.gz whose gzip members cut records in the middle (a damaged file)."""
    pages = good_pages(3)
    warc = b"".join(_warc_records(pages))
    cut = len(warc) * 2 // 3
    broken = gzip.compress(warc[:cut]) + gzip.compress(b"\x00garbage\x00" + warc[cut + 100:])
    return [_write(folder / "cut-members.warc.gz", broken)]


def _arc(pages: list[dict]) -> bytes:
    fields = b"1 0 storyline tests\nURL IP-address Archive-date Content-type Archive-length\n"
    out = [b"filedesc://test.arc 127.0.0.1 20210314100000 text/plain %d\n" % len(fields),
           fields, b"\n"]
    for page in pages:
        html = page["html"] if isinstance(page["html"], bytes) else page["html"].encode()
        ctype = page.get("type", "text/html")
        content = (f"HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {len(html)}"
                   "\r\n\r\n").encode() + html
        out += [f"{page['url']} 93.184.216.34 20210314100000 {ctype} {len(content)}\n".encode(),
                content, b"\n"]
    return b"".join(out)


def arc_files(folder: Path) -> list[Path]:
    """ARC (the Internet Archive's format before WARC), plain and gzipped, with one page
    without text."""
    pages = good_pages(2)
    return [_write(folder / "old.arc", _arc(pages[:1] + [{"url": "https://a.example/g",
                                                           "html": _NO_TEXT_PAGE}])),
            _write(folder / "old.arc.gz", gzip.compress(_arc(pages[1:])))]


def lz4_warc(folder: Path) -> list[Path]:
    pages = good_pages(1)
    lz4 = b"\x04\x22\x4d\x18" + os.urandom(4096)
    return [_write(folder / "good.warc.gz", _gzip_each(_warc_records(pages))),
            _write(folder / "crawl.warc.lz4", lz4)]


def slow_page(folder: Path) -> list[Path]:
    """A page that keeps trafilatura busy for minutes (200,000 attributes on one tag)."""
    page = good_pages(1)[0]
    slow = ("<html><body><p " + " ".join(f'a{i}="v"' for i in range(200_000))
            + ">The council met on Monday to discuss the new bridge.</p></body></html>")
    return [_write(folder / "pages.jsonl", jsonl([
        {"id": "good-1", "url": page["url"], "html": page["html"]},
        {"id": "slow", "html": slow},
        dict(good_texts(1)[0], id="good-2")]))]


CASES = [
    Case("truncated gzip", truncated_gzip, 3,
         [("cut.jsonl.gz:4", "cannot read: Compressed file ended")]),
    Case("gzip bomb", gzip_bomb, 2, [("bomb.jsonl.gz:2", "over the limit of 10 MB")], seconds=10),
    Case("invalid UTF-8", invalid_utf8, 2, [("broken.jsonl:2", "not UTF-8")]),
    Case("mixed encodings", mixed_encodings, 3, [("mixed.jsonl:2", "not UTF-8")]),
    Case("UTF-16 without BOM", utf16_without_bom, 2,
         [("wide.jsonl", "UTF-16 text: JSON Lines must be UTF-8"), ("wide.txt", "UTF-16 text without a byte-order mark")]),
    Case("NUL bytes", nul_bytes, 4, [("nul.jsonl:2", "invalid JSON")],
         never_stored=["\x00"]),
    Case("50 MB JSON Lines line", long_line, 2, [("long.jsonl:2", "over the limit of 10 MB")]),
    Case("JSON nested 100k deep", deep_json, 2,
         [("deep.jsonl:2", "nested too deeply"), ("deep.jsonl:3", "nested too deeply"),
          ("deep.json", "nested too deeply")]),
    Case("HTML nested 100k deep", deep_html, 1, [("deep.html", "")]),
    Case("HTML without text", html_without_text, 1,
         [("menu.html", "no article text"), ("empty.html", "no article text")]),
    Case("random bytes", random_bytes, 2,
         [("noise.html", "binary data"), ("noise.xml", "not an RSS/Atom feed"),
          ("noise.warc.gz", ""), ("noise.jsonl", "not JSON Lines"),
          ("noise.txt", "binary data, not text")]),
    Case("XML entity expansion", entity_expansion, 2,
         [("laughs.xml", "never expands")], never_stored=["lollol"]),
    Case("external entity to a local file", external_entity, 2,
         [("xxe.xml", "never expands")], never_stored=["PRIVATE-CANARY-7f3a"]),
    Case("WARC: truncated record, non-HTML, request, revisit", warc_mixed, 2,
         [("crawl.warc (record 7)", "no article text"), ("crawl.warc (record 13)", "cut short")]),
    Case("WARC: one gzip member for every record", warc_one_gzip_member, 2,
         [("whole.warc.gz (record 5)", "no article text")]),
    Case("WARC: gzip members cut mid-record", warc_wrong_members, 2,
         [("cut-members.warc.gz (record 7)", "cut short")]),
    Case("ARC files", arc_files, 2, [("old.arc (record 3)", "no article text")]),
    Case("LZ4 WARC", lz4_warc, 1, [("crawl.warc.lz4", "compressed with LZ4")]),
    Case("a page that takes minutes", slow_page, 2,
         [("pages.jsonl:2", "took longer than 15 s")]),
]


# -- running and measuring --------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                found += [int(c) for c in fh.read().split()]
    except OSError:
        pass
    return found


def _pss_kb(pid: int) -> int:
    """Proportional set size: a forked worker's pages shared with its parent count once."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float


def run_measured(args: list[str], env: dict | None = None, timeout: float = 300) -> Run:
    """Run a command; its process tree's memory (the sum of PSS) is read every 20 ms."""
    started = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, **(env or {})})
    output: dict[str, bytes] = {}
    readers = [threading.Thread(target=lambda k, s: output.__setitem__(k, s.read()), args=(k, s))
               for k, s in (("out", proc.stdout), ("err", proc.stderr))]
    for reader in readers:
        reader.start()
    peak = 0
    while proc.poll() is None:
        todo, tree = [proc.pid], []
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo += _children(pid)
        peak = max(peak, sum(_pss_kb(pid) for pid in tree))
        if time.monotonic() - started > timeout:
            proc.kill()
        time.sleep(0.02)
    for reader in readers:
        reader.join()
    proc.stdout.close()
    proc.stderr.close()
    return Run(proc.returncode, output["out"].decode(errors="replace"),
               output["err"].decode(errors="replace"), time.monotonic() - started, peak / 1024)


def storyline(*args: str) -> list[str]:
    return [sys.executable, "-m", "storyline", *args]


def stored_texts(db: Path) -> tuple[int, str, str]:
    """How many articles the database holds, every text it stores, and SQLite's integrity
    check of the file ("ok")."""
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        count = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        texts = " ".join(str(v) for row in conn.execute(
            "SELECT title, body, raw, metadata FROM revisions") for v in row)
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()
    return count, texts, integrity


def named_lines(stderr: str, case: Case, folder: Path) -> dict[tuple[str, str], bool]:
    """For each expected (file, text): is there an error line that names both?"""
    lines = [line for line in stderr.splitlines() if line.startswith("error: ")]
    return {(name, text): any(f"{folder}/{name}" in line and text in line for line in lines)
            for name, text in case.named}
