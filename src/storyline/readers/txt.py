"""Plain text files: the first line is the title when it reads like one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..errors import InputError
from ..records import RawArticle

if TYPE_CHECKING:
    from . import Source

_MAX_TITLE_WORDS = 25


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, the usual encoding of older news files."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


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
    text = decode_text(source.read())
    if "\x00" in text:
        yield InputError(source.origin(), "binary data in a text file")
        return
    if not text.strip():
        yield InputError(source.origin(), "empty file")
        return
    title, body = split_title(text)
    yield RawArticle(text=body, title=title, origin=source.origin())
