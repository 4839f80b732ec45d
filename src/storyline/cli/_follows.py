"""The commands over follows: follow, follows, unfollow, digest."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer

from ..errors import InputError
from ..library import Library
from ._shared import (DbOption, JsonFlag, TextFormat, db_path, options_checked, print_markdown,
                      stderr, usage_error)


def follow_cmd(
    ctx: typer.Context,
    story_id: Annotated[Optional[str], typer.Argument(
        metavar="[STORY_ID]", help="Follow this story (a merged story's old id works too).",
        show_default=False)] = None,
    query: Annotated[Optional[str], typer.Option(
        "--query", "-q", help="Follow the stories with an article matching this search (as "
                              "`storyline search`).")] = None,
    entity: Annotated[Optional[str], typer.Option(
        "--entity", "-e", help="Follow the stories whose brief names this person or "
                               "organisation (its name or an alias).")] = None,
    json_: JsonFlag = False,
    db: DbOption = None,
) -> None:
    """Follow a story, a search or a name (one of them); prints the follow's id.

    `storyline digest` then says what is new in what it follows."""
    if sum(v is not None for v in (story_id, query, entity)) != 1:
        raise usage_error("give one of STORY_ID, --query QUERY or --entity NAME")
    from ..follows import follow_label

    try:
        with Library(db_path(ctx, db)) as lib, options_checked("query", "entity"):
            found = lib.follow(story_id, query=query, entity=entity)
    except InputError as exc:
        if exc.field != "story_id":
            raise
        raise usage_error(f"STORY_ID: {exc.message}") from None
    if json_:
        typer.echo(json.dumps(found.to_dict(), ensure_ascii=False, indent=2))
        return
    typer.echo(found.id)
    count = len(found.stories)
    stderr(f"following {follow_label(found)} ({count} "
           f"{'story' if count == 1 else 'stories'} now)")


def follows_cmd(ctx: typer.Context, json_: JsonFlag = False, db: DbOption = None) -> None:
    """Every follow: id, kind, what it follows, when it was made, its last digest and how
    many stories it matched by then."""
    with Library(db_path(ctx, db)) as lib:
        found = lib.follows()
    if json_:
        typer.echo(json.dumps([f.to_dict() for f in found], ensure_ascii=False, indent=2))
        return
    if not found:
        stderr("Nothing is followed: run `storyline follow STORY_ID`, `--query QUERY` or "
               "`--entity NAME`.")
        return
    for item in found:
        typer.echo(f"{item.id}\t{item.kind}\t{item.value}\t{item.created_at}\t"
                   f"{item.last_digest_at or 'never'}\t{len(item.stories)}")


def unfollow_cmd(
    ctx: typer.Context,
    follow_ids: Annotated[list[str], typer.Argument(metavar="ID...",
                                                    help="Follow ids, as `storyline follows` "
                                                         "lists them.")],
    db: DbOption = None,
) -> None:
    """Stop following; the stories stay."""
    with Library(db_path(ctx, db)) as lib:
        for follow_id in follow_ids:
            lib.unfollow(follow_id)
    stderr(f"{len(follow_ids)} follow{'s' if len(follow_ids) != 1 else ''} removed")


def digest_cmd(
    ctx: typer.Context,
    since: Annotated[str, typer.Option(
        help="last (each follow's last digest, or when it was made), an ISO time "
             "(2021-03-14T09:00:00Z; UTC unless it says) or a duration back from now: 30m, "
             "6h, 2d.")] = "last",
    json_: JsonFlag = False,
    format: Annotated[TextFormat, typer.Option(
        "--format", "-f", help="md (Markdown) or json (as --json).")] = TextFormat.md,
    db: DbOption = None,
) -> None:
    """What is new in everything followed: for each followed story, what changed (as
    `storyline updates`); for a search or a name, also the stories it matches that it did
    not before, as new stories.

    Once the digest is made, each follow remembers its time: the next digest starts there."""
    from ..follows import digest_markdown

    with Library(db_path(ctx, db)) as lib, options_checked("since"):
        found = lib.digest(since)
    if json_ or format is TextFormat.json:
        typer.echo(json.dumps(found, ensure_ascii=False, indent=2))
        return
    print_markdown(digest_markdown(found))
