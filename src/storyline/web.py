"""The web pages of the newsroom service: stories, a story's brief, an article, search,
the feeds subscribed to, the follows (and their Atom feeds).

Server-rendered with Jinja2 (autoescaped); the only script highlights a citation's
sentence in its source. Pages send a Content-Security-Policy that allows no inline script,
so even text that slipped past escaping could not run.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from itertools import groupby
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from .errors import NotFoundError
from .library import highlight_pieces
from .render import BRIEF_CSS, mark_spans, render_brief_html

_HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(_HERE / "templates"))
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
PAGE_SIZE = 30
_ENTITY_CLASSES = {"PERSON": "person", "ORG": "org", "GPE": "place", "LOC": "place",
                   "FAC": "place"}


def _page(request: Request, template: str, status: int = 200, headers: dict | None = None,
          **context) -> HTMLResponse:
    response = templates.TemplateResponse(request, template, context, status_code=status,
                                          headers=headers)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def error_page(request: Request, status: int, message: str,
               headers: dict | None = None) -> HTMLResponse:
    return _page(request, "error.html", status=status, headers=headers, status_code=status,
                 message=message)


def highlighted(text: str, spans: list[list[int]]) -> Markup:
    """Escaped text with ``<mark>`` around the given [start, end) offsets."""
    return Markup("").join(Markup("<mark>%s</mark>") % piece if match else escape(piece)
                           for piece, match in highlight_pieces(text, spans))


def safe_href(url: str | None) -> str | None:
    """``url`` when it is http or https (fit for an ``href``), else None: a feed names its
    own site, and a ``javascript:`` link there must not become one here."""
    try:
        scheme = urlsplit(url or "").scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None


def when(stamp: str | None) -> str:
    """An ISO 8601 time as shown on a page: ``2024-02-05 14:30`` (UTC)."""
    if not stamp:
        return ""
    day, _, time = stamp.partition("T")
    return f"{day} {time[:5]}".strip()


def every_text(seconds: int | None) -> str:
    """A fixed polling interval as written on the command line: ``30m``, ``2h``, ``1h30m``."""
    parts = []
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m"), (1, "s")):
        count, seconds = divmod(seconds or 0, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def feed_groups(feeds: list) -> list[tuple[str | None, list]]:
    """Feeds by category (the library lists them so: uncategorised first), each group by
    title."""
    return [(category, list(group)) for category, group in groupby(feeds, lambda f: f.category)]


def story_articles(brief: dict, sources) -> list[dict]:
    """A story's articles as the coverage picture draws them, each under the label its
    brief source shows (a copy: its own outlet, else its original's label)."""
    labels = {src.get("article_id"): src.get("label") for src in brief.get("sources") or ()}
    for src in brief.get("sources") or ():
        for aid in src.get("duplicates") or ():
            labels.setdefault(aid, src.get("label"))
    return [{"id": s.article_id,
             "outlet": (s.outlet or labels.get(s.article_id)) if s.duplicate_of
             else labels.get(s.article_id) or s.outlet,
             "published": s.published, "duplicate_of": s.duplicate_of} for s in sources]


def _title(library, story_id: str) -> str | None:
    """A followed story's title; None for one that is gone."""
    try:
        return library.story(story_id).title
    except NotFoundError:
        return None


def _article_marks(annotation) -> list[tuple]:
    marks = []
    for entity in annotation.entities:
        kind = _ENTITY_CLASSES.get(entity.type, "other")
        for m in entity.mentions:
            marks.append((m.start, m.end, f"ent {kind}", entity.id, f"{entity.name} ({entity.type})"))
    for i, quote in enumerate(annotation.quotes):
        who = quote.speaker or "unattributed"
        marks.append((quote.span.start, quote.span.end, "quote", f"q{i}",
                      f"{quote.kind} quote: {who}"))
    for event in annotation.events:
        s = event.expression_span
        marks.append((s.start, s.end, "date", "", f"{event.expression} = {event.date}"))
    return marks


def mount_web(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(_HERE / "static")), name="static")

    borrow = app.state.libraries.borrow

    @app.get("/assets/brief.css", include_in_schema=False)
    def brief_css() -> Response:
        return Response(BRIEF_CSS, media_type="text/css",
                        headers={"Cache-Control": "public, max-age=3600"})

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request, cursor: str | None = None) -> HTMLResponse:
        with borrow() as library:
            page = library.story_page(limit=PAGE_SIZE, cursor=cursor)
            articles = library.counts().articles if not page.stories and not cursor else None
        empty_hint = None
        if articles is not None:
            empty_hint = ("No articles yet: run `storyline ingest FILES` or POST to /api/articles."
                          if not articles else
                          f"{articles} articles are in no story yet: run `storyline annotate`.")
        return _page(request, "home.html", page=page, empty_hint=empty_hint)

    @app.get("/feeds", response_class=HTMLResponse, include_in_schema=False)
    def feeds(request: Request) -> HTMLResponse:
        with borrow() as library:
            found = library.feeds()
        states = {state: sum(f.state == state for f in found)
                  for state in ("active", "backing off", "gone")}
        return _page(request, "feeds.html", groups=feed_groups(found), total=len(found),
                     states=states, safe_href=safe_href, when=when, every_text=every_text)

    @app.get("/search", response_class=HTMLResponse, include_in_schema=False)
    def search(request: Request, q: str = "") -> HTMLResponse:
        if not q.strip():
            return _page(request, "search.html", q=q, stories=[], hits=[])
        with borrow() as library:
            stories = library.stories(query=q, limit=10)
            hits = library.search(q, limit=30)
        shown = [{**hit.to_dict(), "snippet_html": highlighted(hit.snippet, hit.highlights),
                  "title_html": highlighted(hit.title or hit.article_id, hit.title_highlights)}
                 for hit in hits]
        return _page(request, "search.html", q=q, stories=stories, hits=shown)

    @app.get("/stories/{story_id}", response_class=HTMLResponse, include_in_schema=False)
    def story(request: Request, story_id: str) -> HTMLResponse:
        with borrow() as library:
            brief = json.loads(library.brief_json(story_id))
            ids = [s["article_id"] for s in brief["sources"]]
            ids += [d for s in brief["sources"] for d in s.get("duplicates") or ()]
            bodies = library.bodies(ids)
            articles = story_articles(brief, library.story(story_id).sources)
        html = render_brief_html(brief, bodies, texts=True, article_href="/articles/{id}",
                                 articles=articles)
        return _page(request, "story.html", brief=brief, brief_html=Markup(html))

    @app.get("/stories/{story_id}/updates.atom", include_in_schema=False)
    def story_updates_atom(request: Request, story_id: str) -> Response:
        """Atom: one entry per change of the story's brief, what changed as HTML."""
        from .atom import updates_atom
        from .brief.updates import iso_time

        with borrow() as library:
            brief = json.loads(library.brief_json(story_id))  # keeps a version if it changed
            history = library.update_history(story_id)
        story_url = str(request.url_for("story", story_id=brief["story_id"]))
        generated = iso_time(datetime.now(timezone.utc))
        body = updates_atom(brief["story_id"], brief["title"], history,
                            self_url=str(request.url), story_url=story_url, generated=generated)
        return Response(body, media_type="application/atom+xml")

    @app.get("/follows", response_class=HTMLResponse, include_in_schema=False)
    def follows(request: Request) -> HTMLResponse:
        with borrow() as library:
            shown = [{**f.to_dict(), "stories": [{"story_id": s, "title": _title(library, s)}
                                                  for s in f.stories]}
                     for f in library.follows()]
        return _page(request, "follows.html", follows=shown, when=when)

    @app.get("/follows/{follow_id}.atom", include_in_schema=False)
    def follow_atom(request: Request, follow_id: str) -> Response:
        """Atom: one entry per version of each followed story's brief kept since the follow
        was made."""
        from .atom import follow_atom
        from .brief.updates import iso_time
        from .follows import follow_label

        with borrow() as library:
            item, history = library.follow_history(follow_id)
        body = follow_atom(item.id, f"Follow: {follow_label(item)}", history,
                           self_url=str(request.url), page_url=str(request.url_for("follows")),
                           story_url=str(request.url_for("story", story_id="{id}")).replace(
                               "%7Bid%7D", "{id}"),
                           generated=iso_time(datetime.now(timezone.utc)))
        return Response(body, media_type="application/atom+xml")

    @app.get("/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False)
    def article(request: Request, article_id: str) -> HTMLResponse:
        with borrow() as library:
            found = library.article_detail(article_id)
        annotation, body = found.annotation, found.article.body
        marks = _article_marks(annotation) if annotation else []
        return _page(request, "article.html", article=found.article, annotation=annotation,
                     story_id=found.story_id, body_html=Markup(mark_spans(body, marks)))
