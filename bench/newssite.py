"""A recorded local news site, so feed polling can be tested and benched without the network.

:func:`build_site` writes a small site of three outlets built from the evaluation articles in
``tests/data`` (GVC incidents for the Lakeside Herald and the Valley Courier, ECB+ articles
for the Metro Wire), with the awkward cases a poller must survive: a link-only RSS feed, a
full-content Atom feed, an RDF feed, a moved, a gone and a flaky feed, robots.txt exclusions,
a slow page and a 12 MB page. :func:`build_bench_site` writes a compact manifest for a large
site (200 feeds, 5,000 pages) whose feeds and pages are generated when they are requested.

Both are served by ``python -m bench.newssite serve DIRECTORY --port-file F --log F.jsonl``
in a process of its own (the code under test forks workers, so the test process holds no
server threads); :class:`NewsSite` starts and stops it and reads its request log.

Base URLs. Files are written with the placeholder ``{base}`` wherever an absolute URL belongs
(feed links, canonical links, OPML); the server replaces it by ``http://127.0.0.1:PORT`` when
it serves a file, so a site is built once, before its port is known. ``NewsSite.opml_path()``
writes a concrete OPML copy for commands that read a file.

The manifest ``site.json`` (also :class:`SiteManifest`) holds ``routes`` (path -> how the
server answers), ``feeds`` (path -> format, content kind, outlet, entry page paths),
``pages`` (path -> article ids, outlet, incident, title, paragraphs to be stored, related
headlines, flags ``disallowed``/``slow``/``huge``), ``boilerplate`` (phrases that must never
be stored), ``disallowed``, ``slow``, ``huge``, ``slow_seconds`` and ``opml``. A bench page
carries ``articles`` and ``lead`` instead of ``paragraphs``; :meth:`SiteManifest.paragraphs`
gives either.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import html
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
PLACEHOLDER = "{base}"
HUGE_BYTES = 12 * 1024 * 1024 + 512 * 1024
HTML_TYPE = "text/html; charset=utf-8"
PLACES = """Ashford Brookfield Cedar Falls Dunmore Elmwood Fairhaven Glenrock Harlow Ironton
Jasper Kingsford Lakemont Millbrook Northgate Oakridge Pinecrest Quarry Hill Riverton Stonebridge
Thornbury Upton Vernon Westfield Yardley Zion Crossing Ambler Bexley Carver Delmar Easton""".split()
BOILERPLATE = {
    "herald": ["Lakeside Herald home", "Sports and Outdoors", "Subscribe to our newsletter",
               "Get the Lakeside morning briefing delivered before breakfast.",
               "This site uses cookies to remember your reading preferences.",
               "Accept all cookies", "Related stories",
               "Copyright 2024 Lakeside Herald Media Group. All rights reserved."],
    "courier": ["Valley Courier front page", "Opinion and Letters", "Subscribe to our newsletter",
                "Valley Courier subscribers read without limits for one dollar a week.",
                "We and our partners use cookies to personalise the Courier.",
                "Manage cookie settings", "Related stories",
                "Copyright 2024 The Valley Courier Company. Reproduction prohibited."],
    "wire": ["Metro Wire newsroom", "Subscribe to our newsletter",
             "Metro Wire stores cookies so that the wire remembers you.",
             "Copyright 2024 Metro Wire Services."],
}


def http_date(stamp: str) -> str:
    """An RFC 1123 date for a ``YYYY-MM-DD`` or ISO stamp (noon UTC for a bare day)."""
    return format_datetime(_moment(stamp), usegmt=True)


def _moment(stamp: str) -> datetime:
    moment = datetime.fromisoformat(stamp if "T" in stamp else stamp + "T12:00:00")
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _moment_of(header: str) -> datetime | None:
    try:
        return parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48] or "story"


def read_articles(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def paragraphs_of(article: dict) -> list[str]:
    return [p.strip() for p in article["text"].split("\n\n") if p.strip()]


def teaser(article: dict) -> str:
    """The first sentence of the first paragraph: a feed description that is no full text."""
    first = paragraphs_of(article)[0]
    return re.split(r"(?<=[.!?])\s", first, maxsplit=1)[0][:200]


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _links(items: list[str]) -> str:
    return "".join(f'<li><a href="#">{_esc(i)}</a></li>' for i in items)


def render_page(style: str, outlet: str, path: str, title: str, published: str,
                paragraphs: list[str], related: list[str], body_extra: str = "") -> str:
    """A page in an outlet's own template, boilerplate around one ``<article>``."""
    b = BOILERPLATE[style]
    moment = _moment(published).isoformat().replace("+00:00", "Z")
    head = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{_esc(title)} | {_esc(outlet)}</title>"
            f'<link rel="canonical" href="{PLACEHOLDER}{path}">'
            f'<meta property="og:title" content="{_esc(title)}">'
            f'<meta property="og:site_name" content="{_esc(outlet)}">'
            f'<meta name="article:published_time" content="{moment}"></head>\n')
    article = (f'<article><h1>{_esc(title)}</h1><time datetime="{moment}">'
               f"{_moment(published):%B %d, %Y}</time>\n"
               + "".join(f"<p>{_esc(p)}</p>\n" for p in paragraphs) + body_extra + "</article>\n")
    related_list = _links(related)
    if style == "herald":
        return (head + f'<body class="herald"><div id="cookie-banner"><p>{b[4]}</p>'
                f"<button>{b[5]}</button></div><header><nav><ul>"
                + _links([b[0], "Local News", b[1], "Weather"]) + "</ul></nav></header>\n"
                f'<main><div class="story-wrap">{article}</div>'
                f'<aside class="newsletter"><h3>{b[2]}</h3><p>{b[3]}</p>'
                f'<form><input type="email"><button>Sign up</button></form></aside>'
                f'<section class="related"><h2>{b[6]}</h2><ul>{related_list}</ul></section></main>\n'
                f'<footer><p>{b[7]}</p></footer></body></html>\n')
    if style == "courier":
        return (head + f'<body><div class="masthead"><a class="logo">{b[0]}</a><ul class="menu">'
                + _links(["Region", "Business", b[1], "Obituaries"]) + "</ul></div>\n"
                f'<div class="layout"><div class="column">{article}'
                f'<div class="promo"><strong>{b[2]}</strong> {b[3]}</div></div>'
                f'<div class="sidebar"><h4>{b[6]}</h4><ol>{related_list}</ol></div></div>\n'
                f'<div class="consent">{b[4]} <a href="#">{b[5]}</a></div>'
                f'<div class="legal">{b[7]}</div></body></html>\n')
    return (head + f'<body><header>{b[0]}</header>{article}<div class="signup">{b[1]}</div>'
            f'<div class="cookies">{b[2]}</div><small>{b[3]}</small></body></html>\n')


