"""The newsroom service: a JSON API and web pages over one archive, a thin shell over
:class:`~storyline.Library`.

    storyline serve --db news.db            # or: uvicorn --factory storyline.server:app_from_env

A cached brief is read on the event loop; other reads run on a pool of threads; each read
borrows a SQLite connection of its own from a pool (WAL lets them read while a write is under
way); writes go through one lock. Every error storyline raises is
mapped to an HTTP status here and nowhere else: JSON under ``/api``, a page elsewhere.
Writes need ``Authorization: Bearer <token>`` with the token the server was started with
(``$STORYLINE_TOKEN``); without one, writes are refused. A posted body may come
gzip-compressed (``Content-Encoding: gzip``); the body limit holds for it as received and as
decoded. Every GET route answers HEAD too: the GET's status and headers, without the body.
"""

from __future__ import annotations

import io
import json
import os
import queue
import secrets
import threading
import zlib
from collections.abc import Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Annotated, Optional

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import __version__
from .errors import (EngineError, InputError, MissingDependencyError, ModelMissingError, NotFoundError,
                     StoreError, StorylineError)
from .library import Library

DEFAULT_MAX_BODY = 16 * 1024 * 1024
TOKEN_ENV = "STORYLINE_TOKEN"
_HERE = Path(__file__).parent
_WRITES_DISABLED = (f"writes are disabled: start the server with {TOKEN_ENV} set to a secret, "
                    "then send it as 'Authorization: Bearer <token>'")
_JSONL_TYPES = ("application/x-ndjson", "application/jsonl", "application/x-jsonlines",
                "application/json-lines", "text/plain")
_GZIP = ("gzip", "x-gzip")
_INFLATE_STEP = 64 * 1024  # the most a gzip body inflates by at a time


