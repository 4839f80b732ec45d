"""The ``storyline`` command: a thin shell over :class:`storyline.Library`."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import __version__
from .errors import StorylineError
from .library import Library, default_db_path
from .limits import MB, Limits
from .readers import FORMATS

app = typer.Typer(
    help="Read news articles from many outlets into one archive of stories.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
eval_app = typer.Typer(help="Measure quality on evaluation sets.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")

Format = Enum("Format", {name: name for name in FORMATS}, type=str)
_LIMITS = Limits()


def _usage_error(message: str) -> typer.Exit:
    """Wrong usage: one line on stderr and exit status 2, as for unknown options."""
    _stderr(f"usage error: {message}")
    return typer.Exit(2)


DbOption = Annotated[Optional[Path], typer.Option(
    "--db", help="Database file [env: STORYLINE_DB; default: ./storyline.db].",
    show_default=False)]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _db(ctx: typer.Context, db: Path | None) -> str:
    if db is not None:
        return str(db)
    root = ctx.find_root().params.get("db")
    return str(root) if root else default_db_path()


def _stderr(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"storyline {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    db: DbOption = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """storyline: ingest articles, fold wire copies, and read them back."""


@app.command("ingest")
def ingest_cmd(
    ctx: typer.Context,
    paths: Annotated[list[str], typer.Argument(
        help="Files, directories (read recursively) or - for JSON Lines on stdin.")],
    format: Annotated[Format, typer.Option(
        "--format", "-f", help="Input format; auto picks by extension, then by content.")] = "auto",
    outlet: Annotated[Optional[str], typer.Option(help="Outlet for inputs that do not name one.")] = None,
    published: Annotated[Optional[str], typer.Option(
        help="Publication date for inputs that carry none (e.g. 2021-03-14).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar, no summary.")] = False,
    jobs: Annotated[Optional[int], typer.Option(
        "--jobs", "-j", min=1,
        help="Processes extracting HTML and annotating [default: every core].")] = None,
    annotate: Annotated[bool, typer.Option(
        "--annotate/--no-annotate",
        help="Read sentences, entities, quotes and dates of new articles now "
             "(--no-annotate leaves it to `storyline annotate`).")] = True,
    stories: Annotated[bool, typer.Option(
        "--stories/--no-stories",
        help="Put new articles into stories now (--no-stories leaves it to "
             "`storyline recluster`; needs annotation).")] = True,
    max_record_mb: Annotated[float, typer.Option(
        min=0.001, help="Largest input record (an HTML page, a text, a JSON Lines line, a "
                        "WARC record) in MB; larger ones are named and skipped.")] = _LIMITS.max_record_bytes / MB,
    max_decompressed_mb: Annotated[float, typer.Option(
        min=0.001, help="Most that one compressed file may expand to, in MB.")] = _LIMITS.max_decompressed_bytes / MB,
    page_seconds: Annotated[float, typer.Option(
        min=0.001, help="Longest extraction of one HTML page, in seconds.")] = _LIMITS.page_seconds,
    worker_memory_mb: Annotated[float, typer.Option(
        min=1, help="Most memory a worker may take for one page, in MB.")] = _LIMITS.worker_memory_bytes / MB,
    min_words: Annotated[int, typer.Option(
        min=0, help="Fewest words an article's text may have after cleaning.")] = _LIMITS.min_words,
    max_body_chars: Annotated[int, typer.Option(
        min=1, help="Longest article text, in characters after cleaning.")] = _LIMITS.max_body_chars,
    db: DbOption = None,
) -> None:
    """Read articles into the archive: txt, JSON Lines/JSON, HTML, RSS/Atom, WARC/ARC (.gz too).

    Exit status: 0 when every input was read, 1 when some failed (each named on stderr).
    """
    from .pipeline import IngestSettings
    from .records import normalize_published

    if published:
        try:
            normalize_published(published)
        except ValueError as exc:
            raise _usage_error(f"--published: {exc}") from None
    limits = Limits(max_record_bytes=int(max_record_mb * MB),
                    max_decompressed_bytes=int(max_decompressed_mb * MB),
                    page_seconds=page_seconds, worker_memory_bytes=int(worker_memory_mb * MB),
                    min_words=min_words, max_body_chars=max_body_chars)
    show_progress = not quiet and sys.stderr.isatty()
    with Library(_db(ctx, db), settings=IngestSettings(limits=limits)) as lib:
        if show_progress:
            from rich.console import Console
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            console = Console(stderr=True, highlight=False)
            # No refresh thread: HTML workers are forked, and forking beside threads is unsafe.
            with Progress(SpinnerColumn(), TextColumn("ingesting {task.completed} articles"),
                          TimeElapsedColumn(), console=console, transient=True,
                          auto_refresh=False) as progress:
                task = progress.add_task("ingest", total=None)
                last = [0.0]

                def advance() -> None:
                    progress.advance(task)
                    if time.monotonic() - last[0] > 0.1:
                        last[0] = time.monotonic()
                        progress.refresh()

                report = lib.ingest(
                    paths, format=Format(format).value, outlet=outlet, published=published,
                    jobs=jobs, on_error=lambda e: console.print(f"error: {e}", markup=False, soft_wrap=True),
                    on_item=advance, annotate=annotate, stories=stories)
        else:
            report = lib.ingest(paths, format=Format(format).value, outlet=outlet,
                                published=published, jobs=jobs, annotate=annotate,
                                stories=stories, on_error=lambda e: _stderr(f"error: {e}"))
    if not quiet:
        typer.echo(report.summary())
        if not report.new and not report.revised and not report.errors and report.unchanged:
            typer.echo("Nothing changed: every article was already stored.")
    if report.errors:
        raise typer.Exit(1)


def _summary_row(article) -> dict:
    return {
        "id": article.id, "outlet": article.outlet, "title": article.title, "url": article.url,
        "published": article.published, "revision": article.revision,
        "duplicate_of": article.duplicate_of, "words": len(article.body.split()),
    }


@app.command("articles")
def articles_cmd(
    ctx: typer.Context,
    json_: JsonFlag = False,
    limit: Annotated[Optional[int], typer.Option(min=1, help="At most this many.")] = None,
    outlet: Annotated[Optional[str], typer.Option(help="Only this outlet (case-insensitive).")] = None,
    db: DbOption = None,
) -> None:
    """List articles, newest published first (a table; tab-separated lines when piped)."""
    with Library(_db(ctx, db)) as lib:
        found = lib.articles(limit=limit, outlet=outlet)
    rows = [_summary_row(a) for a in found]
    if json_:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not sys.stdout.isatty():
        for r in rows:
            typer.echo("\t".join(str(r[k] or "") for k in
                                  ("id", "published", "outlet", "title", "words", "duplicate_of")))
        return
    from rich.console import Console
    from rich.table import Table

    def widest(key: str, cap: int) -> int:
        return min(cap, max([len(str(r[key] or "")) for r in rows] + [7]))

    console = Console(highlight=False)
    fixed = widest("id", 16) + 10 + widest("outlet", 12) + 5 + widest("duplicate_of", 16)
    title_width = max(12, console.width - fixed - 19)
    table = Table()
    table.add_column("id", no_wrap=True, min_width=widest("id", 16))
    table.add_column("published", no_wrap=True, min_width=10)
    table.add_column("outlet", max_width=20, overflow="ellipsis", no_wrap=True,
                     min_width=widest("outlet", 12))
    table.add_column("title", width=title_width, overflow="ellipsis", no_wrap=True)
    table.add_column("words", justify="right", no_wrap=True, min_width=5)
    table.add_column("copy of", no_wrap=True, min_width=widest("duplicate_of", 16))
    for r, article in zip(rows, found):
        title = r["title"] or "(" + " ".join(article.body.split()[:8]) + "…)"
        table.add_row(r["id"], (r["published"] or "")[:10], r["outlet"] or "", title,
                      str(r["words"]), r["duplicate_of"] or "")
    console.print(table)
    console.print(f"{len(rows)} articles")


@app.command("article")
def article_cmd(
    ctx: typer.Context,
    article_id: Annotated[str, typer.Argument(metavar="ID", help="Article id.")],
    json_: JsonFlag = False,
    text: Annotated[bool, typer.Option("--text", help="Print exactly the stored body.")] = False,
    annotations: Annotated[bool, typer.Option(
        "--annotations", "-a",
        help="Show what annotation read: sentences, entities, quotes, dated events.")] = False,
    db: DbOption = None,
) -> None:
    """Show one article (its latest revision)."""
    if json_ and text:
        raise _usage_error("--json and --text cannot be used together")
    if annotations and text:
        raise _usage_error("--annotations and --text cannot be used together")
    with Library(_db(ctx, db)) as lib:
        article = lib.article(article_id)
        annotation = lib.annotation(article_id) if annotations else None
    if annotation is not None:
        if json_:
            typer.echo(json.dumps(annotation.to_dict(), ensure_ascii=False, indent=2))
        else:
            typer.echo(f"{article.title or '(no title)'} [{article.id}]")
            _print_annotation(annotation)
        return
    if text:
        sys.stdout.write(article.body)
        return
    if json_:
        typer.echo(json.dumps(article.to_dict(), ensure_ascii=False, indent=2))
        return
    typer.echo(article.title or "(no title)")
    facts = [article.outlet, article.published, article.url]
    typer.echo(" · ".join(f for f in facts if f) or "(no outlet, date or url)")
    extra = f"id {article.id}, revision {article.revision}"
    if article.duplicate_of:
        extra += f", near-duplicate of {article.duplicate_of}"
    if article.duplicates:
        extra += f", copies: {', '.join(article.duplicates)}"
    typer.echo(extra)
    typer.echo("")
    typer.echo(article.body)


@app.command("annotate")
def annotate_cmd(
    ctx: typer.Context,
    jobs: Annotated[Optional[int], typer.Option(
        "--jobs", "-j", min=1, help="Processes [default: every core].")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar, no summary.")] = False,
    db: DbOption = None,
) -> None:
    """Annotate every article not annotated yet (or by an older version of storyline).

    Ingest annotates as it stores; this catches up after `ingest --no-annotate` or an
    upgrade, then puts the articles it annotated into stories. Work is committed in
    batches: an interrupted run keeps what it finished.
    """
    errors: list = []

    def failed(error) -> None:
        errors.append(error)
        _stderr(f"error: {error}")

    with Library(_db(ctx, db)) as lib:
        with _progress_bar("annotating", show=not quiet) as advance:
            count = lib.annotate(jobs=jobs, on_progress=advance, on_error=failed)
    if not quiet:
        typer.echo(f"{count} articles annotated" if count or errors
                   else "Nothing to do: every article is annotated.")
    if errors:
        raise typer.Exit(1)


def _print_annotation(annotation) -> None:
    typer.echo(f"{len(annotation.sentences)} sentences")
    typer.echo("")
    typer.echo(f"Entities ({len(annotation.entities)})")
    for e in annotation.entities:
        aliases = f" (also: {', '.join(e.aliases)})" if e.aliases else ""
        typer.echo(f"  {e.type:<7} {e.name}{aliases}, {len(e.mentions)} mentions")
    typer.echo("")
    typer.echo(f"Quotes ({len(annotation.quotes)})")
    for q in annotation.quotes:
        typer.echo(f"  [{q.kind}] {q.speaker or '(unknown)'}: {_one_line(q.text)}"
                   f" @{q.span.start}-{q.span.end}")
    typer.echo("")
    typer.echo(f"Dated events ({len(annotation.events)})")
    for ev in annotation.events:
        typer.echo(f"  {ev.date:<10} {ev.expression!r}: {_one_line(ev.text)}")


def _one_line(text: str, width: int = 110) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1] + "…"


@app.command("quotes")
def quotes_cmd(
    ctx: typer.Context,
    speaker: Annotated[Optional[str], typer.Option(
        help="Only quotes whose speaker's name contains this (case-insensitive).")] = None,
    json_: JsonFlag = False,
    limit: Annotated[Optional[int], typer.Option(min=1, help="At most this many.")] = None,
    db: DbOption = None,
) -> None:
    """List the quotes of the whole archive (near-duplicate copies left out), in ingest order."""
    with Library(_db(ctx, db)) as lib:
        found = lib.quotes(speaker=speaker, limit=limit)
    if json_:
        typer.echo(json.dumps(found, ensure_ascii=False, indent=2))
        return
    for q in found:
        where = q["span"]
        typer.echo(f"{q['speaker'] or '(unknown)'}\t{q['kind']}\t{_one_line(q['text'], 200)}"
                   f"\t{where['article_id']}:{where['start']}-{where['end']}")
    if sys.stdout.isatty():
        typer.echo(f"{len(found)} quotes")


@contextmanager
def _progress_bar(label: str, *, show: bool = True
                  ) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr, given as an ``on_progress(done, total)`` callback;
    None (no bar) unless ``show`` and stderr is a terminal."""
    if not (show and sys.stderr.isatty()):
        yield None
        return
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeRemainingColumn)

    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True, auto_refresh=False) as progress:
        task = progress.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)
            progress.refresh()

        yield advance


