"""Cleaning: from raw article text to the body that every later stage cites.

The body keeps the article's own words and drops what the page wrapped them in: the headline
repeated on top (with the byline or timestamp under it), promos ("READ MORE: ...") and lists of
related headlines under a "DON'T MISS" / "Related" heading, picture captions and credits, lines
that only name the outlet, share / follow / subscribe / newsletter / cookie lines, and lines an
outlet repeats verbatim across its articles (learned at ingest). Paragraphs are separated by
one blank line, whitespace is tidied and text is Unicode NFC; quotation marks stay as written.

Cleaning is idempotent (``clean_body(clean_body(t)) == clean_body(t)``), so a stored body
read back from an export is stored unchanged.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata
from collections.abc import Collection
from difflib import SequenceMatcher

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
    r"send us your|got a story|do you have a story|support (our|independent) journalism"
    r"|(have|got) a (news )?tip\b|tell us what you think|let us know (what you think|in the comments)"
    r"|join the (conversation|discussion|debate)|leave a (comment|reply)|have your say)",
    re.IGNORECASE,
)
#: "Follow X on Facebook, Twitter and Instagram", "Follow our coverage at https://...".
_FOLLOW = re.compile(
    r"^follow\b.{0,100}\b(on|at|via)\b.{0,80}(facebook|twitter|instagram|youtube|linkedin|tiktok"
    r"|threads|bluesky|mastodon|https?://|www\.|@\w)",
    re.IGNORECASE,
)
#: How to reach the author; a blog's filing line; a "SOURCE: News agencies" line; ad markers.
_CONTACT = re.compile(r"\b(can|may) be (reached|contacted|emailed) (at|on|via)\b", re.IGNORECASE)
_FILED = re.compile(r"^(filed under|posted (in|under)|tagged( with| as)?|tags|categories|category"
                    r"|topics)\s*:", re.IGNORECASE)
_SOURCE = re.compile(r"^sources?\s*:", re.IGNORECASE)
_ADVERT = re.compile(r"^(advertisement|advertising|sponsored|(story|article) continues (below|after)"
                     r"( (this )?(advertisement|ad))?)$", re.IGNORECASE)
#: A heading that introduces a list of other articles' headlines ("DON'T MISS", "Related:").
_PROMO_HEADING = re.compile(
    r"^(don'?t miss|you (may|might) also like|related( posts?| stories| articles| content| links"
    r"| reading)?|more( stories| from [\w .'’-]+)?|read (more|next|also)|see also|also read"
    r"|recommended( for you)?|most (read|popular)|trending( now)?|more on this( story)?"
    r"|further reading)\s*[:.!]?$",
    re.IGNORECASE,
)
#: "[INSIGHT]", "[VIDEO]": the tag some outlets put after a related headline.
_HEADLINE_TAG = re.compile(r"\s*\[[A-Z][A-Z ]{1,20}\]$")
#: "[Video]", "[Gallery]": the tag that marks a headline in a run of related headlines.
_ANY_TAG = re.compile(r"\s*\[[A-Z][A-Za-z ]{1,20}\]$")
#: Related headlines without a heading: this many tagged short lines in a row.
TAGGED_RUN = 3
#: A byline or timestamp line ("By Jane Roe", "Updated 3:45 PM ET", "5:45 AM PST 11/19/2019 by X").
_DATELINE = re.compile(
    r"^((?i:by)\s+[A-Z][\w'’.-]*(\s+[A-Z][\w'’.-]*){0,3}([\s,]+(and|&)\s+[A-Z][\w'’.-]*"
    r"(\s+[A-Z][\w'’.-]*){0,3})*(\s*[,|–—-]\s*.{0,40})?"
    r"|(?i:(last )?updated|published|posted|first published)\b.{0,60}\d.{0,40}"
    r"|\d{1,2}:\d{2}\s*(?i:[ap]\.?m\.?)?\b.{0,60})$"
)
_FURNITURE = re.compile(
    r"we use cookies|uses cookies|cookie (policy|settings|preferences)|accept (all )?cookies"
    r"|(sign up|subscribe) (to|for) (our|the) [\w\s'’-]*(newsletter|email|alerts?|updates)"
    r"|our (free |daily |weekly )?newsletters?\b|newsletter sign[- ]?up|privacy (policy|notice)"
    r"|terms (of|and) (use|service|conditions)|all rights reserved|^copyright\b|^©|^\(c\) \d{4}"
    r"|this (article|story) (is|was) (part of|brought to you)|enable javascript"
    r"|\bsubscribe to [^.!?]{0,50}newsletters?\b|\bsign up for [^.!?]{0,50}newsletters?\b"
    r"|\b(right|straight|directly|delivered) (in|to|into) your inbox\b|\bclick here\b"
    r"|^thanks? (you )?for (signing up|subscribing)\b|\b(keep an eye on|check) your inbox\b"
    r"|\berror processing your (subscription|request|sign[- ]?up)\b",
    re.IGNORECASE,
)
#: "If you buy something through this post, X may get a share of the sale": an affiliate
#: disclosure.
_AFFILIATE = re.compile(
    r"\b(if|when) you (buy|purchase|click|shop)\b.{0,80}\b(links?|post|article|site|page)\b"
    r".{0,80}\b(commission|share of the (sale|revenue)|compensat\w*|affiliate)\b"
    r"|\b(we|may) (earn|receive|get) (an? )?(small )?(affiliate )?commission\b",
    re.IGNORECASE,
)
#: A paragraph that is only a web address.
_BARE_URL = re.compile(r"^(<)?(https?://|www\.)\S+(>)?$", re.IGNORECASE)
_CREDIT = re.compile(
    r"PRESS ASSOCIATION Photo|Picture date:|\bPA (Wire|Media|Images)\b|\b(AP|AFP|EPA|PA) Photo\b"
    r"|Getty Images|Shutterstock|\bREX\b|\bAlamy\b|Photograph:|Photo(graph)? ?(credit|by)?:"
    r"|Image (copyright|credit|source)|Picture:|Credit:|\(Photo( by|:)|\(Image:|\(Picture:"
    r"|^(Image|Photo|Picture|Pictured|Caption):"
    r"|(?i:\b(photo|photos|photograph|image|images|picture|pictures)\s*(©|\(c\)|copyright\b))",
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


#: Capitalised words that start or sit inside a title-case heading ("The Birth of Chaos",
#: "Experiment With Different Values") but not a person's name.
_HEADING_WORDS = {"The", "A", "An", "With", "For", "Of", "To", "In", "On", "At", "From", "By",
                  "And", "Or", "Is", "Are", "How", "Why", "What", "When"}


def _is_name_only(line: str) -> bool:
    """A line of two to four capitalised words and no punctuation: a photo's name tag, not a
    title-case heading (one that starts with an article or an "-ing" word, or capitalises a
    function word)."""
    words = line.split()
    return 2 <= len(words) <= 4 and all(_NAME_WORD.match(w) for w in words) \
        and not re.search(r"[.!?:;,\"“”‘’()]", line) and words[0][0].isupper() \
        and not any(w in _HEADING_WORDS for w in words) and not words[0].endswith("ing")


def boilerplate_reason(line: str, outlet: str | None = None) -> str | None:
    """Why a paragraph is boilerplate ("promo", "caption", ...), or None if it is article text."""
    words = len(line.split())
    if _PROMO.match(line):
        return "promo"
    if words <= 40 and (_CALL_TO_ACTION.match(line) or _FOLLOW.match(line)):
        return "call to action"
    if words <= 40 and (_FURNITURE.search(line) or _CONTACT.search(line) or _FILED.match(line)):
        return "site furniture"
    if words <= 60 and _AFFILIATE.search(line):
        return "affiliate disclosure"
    if _BARE_URL.match(line):
        return "bare link"
    if (words <= 8 and _SOURCE.match(line)) or _ADVERT.match(line):
        return "site furniture"
    if _SOCIAL.match(line):
        return "share buttons"
    if words <= 80 and _CREDIT.search(line):
        return "picture credit"
    if words <= 80 and _CAPTION_MARK.search(line) and not _ENDS_SENTENCE.search(line):
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


#: Scripts written without spaces between words (Thai, Lao, Myanmar, Khmer, Japanese kana,
#: Chinese characters): there each character counts as a word.
_UNSPACED = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD = re.compile(f"[{_UNSPACED}]|[^\\W{_UNSPACED}]+")


def count_words(text: str) -> int:
    """Words of a text in any script, for telling an article from a menu: runs of letters
    and digits, and each character of a script written without spaces (a Japanese article
    is one "word" to ``str.split``)."""
    return len(_WORD.findall(text))


def _words(text: str) -> list[str]:
    return [w.casefold() for w in re.findall(r"\w+", text)]


def repeats_title(line: str, title: str | None) -> bool:
    """The line is the headline again: the title, one part of a "Headline | Site" title, or
    either with light edits (a name added, a word changed)."""
    if not title:
        return False
    words = _words(line)
    if not words or len(words) > 40:
        return False
    for candidate in [title, *re.split(r"\s+[|–—-]\s+|\s*\|\s*", title)]:
        target = _words(candidate)
        if words == target or (len(target) >= 4 and
                               SequenceMatcher(None, words, target, autojunk=False).ratio() >= 0.8):
            return True
    return False


def _headline_like(line: str) -> bool:
    """Short and not a sentence: a related article's headline in a list of them."""
    bare = _HEADLINE_TAG.sub("", line)
    return len(bare.split()) <= 20 and not line.startswith("|") \
        and (bare != line or not _ENDS_SENTENCE.search(bare))