def rss_feed(outlet: str, path: str, home: str, entries: list[dict]) -> str:
    """RSS 2.0, link-only: title, link, guid, pubDate and at most a one-sentence teaser."""
    items = []
    for e in entries:
        desc = f"<description>{_esc(e['teaser'])}</description>" if e.get("teaser") else ""
        items.append(f"<item><title>{_esc(e['title'])}</title><link>{PLACEHOLDER}{e['path']}</link>"
                     f'<guid isPermaLink="true">{PLACEHOLDER}{e["path"]}</guid>'
                     f"<pubDate>{http_date(e['published'])}</pubDate>{desc}</item>")
    return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>{_esc(outlet)}</title><link>{PLACEHOLDER}{home}</link>"
            f"<description>Latest from {_esc(outlet)}</description>\n" + "\n".join(items)
            + "\n</channel></rss>\n")


def atom_feed(outlet: str, path: str, home: str, entries: list[dict]) -> str:
    """Atom with the full text in ``<content type="html">`` (an entry without paragraphs is
    link-only, e.g. the huge page's)."""
    updated = max((e["published"] for e in entries), default="2024-01-01")
    parts = []
    for e in entries:
        stamp = _moment(e["published"]).isoformat()
        body = ""
        if e.get("paragraphs"):
            body = ('<content type="html">'
                    + _esc("".join(f"<p>{_esc(p)}</p>" for p in e["paragraphs"])) + "</content>")
        parts.append(f"<entry><title>{_esc(e['title'])}</title><id>{PLACEHOLDER}{e['path']}</id>"
                     f'<link rel="alternate" type="text/html" href="{PLACEHOLDER}{e["path"]}"/>'
                     f"<published>{stamp}</published><updated>{stamp}</updated>{body}</entry>")
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{_esc(outlet)}</title><id>{PLACEHOLDER}{path}</id>"
            f'<link rel="self" href="{PLACEHOLDER}{path}"/><link rel="alternate" href="{PLACEHOLDER}{home}"/>'
            f"<updated>{_moment(updated).isoformat()}</updated><author><name>{_esc(outlet)}</name></author>\n"
            + "\n".join(parts) + "\n</feed>\n")