def _story_line(story: dict) -> str:
    first = (story["first_published"] or "")[:10]
    last = (story["last_published"] or "")[:10]
    when = first if first == last else f"{first}..{last}"
    return f"{story['story_id']}\t{when}\t{story['articles']}\t{len(story['outlets'])}\t{story['title']}"


@app.command("stories")
def stories_cmd(
    ctx: typer.Context,
    json_: JsonFlag = False,
    since: Annotated[Optional[str], typer.Option(
        help="Only stories with an article published on or after this date (e.g. 2021-03-01).")] = None,
    limit: Annotated[Optional[int], typer.Option(min=1, help="At most this many.")] = None,
    query: Annotated[Optional[str], typer.Option(
        "--query", "-q", help="Only stories with an article matching this search (as "
                              "`storyline search`).")] = None,
    db: DbOption = None,
) -> None:
    """List stories, most recently published first: id, dates, articles, outlets, title.

    The title is the headline of the story's most central article.
    """
    from .records import normalize_published

    if since is not None:
        try:
            since = normalize_published(since)
        except ValueError as exc:
            raise _usage_error(f"--since: {exc}") from None
    with Library(_db(ctx, db)) as lib:
        found = lib.stories(since=since, query=query, limit=limit)
        ungrouped = lib.store.count_ungrouped() if not found else 0
        unannotated = lib.store.count() if not found else 0
    if json_:
        typer.echo(json.dumps(found, ensure_ascii=False, indent=2))
        return
    if not sys.stdout.isatty():
        for story in found:
            typer.echo(_story_line(story))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    table = Table()
    table.add_column("story", no_wrap=True)
    table.add_column("published", no_wrap=True)
    table.add_column("articles", justify="right", no_wrap=True)
    table.add_column("outlets", justify="right", no_wrap=True)
    table.add_column("title", overflow="ellipsis", no_wrap=True, ratio=1)
    for story in found:
        first = (story["first_published"] or "")[:10]
        last = (story["last_published"] or "")[:10]
        table.add_row(story["story_id"], first if first == last else f"{first}..{last}",
                      str(story["articles"]), str(len(story["outlets"])), story["title"] or "")
    console.print(table)
    console.print(f"{len(found)} stories")
    if not found and ungrouped:
        console.print(f"{ungrouped} articles are in no story yet: run `storyline recluster`.")
    elif not found and unannotated:
        console.print("Articles are grouped once annotated: run `storyline annotate`.")