def _without_promo_lists(pars: list[str]) -> list[str]:
    """Drop a promo heading ("DON'T MISS", "Related:") and the headlines listed under it."""
    kept, listing = [], False
    for p in pars:
        if _PROMO_HEADING.match(p) or (_PROMO.match(p) and len(p.split()) <= 3):
            listing = True
        elif not (listing and _headline_like(p)):
            listing = False
            kept.append(p)
    return kept


def _without_tagged_runs(pars: list[str]) -> list[str]:
    """Drop runs of :data:`TAGGED_RUN` or more short lines that each end in a "[Video]"-like
    tag: a list of related headlines with no heading over it."""
    kept: list[str] = []
    for tagged, run in itertools.groupby(
            pars, key=lambda p: len(p.split()) <= 20 and bool(_ANY_TAG.search(p))):
        run = list(run)
        if not (tagged and len(run) >= TAGGED_RUN):
            kept.extend(run)
    return kept


def _without_repeated_header_rows(pars: list[str]) -> list[str]:
    """Drop table rows that repeat their table's header row (a ``<tfoot>`` copy of it)."""
    kept, header = [], None
    for p in pars:
        if p.startswith("|") and p.endswith("|"):
            if header is None:
                header = p
            elif p == header:
                continue
        else:
            header = None
        kept.append(p)
    return kept