class HeadAsGet:
    """ASGI middleware that answers a HEAD as the app answers a GET to the same URL, with the
    same status and headers (Content-Type, Content-Length, ...) and no body: FastAPI's GET
    routes do not take HEAD themselves. A path with no GET route answers 405 as it would a
    GET; the app sees the request as a GET."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            kind = message["type"]
            if kind in ("http.response.body", "http.response.zerocopysend"):
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b""})
            elif kind == "http.response.pathsend":  # a file response's whole body
                await send({"type": "http.response.body", "body": b""})
            else:  # the status and headers, trailers
                await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_without_body)


class Libraries:
    """A pool of :class:`Library` objects on one file, each with its own SQLite connection
    (a connection must not serve two threads at once), and the lock every write takes.
    The pool grows to the number of requests served at once and keeps them for the next."""

    def __init__(self, path: str):
        self.path = path
        self.write_lock = threading.Lock()
        self._idle: queue.SimpleQueue[Library] = queue.SimpleQueue()
        self._all: list[Library] = []
        self._guard = threading.Lock()
        self._idle.put(self._open())  # a bad file is reported at startup, not on a request

    def _open(self) -> Library:
        lib = Library(self.path)
        with self._guard:
            self._all.append(lib)
        return lib

    @contextmanager
    def borrow(self) -> Iterator[Library]:
        try:
            lib = self._idle.get_nowait()
        except queue.Empty:
            lib = self._open()
        try:
            yield lib
        finally:
            self._idle.put(lib)

    def close(self) -> None:
        with self._guard:
            for lib in self._all:
                lib.close()
            self._all.clear()


def _status(error: StorylineError) -> int:
    """404 for an unknown id, 500 for what the server lacks, 400 for the rest (bad input,
    a bad query or cursor)."""
    if isinstance(error, NotFoundError):
        return 404
    if isinstance(error, (EngineError, MissingDependencyError, ModelMissingError, StoreError)):
        return 500
    return 400


def _message(error: StorylineError) -> str:
    """What a response says of an error; a query parameter the library refused (a
    ``since`` or ``published`` that is no date) is named as a bad query."""
    if isinstance(error, InputError) and error.field:
        return f"bad query: {error.field}: {error.message}"
    return str(error)


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith(("/api/", "/healthz", "/openapi"))


def _error_response(request: Request, status: int, message: object,
                    headers: dict | None = None) -> Response:
    if _wants_html(request):
        from .web import error_page

        return error_page(request, status, str(message), headers=headers)
    return JSONResponse({"detail": message}, status_code=status, headers=headers)


def _is_gzip(request: Request) -> bool:
    """Whether the body is gzip-compressed (``Content-Encoding: gzip`` or ``x-gzip``) or
    plain (no Content-Encoding, or ``identity``); 415 for any other coding, or several."""
    codings = [c.strip().lower() for value in request.headers.getlist("content-encoding")
               for c in value.split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if not codings:
        return False
    if len(codings) == 1 and codings[0] in _GZIP:
        return True
    raise HTTPException(415, f"cannot decode Content-Encoding {', '.join(codings)!r}: send the "
                             "body plain (no Content-Encoding, or identity) or gzip-compressed "
                             "(gzip or x-gzip)", headers={"Accept-Encoding": "gzip"})


class _Gunzip:
    """Decodes a gzip stream (one member or several, one after another) fed in pieces,
    raising ``too_big`` the moment the output would pass ``limit`` bytes in all, before
    inflating further, and 400 for input that is not gzip or ends early."""

    def __init__(self, limit: int, too_big: HTTPException):
        self.limit, self.too_big, self.size, self.fed = limit, too_big, 0, False
        self.decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        self.fed = self.fed or bool(data)
        while True:
            if self.decoder.eof and data:  # what follows a member must be another member
                self.decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
            # at most one byte over what is left, so passing the limit shows, and at most a
            # step at once, so a bomb never inflates far past the limit
            step = min(self.limit - self.size + 1, _INFLATE_STEP)
            try:
                out = self.decoder.decompress(data, step)
            except zlib.error as exc:
                raise HTTPException(400, "request body is not valid gzip: "
                                         f"{str(exc).partition(': ')[2] or exc}") from None
            self.size += len(out)
            if self.size > self.limit:
                raise self.too_big
            if out:
                yield out
            data = self.decoder.unused_data if self.decoder.eof else self.decoder.unconsumed_tail
            # a full step may leave output pending in zlib: ask again, with no more input
            if not data and (self.decoder.eof or len(out) < step):
                return

    def close(self) -> None:
        """400 unless the input ended where a gzip member does."""
        if not self.decoder.eof:
            raise HTTPException(400, "request body is not valid gzip: " + (
                "it ends before the gzip stream does (cut short?)" if self.fed else "it is empty"))


async def _read_body(request: Request, limit: int) -> bytes:
    """The request body, decoded if it is gzip-compressed; 413 as soon as it is known to be
    over ``limit`` bytes, as received or as decoded."""
    def too_big(when: str = "") -> HTTPException:
        return HTTPException(413, f"request body over the limit of {limit:,} bytes{when}; "
                                  "send the articles in several requests")

    gunzip = _Gunzip(limit, too_big(" once decoded")) if _is_gzip(request) else None
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_big()
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_big()
        chunks.extend(gunzip.feed(chunk) if gunzip else (chunk,))
    if gunzip:
        gunzip.close()
    return b"".join(chunks)


def _check_token(request: Request, token: str | None) -> None:
    if not token:
        raise HTTPException(403, _WRITES_DISABLED)
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secrets.compare_digest(given.strip().encode(),
                                                                token.encode()):
        raise HTTPException(401, "missing or wrong token: send 'Authorization: Bearer <token>' "
                                 f"with the server's {TOKEN_ENV}",
                            headers={"WWW-Authenticate": "Bearer"})


_FEEDS_BODY_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "urls": {"type": "array", "items": {"type": "string"}, "minItems": 1,
                 "description": "Feed URLs (http or https)."},
        "url": {"type": "string", "description": "One feed URL, instead of (or as well as) "
                                                 "`urls`."},
        "every": {"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}],
                  "description": 'Poll this often: seconds, or "30m", "2h", "1d".'},
        "outlet": {"type": ["string", "null"], "description": "Outlet of their articles "
                                                              "(default: the feed's title)."},
        "category": {"type": ["string", "null"]},
    },
    "example": {"urls": ["https://example.com/feed.xml"], "every": "30m", "category": "Local"},
}


def _feeds_body(body: bytes) -> tuple[list[str], dict]:
    """The URLs and options of a ``POST /api/feeds`` body; 400 naming what is wrong."""
    def bad(message: str) -> HTTPException:
        return HTTPException(400, f"bad request: {message}")

    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad(f"body: not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise bad('body: send a JSON object such as {"urls": ["https://example.com/feed.xml"]}')
    unknown = sorted(set(data) - set(_FEEDS_BODY_SCHEMA["properties"]))
    if unknown:
        raise bad(f"body: unknown field{'s' if len(unknown) > 1 else ''} "
                  f"{', '.join(map(repr, unknown))} (known: urls, url, every, outlet, category)")
    urls = data.get("urls", [])
    if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
        raise bad("urls: must be a list of URL strings")
    if "url" in data:
        if not isinstance(data["url"], str):
            raise bad("url: must be a URL string")
        urls = [data["url"], *urls]
    if not urls:
        raise bad('url: give the feeds to add as "urls" (a list) or "url"')
    every = data.get("every")
    if isinstance(every, bool) or not isinstance(every, (str, int, type(None))):
        raise bad('every: must be seconds (a number) or text such as "30m", "2h", "1d"')
    if isinstance(every, int) and every <= 0:
        raise bad(f"every: {every} is not a positive number of seconds")
    # seconds as text, so the library holds them to the shortest interval as it does text
    options = {"every": f"{every}s" if isinstance(every, int) else every}
    for name in ("outlet", "category"):
        value = data.get(name)
        if not isinstance(value, (str, type(None))):
            raise bad(f"{name}: must be a string")
        options[name] = value.strip() or None if isinstance(value, str) else None
    return urls, options


_FOLLOW_BODY_SCHEMA = {
    "type": "object", "additionalProperties": False, "minProperties": 1, "maxProperties": 1,
    "properties": {"story_id": {"type": "string"}, "query": {"type": "string"},
                   "entity": {"type": "string"}},
    "example": {"entity": "Sadiq Khan"},
}


def _follow_body(body: bytes) -> dict:
    """The one field of a ``POST /api/follows`` body; 400 naming what is wrong."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise HTTPException(400, f"bad request: body: not JSON ({exc})") from None
    known = _FOLLOW_BODY_SCHEMA["properties"]
    if not isinstance(data, dict) or len(data) != 1 or not set(data) <= set(known):
        raise HTTPException(400, 'bad request: body: send one of story_id, query or entity, '
                                 'e.g. {"entity": "Sadiq Khan"}')
    (field, value), = data.items()
    if not isinstance(value, str):
        raise HTTPException(400, f"bad request: {field}: must be a string")
    return {field: value}