@app.command("story")
def story_cmd(
    ctx: typer.Context,
    story_id: Annotated[str, typer.Argument(metavar="ID", help="Story id (a merged story's "
                                                                "old id works too).")],
    json_: JsonFlag = False,
    db: DbOption = None,
) -> None:
    """Show one story: its title, dates, outlets and articles."""
    with Library(_db(ctx, db)) as lib:
        story = lib.story(story_id)
    if json_:
        typer.echo(json.dumps(story, ensure_ascii=False, indent=2))
        return
    typer.echo(story["title"] or "(no title)")
    first = story["first_published"] or "undated"
    last = story["last_published"] or "undated"
    outlets = len(story["outlets"])
    typer.echo(f"story {story['story_id']} · {story['articles']} "
               f"article{'' if story['articles'] == 1 else 's'} · "
               f"{outlets} outlet{'' if outlets == 1 else 's'} · {first[:10]} to {last[:10]}")
    if story["story_id"] != story_id:
        typer.echo(f"({story_id} was merged into this story)")
    if story["merged_from"]:
        typer.echo(f"merged from: {', '.join(story['merged_from'])}")
    typer.echo("")
    for source in story["sources"]:
        mark = "*" if source["article_id"] == story["headline_article"] else " "
        copy = f" (copy of {source['duplicate_of']})" if source["duplicate_of"] else ""
        typer.echo(f"{mark} {(source['published'] or '')[:10]:<10}  {source['outlet'] or '-':<20.20}  "
                   f"{_one_line(source['title'] or '(no title)', 70)}  [{source['article_id']}]{copy}")