def rdf_feed(outlet: str, path: str, home: str, entries: list[dict]) -> str:
    """RSS 1.0 (RDF), link-only."""
    seq = "".join(f'<rdf:li rdf:resource="{PLACEHOLDER}{e["path"]}"/>' for e in entries)
    items = "\n".join(f'<item rdf:about="{PLACEHOLDER}{e["path"]}"><title>{_esc(e["title"])}</title>'
                      f"<link>{PLACEHOLDER}{e['path']}</link>"
                      f"<dc:date>{_moment(e['published']).isoformat()}</dc:date></item>" for e in entries)
    return ('<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF '
            'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f'<channel rdf:about="{PLACEHOLDER}{path}"><title>{_esc(outlet)}</title>'
            f"<link>{PLACEHOLDER}{home}</link><description>{_esc(outlet)} wire</description>"
            f"<items><rdf:Seq>{seq}</rdf:Seq></items></channel>\n{items}\n</rdf:RDF>\n")


FEED_WRITERS = {"rss": rss_feed, "atom": atom_feed, "rdf": rdf_feed}
FEED_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml", "rdf": "application/rdf+xml"}


def opml(groups: list[tuple[str, list[tuple[str, str, str]]]]) -> str:
    """OPML 2.0: one category outline per group, holding (title, feed path, home path)."""
    body = []
    for category, feeds in groups:
        inner = "".join(f'\n    <outline type="rss" text="{_esc(t)}" title="{_esc(t)}" '
                        f'xmlUrl="{PLACEHOLDER}{f}" htmlUrl="{PLACEHOLDER}{h}"/>' for t, f, h in feeds)
        body.append(f'  <outline text="{_esc(category)}" title="{_esc(category)}">{inner}\n  </outline>')
    return ('<?xml version="1.0" encoding="utf-8"?>\n<opml version="2.0"><head>'
            "<title>storyline test subscriptions</title></head><body>\n"
            + "\n".join(body) + "\n</body></opml>\n")


@dataclass
class SiteManifest:
    """``site.json`` with the lookups tests make; ``data`` is the JSON itself."""

    directory: Path
    data: dict

    @classmethod
    def load(cls, directory: Path) -> "SiteManifest":
        return cls(Path(directory), json.loads((Path(directory) / "site.json").read_text()))

    routes = property(lambda self: self.data["routes"])
    feeds = property(lambda self: self.data["feeds"])
    pages = property(lambda self: self.data["pages"])
    boilerplate = property(lambda self: self.data["boilerplate"])
    disallowed = property(lambda self: self.data["disallowed"])
    slow = property(lambda self: self.data.get("slow"))
    huge = property(lambda self: self.data.get("huge"))

    def articles(self) -> dict[str, dict]:
        """The bench site's source articles by id (``articles.json``)."""
        if not hasattr(self, "_articles"):
            self._articles = json.loads((self.directory / "articles.json").read_text())
        return self._articles

    def paragraphs(self, path: str) -> list[str]:
        """What must be stored of the page at ``path``."""
        page = self.pages[path]
        if "paragraphs" in page:
            return page["paragraphs"]
        arts = self.articles()
        return [page["lead"]] + [p for a in page["articles"] for p in paragraphs_of(arts[a])]

    def pages_of_incident(self, incident: str) -> list[str]:
        return [p for p, page in self.pages.items() if page["incident"] == incident]


