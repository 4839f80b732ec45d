"""The commands over articles: ingest, list, show, annotate, their quotes, export, search."""

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

from ..library import Library, highlight_pieces
from ..limits import MB, Limits
from ..readers import FORMATS
from ..shards import BLOCK_ITEMS
from ._shared import (DbOption, JsonFlag, db_path, one_line, options_checked, progress_bar,
                     stderr, usage_error)

Format = Enum("Format", {name: name for name in FORMATS}, type=str)
Engine = Enum("Engine", {"local": "local", "ray": "ray"}, type=str)
_LIMITS = Limits()


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
    engine: Annotated[Engine, typer.Option(
        help="Where extraction, cleaning and annotation run: this machine's processes, or "
             "a Ray cluster (pip install 'storyline[ray]').")] = Engine.local,
    ray_address: Annotated[Optional[str], typer.Option(
        help="The Ray cluster to join (host:port); default $RAY_ADDRESS, else a Ray started "
             "for this run on this machine's cores.")] = None,
    shards: Annotated[Optional[Path], typer.Option(
        help="Write the annotated articles as Parquet shards to this directory instead of "
             "the archive (blocks done by an earlier run are skipped); then `storyline load "
             "DIR`.")] = None,
    shard_size: Annotated[int, typer.Option(
        min=1, help="Inputs per shard with --shards (a resumed backfill keeps its own).")] = BLOCK_ITEMS,
    db: DbOption = None,
) -> None:
    """Read articles into the archive: txt, JSON Lines/JSON, HTML, RSS/Atom, WARC/ARC (.gz too).

    Exit status: 0 when every input was read, 1 when some failed (each named on stderr).
    """
    from ..pipeline import IngestSettings

    limits = Limits(max_record_bytes=int(max_record_mb * MB),
                    max_decompressed_bytes=int(max_decompressed_mb * MB),
                    page_seconds=page_seconds, worker_memory_bytes=int(worker_memory_mb * MB),
                    min_words=min_words, max_body_chars=max_body_chars)
    if shards is not None and not annotate:
        raise typer.BadParameter("shards hold annotated articles: drop --no-annotate",
                                 param_hint="--shards")
    with _engine(Engine(engine).value, jobs, ray_address) as engine_, \
            Library(db_path(ctx, db), settings=IngestSettings(limits=limits,
                                                              shard_items=shard_size),
                    engine=engine_) as lib, \
            options_checked("published"), \
            _counting("ingesting {task.completed} articles", quiet) as (on_error, on_item):
        report = lib.ingest(paths, format=Format(format).value, outlet=outlet,
                            published=published, jobs=jobs, annotate=annotate,
                            stories=stories, shards=shards, on_error=on_error,
                            on_item=on_item)
    if not quiet:
        if shards is not None:
            typer.echo(f"{report.new} articles written to shards in {shards}, "
                       f"{report.unchanged} already there, {len(report.errors)} errors; fold them "
                       f"into the archive with: storyline load {shards}")
        else:
            typer.echo(report.summary())
            if not report.new and not report.revised and not report.errors and report.unchanged:
                typer.echo("Nothing changed: every article was already stored.")
    if report.errors:
        raise typer.Exit(1)


def load_cmd(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(
        help="A directory of shards written by `storyline ingest --shards DIR`.")],
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar, no summary.")] = False,
    stories: Annotated[bool, typer.Option(
        "--stories/--no-stories",
        help="Put the articles into stories now (--no-stories leaves it to `storyline recluster`).")] = True,
    db: DbOption = None,
) -> None:
    """Fold a backfill's shards into the archive, in input order (a shard loaded twice
    changes nothing).

    Exit status: 0 when every shard was loaded, 1 when one could not be (named on stderr).
    """
    with Library(db_path(ctx, db)) as lib, \
            _counting("loading {task.completed} articles", quiet) as (on_error, on_item):
        report = lib.load_shards(directory, jobs=1, stories=stories, on_error=on_error,
                                 on_item=on_item)
    if not quiet:
        typer.echo(report.summary())
    if report.errors:
        raise typer.Exit(1)


@contextmanager
def _engine(kind: str, jobs: int | None, address: str | None) -> Iterator:
    """The engine the stages run on: None (the library's local one, per call) or Ray."""
    if kind == "local":
        if address:
            raise typer.BadParameter("goes with --engine ray", param_hint="--ray-address")
        yield None
        return
    from ..engine import make_engine

    engine = make_engine(kind, jobs, address)
    try:
        yield engine
    finally:
        engine.close()


@contextmanager
def _counting(label: str, quiet: bool) -> Iterator[tuple[Callable, Callable | None]]:
    """``(on_error, on_item)`` for a long run: each error on its own line of stderr, and a
    count of the records done on a terminal (no refresh thread: workers are forked, and
    forking beside threads is unsafe)."""
    if quiet or not sys.stderr.isatty():
        yield (lambda e: stderr(f"error: {e}")), None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = Console(stderr=True, highlight=False)
    with Progress(SpinnerColumn(), TextColumn(label), TimeElapsedColumn(), console=console,
                  transient=True, auto_refresh=False) as progress:
        task = progress.add_task("count", total=None)
        last = [0.0]

        def advance() -> None:
            progress.advance(task)
            if time.monotonic() - last[0] > 0.1:
                last[0] = time.monotonic()
                progress.refresh()

        yield (lambda e: console.print(f"error: {e}", markup=False, soft_wrap=True)), advance