class BriefFormat(str, Enum):
    json = "json"
    md = "md"
    html = "html"


@app.command("brief")
def brief_cmd(
    ctx: typer.Context,
    story_id: Annotated[str, typer.Argument(metavar="ID", help="Story id (a merged story's "
                                                                "old id works too).")],
    format: Annotated[BriefFormat, typer.Option(
        "--format", "-f", help="json (brief.schema.json), md (Markdown) or html (one "
                               "self-contained page).")] = BriefFormat.md,
    sentences: Annotated[Optional[int], typer.Option(
        "--sentences", "-n", min=1, help="Summary sentences [default: 3, one more for each "
                                         "doubling of the story's sources, at most 8].",
        show_default=False)] = None,
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", help="Write to this file instead of standard output.",
        dir_okay=False)] = None,
    db: DbOption = None,
) -> None:
    """The brief of one story: a summary of cited sentences, who said what, the people and
    places, a timeline, and the facts several outlets corroborate, one reports, or dispute."""
    from .brief import BriefSettings

    with Library(_db(ctx, db)) as lib:
        if format is BriefFormat.json and sentences is None:  # the server's cached brief
            data = json.loads(lib.brief_json(story_id))
        else:
            brief = lib.brief(story_id, settings=BriefSettings(sentences=sentences))
            data = brief.to_dict()
    if format is BriefFormat.json:
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    elif format is BriefFormat.html:
        text = brief.to_html()
    else:
        text = brief.to_markdown()
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as error:
            _stderr(f"error: cannot write {output}: {error.strerror or error}")
            raise typer.Exit(1) from None
        _stderr(f"wrote {output} ({format.value}, {len(data['summary'])} summary sentences, "
                f"{len(data['sources'])} sources)")
    elif format is BriefFormat.md and sys.stdout.isatty():
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(text))
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


