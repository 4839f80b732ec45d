"""Cleaning: from raw article text to the body that every later stage cites.

The body keeps the article's own words and drops what the page wrapped them in: promos
("READ MORE: ..."), picture captions and credits, lines that only name the outlet,
share / subscribe / newsletter / cookie lines, and lines an outlet repeats verbatim across
its articles (learned at ingest). Paragraphs are separated by one blank line, whitespace is
tidied and text is Unicode NFC; quotation marks stay as written.

Cleaning is idempotent (``clean_body(clean_body(t)) == clean_body(t)``), so a stored body
read back from an export is stored unchanged.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Collection

#: Lines longer than this are never learned as an outlet's boilerplate: repeated long
#: paragraphs are wire copy, not furniture.
LEARN_MAX_WORDS = 25
#: An outlet's line is boilerplate once it has been seen in this many of its articles.
LEARN_MIN_ARTICLES = 3

_SPACES = re.compile(r"[^\S\n]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u200c\u200d\u2060\ufeff]")
_TERMINAL = re.compile(r"[.!?…:;]['\"’”)\]]*$|['\"’”]$")
_ENDS_SENTENCE = re.compile(r"[.!?…]['\"’”)\]]*$")

_PROMO = re.compile(
    r"^(read more|more on this( story)?|related( stories| articles| coverage| content)?|see also"
    r"|also read|read also|recommended( reading)?|most read|most popular|trending( now)?"
    r"|watch( now)?|listen( now)?|pictures|photos|gallery|video|in pictures|latest|opinion"
    r"|advertisement|sponsored( content)?|promoted)\s*[:|»>–—-]",
    re.IGNORECASE,
)
_CALL_TO_ACTION = re.compile(
    r"^(click here|tap here|sign up|subscribe|join our|follow us|like us on|get our|"
    r"download (our|the) app|share (this|on|via)|share:|email this|print this|"
    r"send us your|got a story|do you have a story|support (our|independent) journalism)",
    re.IGNORECASE,
)
_FURNITURE = re.compile(
    r"we use cookies|uses cookies|cookie (policy|settings|preferences)|accept (all )?cookies"
    r"|(sign up|subscribe) (to|for) (our|the) [\w\s'’-]*(newsletter|email|alerts?|updates)"
    r"|our (free |daily |weekly )?newsletters?\b|newsletter sign[- ]?up|privacy (policy|notice)"
    r"|terms (of|and) (use|service|conditions)|all rights reserved|^copyright\b|^©|^\(c\) \d{4}"
    r"|this (article|story) (is|was) (part of|brought to you)|enable javascript",
    re.IGNORECASE,
)
_CREDIT = re.compile(
    r"PRESS ASSOCIATION Photo|Picture date:|\bPA (Wire|Media|Images)\b|\b(AP|AFP|EPA|PA) Photo\b"
    r"|Getty Images|Shutterstock|\bREX\b|\bAlamy\b|Photograph:|Photo(graph)? ?(credit|by)?:"
    r"|Image (copyright|credit|source)|Picture:|Credit:|\(Photo( by|:)|\(Image:|\(Picture:"
    r"|^(Image|Photo|Picture|Pictured|Caption):",
)
_CAPTION_MARK = re.compile(
    r"\((left|right|centre|center|pictured|above|below|top|bottom|front|back|inset|second (left|right)"
    r"|far (left|right)|l|r|file( photo| picture)?)\)",
    re.IGNORECASE,
)
_SOCIAL = re.compile(
    r"^((share|tweet|email|print|copy link|facebook|twitter|whatsapp|linkedin|pinterest|reddit"
    r"|messenger|comments?|save|x)[\s|·•/,]*)+$",
    re.IGNORECASE,
)
_NAME_WORD = re.compile(r"^([A-Z][\w'’.-]*|of|the|and|de|van|von|la|le|al|bin|&)$")


def normalize_line(line: str) -> str:
    """One line with Unicode NFC, control characters gone and whitespace runs collapsed."""
    line = unicodedata.normalize("NFC", line)
    line = _CONTROL.sub("", line)
    return _SPACES.sub(" ", line).strip()


def paragraphs(text: str) -> list[str]:
    """The text's paragraphs, tidied; hard-wrapped lines are joined back into one paragraph.

    Each non-empty line is a paragraph, except that a line that ends mid-sentence and is
    followed, inside the same block, by a line starting in lower case continues into it.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    result: list[str] = []
    for block in re.split(r"\n[^\S\n]*\n", text):
        lines = [normalize_line(line) for line in block.split("\n")]
        current = ""
        for line in lines:
            if not line:
                continue
            if current and not _TERMINAL.search(current) and line[0].islower():
                current = f"{current} {line}"
            else:
                if current:
                    result.append(current)
                current = line
        if current:
            result.append(current)
    return result


def _is_outlet_line(line: str, outlet: str | None) -> bool:
    """"The Herald:" and the like: the outlet naming itself, alone or before a caption."""
    bare = line.rstrip(":").strip()
    if outlet:
        name = outlet.strip().lower()
        if bare.lower() == name or line.lower().startswith(f"{name}:"):
            return True
    words = bare.split()
    return line.endswith(":") and 0 < len(words) <= 4 and all(_NAME_WORD.match(w) for w in words) \
        and words[0][0].isupper() and not any(w.lower() in {"said", "says"} for w in words)


def _is_name_only(line: str) -> bool:
    """A line of two to four capitalised words and no punctuation: a photo's name tag."""
    words = line.split()
    return 2 <= len(words) <= 4 and all(_NAME_WORD.match(w) for w in words) \
        and not re.search(r"[.!?:;,\"“”‘’()]", line) and words[0][0].isupper()


def boilerplate_reason(line: str, outlet: str | None = None) -> str | None:
    """Why a paragraph is boilerplate ("promo", "caption", ...), or None if it is article text."""
    words = len(line.split())
    if _PROMO.match(line):
        return "promo"
    if words <= 40 and _CALL_TO_ACTION.match(line):
        return "call to action"
    if words <= 40 and _FURNITURE.search(line):
        return "site furniture"
    if _SOCIAL.match(line):
        return "share buttons"
    if words <= 80 and _CREDIT.search(line):
        return "picture credit"
    if _CAPTION_MARK.search(line) and not _ENDS_SENTENCE.search(line):
        return "picture caption"
    if _is_outlet_line(line, outlet):
        return "outlet name"
    if _is_name_only(line):
        return "name tag"
    return None


def line_key(line: str) -> int:
    """A compact, stable key of a paragraph, for counting an outlet's repeated lines."""
    return int.from_bytes(hashlib.blake2b(line.encode(), digest_size=8).digest(), "big", signed=True)


def learnable_lines(text: str) -> set[int]:
    """Keys of the short paragraphs of a raw text that could be an outlet's boilerplate."""
    return {line_key(p) for p in paragraphs(text) if len(p.split()) <= LEARN_MAX_WORDS}


def clean_body(text: str, *, outlet: str | None = None, learned: Collection[int] = ()) -> str:
    """The article body of a raw text: its paragraphs without boilerplate, blank-line separated.

    ``learned`` holds :func:`line_key` values of lines the outlet repeats across articles;
    they are dropped only while something of the article remains.
    """
    kept = [p for p in paragraphs(text) if boilerplate_reason(p, outlet) is None]
    if learned:
        without = [p for p in kept if line_key(p) not in learned]
        if without:
            kept = without
    return "\n\n".join(kept)


def tidy_body(text: str) -> str:
    """A body given as already clean (an export) only gets Unicode and whitespace tidied."""
    return "\n\n".join(paragraphs(text))
