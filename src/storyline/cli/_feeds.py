"""The commands that follow the news: ``feeds`` (subscriptions and their health),
``watch`` (poll them) and ``fetch`` (pages by URL, once)."""

from __future__ import annotations

import json
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..fetch import FetchSettings
from ..library import Library
from ..limits import MB
from ._shared import DbOption, JsonFlag, db_path, options_checked, stderr, usage_error

feeds_app = typer.Typer(help="Subscriptions: list them and their health, add, import, "
                             "export, remove.", invoke_without_command=True,
                        no_args_is_help=False, rich_markup_mode=None)
_FETCH = FetchSettings()


@feeds_app.callback()
def feeds_cmd(ctx: typer.Context, json_: JsonFlag = False, db: DbOption = None) -> None:
    """Every feed with its health: state, last check and status, errors, next check, articles."""
    if ctx.invoked_subcommand is not None:
        return
    with Library(db_path(ctx, db)) as lib:
        feeds = lib.feeds()
    if json_:
        typer.echo(json.dumps([f.to_dict() for f in feeds], ensure_ascii=False, indent=2))
        return
    if not feeds:
        typer.echo("No feeds yet: add one with `storyline feeds add URL` or "
                   "`storyline feeds import FILE.opml`.")
        return
    for feed in feeds:
        status = feed.last_status if feed.last_status is not None else "-"
        typer.echo(f"{feed.state}\t{status}\t{feed.articles} articles\t"
                   f"next {feed.next_check or 'now'}\t{feed.category or '-'}\t"
                   f"{feed.title or '-'}\t{feed.url}")
        if feed.last_error:
            typer.echo(f"\t{feed.consecutive_errors} errors in a row, last: {feed.last_error}")


@feeds_app.command("add")
def add_cmd(
    ctx: typer.Context,
    urls: Annotated[list[str], typer.Argument(help="Feed URLs (RSS, Atom or RDF).")],
    every: Annotated[Optional[str], typer.Option(
        help="Poll this often (30m, 2h, 1d) [default: adapt to how often it publishes].")] = None,
    outlet: Annotated[Optional[str], typer.Option(
        help="Outlet of its articles [default: the feed's title].")] = None,
    category: Annotated[Optional[str], typer.Option(help="Category to file it under.")] = None,
    db: DbOption = None,
) -> None:
    """Subscribe to feeds; adding one again makes it active and due now."""
    with Library(db_path(ctx, db)) as lib, options_checked("url", "every"):
        feeds = lib.add_feeds(urls, every=every, outlet=outlet, category=category)
    stderr(f"{len(feeds)} feed{'s' if len(feeds) != 1 else ''} subscribed")


@feeds_app.command("import")
def import_cmd(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="An OPML file (a feed reader's export).")],
    db: DbOption = None,
) -> None:
    """Subscribe to every feed of an OPML file; nested outlines become categories.

    Exit status 1 when some outlines could not be read (each named on stderr).
    """
    with Library(db_path(ctx, db)) as lib:
        feeds, errors = lib.import_opml(file)
    for error in errors:
        stderr(f"error: {error}")
    stderr(f"{len(feeds)} feeds subscribed from {file}")
    if errors:
        raise typer.Exit(1)


@feeds_app.command("export")
def export_cmd(
    ctx: typer.Context,
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", help="Write to this file (default: stdout).")] = None,
    db: DbOption = None,
) -> None:
    """Every subscription as OPML 2.0, which feed readers (and `feeds import`) read."""
    with Library(db_path(ctx, db)) as lib:
        data = lib.export_opml()
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        output.write_bytes(data)


@feeds_app.command("remove")
def remove_cmd(
    ctx: typer.Context,
    urls: Annotated[list[str], typer.Argument(help="Feed URLs, as `storyline feeds` lists them.")],
    db: DbOption = None,
) -> None:
    """Unsubscribe; the articles a feed brought stay in the archive."""
    with Library(db_path(ctx, db)) as lib:
        for url in urls:
            lib.remove_feed(url)
    stderr(f"{len(urls)} feed{'s' if len(urls) != 1 else ''} removed")


AllowPrivate = Annotated[bool, typer.Option(
    "--allow-private", help="Also fetch from private, loopback and link-local addresses "
                            "(a local test server, an intranet).")]
HostDelay = Annotated[float, typer.Option(
    min=0, help="Seconds between two requests to one host (robots.txt's Crawl-delay can "
                "raise it).")]
FetchSeconds = Annotated[float, typer.Option(
    min=0.1, help="Longest one request may take, body included, in seconds.")]
MaxPageMb = Annotated[float, typer.Option(
    min=0.001, help="Largest response (feed or page) in MB; larger ones are named and "
                    "skipped.")]
