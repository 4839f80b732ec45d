"""The ``storyline`` command: a thin shell over :class:`storyline.Library`, which it asks
and whose answers it prints; it never opens the store itself.

One module per group of commands (:mod:`.articles`, :mod:`.stories`, :mod:`.follows`,
:mod:`.serving`, :mod:`.evaluation`), what they share in :mod:`.shared`; the table below
registers them in the order ``storyline --help`` lists them.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from .. import __version__
from ..errors import StorylineError
from . import _articles, _feeds, _follows, _serving, _stories
from ._evaluation import eval_app
from ._shared import DbOption, stderr

app = typer.Typer(
    help="Read news articles from many outlets into one archive of stories.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(eval_app, name="eval")
app.add_typer(_feeds.feeds_app, name="feeds")

for _name, _command in (
    ("ingest", _articles.ingest_cmd), ("load", _articles.load_cmd), ("articles", _articles.articles_cmd),
    ("article", _articles.article_cmd), ("annotate", _articles.annotate_cmd),
    ("quotes", _articles.quotes_cmd), ("stories", _stories.stories_cmd),
    ("story", _stories.story_cmd), ("brief", _stories.brief_cmd),
    ("updates", _stories.updates_cmd), ("follow", _follows.follow_cmd),
    ("follows", _follows.follows_cmd), ("unfollow", _follows.unfollow_cmd),
    ("digest", _follows.digest_cmd),
    ("recluster", _stories.recluster_cmd), ("export", _articles.export_cmd),
    ("search", _articles.search_cmd), ("watch", _feeds.watch_cmd),
    ("fetch", _feeds.fetch_cmd), ("serve", _serving.serve_cmd),
):
    app.command(_name)(_command)


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


def main() -> None:
    """Entry point: storyline's own errors become one line on stderr and exit status 1."""
    try:
        app()
    except StorylineError as exc:
        stderr(f"error: {exc}")
        sys.exit(1)
    except KeyboardInterrupt:
        stderr("interrupted")
        sys.exit(130)
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(1)


__all__ = ["app", "eval_app", "main"]