@app.command("recluster")
def recluster_cmd(
    ctx: typer.Context,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar, no summary.")] = False,
    db: DbOption = None,
) -> None:
    """Rebuild every story from scratch, in publication order, with the current settings.

    Story ids come from each story's first article, so stories that come out the same
    keep their ids. Articles must be annotated first (`storyline annotate`).
    """
    with Library(_db(ctx, db)) as lib:
        with _progress_bar("grouping", show=not quiet) as advance:
            count = lib.recluster(on_progress=advance)
        stories = len(lib.stories())
    if not quiet:
        typer.echo(f"{count} articles in {stories} {'story' if stories == 1 else 'stories'}")


@app.command("export")
def export_cmd(
    ctx: typer.Context,
    output: Annotated[Optional[Path], typer.Option("--output", "-o",
                                                   help="Write to this file (default: stdout).")] = None,
    db: DbOption = None,
) -> None:
    """Every article as JSON Lines, the fields of `article --json`; `ingest` reads it back."""
    with Library(_db(ctx, db)) as lib:
        if output is None:
            lib.export(sys.stdout)
            return
        directory = output.resolve().parent
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{output.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                count = lib.export(fh)
            os.replace(tmp, output)
        except BaseException:
            os.unlink(tmp)
            raise
    _stderr(f"{count} articles written to {output}")


@app.command("search")
def search_cmd(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help='FTS5 query: words, "phrases", AND, OR, NOT, '
                                               "prefix*.")],
    limit: Annotated[int, typer.Option(min=1, help="At most this many articles.")] = 20,
    json_: JsonFlag = False,
    db: DbOption = None,
) -> None:
    """Find articles by title and body text, best match first, with a snippet."""
    with Library(_db(ctx, db)) as lib:
        hits = lib.search(query, limit=limit)
    if json_:
        typer.echo(json.dumps(hits, ensure_ascii=False, indent=2))
        return
    from .library import highlight_pieces

    for hit in hits:
        marked = "".join(f"[{piece}]" if match else piece
                         for piece, match in highlight_pieces(hit["snippet"], hit["highlights"]))
        typer.echo(f"{hit['article_id']}\t{(hit['published'] or '')[:10]}\t{hit['outlet'] or '-'}\t"
                   f"{hit['story_id'] or '-'}\t{_one_line(hit['title'] or '(no title)', 70)}")
        typer.echo(f"    {' '.join(marked.split())}")
    if sys.stdout.isatty():
        typer.echo(f"{len(hits)} article{'' if len(hits) == 1 else 's'}")