def _without_headline(pars: list[str], title: str | None) -> list[str]:
    """Drop the headline repeated on top of the text and the byline/timestamp under it."""
    start, seen = 0, False
    if len(pars) > 2 and len(pars[0].split()) <= 3 and not _ENDS_SENTENCE.search(pars[0]) \
            and repeats_title(pars[1], title) and not repeats_title(pars[0], title):
        start = 1  # a section label ("Immunology") over the headline goes with it
    while start < len(pars) and (repeats_title(pars[start], title) or (
            seen and len(pars[start].split()) <= 15 and _DATELINE.match(pars[start]))):
        start, seen = start + 1, True
    return pars[start:] if start < len(pars) and seen else pars


def clean_body(text: str, *, outlet: str | None = None, learned: Collection[int] = (),
               title: str | None = None) -> str:
    """The article body of a raw text: its paragraphs without boilerplate, blank-line separated.

    ``learned`` holds :func:`line_key` values of lines the outlet repeats across articles;
    they are dropped only while something of the article remains. ``title`` (the headline)
    is dropped where the text repeats it on top, unless nothing else is left.
    """
    pars = _without_repeated_header_rows(_without_tagged_runs(_without_promo_lists(paragraphs(text))))
    kept = [p for p in pars if boilerplate_reason(p, outlet) is None]
    if learned:
        without = [p for p in kept if line_key(p) not in learned]
        if without:
            kept = without
    return "\n\n".join(_without_headline(kept, title))


def tidy_body(text: str) -> str:
    """A body given as already clean (an export) only gets Unicode and whitespace tidied."""
    return "\n\n".join(paragraphs(text))
