"""The commands over stories: list, show, brief, updates, recluster."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..library import Library
from ..results import StorySummary
from ._shared import (DbOption, JsonFlag, TextFormat, db_path, one_line, options_checked,
                      print_markdown, progress_bar, stderr)


def _story_line(story: StorySummary) -> str:
    first = (story.first_published or "")[:10]
    last = (story.last_published or "")[:10]
    when = first if first == last else f"{first}..{last}"
    return f"{story.story_id}\t{when}\t{story.articles}\t{len(story.outlets)}\t{story.title}"


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
    with Library(db_path(ctx, db)) as lib, options_checked("since"):
        found = lib.stories(since=since, query=query, limit=limit)
        counts = lib.counts() if not found else None
    if json_:
        typer.echo(json.dumps([s.to_dict() for s in found], ensure_ascii=False, indent=2))
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
        first = (story.first_published or "")[:10]
        last = (story.last_published or "")[:10]
        table.add_row(story.story_id, first if first == last else f"{first}..{last}",
                      str(story.articles), str(len(story.outlets)), story.title or "")
    console.print(table)
    console.print(f"{len(found)} stories")
    if counts and counts.ungrouped:
        console.print(f"{counts.ungrouped} articles are in no story yet: run `storyline recluster`.")
    elif counts and counts.articles:
        console.print("Articles are grouped once annotated: run `storyline annotate`.")


def story_cmd(
    ctx: typer.Context,
    story_id: Annotated[str, typer.Argument(metavar="ID", help="Story id (a merged story's "
                                                                "old id works too).")],
    json_: JsonFlag = False,
    db: DbOption = None,
) -> None:
    """Show one story: its title, dates, outlets and articles."""
    with Library(db_path(ctx, db)) as lib:
        story = lib.story(story_id)
    if json_:
        typer.echo(json.dumps(story.to_dict(), ensure_ascii=False, indent=2))
        return
    typer.echo(story.title or "(no title)")
    first = story.first_published or "undated"
    last = story.last_published or "undated"
    outlets = len(story.outlets)
    typer.echo(f"story {story.story_id} · {story.articles} "
               f"article{'' if story.articles == 1 else 's'} · "
               f"{outlets} outlet{'' if outlets == 1 else 's'} · {first[:10]} to {last[:10]}")
    if story.story_id != story_id:
        typer.echo(f"({story_id} was merged into this story)")
    if story.merged_from:
        typer.echo(f"merged from: {', '.join(story.merged_from)}")
    typer.echo("")
    for source in story.sources:
        mark = "*" if source.article_id == story.headline_article else " "
        copy = f" (copy of {source.duplicate_of})" if source.duplicate_of else ""
        typer.echo(f"{mark} {(source.published or '')[:10]:<10}  {source.outlet or '-':<20.20}  "
                   f"{one_line(source.title or '(no title)', 70)}  [{source.article_id}]{copy}")


class BriefFormat(str, Enum):
    json = "json"
    md = "md"
    html = "html"


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
    places, a timeline (what happened long before it apart, as background), and the facts
    several outlets corroborate, one reports, or dispute."""
    from ..brief import BriefSettings

    with Library(db_path(ctx, db)) as lib:
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
            stderr(f"error: cannot write {output}: {error.strerror or error}")
            raise typer.Exit(1) from None
        stderr(f"wrote {output} ({format.value}, {len(data['summary'])} summary sentences, "
               f"{len(data['sources'])} sources)")
    elif format is BriefFormat.md:
        print_markdown(text)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def updates_cmd(
    ctx: typer.Context,
    story_id: Annotated[str, typer.Argument(metavar="ID", help="Story id (a merged story's "
                                                                "old id works too).")],
    since: Annotated[str, typer.Option(
        help="An ISO time (2021-03-14T09:00:00Z; UTC unless it says), or a duration back "
             "from now: 30m, 6h, 2d.", show_default=False)],
    json_: JsonFlag = False,
    format: Annotated[TextFormat, typer.Option(
        "--format", "-f", help="md (Markdown) or json (updates.schema.json; as --json).")
    ] = TextFormat.md,
    db: DbOption = None,
) -> None:
    """What changed in a story since a time: new sources, facts that are new, newly
    corroborated or newly disputed, quotes of new speakers, new timeline entries, and the
    new sentences of articles revised since, each cited as in the brief.

    Compares the story's brief as it stood then with the brief now: the brief kept then
    (one is kept each time a brief is built after its story changed: this command,
    `storyline brief --format json`, the API), or, when none was kept from the articles
    stored by then, the brief rebuilt from them. No article by then: everything is new."""
    from ..brief.updates import updates_markdown

    with Library(db_path(ctx, db)) as lib, options_checked("since"):
        found = lib.updates(story_id, since)
    if json_ or format is TextFormat.json:
        typer.echo(json.dumps(found, ensure_ascii=False, indent=2))
        return
    print_markdown(updates_markdown(found))


def recluster_cmd(
    ctx: typer.Context,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar, no summary.")] = False,
    db: DbOption = None,
) -> None:
    """Rebuild every story from scratch, in publication order, with the current settings.

    Story ids come from each story's first article, so stories that come out the same
    keep their ids. Articles must be annotated first (`storyline annotate`).
    """
    with Library(db_path(ctx, db)) as lib:
        with progress_bar("grouping", show=not quiet) as advance:
            count = lib.recluster(on_progress=advance)
        stories = len(lib.stories())
    if not quiet:
        typer.echo(f"{count} articles in {stories} {'story' if stories == 1 else 'stories'}")