def build_site(directory: Path, *, data: Path = DATA, incidents: int = 6,
               base_url_placeholder: str = PLACEHOLDER, slow_seconds: float = 30) -> SiteManifest:
    """Write the small test site to ``directory`` and return its manifest."""
    if base_url_placeholder != PLACEHOLDER:
        raise ValueError(f"the server substitutes {PLACEHOLDER} only")
    directory = Path(directory)
    by_story: dict[str, list[dict]] = {}
    for a in read_articles(data / "gvc-dev-slice.jsonl.gz"):
        by_story.setdefault(a["story"], []).append(a)
    chosen = [s for s in sorted(by_story) if len(by_story[s]) >= 2][:incidents]
    if len(chosen) < incidents:
        raise ValueError(f"only {len(chosen)} incidents have two reports")
    spare = [a for s in sorted(by_story) if s not in chosen for a in by_story[s]]
    routes, pages, feeds, files = {}, {}, {}, {}

    def add_story(entries, style, outlet, path, a, related=(), kind="file", **flags):
        """A page in ``style`` for article ``a``, and its entry in a feed's ``entries``."""
        page = {"article_ids": [a["id"]], "outlet": outlet, "incident": a.get("story"),
                "title": a["title"], "published": a["published"], "paragraphs": paragraphs_of(a),
                "related_headlines": list(related), "disallowed": False, **flags}
        pages[path] = page
        routes[path] = {"kind": kind, "file": path.lstrip("/"), "content_type": HTML_TYPE,
                        "last_modified": http_date(a["published"])}
        if kind == "huge":
            routes[path].update(file=None, bytes=HUGE_BYTES, title=a["title"],
                                published=a["published"], text=a["text"])
            page.update(paragraphs=[], huge=True, bytes=HUGE_BYTES)
        else:
            files[path] = render_page(style, outlet, path, a["title"], a["published"],
                                      page["paragraphs"], page["related_headlines"])
        entries.append({"path": path, "title": a["title"], "published": a["published"],
                        "teaser": teaser(a) if len(entries) % 2 == 0 else None,
                        "paragraphs": page["paragraphs"]})

    def add_feed(fmt, outlet, path, home, entries, kind="file", **extra):
        files[path] = FEED_WRITERS[fmt](outlet, path, home, entries)
        routes[path] = {"kind": kind, "file": path.lstrip("/"), "content_type": FEED_TYPES[fmt], **extra,
                        "last_modified": http_date(max(e["published"] for e in entries))}
        feeds[path] = {"format": fmt, "content": "full" if fmt == "atom" else "link-only",
                       "outlet": outlet, "entries": [e["path"] for e in entries]}

    def story_path(prefix, a):
        return f"{prefix}/{a['published']}/{slugify(a['title'])}.html"

    herald, courier, wire, sports, flaky = [], [], [], [], []
    for entries, style, name, nth in [(herald, "herald", "Lakeside Herald", 0),
                                      (courier, "courier", "Valley Courier", 1)]:
        arts = [by_story[s][nth] for s in chosen]
        for a in arts:
            related = [b["title"] for b in arts if b is not a][:4]
            add_story(entries, style, name, story_path("/" + style, a), a, related)
    for a in spare[:2]:
        add_story(herald, "herald", "Lakeside Herald", f"/herald/private/{slugify(a['title'])}.html",
                  a, disallowed=True)
    add_story(herald, "herald", "Lakeside Herald", "/herald/slow.html", spare[2], kind="slow", slow=True)
    add_story(courier, "courier", "Valley Courier", "/courier/huge.html", spare[3], kind="huge")
    add_feed("rss", "Lakeside Herald", "/herald/rss.xml", "/herald/", herald)
    add_feed("atom", "Valley Courier", "/courier/atom.xml", "/courier/", courier)
    topics = {}
    for a in read_articles(data / "ecbplus-dev-slice.jsonl.gz"):
        if len(a["text"].split()) > 40:
            topics.setdefault(a["topic"], a)
    for day, a in enumerate(topics.values(), start=1):
        a = {**a, "published": f"2015-03-{day:02d}"}
        add_story(wire, "wire", "Metro Wire", f"/wire/{a['id'].split('/')[-1]}.html", a)
    add_feed("rdf", "Metro Wire", "/wire/rdf.xml", "/wire/", wire)
    for a in spare[4:6]:
        add_story(sports, "courier", "Valley Courier Sports", story_path("/courier-sports", a), a)
    add_feed("atom", "Valley Courier Sports", "/courier-sports/atom.xml", "/courier-sports/", sports)
    for a in spare[6:8]:
        add_story(flaky, "herald", "Hillside Bulletin", story_path("/flaky", a), a)
    add_feed("rss", "Hillside Bulletin", "/flaky/feed.xml", "/flaky/", flaky, kind="flaky", failures=1)
    feeds["/flaky/feed.xml"]["first_status"] = 500
    routes["/moved/feed.xml"] = {"kind": "redirect", "status": 301, "location": "/courier-sports/atom.xml"}
    feeds["/moved/feed.xml"] = {**feeds["/courier-sports/atom.xml"], "status": 301,
                                "location": "/courier-sports/atom.xml"}
    routes["/gone/feed.xml"] = {"kind": "gone"}
    feeds["/gone/feed.xml"] = {"format": None, "content": None, "outlet": None, "status": 410, "entries": []}
    files["/robots.txt"] = "User-agent: *\nDisallow: /herald/private/\n"
    files["/subs.opml"] = opml([
        ("Local", [("Lakeside Herald", "/herald/rss.xml", "/herald/"),
                   ("Valley Courier", "/courier/atom.xml", "/courier/")]),
        ("Wire", [("Metro Wire", "/wire/rdf.xml", "/wire/")]),
        ("Other", [("Valley Courier Sports (moved)", "/moved/feed.xml", "/courier-sports/"),
                   ("Gone Gazette", "/gone/feed.xml", "/gone/"),
                   ("Hillside Bulletin", "/flaky/feed.xml", "/flaky/")])])
    return _finish(directory, files, routes, {
        "kind": "test", "slow_seconds": slow_seconds, "feeds": feeds, "pages": pages,
        "boilerplate": sorted({p for style in BOILERPLATE.values() for p in style}),
        "disallowed": sorted(p for p, page in pages.items() if page["disallowed"]),
        "disallow_prefixes": ["/herald/private/"], "slow": "/herald/slow.html",
        "huge": "/courier/huge.html", "incidents": chosen})