Jobs = Annotated[Optional[int], typer.Option(
    "--jobs", "-j", min=1, help="Processes extracting and annotating [default: every core].")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress, no closing line.")]


def _settings(allow_private: bool, host_delay: float, fetch_seconds: float,
              max_page_mb: float) -> FetchSettings:
    return FetchSettings(allow_private=allow_private, host_delay=host_delay,
                         request_seconds=fetch_seconds,
                         read_seconds=min(_FETCH.read_seconds, fetch_seconds),
                         connect_seconds=min(_FETCH.connect_seconds, fetch_seconds),
                         max_bytes=int(max_page_mb * MB))


@contextmanager
def _round_progress(show: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """A line on stderr, when it is a terminal, saying how far a round is."""
    if not (show and sys.stderr.isatty()):
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    # No refresh thread: extraction workers are forked, and forking beside threads is unsafe.
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=Console(stderr=True), transient=True, auto_refresh=False) as progress:
        tasks: dict[str, int] = {}

        def advance(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = progress.add_task(f"fetching {what}", total=total)
            progress.update(tasks[what], completed=done, total=total)
            progress.refresh()

        yield advance


@contextmanager
def _stop_on_signals() -> Iterator[Callable[[], bool]]:
    """SIGTERM or a first Ctrl-C asks the work to stop after the chunk it is on (which is
    committed); a second Ctrl-C interrupts at once."""
    asked = []

    def ask(signum, frame) -> None:
        if asked and signum == signal.SIGINT:
            raise KeyboardInterrupt
        asked.append(signum)
        stderr("stopping after the current batch (Ctrl-C again to stop now)")

    previous = {s: signal.signal(s, ask) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield lambda: bool(asked)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _print_errors(quiet: bool) -> Callable:
    return lambda error: None if quiet else stderr(f"error: {error}")


def watch_cmd(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option(
        "--once", help="Poll every feed once now and exit (for cron).")] = False,
    allow_private: AllowPrivate = False,
    quiet: Quiet = False,
    jobs: Jobs = None,
    host_delay: HostDelay = _FETCH.host_delay,
    fetch_seconds: FetchSeconds = _FETCH.request_seconds,
    max_page_mb: MaxPageMb = _FETCH.max_bytes / MB,
    db: DbOption = None,
) -> None:
    """Poll the feeds, each on its own schedule, and read their new articles in (fetching the
    pages of link-only entries). Runs until stopped (SIGTERM or Ctrl-C finish the current
    batch), or one round with --once.

    Exit status with --once: 0 when the round had no errors, 1 when some feed or page failed.
    """
    settings = _settings(allow_private, host_delay, fetch_seconds, max_page_mb)
    with Library(db_path(ctx, db)) as lib, _stop_on_signals() as stop:
        if not lib.feeds():
            raise usage_error("no feeds to watch: add some with `storyline feeds add URL` "
                              "or `storyline feeds import FILE.opml`")
        failed = False
        while not stop():
            if not once:
                due = lib.next_poll()
                if due is None:
                    raise usage_error("every feed is gone: add feeds again to watch them")
                wait = _seconds_until(due)
                if wait > 0:
                    _sleep(min(wait, 60.0), stop)
                    continue
            with _round_progress(not quiet) as progress:
                report = lib.poll(every_feed=once, fetch=settings, jobs=jobs,
                                  on_progress=progress, on_error=_print_errors(quiet),
                                  stop=stop)
            if not quiet:
                typer.echo(report.summary())
            failed = failed or bool(report.errors)
            if once:
                break
    if once and failed:
        raise typer.Exit(1)


def _seconds_until(moment: str) -> float:
    from datetime import datetime, timezone

    if not moment:
        return 0.0
    due = datetime.fromisoformat(moment)
    return (due - datetime.now(timezone.utc)).total_seconds()


def _sleep(seconds: float, stop: Callable[[], bool]) -> None:
    end = time.monotonic() + seconds
    while not stop() and time.monotonic() < end:
        time.sleep(min(0.5, max(0.0, end - time.monotonic())))


def fetch_cmd(
    ctx: typer.Context,
    urls: Annotated[list[str], typer.Argument(help="Page URLs (http or https).")],
    allow_private: AllowPrivate = False,
    quiet: Quiet = False,
    jobs: Jobs = None,
    host_delay: HostDelay = _FETCH.host_delay,
    fetch_seconds: FetchSeconds = _FETCH.request_seconds,
    max_page_mb: MaxPageMb = _FETCH.max_bytes / MB,
    db: DbOption = None,
) -> None:
    """Fetch pages by URL and read them in, once; a page already stored is not fetched again.

    Exit status: 0 when every page was stored (or already was), 1 when some failed.
    """
    from ..feeds import check_feed_url

    with options_checked("url"):
        urls = [check_feed_url(u) for u in urls]
    settings = _settings(allow_private, host_delay, fetch_seconds, max_page_mb)
    with Library(db_path(ctx, db)) as lib, _round_progress(not quiet) as progress:
        report = lib.fetch_pages(urls, fetch=settings, jobs=jobs, on_progress=progress,
                                 on_error=_print_errors(False))
    if not quiet:
        typer.echo(f"{len(urls)} URLs: {report.new} new articles, {report.pages} pages "
                   f"fetched, {len(report.errors)} errors")
    if report.errors:
        raise typer.Exit(1)


__all__ = ["feeds_app", "fetch_cmd", "watch_cmd"]
