"""The ``storyline`` command: a thin shell over :class:`storyline.Library`."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import __version__
from .errors import StorylineError
from .library import Library, default_db_path
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
        "--jobs", "-j", min=1, help="Processes extracting HTML [default: every core].")] = None,
    db: DbOption = None,
) -> None:
    """Read articles into the archive: txt, JSON Lines/JSON, HTML, RSS/Atom, WARC (.gz too).

    Exit status: 0 when every input was read, 1 when some failed (each named on stderr).
    """
    from .records import normalize_published

    if published:
        try:
            normalize_published(published)
        except ValueError as exc:
            raise _usage_error(f"--published: {exc}") from None
    show_progress = not quiet and sys.stderr.isatty()
    with Library(_db(ctx, db)) as lib:
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
                    on_item=advance)
        else:
            report = lib.ingest(paths, format=Format(format).value, outlet=outlet,
                                published=published, jobs=jobs, on_error=lambda e: _stderr(f"error: {e}"))
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
    db: DbOption = None,
) -> None:
    """Show one article (its latest revision)."""
    if json_ and text:
        raise _usage_error("--json and --text cannot be used together")
    with Library(_db(ctx, db)) as lib:
        article = lib.article(article_id)
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
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Article extraction: {path} ({results[0].pages} pages)")
    table.add_column("system", no_wrap=True)
    for name in ("precision", "recall", "F1", "accuracy", "pages/s"):
        table.add_column(name, justify="right", no_wrap=True, min_width=len(name))
    for r in results:
        table.add_row(r.system, f"{r.precision:.3f}", f"{r.recall:.3f}", f"{r.f1:.3f}",
                      f"{r.accuracy:.3f}", f"{r.pages_per_second:.1f}")
    Console(highlight=False).print(table)


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