def _finish(directory: Path, files: dict[str, str], routes: dict, data: dict) -> SiteManifest:
    """Write the files and ``site.json``; robots.txt and subs.opml are among ``files``."""
    for path, ctype in (("/robots.txt", "text/plain; charset=utf-8"), ("/subs.opml", "text/x-opml")):
        routes[path] = {"kind": "file", "file": path[1:], "content_type": ctype,
                        "last_modified": http_date("2024-01-01")}
    for path, text in files.items():
        target = directory / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    manifest = SiteManifest(directory, {"version": 1, "placeholder": PLACEHOLDER, "routes": routes,
                                        "opml": "/subs.opml", "robots": "/robots.txt", **data})
    (directory / "site.json").write_text(json.dumps(manifest.data, indent=1))
    return manifest


def build_bench_site(directory: Path, *, feeds: int = 200, pages: int = 5000, data: Path = DATA,
                     outlets: int = 20) -> SiteManifest:
    """Write the bench site's manifest: ``feeds`` feeds over ``outlets`` outlets (every outlet
    has both RSS link-only and Atom full-content feeds), ``pages`` pages spread over them round robin.

    Page ``k`` is article ``k mod n`` followed by article ``k mod n + 1 + k div n`` under a
    numbered lead naming a place, so no two pages share more than one article (a 3-word
    shingle Jaccard well under storyline's 0.7) and near-duplicate detection folds none."""
    directory = Path(directory)
    articles = [a for name in ("gvc-dev-slice", "ecbplus-dev-slice")
                for a in read_articles(data / f"{name}.jsonl.gz") if len(a["text"].split()) > 40]
    n = len(articles)
    if pages > n * (n - 1):
        raise ValueError(f"at most {n * (n - 1)} distinct pages")
    outlets = min(outlets, feeds)
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    feed_paths, feed_table = [], {}
    for j in range(feeds):
        fmt = "rss" if j // outlets % 2 == 0 else "atom"
        feed_paths.append(path := f"/o{j % outlets:02d}/{fmt}-{j:03d}.xml")
        feed_table[path] = {"format": fmt, "content": "link-only" if fmt == "rss" else "full",
                            "outlet": f"Outlet {j % outlets:02d}", "entries": []}
    page_table, routes = {}, {}
    for k in range(pages):
        first, second = k % n, (k % n + 1 + k // n) % n
        feed = feed_paths[k % feeds]
        outlet = feed[2:4]
        place = PLACES[k % len(PLACES)]
        published = (start + timedelta(minutes=17 * k)).isoformat()
        a = articles[first]
        path = f"/o{outlet}/story-{k:05d}.html"
        page_table[path] = {
            "articles": [a["id"], articles[second]["id"]], "outlet": f"Outlet {outlet}",
            "incident": a.get("story"), "feed": feed, "disallowed": False, "published": published,
            "title": f"{a['title']} ({place} edition {k})",
            "lead": f"Dispatch {k:05d} from {place}: the Outlet {outlet} desk in {place} filed "
                    f"report number {k} of the {place} series on {published[:10]}."}
        routes[path] = {"kind": "bench-page", "content_type": HTML_TYPE, "last_modified": http_date(published)}
        feed_table[feed]["entries"].append(path)
    for path, feed in feed_table.items():
        last = page_table[feed["entries"][-1]]["published"] if feed["entries"] else start.isoformat()
        routes[path] = {"kind": "bench-feed", "content_type": FEED_TYPES[feed["format"]],
                        "last_modified": http_date(last)}
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "articles.json").write_text(json.dumps({a["id"]: a for a in articles}))
    groups: dict[str, list] = {}
    for path, feed in feed_table.items():
        groups.setdefault(feed["outlet"], []).append((f"{feed['outlet']} {path[5:-4]}", path, path[:5]))
    files = {"/robots.txt": "User-agent: *\nDisallow: /private/\n", "/subs.opml": opml(sorted(groups.items()))}
    return _finish(directory, files, routes, {
        "kind": "bench", "slow_seconds": 30, "feeds": feed_table, "pages": page_table,
        "boilerplate": sorted(set(BOILERPLATE["herald"] + BOILERPLATE["courier"])), "disallowed": [],
        "disallow_prefixes": ["/private/"], "slow": None, "huge": None})


