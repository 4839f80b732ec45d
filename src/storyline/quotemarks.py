"""Quotations found by their marks: exact and cheap, and the first step of attribution
(:mod:`storyline.quotes` finds who spoke). Double quotes pair within a paragraph and carry
over paragraphs the newspaper way; single quotes are told from apostrophes; short Title Case
quotations are titles, not speech."""

from __future__ import annotations

import re
from dataclasses import dataclass

_OPEN = "“„«"
_CLOSE = "”»"
_SMALL_WORDS = frozenset("a an and at by for in of on or the to with vs".split())


@dataclass(frozen=True)
class Quoted:
    """Text between quotation marks: ``start:end`` are the words, ``open:close`` with marks."""

    open: int
    close: int
    start: int
    end: int
    single: bool = False


def _paragraphs(body: str) -> list[tuple[int, int]]:
    bounds, start = [], 0
    for match in re.finditer(r"\n\s*\n", body):
        bounds.append((start, match.start()))
        start = match.end()
    bounds.append((start, len(body)))
    return bounds


def _double_quoted(body: str, start: int, end: int,
                   opened: int | None = None) -> tuple[list[Quoted], int | None]:
    """Pairs of double quotation marks in ``body[start:end]``, and where one is left open.

    ``opened`` is the opening mark of a quote carried over from an earlier paragraph.
    """
    found: list[Quoted] = []
    for i in range(start, end):
        char = body[i]
        if opened is None and (char in _OPEN or char == '"'):
            opened = i
        elif opened is not None and (char in _CLOSE or char == '"'):
            if i > opened + 1:
                found.append(Quoted(opened, i + 1, opened + 1, i))
            opened = None
    return found, opened


_SINGLE_OPEN = re.compile(r"(?:(?<=^)|(?<=[\s(\[—–-]))['‘](?=\w)")
_SINGLE_CLOSE = re.compile(r"(?<=[\w.,!?…])['’](?=[\s,.;:!?)\]—–-]|$)")


def _single_quoted(body: str, start: int, end: int, taken: list[Quoted]) -> list[Quoted]:
    """'Fragments' in single quotes, outside double quotes; apostrophes are not quotes."""
    found = []
    position = start
    while True:
        opening = _SINGLE_OPEN.search(body, position, end)
        if not opening:
            return found
        o = opening.start()
        if any(q.open <= o < q.close for q in taken):
            position = o + 1
            continue
        closing = _SINGLE_CLOSE.search(body, o + 2, end)
        if not closing:
            return found
        c = closing.start()
        inner = body[o + 1:c]
        if "\n" not in inner and len(inner.split()) <= 40 and not inner.endswith("s'"):
            found.append(Quoted(o, c + 1, o + 1, c, single=True))
            position = c + 1
        else:
            position = o + 1


def find_quoted(body: str) -> list[Quoted]:
    """Every quotation in the body, in order.

    A paragraph that opens a quote without closing it continues into the next paragraph
    when that one opens with a quotation mark (the newspaper convention for a long quote);
    otherwise the quote ends with its paragraph.
    """
    paragraphs = _paragraphs(body)
    quoted: list[Quoted] = []
    pending: int | None = None
    last_end = 0
    for start, end in paragraphs:
        text = body[start:end]
        lead = start + len(text) - len(text.lstrip())
        if pending is not None and lead < end and body[lead] in '"' + _OPEN:
            found, pending = _double_quoted(body, lead + 1, end, opened=pending)
        else:
            if pending is not None:
                quoted.append(Quoted(pending, last_end, pending + 1, last_end))
            found, pending = _double_quoted(body, start, end)
        quoted.extend(found)
        last_end = end
    if pending is not None:
        quoted.append(Quoted(pending, last_end, pending + 1, last_end))
    singles = []
    for start, end in paragraphs:
        singles.extend(_single_quoted(body, start, end, quoted))
    return sorted(quoted + singles, key=lambda q: q.open)


def looks_like_title(text: str) -> bool:
    """Short Title Case words in quotes name a show, a book or a slogan, not speech:
    "Fox News Sunday", "Contract with America", "The 411."."""
    words = re.findall(r"[^\W\d_][\w'’-]*|\d\w*", text)
    if not words or len(words) > 6:
        return False
    return all(w[0].isupper() or w[0].isdigit() or w.lower() in _SMALL_WORDS for w in words) \
        and (words[0][0].isupper() or words[0][0].isdigit())