def create_app(db: str | Path, *, token: str | None = None,
               max_body: int = DEFAULT_MAX_BODY, annotate_jobs: int = 1) -> FastAPI:
    """The service over the archive at ``db``. ``token`` enables writes (None: read-only);
    ``max_body`` caps a request body in bytes; ``annotate_jobs`` processes annotate posted
    articles."""
    libraries = Libraries(str(db))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        libraries.close()

    app = FastAPI(title="storyline", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None,
                  description="Stories from many outlets, with briefs whose every line "
                              "cites a source. Reads are open; writes need a bearer token.")
    app.state.libraries = libraries
    app.add_middleware(HeadAsGet)

    @app.exception_handler(StorylineError)
    async def storyline_error(request: Request, exc: StorylineError) -> Response:
        return _error_response(request, _status(exc), _message(exc))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return _error_response(request, exc.status_code, exc.detail, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:]) or e['loc'][0]}: {e['msg']}"
                             for e in exc.errors())
        return _error_response(request, 400, f"bad request: {problems}")

    # -- the JSON API ------------------------------------------------------------------------

    @app.get("/healthz", tags=["service"])
    def healthz() -> dict:
        """Liveness, and what the archive holds."""
        with libraries.borrow() as library:
            health = library.health()
        return {**health.to_dict(), "writes": "enabled" if token else "disabled"}

    @app.get("/api/stories", tags=["stories"])
    def list_stories(
        request: Request,
        since: Annotated[Optional[str], Query(description="Only stories with an article "
                                              "published on or after this date.")] = None,
        q: Annotated[Optional[str], Query(description="Only stories with an article that "
                                          "matches this FTS5 query.")] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        cursor: Annotated[Optional[str], Query(description="`next_cursor` of the page "
                                               "before.")] = None,
    ) -> dict:
        """Stories, most recently published first: the objects of `storyline stories --json`."""
        with libraries.borrow() as library:
            page = library.story_page(since=since, query=q, limit=limit, cursor=cursor)
        next_url = (str(request.url.include_query_params(cursor=page.next_cursor))
                    if page.next_cursor else None)
        return {"stories": [s.to_dict() for s in page.stories], "next_cursor": page.next_cursor,
                "next": next_url}

    @app.get("/api/stories/{story_id}", tags=["stories"])
    def get_story(story_id: str) -> dict:
        """One story and its articles (a merged story's old id resolves to it)."""
        with libraries.borrow() as library:
            return library.story(story_id).to_dict()

    @app.get("/api/stories/{story_id}/brief", tags=["stories"],
             responses={200: {"description": "The brief, as brief.schema.json."}})
    async def get_brief(story_id: str) -> Response:
        """The story's brief (brief.schema.json), cached until the story changes."""
        # a cache hit is one indexed read, answered on the event loop; building one (tens
        # of milliseconds) goes to a worker thread
        with libraries.borrow() as library:
            data = library.brief_json(story_id, build=False)
        if data is None:
            data = await run_in_threadpool(_build_brief, story_id)
        return Response(data, media_type="application/json")

    def _build_brief(story_id: str) -> str:
        with libraries.borrow() as library:
            return library.brief_json(story_id)

    @app.get("/api/stories/{story_id}/updates", tags=["stories"],
             responses={200: {"description": "What changed, as updates.schema.json."}})
    def get_updates(
        story_id: str,
        since: Annotated[str, Query(description="An ISO time (UTC unless it says), or a "
                                    "duration back from now: 30m, 6h, 2d.")],
    ) -> dict:
        """What changed in the story since a time (updates.schema.json): new sources, facts
        new, newly corroborated or newly disputed, quotes of new speakers, new timeline
        entries and the new sentences of revised articles, each cited as in the brief."""
        with libraries.borrow() as library:
            return library.updates(story_id, since)

    @app.get("/api/articles/{article_id}", tags=["articles"])
    def get_article(article_id: str, annotations: bool = False) -> dict:
        """One article's current revision with its body (and what annotation read in it)."""
        with libraries.borrow() as library:
            found = library.article_detail(article_id, annotation=annotations)
        return found.to_dict()

    @app.get("/api/search", tags=["articles"])
    def search(
        q: Annotated[str, Query(description='FTS5 query: words, "phrases", AND, OR, NOT, '
                                'prefix*.')],
        limit: Annotated[int, Query(ge=1, le=200)] = 20,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict:
        """Articles whose title or body match, best first, with a snippet and the offsets
        of the matches in it (`highlights`)."""
        with libraries.borrow() as library:
            hits = library.search(q, limit=limit, offset=offset)
        return {"query": q, "results": [h.to_dict() for h in hits]}

    @app.post("/api/articles", tags=["articles"])
    async def post_articles(
        request: Request,
        outlet: Annotated[Optional[str], Query(description="Outlet for records that name "
                                               "none.")] = None,
        published: Annotated[Optional[str], Query(description="Date for records that give "
                                                  "none.")] = None,
    ) -> JSONResponse:
        """Ingest articles: a JSON object or array (`Content-Type: application/json`) or
        JSON Lines (`application/x-ndjson`), the records `storyline ingest` reads. Answers
        the ingest summary with one error per bad record; 400 when nothing could be read.
        The body may be gzip-compressed (`Content-Encoding: gzip`); the body limit holds
        for it as sent and as decoded (413)."""
        _check_token(request, token)
        kind = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
        if kind == "application/json":
            name = "request.json"
        elif kind in _JSONL_TYPES:
            name = "request.jsonl"
        else:
            raise HTTPException(415, f"cannot read {kind!r}: send application/json (an object "
                                     "or an array) or application/x-ndjson (JSON Lines)")
        body = await _read_body(request, max_body)

        def ingest() -> dict:
            with libraries.write_lock, libraries.borrow() as library:
                report = library.ingest(["-"], stdin=io.BytesIO(body), stdin_name=name,
                                      outlet=outlet, published=published,
                                      jobs=annotate_jobs)
            return {"summary": report.summary(), **report.to_dict()}

        result = await run_in_threadpool(ingest)
        stored = result["new"] + result["revised"] + result["unchanged"] + result["duplicates"]
        return JSONResponse(result, status_code=400 if result["errors"] and not stored else 200)

    @app.get("/api/feeds", tags=["feeds"])
    def list_feeds() -> dict:
        """Every feed subscription with its health, by category and title: the objects of
        `storyline feeds --json`."""
        with libraries.borrow() as library:
            feeds = library.feeds()
        return {"feeds": [f.to_dict() for f in feeds]}

    @app.post("/api/feeds", tags=["feeds"],
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/json": {"schema": _FEEDS_BODY_SCHEMA}}}})
    async def post_feeds(request: Request) -> dict:
        """Subscribe to feeds: a JSON object `{"urls": [...], "every": "30m", "outlet": ...,
        "category": ...}` (or one `"url"`). `every` (seconds, or "30m", "2h", "1d") fixes
        how often they are polled instead of following how often they publish. Adding a
        feed again makes it active and due now. Answers the added feeds; 400 naming the
        field when a URL, the interval or the body is bad (then none is added)."""
        _check_token(request, token)
        kind = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
        if kind != "application/json":
            raise HTTPException(415, f"cannot read {kind!r}: send application/json, an object "
                                     'such as {"urls": ["https://example.com/feed.xml"]}')
        urls, options = _feeds_body(await _read_body(request, max_body))

        def add() -> list[dict]:
            with libraries.write_lock, libraries.borrow() as library:
                return [f.to_dict() for f in library.add_feeds(urls, **options)]

        try:
            added = await run_in_threadpool(add)
        except InputError as exc:
            where = f"{exc.field}: " if exc.field else ""
            raise HTTPException(_status(exc), f"bad request: {where}{exc.message}") from None
        return {"feeds": added}

    @app.get("/api/follows", tags=["follows"])
    def list_follows() -> dict:
        """Every follow, oldest first: the objects of `storyline follows --json`."""
        with libraries.borrow() as library:
            return {"follows": [f.to_dict() for f in library.follows()]}

    @app.post("/api/follows", tags=["follows"],
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/json": {"schema": _FOLLOW_BODY_SCHEMA}}}})
    async def post_follow(request: Request) -> dict:
        """Follow a story, a search or a name: a JSON object with one of `story_id`,
        `query` (FTS5, as /api/search) or `entity` (a person's or organisation's name).
        Answers the follow; 404 for an unknown story, 400 naming the field for an empty
        one or a bad query."""
        _check_token(request, token)
        fields = _follow_body(await _read_body(request, max_body))

        def add() -> dict:
            with libraries.write_lock, libraries.borrow() as library:
                return library.follow(**fields).to_dict()

        try:
            return await run_in_threadpool(add)
        except InputError as exc:
            where = f"{exc.field}: " if exc.field else ""
            raise HTTPException(_status(exc), f"bad request: {where}{exc.message}") from None

    @app.delete("/api/follows/{follow_id}", tags=["follows"])
    def delete_follow(request: Request, follow_id: str) -> dict:
        """Stop following (404 for an unknown id)."""
        _check_token(request, token)
        with libraries.write_lock, libraries.borrow() as library:
            library.unfollow(follow_id)
        return {"deleted": follow_id}

    @app.get("/api/follows/{follow_id}/digest", tags=["follows"])
    def get_digest(
        follow_id: str,
        since: Annotated[Optional[str], Query(description="last (the follow's last digest, "
                                              "or when it was made), an ISO time or a "
                                              "duration back from now: 30m, 6h, 2d.")] = None,
    ) -> dict:
        """What is new for one follow, as `storyline digest --json` says it: its stories'
        updates, and for a search or a name the stories it did not match before. A read: it
        does not move the follow's last digest (`storyline digest` does)."""
        with libraries.borrow() as library:
            return library.digest(since, follow=follow_id, remember=False)

    _mount_docs(app)
    from .web import mount_web

    mount_web(app)
    return app


def _mount_docs(app: FastAPI) -> None:
    """OpenAPI docs at /docs from the swagger-ui-bundle package, so they work offline."""
    from fastapi.openapi.docs import get_swagger_ui_html

    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:
        swagger_ui_path = None
    if swagger_ui_path:
        app.mount("/static/swagger", StaticFiles(directory=swagger_ui_path), name="swagger")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        if not swagger_ui_path:
            return HTMLResponse('<p>The API is described at <a href="/openapi.json">'
                                "/openapi.json</a> (pip install swagger-ui-bundle for this "
                                "page).</p>")
        return get_swagger_ui_html(openapi_url="/openapi.json", title="storyline API",
                                   swagger_js_url="/static/swagger/swagger-ui-bundle.js",
                                   swagger_css_url="/static/swagger/swagger-ui.css",
                                   swagger_favicon_url="/static/swagger/favicon-32x32.png")


def app_from_env() -> FastAPI:
    """The app for ``uvicorn --factory``: database from $STORYLINE_DB, token from
    $STORYLINE_TOKEN, body limit from $STORYLINE_MAX_BODY (bytes)."""
    from .library import default_db_path

    return create_app(default_db_path(), token=os.environ.get(TOKEN_ENV) or None,
                      max_body=int(os.environ.get("STORYLINE_MAX_BODY") or DEFAULT_MAX_BODY))