def render_bench(manifest: SiteManifest, path: str) -> str:
    """A bench feed or page, generated from the manifest on request."""
    if path in manifest.feeds:
        feed = manifest.feeds[path]
        entries = [{"path": p, "title": manifest.pages[p]["title"], "published": manifest.pages[p]["published"],
                    "paragraphs": manifest.paragraphs(p) if feed["content"] == "full" else None}
                   for p in feed["entries"]]
        return FEED_WRITERS[feed["format"]](feed["outlet"], path, path[:5], entries)
    page = manifest.pages[path]
    style = "herald" if int(path[2:4]) % 2 == 0 else "courier"
    return render_page(style, page["outlet"], path, page["title"], page["published"],
                       manifest.paragraphs(path), [])


class SiteServer(ThreadingHTTPServer):
    """Serves a built site; holds the per-process state (flaky counters, in-flight counts)."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up mid-answer (the size cap on the huge page) is expected."""
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)

    def __init__(self, directory: Path, log_path: Path, slow_seconds: float | None):
        super().__init__(("127.0.0.1", 0), SiteHandler)
        self.manifest = SiteManifest.load(directory)
        self.slow_seconds = self.manifest.data["slow_seconds"] if slow_seconds is None else slow_seconds
        self.base = f"http://127.0.0.1:{self.server_address[1]}"
        self.lock = threading.Lock()
        self.log = open(log_path, "a", encoding="utf-8")
        self.in_flight: dict[str, int] = {}
        self.hits: dict[str, int] = {}
        self.bodies: dict[str, tuple[bytes, str]] = {}

    def body(self, path: str, route: dict) -> tuple[list[bytes], str]:
        """The served bytes in pieces (placeholder replaced) and their ETag, cached; the huge
        page is one small chunk repeated, so it is never held whole in memory."""
        if path not in self.bodies:
            if route["kind"] == "huge":
                paragraphs = [p for p in route["text"].split("\n\n") if p.strip()]
                page = render_page("courier", "Valley Courier", path, route["title"], route["published"],
                                   paragraphs, []).replace(PLACEHOLDER, self.base)
                top, bottom = (part.encode() for part in page.split("</article>", 1))
                chunk = ("".join(f"<p>{_esc(p)}</p>\n" for p in paragraphs) * 8).encode()
                pieces = [top] + [chunk] * -(-(route["bytes"] - len(page)) // len(chunk)) + [b"</article>" + bottom]
                digest = hashlib.sha1(top + chunk + bottom + str(len(pieces)).encode())
            else:
                if route["kind"].startswith("bench"):
                    text = render_bench(self.manifest, path)
                else:
                    text = (self.manifest.directory / route["file"]).read_text(encoding="utf-8")
                pieces = [text.replace(PLACEHOLDER, self.base).encode("utf-8")]
                digest = hashlib.sha1(pieces[0])
            self.bodies[path] = (pieces, '"' + digest.hexdigest()[:20] + '"')
        return self.bodies[path]

    def record(self, line: dict) -> None:
        with self.lock:
            self.log.write(json.dumps(line) + "\n")
            self.log.flush()


class SiteHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "NewsSite/1.0"

    def log_message(self, format, *args):
        """Silent: every request goes to the JSON log instead."""

    def do_GET(self):
        self.answer(head=False)

    def do_HEAD(self):
        self.answer(head=True)

    def answer(self, head: bool) -> None:
        site: SiteServer = self.server
        host = self.headers.get("Host", "")
        start = time.time()
        with site.lock:
            site.in_flight[host] = in_flight = site.in_flight.get(host, 0) + 1
        self.status, self.sent = 0, 0
        try:
            self.dispatch(head)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            with site.lock:
                site.in_flight[host] -= 1
            parts = urlsplit(self.path)
            site.record({"method": self.command, "path": parts.path, "query": parts.query,
                         "headers": dict(self.headers.items()), "status": self.status,
                         "start": start, "end": time.time(), "bytes": self.sent,
                         "in_flight": in_flight, "host": host})

    def send(self, status: int, body: bytes = b"", head: bool = False, pieces=None, **headers) -> None:
        self.status = status
        pieces = [body] if pieces is None else pieces
        self.send_response(status)
        headers = {"Content-Type": "text/plain; charset=utf-8",
                   **{name.replace("_", "-"): value for name, value in headers.items()}}
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(sum(map(len, pieces))))
        self.end_headers()
        for piece in [] if head else pieces:
            self.wfile.write(piece)
            self.sent += len(piece)

    def dispatch(self, head: bool) -> None:
        site: SiteServer = self.server
        path = urlsplit(self.path).path
        route = site.manifest.routes.get(path)
        if route is None:
            return self.send(404, b"not found\n", head)
        kind = route["kind"]
        if kind == "redirect":
            return self.send(route["status"], b"moved\n", head, Location=site.base + route["location"])
        if kind == "gone":
            return self.send(410, b"gone\n", head)
        if kind == "flaky":
            with site.lock:
                site.hits[path] = hits = site.hits.get(path, 0) + 1
            if hits <= route.get("failures", 1):
                return self.send(500, b"internal error\n", head)
        if kind == "slow":
            time.sleep(site.slow_seconds)
        pieces, etag = site.body(path, route)
        self.conditional(pieces, etag, route["last_modified"], head, route["content_type"])

    def conditional(self, pieces: list[bytes], etag: str, last_modified: str, head: bool,
                    ctype: str) -> None:
        """200, or 304 when If-None-Match matches (or, without it, If-Modified-Since is not older)."""
        inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
        if inm is not None:
            fresh = bool({"*", etag} & {t.strip().removeprefix("W/") for t in inm.split(",")})
        else:
            since = _moment_of(ims or "")
            fresh = since is not None and parsedate_to_datetime(last_modified) <= since
        self.send(304 if fresh else 200, head=head, pieces=[] if fresh else pieces, ETag=etag,
                  Last_Modified=last_modified, Content_Type=ctype)


