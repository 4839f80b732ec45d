"""What every command shares: the ``--db`` and ``--json`` options, lines on stderr, usage
errors, one-line text, Markdown out and progress bars."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import InputError
from ..library import default_db_path

DbOption = Annotated[Optional[Path], typer.Option(
    "--db", help="Database file [env: STORYLINE_DB; default: ./storyline.db].",
    show_default=False)]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]


class TextFormat(str, Enum):
    """What a command that prints Markdown or JSON takes as ``--format``."""

    json = "json"
    md = "md"


def print_markdown(text: str) -> None:
    """Markdown rendered by rich on a terminal, as written when piped or redirected."""
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(text))
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def stderr(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def usage_error(message: str) -> typer.Exit:
    """Wrong usage: one line on stderr and exit status 2, as for unknown options."""
    stderr(f"usage error: {message}")
    return typer.Exit(2)


@contextmanager
def options_checked(*names: str) -> Iterator[None]:
    """An :class:`InputError` the library raises for one of these arguments (``published``,
    ``since``) is a usage error naming the option it came from (``--published``)."""
    try:
        yield
    except InputError as exc:
        if exc.field not in names:
            raise
        raise usage_error(f"--{exc.field}: {exc.message}") from None


def db_path(ctx: typer.Context, db: Path | None) -> str:
    """The database a command works on: its own ``--db``, else the one given before the
    command, else the default."""
    if db is not None:
        return str(db)
    root = ctx.find_root().params.get("db")
    return str(root) if root else default_db_path()


def one_line(text: str, width: int = 110) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1] + "…"


@contextmanager
def progress_bar(label: str, *, show: bool = True
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
