"""Find time expressions in an article and resolve them to dates.

The publication date is the anchor: in a Sunday paper "on Saturday" is the day before and "3 March"
is the latest 3 March not after publication, unless the sentence looks ahead ("will", "is due
to"), when it is the next one on or after publication ("next Saturday": strictly after). A date is
given only at the precision the text supports (YYYY, YYYY-MM or YYYY-MM-DD); what cannot be
resolved honestly is skipped, never guessed.

A regex finder and plain date arithmetic cover the forms news text uses. dateparser is not used:
on what spaCy tags DATE beyond these forms it returns confident wrong dates ("48" -> 1948,
"three days", "2016-17" -> 2016-03-17) at about a millisecond a call.

``expression`` is the phrase as written, with a directly preceding "on", "in" or "since" (not "in"
before a weekday: "weighed in Friday") and any modifier ("last", "next", "early"): "on Saturday",
"In 2001", "last April". Words that only license a bare year or month ("by 2001", "until April")
are required but left out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from storyline.records import DatedEvent
from storyline.spans import Span, make_span

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_MONTH_NUM = {name[:3].lower(): i for i, name in enumerate(_MONTHS, 1)}
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_NUMBERS = {w: i for i, w in enumerate(("one", "two", "three", "four", "five", "six", "seven",
                                        "eight", "nine", "ten", "eleven", "twelve"), 1)}
_NUMBERS |= {"a": 1, "an": 1}

_FULL = "|".join(_MONTHS)
_ABBR = "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec"
_MON = rf"(?P<month>(?:{_FULL})(?![a-z])|(?:{_ABBR})(?![a-z])\.?)"
_MON_NODOT = rf"(?P<month>(?:{_FULL}|{_ABBR})(?![a-z]))"
_WD = rf"(?P<weekday>{'|'.join(_WEEKDAYS)})"
_DAY = r"(?<![0-9])(?P<day>[0-3]?[0-9])(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>1[89][0-9]{2}|20[0-9]{2}|2100)"
_END = r"(?![\w%]|[-–/.,][0-9])"
_PREP = r"(?:(?<![-\w])(?P<prep>(?i:on|in|since))\s+)?"
_CTX = r"(?P<ctx>\b(?i:by|until|till|during|from|through|of|around|circa)\s+)"

_WD_MOD = r"(?P<mod>\b(?i:last|next|this\s+coming|this\s+past|this|past|coming)\s+)?"
_PART = r"(?:\s+(?P<part>night|evening|morning|afternoon))?"
_PATTERNS = tuple((kind, re.compile(pattern)) for kind, pattern in (
    ("iso", rf"{_PREP}\b(?P<year>[0-9]{{4}})-(?P<mon>[0-9]{{2}})-(?P<day>[0-9]{{2}})(?![0-9])"),
    ("numeric", (rf"{_PREP}(?<![0-9/.])(?P<a>[0-9]{{1,2}})/(?P<b>[0-9]{{1,2}})/"
                 rf"(?P<year>[0-9]{{4}}){_END}")),
    ("day_month", (rf"{_PREP}(?:{_WD},?\s+)?(?:the\s+)?{_DAY}(?:\s+of)?\s+{_MON_NODOT}"
                   rf"(?:\.?,?\s+{_YEAR})?{_END}")),
    ("month_day", rf"{_PREP}(?:{_WD},?\s+)?{_MON}\s+{_DAY}(?:,?\s+{_YEAR})?{_END}"),
    ("month_year", (rf"{_PREP}(?P<mod>(?i:early|late|mid)[\s-]+)?{_MON}(?:\s+of)?,?\s+"
                    rf"{_YEAR}{_END}")),
    ("month", (rf"(?:{_PREP}|{_CTX})(?P<mod>\b(?i:last|next|this|early|late|mid)[\s-]+)?"
               rf"(?P<month>{_FULL})(?!\w)(?:\s+of\s+(?P<rel>next|last|this)\s+year\b)?")),
    ("weekday", rf"(?:(?<![-\w])(?P<prep>(?i:on|since))\s+)?{_WD_MOD}{_WD}{_PART}(?!\w)"),
    ("relday", (r"(?i:\b(?:the\s+day\s+before\s+yesterday|the\s+day\s+after\s+tomorrow"
                r"|(?:earlier\s+|later\s+)?today|tonight"
                r"|(?:yesterday|tomorrow)(?:\s+(?:morning|afternoon|evening|night))?"
                r"|last\s+(?:night|evening)"
                r"|(?:earlier\s+|later\s+)?this\s+(?:morning|afternoon|evening))\b)")),
    ("period", (r"(?i:\b(?P<rel>(?:earlier\s+|later\s+)?this|last|next)\s+"
                r"(?P<unit>week|month|year)\b)")),
    ("ago", (rf"(?i:(?<![-\w])(?P<n>{'|'.join(_NUMBERS)}|[0-9]{{1,3}})\s+"
             rf"(?P<unit>day|week|month|year)s?\s+ago\b)")),
    ("year", (rf"(?:{_PREP}|{_CTX})?(?P<mod>\b(?i:early|late|mid)[\s-]+)?(?<![\w,.$£€])"
              rf"{_YEAR}{_END}")),
))

_FUTURE = re.compile(r"(?i:\b(?:will|shall|(?:is|are)\s+(?:due|set|expected|scheduled|going)\s+to"
                     r"|plans?\s+to|planning\s+to)\b|\w['’]ll\b)")
_QUOTED = re.compile(r"“[^“”]*”|\"[^\"]*\"")
_REPORTED = re.compile(r"(?i:(?<!\bbe\s)(?<!\bbeen\s)"
                       r"\b(?:said|told|announced|reported|wrote|tweeted|added)\s+)$")
_BEFORE_AFTER = re.compile(r"(?i:\b(?:before|after|ahead\s+of)\s*)$")
_ROUGHLY = re.compile(r"(?i:\b(?:than|over|nearly|almost|about|around|some|roughly|approximately)"
                      r"\s*)$")
_TRIGGER = re.compile(rf"[0-9]|{_FULL}"
                      r"|(?i:day|night|evening|morning|afternoon|week|month|year|tomorrow)")
_SUNDAY_PAPER = re.compile(r"\b(?:Mail|Independent|Scotland|Wales|Observer)\s+$")
_NAME_AFTER = re.compile(r"\s+(?:Times|Telegraph|Mirror|Express|Post|People|Herald|Mail|Sport|"
                         r"Night|Morning|Live|Show|School|Trading)\b")

_Candidate = tuple[int, int, str, re.Match]


def find_dated_events(article_id: str, body: str, sentences: Sequence[Span], published: str | None,
                      date_spans: Sequence[tuple[int, int]] = ()) -> list[DatedEvent]:
    """Every time expression in ``body`` that resolves to a date, with the sentence it dates.

    Each sentence is scanned on its own, so an expression never straddles two sentences and the
    future wording that flips "Saturday" forward is read from the expression's own sentence.
    ``date_spans`` (spaCy DATE/TIME entities) only license bare years and month names; the finder
    works without them. With no sentences the whole body counts as one.
    """
    pub = _published_date(published)
    spans = [s for s in sentences if 0 <= s.start <= s.end <= len(body)]
    if not spans and body.strip():
        spans = [make_span(article_id, body, 0, len(body))]
    events: dict[tuple[int, int], DatedEvent] = {}
    for sent in spans:
        text = body[sent.start:sent.end]
        if not _TRIGGER.search(text):
            continue
        hints = [(max(a, sent.start) - sent.start, min(b, sent.end) - sent.start)
                 for a, b in date_spans if a < sent.end and b > sent.start]
        for start, end, kind, match in _find(text, hints):
            iso = _resolve(kind, match, pub, _looks_ahead(text, start))
            key = (sent.start + start, sent.start + end)
            if iso is None or key in events:
                continue
            expr = make_span(article_id, body, *key)
            sentence = make_span(article_id, body, sent.start, sent.end, trim=False)
            events[key] = DatedEvent(iso, expr.text, expr, sentence)
    return [events[key] for key in sorted(events)]


def resolve_date(expression: str, published: date | None, *,
                 looks_ahead: bool = False) -> str | None:
    """The ISO date of the first time expression in ``expression``, at its precision, or None.

    The whole string is taken to be a date phrase, so a bare "2001" or "April" counts. Future
    wording inside it ("will hold a vigil on Saturday") looks ahead as ``looks_ahead`` does.
    """
    found = _find(expression, [(0, len(expression))])
    if not found:
        return None
    if isinstance(published, datetime):
        published = published.date()
    start, _, kind, match = found[0]
    return _resolve(kind, match, published, looks_ahead or _looks_ahead(expression, start))


def _looks_ahead(text: str, start: int) -> bool:
    """Future wording in the expression's sentence, read inside or outside quotes as it stands.

    "“We will win,” he said on Monday" is a past Monday: a quote's tense dates only the quote,
    and a date right after "said" or "told" is when it was said.
    """
    if _REPORTED.search(text, 0, start):
        return False
    for quote in _QUOTED.finditer(text):
        if quote.start() <= start < quote.end():
            return bool(_FUTURE.search(quote.group()))
    return bool(_FUTURE.search(_QUOTED.sub(" ", text)))


def _published_date(published: str | None) -> date | None:
    """Accept "2021-03-14" or a full ISO datetime; anything else means no anchor."""
    if not isinstance(published, str):
        return None
    try:
        return date.fromisoformat(published.strip()[:10])
    except ValueError:
        return None


def _find(text: str, hints: Sequence[tuple[int, int]]) -> list[_Candidate]:
    """Non-overlapping expressions in text order; where two overlap the longer one is the claim.

    A context word ("by 2001") licenses the match but is not part of the expression.
    """
    found: list[_Candidate] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            ctx = "ctx" in match.re.groupindex and match["ctx"]
            start = match.end("ctx") if ctx else match.start()
            if start < match.end() and _accept(text, kind, match, start, hints):
                found.append((start, match.end(), kind, match))
    chosen: list[_Candidate] = []
    for cand in sorted(found, key=lambda c: (c[0] - c[1], c[0])):
        if all(cand[1] <= c[0] or cand[0] >= c[1] for c in chosen):
            chosen.append(cand)
    return sorted(chosen, key=lambda c: c[0])


def _accept(text: str, kind: str, match: re.Match, start: int,
            hints: Sequence[tuple[int, int]]) -> bool:
    """Reject what only looks like a date: bare numbers, names and titles.

    A capitalised "Today" or "On Sunday" mid-sentence is a title ("the Today programme", "Sophy
    Ridge On Sunday"); a weekday after a capitalised word is a name ("Super Tuesday").
    """
    if _BEFORE_AFTER.search(text, 0, start) or kind == "ago" and _ROUGHLY.search(text, 0, start):
        return False
    groups = match.groupdict()
    if kind in ("year", "month"):
        a, b = match.span(kind)
        hinted = any(h0 <= a and b <= h1 for h0, h1 in hints)
        prepped = (groups["prep"] or groups["ctx"]) and groups.get("month") != "May"
        licensed = groups["mod"] or prepped
        return bool(hinted or licensed)
    if kind == "weekday":
        if groups["prep"] == "on" and _SUNDAY_PAPER.search(text, 0, start):
            return False
        if _NAME_AFTER.match(text, match.end()):
            return False
    if kind in ("weekday", "relday") and text[start].isupper():
        before = text[:start].rstrip().rstrip("\"“”‘’'([").rstrip()
        if before and before[-1] not in ".!?:;—–-…":
            if kind == "relday" or groups.get("prep") or groups.get("mod"):
                return False
            return not before.split()[-1][:1].isupper()
    return True


def _resolve(kind: str, match: re.Match, pub: date | None, ahead: bool) -> str | None:
    """The ISO date for one found expression, or None when the text does not pin it down."""
    try:
        return _resolve_unchecked(kind, match.groupdict(), match.group(0).lower(), pub, ahead)
    except (ValueError, OverflowError):
        return None


def _resolve_unchecked(kind: str, g: dict, text: str, pub: date | None, ahead: bool) -> str | None:
    """Absolute forms first, which need no anchor; every relative form needs ``pub``."""
    mod = (g.get("mod") or "").lower().split()
    if kind == "iso":
        return date(int(g["year"]), int(g["mon"]), int(g["day"])).isoformat()
    if kind == "numeric":
        a, b = int(g["a"]), int(g["b"])
        if a != b and a <= 12 and b <= 12:
            return None
        day, month = (a, b) if b <= 12 else (b, a)
        return date(int(g["year"]), month, day).isoformat()
    if kind == "year":
        return g["year"]
    month = _MONTH_NUM[g["month"][:3].lower()] if g.get("month") else 0
    if kind == "month_year":
        return _year_month(int(g["year"]), month)
    if kind in ("day_month", "month_day"):
        if g["year"]:
            return date(int(g["year"]), month, int(g["day"])).isoformat()
        return _nearest_day(pub, month, int(g["day"]), ahead) if pub else None
    if pub is None:
        return None
    if kind == "month" and g["rel"]:
        return _year_month(pub.year + {"last": -1, "next": 1}.get(g["rel"], 0), month)
    if kind == "month":
        return _month_of(pub, month, mod[0] if mod else "", ahead)
    if kind == "weekday":
        return _weekday(pub, _WEEKDAYS.index(g["weekday"]), mod, ahead).isoformat()
    if kind == "relday":
        shift = {"before": -2, "after": 2, "yesterday": -1, "last": -1, "tomorrow": 1}
        words = text.split()
        days = next((v for k, v in shift.items() if k in words), 0)
        return (pub + timedelta(days=days)).isoformat()
    step = {"last": -1, "next": 1}.get((g.get("rel") or "").lower(), 0)
    if kind == "ago":
        n = int(g["n"]) if g["n"].isdigit() else _NUMBERS.get(g["n"].lower())
        if n is None:
            return None
        step = -n
    unit = g["unit"][0].lower()
    if unit == "d":
        return (pub + timedelta(days=step)).isoformat()
    if unit == "w":
        if kind == "ago":
            return (pub + timedelta(weeks=step)).isoformat()
        monday = pub - timedelta(days=pub.weekday()) + timedelta(weeks=step)
        sunday = monday + timedelta(days=6)
        return f"{monday.year:04d}-{monday.month:02d}" if monday.month == sunday.month else None
    if unit == "m":
        year, month = divmod(pub.year * 12 + pub.month - 1 + step, 12)
        return _year_month(year, month + 1)
    return f"{date(pub.year + step, 1, 1).year:04d}"


def _nearest_day(pub: date, month: int, day: int, ahead: bool) -> str | None:
    """The latest such day not after publication, or the next one on or after it when ahead."""
    for k in range(9):
        try:
            candidate = date(pub.year + (k if ahead else -k), month, day)
        except ValueError:
            continue
        if (candidate >= pub) if ahead else (candidate <= pub):
            return candidate.isoformat()
    return None


def _month_of(pub: date, month: int, mod: str, ahead: bool) -> str:
    """"last April" is strictly before the publication month, "next April" strictly after."""
    if mod == "last":
        year = pub.year if month < pub.month else pub.year - 1
    elif mod == "next":
        year = pub.year if month > pub.month else pub.year + 1
    elif mod == "this":
        year = pub.year
    elif ahead:
        year = pub.year if month >= pub.month else pub.year + 1
    else:
        year = pub.year if month <= pub.month else pub.year - 1
    return _year_month(year, month)


def _year_month(year: int, month: int) -> str:
    """YYYY-MM, validated by building the date."""
    return date(year, month, 1).isoformat()[:7]


def _weekday(pub: date, target: int, mod: list[str], ahead: bool) -> date:
    """On or before publication, or on or after it when the sentence looks ahead.

    "last" is strictly before, "next" strictly after. A future sentence naming the publication's
    own weekday means that day ("will speak on Friday" in Friday's paper), not a week later.
    """
    if "last" in mod or "past" in mod:
        return pub - timedelta(days=(pub.weekday() - target - 1) % 7 + 1)
    if "next" in mod or "coming" in mod:
        return pub + timedelta(days=(target - pub.weekday() - 1) % 7 + 1)
    if ahead:
        return pub + timedelta(days=(target - pub.weekday()) % 7)
    return pub - timedelta(days=(pub.weekday() - target) % 7)