def _summary_row(article) -> dict:
    return {
        "id": article.id, "outlet": article.outlet, "title": article.title, "url": article.url,
        "published": article.published, "revision": article.revision,
        "duplicate_of": article.duplicate_of, "words": len(article.body.split()),
    }


def articles_cmd(
    ctx: typer.Context,
    json_: JsonFlag = False,
    limit: Annotated[Optional[int], typer.Option(min=1, help="At most this many.")] = None,
    outlet: Annotated[Optional[str], typer.Option(help="Only this outlet (case-insensitive).")] = None,
    db: DbOption = None,
) -> None:
    """List articles, newest published first (a table; tab-separated lines when piped)."""
    with Library(db_path(ctx, db)) as lib:
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
        raise usage_error("--json and --text cannot be used together")
    if annotations and text:
        raise usage_error("--annotations and --text cannot be used together")
    with Library(db_path(ctx, db)) as lib:
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
        stderr(f"error: {error}")

    with Library(db_path(ctx, db)) as lib:
        with progress_bar("annotating", show=not quiet) as advance:
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
        typer.echo(f"  [{q.kind}] {q.speaker or '(unknown)'}: {one_line(q.text)}"
                   f" @{q.span.start}-{q.span.end}")
    typer.echo("")
    typer.echo(f"Dated events ({len(annotation.events)})")
    for ev in annotation.events:
        typer.echo(f"  {ev.date:<10} {ev.expression!r}: {one_line(ev.text)}")



def quotes_cmd(
    ctx: typer.Context,
    speaker: Annotated[Optional[str], typer.Option(
        help="Only quotes whose speaker's name contains this (case-insensitive).")] = None,
    json_: JsonFlag = False,
    limit: Annotated[Optional[int], typer.Option(min=1, help="At most this many.")] = None,
    db: DbOption = None,
) -> None:
    """List the quotes of the whole archive (near-duplicate copies left out), in ingest order."""
    with Library(db_path(ctx, db)) as lib:
        found = lib.quotes(speaker=speaker, limit=limit)
    if json_:
        typer.echo(json.dumps([q.to_dict() for q in found], ensure_ascii=False, indent=2))
        return
    for q in found:
        where = q.span
        typer.echo(f"{q.speaker or '(unknown)'}\t{q.kind}\t{one_line(q.text, 200)}"
                   f"\t{where.article_id}:{where.start}-{where.end}")
    if sys.stdout.isatty():
        typer.echo(f"{len(found)} quotes")

def _write_atomically(output: Path, binary: bool, write) -> int:
    """``write(fh)`` into a temporary file beside ``output``, renamed over it when done, so
    an interrupted export never leaves half a file under the name."""
    fd, tmp = tempfile.mkstemp(dir=output.resolve().parent, prefix=f".{output.name}.",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8") as fh:
            count = write(fh)
        os.replace(tmp, output)
    except BaseException:
        os.unlink(tmp)
        raise
    return count


def export_cmd(
    ctx: typer.Context,
    output: Annotated[Optional[Path], typer.Option("--output", "-o",
                                                   help="Write to this file (default: stdout).")] = None,
    warc: Annotated[Optional[Path], typer.Option(
        "--warc", help="Write the raw responses of fetched pages to this WARC file instead "
                       "(gzipped records; `ingest` reads it back).")] = None,
    db: DbOption = None,
) -> None:
    """Every article as JSON Lines, the fields of `article --json`; `ingest` reads it back."""
    if warc is not None and output is not None:
        raise usage_error("give --output or --warc, not both")
    with Library(db_path(ctx, db)) as lib:
        if warc is not None:
            count = _write_atomically(warc, True, lib.export_warc)
            stderr(f"{count} fetched pages written to {warc}")
            return
        if output is None:
            lib.export(sys.stdout)
            return
        count = _write_atomically(output, False, lib.export)
    stderr(f"{count} articles written to {output}")


def search_cmd(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help='FTS5 query: words, "phrases", AND, OR, NOT, '
                                               "prefix*.")],
    limit: Annotated[int, typer.Option(min=1, help="At most this many articles.")] = 20,
    json_: JsonFlag = False,
    db: DbOption = None,
) -> None:
    """Find articles by title and body text, best match first, with a snippet."""
    with Library(db_path(ctx, db)) as lib:
        hits = lib.search(query, limit=limit)
    if json_:
        typer.echo(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=2))
        return
    for hit in hits:
        marked = "".join(f"[{piece}]" if match else piece
                         for piece, match in highlight_pieces(hit.snippet, hit.highlights))
        typer.echo(f"{hit.article_id}\t{(hit.published or '')[:10]}\t{hit.outlet or '-'}\t"
                   f"{hit.story_id or '-'}\t{one_line(hit.title or '(no title)', 70)}")
        typer.echo(f"    {' '.join(marked.split())}")
    if sys.stdout.isatty():
        typer.echo(f"{len(hits)} article{'' if len(hits) == 1 else 's'}")
