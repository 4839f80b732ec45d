"""Plain text files: the first line is the title when it reads like one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..errors import InputError
from ..records import RawArticle
from ._decode import decode_text

if TYPE_CHECKING:
    from . import Source

_MAX_TITLE_WORDS = 25


def looks_like_title(line: str) -> bool:
    """A headline is short and does not end with a full stop; a lead sentence does.

    Saved articles often start straight with their first paragraph (the seed pair does);
    taking that as a title would drop a sentence from the body.
    """
    words = line.split()
    return 0 < len(words) <= _MAX_TITLE_WORDS and not re.search(r"[.;,]['\"’”]?$", line)


def split_title(text: str) -> tuple[str | None, str]:
    """``(title, rest)`` when the first non-empty line is a title, else ``(None, text)``."""
    stripped = text.lstrip("\ufeff\r\n \t")
    first, _, rest = stripped.partition("\n")
    first = first.strip()
    if looks_like_title(first) and rest.strip():
        return first, rest
    return None, stripped


def read(source: Source) -> Iterator[RawArticle | InputError]:
    try:
        text = decode_text(source.read())
    except ValueError as exc:
        yield InputError(source.origin(), str(exc))
        return
    if not text.strip():
        yield InputError(source.origin(), "empty file")
        return
    title, body = split_title(text)
    yield RawArticle(text=body, title=title, origin=source.origin())