def serve(directory: Path, port_file: Path, log_path: Path, slow_seconds: float | None) -> None:
    server = SiteServer(directory, log_path, slow_seconds)
    partial = port_file.with_name(port_file.name + ".partial")
    partial.write_text(str(server.server_address[1]))
    os.replace(partial, port_file)
    try:
        server.serve_forever()
    finally:
        server.server_close()


class NewsSite:
    """The site's server process, started and stopped from a test (or bench) process."""

    def __init__(self, directory: Path, slow_seconds: float | None = None):
        """``slow_seconds`` None keeps the site's own (``site.json``, 30 unless built otherwise)."""
        self.directory = Path(directory)
        self.slow_seconds = slow_seconds
        self.manifest = SiteManifest.load(self.directory)
        self.process: subprocess.Popen | None = None
        self.base = ""

    def __enter__(self) -> "NewsSite":
        self.run_dir = Path(tempfile.mkdtemp(prefix="serve-", dir=self.directory))
        self.port_file, self.log_path = self.run_dir / "port", self.run_dir / "requests.jsonl"
        self.log_path.touch()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.newssite", "serve", str(self.directory),
             "--port-file", str(self.port_file), "--log", str(self.log_path)]
            + ([] if self.slow_seconds is None else ["--slow-seconds", str(self.slow_seconds)]),
            cwd=ROOT, env=env)
        deadline = time.monotonic() + 10
        while not self.port_file.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise RuntimeError("the news site server did not start")
            time.sleep(0.02)
        self.base = f"http://127.0.0.1:{int(self.port_file.read_text())}"
        return self

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def url(self, path: str) -> str:
        return self.base + path

    def requests(self) -> list[dict]:
        """The requests answered so far, in the order they finished."""
        lines = self.log_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.endswith("}")]

    def max_in_flight(self) -> int:
        """The most requests the server was handling at once (each counts itself)."""
        return max((r["in_flight"] for r in self.requests()), default=0)

    def opml_path(self) -> Path:
        """A copy of ``subs.opml`` with the real base URL, for commands that read a file."""
        target = self.run_dir / "subs.opml"
        text = (self.directory / "subs.opml").read_text(encoding="utf-8")
        target.write_text(text.replace(PLACEHOLDER, self.base), encoding="utf-8")
        return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.newssite", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serving = commands.add_parser("serve", help="serve a built site")
    serving.add_argument("directory", type=Path)
    serving.add_argument("--port-file", type=Path, required=True)
    serving.add_argument("--log", type=Path, required=True)
    serving.add_argument("--slow-seconds", type=float)
    building = commands.add_parser("build", help="build the test site (or --bench site)")
    building.add_argument("directory", type=Path)
    building.add_argument("--bench", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "serve":
        serve(args.directory, args.port_file, args.log, args.slow_seconds)
    else:
        (build_bench_site if args.bench else build_site)(args.directory)
        print(args.directory)


if __name__ == "__main__":
    main()