@app.command("serve")
def serve_cmd(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: every interface).")]
        = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    max_body: Annotated[int, typer.Option(
        "--max-body", min=1, help="Largest request body accepted, in megabytes.")] = 16,
    workers: Annotated[int, typer.Option(
        "--workers", "-w", min=1, help="Server processes (one per core serves the most "
                                       "readers at once).")] = 1,
    db: DbOption = None,
) -> None:
    """Serve the archive: JSON API under /api (docs at /docs) and web pages at /.

    Reads are open. Writes (POST /api/articles) need the token in $STORYLINE_TOKEN, sent as
    'Authorization: Bearer <token>'; without it set, the server is read-only.
    """
    try:
        import uvicorn

        from .server import TOKEN_ENV, create_app
    except ImportError as exc:
        from .errors import MissingDependencyError

        raise MissingDependencyError(exc.name or "fastapi", "storyline serve", "serve") from None
    path = _db(ctx, db)
    token = os.environ.get(TOKEN_ENV) or None
    app_ = create_app(path, token=token, max_body=max_body * 1024 * 1024)  # checks the file
    writes = "enabled (bearer token)" if token else f"disabled: set {TOKEN_ENV} to enable them"
    _stderr(f"storyline: serving {path} on http://{host}:{port}/ with {workers} "
            f"process{'' if workers == 1 else 'es'} (API docs at /docs; writes {writes})")
    if workers == 1:
        uvicorn.run(app_, host=host, port=port, log_level="warning")
        return
    # each worker process builds its own app from the environment
    os.environ.update(STORYLINE_DB=path, STORYLINE_MAX_BODY=str(max_body * 1024 * 1024))
    uvicorn.run("storyline.server:app_from_env", factory=True, host=host, port=port,
                workers=workers, log_level="warning")


@eval_app.command("extraction")
def eval_extraction_cmd(
    path: Annotated[Path, typer.Argument(metavar="FILE.jsonl", exists=True, dir_okay=False,
                                         help="Records with 'html' and gold 'body'.")],
    json_: JsonFlag = False,
    limit: Annotated[Optional[int], typer.Option(min=1, help="Only the first N pages.")] = None,
    jobs: Annotated[Optional[int], typer.Option(
        "--jobs", "-j", min=1, help="Processes for the parallel run [default: every core].")] = None,
) -> None:
    """Token precision/recall/F1 of our stored bodies vs plain trafilatura.extract.

    Ours is a full ingest (extraction, cleaning, de-duplication, storage) into a temporary
    database, once on one process and once on --jobs; pages/s counts all of it.
    """
    from .evaluate import evaluate_extraction

    results = evaluate_extraction(path, limit=limit, jobs=jobs)
    if json_:
        typer.echo(json.dumps([r.to_dict() for r in results], indent=2))
        return
    _print_scores(f"Article extraction: {path} ({results[0].pages} pages)",
                  ("precision", "recall", "F1", "accuracy", "pages/s"),
                  [(r.system, f"{r.precision:.3f}", f"{r.recall:.3f}", f"{r.f1:.3f}",
                    f"{r.accuracy:.3f}", f"{r.pages_per_second:.1f}") for r in results])


