"""One polling round: due feeds fetched (conditionally), their new entries queued in the
archive, then worked off a chunk at a time: full-content entries read as they are, the rest
fetched from their links (robots.txt honoured) and extracted, all through the same ingest as
files, one commit per chunk.

The queue is the archive's ``feed_entries`` table. A feed's ETag is stored in the same
transaction as the entries it brought, so a round that is killed loses nothing: the next one
finds the entries still pending, and an entry whose article was stored is never fetched
again. Network work and the engine's workers take turns (a chunk's pages are fetched, then
extracted), so worker processes are never forked beside fetching threads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from ..errors import InputError, Origin
from ..fetch import Fetcher, Request, Response
from ..readers.html import HtmlPage
from ..records import IngestReport, RawArticle
from ..results import Feed, RoundReport
from .entries import FeedEntry, entry_article_id, parse_feed
from .schedule import backoff, cache_seconds, next_interval

#: Entries whose page failed (timeout, network, a server error) are tried again in later
#: rounds, this many times in all.
MAX_ATTEMPTS = 3
#: Entries per chunk: fetched together, then ingested and committed together.
CHUNK = 100
#: Publication times kept per feed for its schedule.
KEEP_PUBLISHED = 20
#: Fetch outcomes that are worth another try in a later round.
_TRANSIENT = {"timeout", "network", "deferred"}


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


@dataclass
class _Job:
    """A queued entry on its way to becoming an article."""

    entry: FeedEntry
    feed_id: int | None
    outlet: str | None
    response: Response | None = None


def feed_checked(feed: Feed, response: Response, now: datetime,
                 published: Sequence[str] = (), ttl: str | None = None) -> dict:
    """The columns a feed gets from one check: its health and when it is due next.

    Errors back off exponentially but never stop the polling: miniflux stops after three,
    its users' most common complaint. A 410 is the one answer that stops it, until the feed
    is added again.
    """
    columns: dict = {"last_check": iso(now), "last_status": response.status}
    if response.kind in ("ok", "not-modified"):
        times = [_datetime(p) for p in published]
        interval = next_interval(every=feed.every, published=[t for t in times if t],
                                 cache_seconds=cache_seconds(response.headers, now, ttl))
        columns.update(last_error=None, consecutive_errors=0, state="active",
                       next_check=iso(now + timedelta(seconds=interval)))
        if response.kind == "ok":
            columns.update(etag=response.headers.get("etag"),
                           last_modified=response.headers.get("last-modified"))
            moved = response.moved_permanently
            if moved and moved != feed.url:
                columns["url"] = moved
        return columns
    if response.status == 410:
        columns.update(state="gone", next_check=None, consecutive_errors=feed.consecutive_errors + 1,
                       last_error="gone (HTTP 410): not polled again until added again")
        return columns
    errors = feed.consecutive_errors + 1
    wait = backoff(errors, retry_after=response.retry_after)
    columns.update(state="backing off", consecutive_errors=errors,
                   last_error=response.problem or f"HTTP {response.status}",
                   next_check=iso(now + timedelta(seconds=wait)))
    return columns


def _datetime(value: str | None) -> datetime | None:
    try:
        found = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    if found is not None and found.tzinfo is None:
        found = found.replace(tzinfo=timezone.utc)
    return found


class Round:
    """One round over some feeds (or some URLs), writing through ``store`` and reading
    articles in with ``ingest_items`` (the pipeline's ingest over a list of raw articles
    and pages, which commits them)."""

    def __init__(self, store, fetcher: Fetcher,
                 ingest_items: Callable[[list], IngestReport], *,
                 on_progress: Callable[[str, int, int], None] | None = None,
                 on_error: Callable[[InputError], None] | None = None,
                 stop: Callable[[], bool] = lambda: False, clock: Callable[[], datetime] = utcnow):
        self.store, self.fetcher, self.ingest_items = store, fetcher, ingest_items
        self.on_progress, self.on_error, self.stop, self.clock = on_progress, on_error, stop, clock
        self.report = RoundReport()

    def _error(self, error: InputError) -> None:
        self.report.errors.append(error)
        if self.on_error:
            self.on_error(error)

    def _progress(self, what: str, done: int, total: int) -> None:
        if self.on_progress:
            self.on_progress(what, done, total)

    def poll(self, feeds: Sequence[Feed]) -> RoundReport:
        """Check ``feeds``, then work off every queued entry (theirs and any left over)."""
        self.report.feeds = len(feeds)
        requests = [Request(f.url, etag=f.etag, last_modified=f.last_modified, key=f)
                    for f in feeds]
        for done, (request, response) in enumerate(self.fetcher.get_all(requests), start=1):
            self.report.requests += 1 + len(response.redirects)
            self._feed_answered(request.key, response)
            self._progress("feeds", done, len(feeds))
        self.work_queue()
        return self.report

    def _feed_answered(self, feed: Feed, response: Response) -> None:
        now = self.clock()
        if response.kind == "not-modified":
            self.report.unchanged += 1
        parsed = None
        if response.kind == "ok":
            parsed = parse_feed(response.content, response.final_url)
            if isinstance(parsed, InputError):
                response = _failed_as(response, parsed.message)
                parsed = None
        if response.kind not in ("ok", "not-modified"):
            self._error(InputError(Origin(feed.url), _feed_problem(response)))
        entries = parsed.entries if parsed else []
        published = list(feed.published)
        if parsed:
            published = sorted({*published, *(e.published for e in entries if e.published)})
            published = published[-KEEP_PUBLISHED:]
        columns = feed_checked(feed, response, now, published, parsed.ttl if parsed else None)
        if parsed:
            columns["published"] = published
            if not feed.title and parsed.title:
                columns["title"] = parsed.title
            if not feed.site_url and parsed.site_url:
                columns["site_url"] = parsed.site_url
        with self.store.transaction():
            if "url" in columns and self.store.feed(columns["url"]) is not None:
                del columns["url"]  # moved onto a feed already subscribed to
            self.store.update_feed(feed.id, **columns)
            for entry in entries:
                if self._known(entry):
                    continue
                self.store.put_entry(entry.key, feed_id=feed.id, url=entry.link,
                                     article_id=None, state="pending", entry=_with_outlet(
                                         entry, feed.outlet or feed.title or (parsed.title if parsed else None)))

    def _known(self, entry: FeedEntry) -> bool:
        """Whether an entry was seen before, or its article is stored by id or by URL."""
        return (self.store.entry(entry.key) is not None
                or self.store.has_article(entry_article_id(entry.key))
                or (entry.link is not None and self.store.article_with_url(entry.link) is not None))

    def queue_urls(self, urls: Iterable[str]) -> int:
        """Queue pages by URL (``storyline fetch``); those already stored are left out."""
        queued = 0
        with self.store.transaction():
            for url in urls:
                entry = FeedEntry(key=url, link=url, title=None, published=None, text="",
                                  full=False)
                if self._known(entry):
                    row = self.store.entry(url)
                    if row is None or row["state"] == "stored" or self.store.has_article(
                            entry_article_id(url)):
                        continue
                self.store.put_entry(url, feed_id=None, url=url, article_id=None,
                                     state="pending", entry=_with_outlet(entry, None))
                queued += 1
        return queued

    def work_queue(self) -> None:
        """Fetch and ingest every pending entry, and once each those worth another try
        (fewest attempts first), a chunk at a time, until the queue is empty or ``stop``."""
        done: set[str] = set()
        while not self.stop():
            rows = [row for row in self.store.entries_to_retry(
                        MAX_ATTEMPTS, limit=CHUNK + len(done),
                        states=("pending", "failed", "disallowed"))
                    if row["key"] not in done][:CHUNK]
            if not rows:
                break
            done.update(row["key"] for row in rows)
            self._chunk(rows)

    def _chunk(self, rows) -> None:
        jobs = []
        for row in rows:
            data = dict(_json(row["entry"]))
            outlet = data.pop("outlet", None)
            jobs.append(_Job(FeedEntry.from_json(data), row["feed_id"], outlet))
        done_already = [j for j in jobs if self.store.has_article(entry_article_id(j.entry.key))]
        with self.store.transaction():
            for job in done_already:
                self._record(job, "stored", None)
        jobs = [j for j in jobs if j not in done_already]
        to_fetch = [j for j in jobs if not j.entry.full]
        requests = [Request(j.entry.link, robots=True, key=j) for j in to_fetch if j.entry.link]
        for done, (request, response) in enumerate(self.fetcher.get_all(requests), start=1):
            request.key.response = response
            self.report.requests += 1 + len(response.redirects)
            if response.kind not in ("refused", "robots", "deferred"):
                self.report.pages += 1
            self._progress("pages", done, len(requests))
        items, outcome = [], {}
        for job in jobs:
            item = self._item(job)
            if isinstance(item, tuple):
                outcome[job.entry.key] = item
            else:
                items.append(item)
        report = self.ingest_items(items) if items else IngestReport()
        self.report.ingest.add(report)
        self.report.new += report.new
        errors = {str(e.origin): e for e in report.errors}
        for error in report.errors:
            self._error(error)
        with self.store.transaction():
            for job in jobs:
                key = job.entry.key
                if key in outcome:
                    state, message = outcome[key]
                    self._record(job, state, message)
                    continue
                stored = self.store.has_article(entry_article_id(key))
                error = errors.get(_origin_of(job))
                self._record(job, "stored" if stored else "skipped",
                             None if stored else str(error.message if error else "not stored"))
                if stored and job.response is not None and job.response.status is not None:
                    self._keep(job.response, entry_article_id(key))
                if stored and job.feed_id is not None:
                    self.store.count_feed_articles(job.feed_id, 1)

    def _item(self, job: _Job):
        """The raw article or page a job becomes, or ``(state, problem)`` when none."""
        entry = job.entry
        fields = {"id": entry_article_id(entry.key), "title": entry.title,
                  "outlet": job.outlet, "published": entry.published,
                  "metadata": _metadata(entry)}
        if entry.full:
            return RawArticle(text=entry.text, origin=Origin(entry.link or entry.key),
                              url=entry.link, **fields)
        response = job.response
        if response is None:
            return ("skipped", "the entry has no link and no text")
        if response.kind == "robots":
            self.report.disallowed += 1
            return ("disallowed", response.problem)
        if response.kind != "ok":
            self._error(response.error() or InputError(Origin(entry.link or entry.key),
                                                        f"HTTP {response.status}"))
            if response.kind == "deferred":
                return ("pending", response.problem)
            transient = response.kind in _TRANSIENT or (response.status or 0) >= 500 \
                or response.status == 429
            return ("failed" if transient else "skipped", response.problem)
        return HtmlPage(response.content, Origin(_origin_of(job)), url=response.final_url,
                        fields={k: v for k, v in fields.items() if v})

    def _record(self, job: _Job, state: str, problem: str | None) -> None:
        entry = job.entry
        keep = state in ("failed", "disallowed", "pending")
        self.store.put_entry(entry.key, feed_id=job.feed_id, url=entry.link,
                             article_id=entry_article_id(entry.key) if state == "stored" else None,
                             state=state, error=problem,
                             entry=_with_outlet(entry, job.outlet) if keep else None)

    def _keep(self, response: Response, article_id: str) -> None:
        self.store.put_response(url=response.url, final_url=response.final_url,
                                fetched_at=response.fetched_at, status=response.status,
                                headers=response.headers, body=response.content,
                                article_id=article_id)


def _origin_of(job: _Job) -> str:
    return job.entry.link or job.entry.key


def _metadata(entry: FeedEntry) -> dict:
    found: dict = {"entry": entry.key}
    if entry.author:
        found["author"] = entry.author
    if entry.tags:
        found["tags"] = entry.tags
    return found


def _with_outlet(entry: FeedEntry, outlet: str | None) -> dict:
    return {**entry.to_json(), "outlet": outlet}


def _json(text: str | None) -> dict:
    import json

    return json.loads(text) if text else {}


def _failed_as(response: Response, problem: str) -> Response:
    from dataclasses import replace

    return replace(response, kind="http-error", problem=problem)


def _feed_problem(response: Response) -> str:
    if response.status == 410:
        return "the feed is gone (HTTP 410): it is not polled again until added again"
    error = response.error()
    return error.message if error is not None else f"HTTP {response.status}"