def _print_scores(title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """An evaluation's table: one row per system, its figures right-aligned."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    table.add_column("system", no_wrap=True)
    for name in columns:
        table.add_column(name, justify="right", no_wrap=True, min_width=len(name))
    for row in rows:
        table.add_row(*row)
    console = Console(highlight=False)
    console.width = max(console.width, 120)
    console.print(table)


@eval_app.command("quotes")
def eval_quotes_cmd(
    path: Annotated[Path, typer.Argument(metavar="FILE.jsonl", exists=True, dir_okay=False,
                                         help="Articles with 'text' and gold 'quotes' (PolNeAR).")],
    json_: JsonFlag = False,
    limit: Annotated[Optional[int], typer.Option(min=1, help="Only the first N articles.")] = None,
    jobs: Annotated[Optional[int], typer.Option(
        "--jobs", "-j", min=1, help="Processes for the parallel run [default: every core].")] = None,
    baseline: Annotated[bool, typer.Option(
        "--baseline/--no-baseline", help="Also run textacy's direct_quotations.")] = True,
) -> None:
    """Quote recall, precision and speaker accuracy vs textacy, on the same articles.

    Recall: gold attributions with quotation marks that a found quote overlaps (half of the
    shorter span). Precision: found direct and partial quotes that overlap any gold
    attribution. Speakers: share right where the gold speaker is written as a name.
    """
    from .evaluate import evaluate_quotes

    results = evaluate_quotes(path, limit=limit, jobs=jobs, baseline=baseline)
    if json_:
        typer.echo(json.dumps([r.to_dict() for r in results], indent=2))
        return
    first = results[0]
    _print_scores(
        f"Quotes: {path} ({first.articles} articles, {first.gold_quoted} quoted attributions)",
        ("found", "recall", "precision", "speakers", "judged", "indirect", "ind. prec.",
         "articles/s"),
        [(r.system, str(r.found), f"{r.recall:.3f}", f"{r.precision:.3f}",
          f"{r.speaker_accuracy:.3f}", str(r.speakers_judged), str(r.indirect_found),
          "-" if r.indirect_precision is None else f"{r.indirect_precision:.3f}",
          f"{r.articles_per_second:.1f}") for r in results])


@eval_app.command("clustering")
def eval_clustering_cmd(
    path: Annotated[Path, typer.Argument(metavar="FILE.jsonl", exists=True, dir_okay=False,
                                         help="Articles with 'title'/'text' and a gold 'story'.")],
    json_: JsonFlag = False,
    limit: Annotated[Optional[int], typer.Option(min=1, help="Only the first N articles.")] = None,
    jobs: Annotated[Optional[int], typer.Option(
        "--jobs", "-j", min=1, help="Processes annotating [default: every core].")] = None,
    orders: Annotated[int, typer.Option(
        min=1, help="Run online grouping over this many shuffled ingest orders (ties in "
                    "publication time are broken by ingest order); the first row is the mean.")] = 3,
    seed: Annotated[int, typer.Option(help="Seed of the first shuffled order.")] = 0,
    file_order: Annotated[bool, typer.Option(
        "--file-order", help="Ingest in the file's order instead (flatters online grouping "
                             "when the file lists each story's articles together).")] = False,
    baseline: Annotated[bool, typer.Option(
        "--baseline/--no-baseline", help="Also run the offline TF-IDF baseline.")] = True,
) -> None:
    """BCubed precision, recall and F1 of online story grouping vs two baselines.

    The articles are ingested (and annotated) into a temporary database, then grouped as
    `storyline recluster` does. Baselines on the same stored articles: every article alone,
    and TF-IDF + average-linkage agglomerative clustering cut at one cosine distance.
    """
    from .evaluate import evaluate_clustering

    results = evaluate_clustering(path, limit=limit, jobs=jobs, baseline=baseline,
                                  orders=orders, seed=None if file_order else seed)
    if json_:
        typer.echo(json.dumps([r.to_dict() for r in results], indent=2))
        return
    first = results[0]
    order = "file order" if file_order else f"{orders} shuffled ingest orders"
    _print_scores(
        f"Stories: {path} ({first.articles} articles, {first.gold_stories} gold stories, {order})",
        ("stories", "precision", "recall", "F1", "articles/s"),
        [(r.system, str(r.stories), f"{r.precision:.3f}", f"{r.recall:.3f}", f"{r.f1:.3f}",
          "-" if not r.seconds else f"{r.articles_per_second:.0f}") for r in results])
    if first.prepare_seconds:
        typer.echo(f"Before grouping, ingest and annotation took {first.prepare_seconds:.1f} s "
                   f"({first.articles / first.prepare_seconds:.1f} articles/s).")
    if baseline and not any(r.system.startswith("offline") for r in results):
        typer.echo("The offline baseline needs scikit-learn: pip install 'storyline[eval]'.")


@eval_app.command("summaries")
def eval_summaries_cmd(
    path: Annotated[Path, typer.Argument(metavar="FILE.jsonl", exists=True, dir_okay=False,
                                         help="Articles with 'title'/'text' and a gold 'story'.")],
    sentences: Annotated[int, typer.Option(
        "--sentences", "-n", min=1, help="Sentences per summary, for every system.")] = 3,
    json_: JsonFlag = False,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N articles.")] = None,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, help="Processes annotating [default: every core].")] = None,
) -> None:
    """ROUGE of the brief's summary vs lead and LexRank, per gold story, against headlines.

    The articles are ingested (and annotated) into a temporary database and grouped by
    their gold story. For each story of two or more articles, every system picks the same
    number of sentences from the same stored bodies: ours (the brief's summary), lead (the
    first sentence of each source in turn, then the second ones) and sumy's LexRank. The
    references are the story's own headlines: ROUGE F against the best-matching one, averaged
    over stories. Also: share of sentences cited exactly from a stored body, redundancy (most
    similar pair of sentences in a summary) and share corroborated by another outlet.
    """
    from .evaluate import evaluate_summaries

    with _progress_bar("annotating, summarising", show=not json_) as advance:
        results = evaluate_summaries(path, limit=limit, jobs=jobs, sentences=sentences,
                                     on_progress=advance)
    if json_:
        typer.echo(json.dumps([r.to_dict() for r in results], indent=2))
        return
    first = results[0]
    _print_scores(
        f"Summaries: {path} ({first.stories} stories of 2+ articles, {sentences} sentences)",
        ("stories", "sentences", "R-1", "R-2", "cited", "redundancy", "corroborated", "seconds"),
        [(r.system, str(r.stories), f"{r.sentences:.2f}", f"{r.rouge1:.3f}", f"{r.rouge2:.3f}",
          f"{r.cited:.3f}", f"{r.redundancy:.3f}", f"{r.corroborated:.3f}", f"{r.seconds:.2f}")
         for r in results])
    typer.echo("References are the stories' own headlines (the titles of their articles, never "
               "part of the bodies); R-1/R-2 = ROUGE F against the best-matching headline.")
    if first.prepare_seconds:
        typer.echo(f"Before summarising, ingest and annotation took {first.prepare_seconds:.1f} s.")


def main() -> None:
    """Entry point: storyline's own errors become one line on stderr and exit status 1."""
    try:
        app()
    except StorylineError as exc:
        _stderr(f"error: {exc}")
        sys.exit(1)
    except KeyboardInterrupt:
        _stderr("interrupted")
        sys.exit(130)
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(1)


__all__ = ["app", "main"]
