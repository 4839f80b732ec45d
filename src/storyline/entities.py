"""Entities: spaCy's NER mentions tidied and grouped, per article, into one record per thing.

The small model slips in predictable ways (a trailing full stop, "the" and "'s" inside the
span, "Dame Cressida" as a place, "Clapham Common" as a person, "Atkins" left untagged,
platforms and broadcasters as people: "trends on Twitter", "told Sky"), and
articles write one person several ways ("Sadiq Khan", "Mr Khan", "London mayor"). This
module works over plain ``(start, end, label)`` character spans, so it needs no model and is
tested with hand-written mentions. A mention's span is its surface form with titles
("Mr Khan", "Commissioner Cressida Dick") but without a leading "the" or a possessive.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from .records import Entity
from .spans import make_span

ENTITY_TYPES = ("PERSON", "ORG", "GPE", "LOC", "FAC", "EVENT", "NORP", "OTHER")
_LABELS = {t: t for t in ENTITY_TYPES[:-1]} | dict.fromkeys(
    ("WORK_OF_ART", "LAW", "LANGUAGE", "PRODUCT"), "OTHER")
_NON_ENTITY = {"DATE", "TIME", "CARDINAL", "ORDINAL", "MONEY", "PERCENT", "QUANTITY"}


def _words(text: str) -> set[str]:
    return set(text.split())


_HONORIFICS = dict.fromkeys(_words("mr sir lord"), "male") | dict.fromkeys(
    _words("mrs ms miss dame lady"), "female") | dict.fromkeys(_words("dr prof professor rev"))
#: Capitalised before a name, a title is part of the alias and gives a role.
_TITLES = {w: w for w in _words("""mayor commissioner president senator representative governor
    congressman congresswoman secretary minister chancellor constable inspector detective officer
    judge justice speaker leader general captain king queen prince princess superintendent chief
    sergeant premier ambassador mp councillor commander ceo chairman chairwoman director""")} | {
    "sen": "senator", "rep": "representative", "gov": "governor", "gen": "general",
    "capt": "captain", "sgt": "sergeant", "supt": "superintendent"}
_TITLE_GENDER = {"king": "male", "prince": "male", "queen": "female", "princess": "female"}
_RANKS = _words("assistant deputy acting vice prime chief detective former shadow interim attorney")
_ROLE_NOUNS = set(_TITLES.values()) | _words("""candidate nominee spokesman spokeswoman chairman
    spokesperson chairwoman chair director executive founder head boss adviser aide lawyer editor
    correspondent campaigner activist host anchor member""")
_ROLE_ADJECTIVES = _RANKS | _words("presidential senior junior foreign serving party")
_STOPWORDS = _words("""the a an and or but in on at of for to as by from with that this his her
    their its said says when while after before if how who asked told whether about against ex new
    read more watch yesterday today tonight now then earlier later meanwhile however also""")
_PLACE_WORDS = _words("""common street road square bridge avenue lane heath station airport
    stadium hospital palace cathedral abbey""")
_WEAK_PLACE_WORDS = _words("park green hill gardens fields wood")
_ORG_WORDS = _words("""police party council office ministry department service yard committee
    commission university college agency association institute foundation trust union inc ltd
    plc corp campaign administration bureau court board group news network""")
_PUNCT = "\"'“”‘’()[]{}<>,.;:!?-–—…*#@/\\|_«»"
_WORD = re.compile(r"[^\W\d_][\w'’-]*\.?")
_PAREN = re.compile(r"[ \t\xa0]*\((?:the\s+)?([A-Z][\w&'’.-]*(?:\s[A-Z][\w&'’.-]*){0,2})\)")

_Spans = Sequence[tuple[int, int, bool]]  # (start, end, is an entity) of the model's raw mentions


@dataclass
class _Mention:
    start: int
    end: int
    type: str
    name: str
    strong: bool = False  # the words settled the type (a title, "Common"), so no vote changes it
    titled: bool = False
    roles: list[str] = field(default_factory=list)
    gender: str | None = None
    link: _Mention | None = None  # the mention this one must join (a short form it introduced)


def entity_key(name: str, type: str) -> str:
    """What the story level merges on: outlets differ in accents, case and punctuation."""
    return type + ":" + _fold(re.sub(r"(?i)^the\s+", "", name.strip()))


@functools.lru_cache(maxsize=1 << 16)
def _fold(text: str) -> str:
    text = "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c) and not unicodedata.category(c).startswith("P"))
    return " ".join(text.casefold().split())


def _key(word: str) -> str:
    return word.rstrip(".").casefold()


def _tidy(body: str, start: int, end: int) -> tuple[int, int] | None:
    """Narrow a span to the name: no edge punctuation, "the", possessive, "Jr.", other lines."""
    line = next((m for m in re.finditer(r"[^\n]+", body[start:end])
                 if re.search(r"[^\W\d_]", m.group())), None)
    if line is None:
        return None
    start, end = start + line.start(), start + line.end()
    while start < end:
        before = (start, end)
        while start < end and (body[start].isspace() or body[start] in _PUNCT):
            start += 1
        while end > start and (body[end - 1].isspace() or body[end - 1] in _PUNCT):
            if body[end - 1] == "." and re.search(r"(?:\b[A-Z]|\.[A-Za-z])\.$", body[start:end]):
                break
            end -= 1
        if m := re.search(r"(?<=[^\W\d_])['’]s$|,?\s+(?:Jr|Sr)\.?$", body[start:end]):
            end = start + m.start()
        if m := re.match(r"(?:[Tt]he|an?)\s+", body[start:end]):
            start += m.end()
        if (start, end) == before:
            break
    text = body[start:end]
    return (start, end) if any(c.isupper() for c in text) else None


def _words_before(body: str, pos: int) -> list[tuple[int, int, str]]:
    """Words left of ``pos`` on its line, nearest first, up to the first non-word."""
    line_start = body.rfind("\n", 0, pos) + 1
    line = body[line_start:pos]
    words: list[tuple[int, int, str]] = []
    for m in reversed(list(re.finditer(r"\S+", line)) if line[-1:].isspace() else []):
        if not _WORD.fullmatch(m.group()) or len(words) == 8:
            break
        words.append((line_start + m.start(), line_start + m.end(), m.group()))
    return words


def _sentence_initial(body: str, pos: int) -> bool:
    before = body[max(0, pos - 10):pos].rstrip(" \t\xa0")
    return not before or before[-1] in "\n.!?:\"“‘("


def _overlaps(spans: _Spans, start: int, end: int, *, entities: bool = True) -> bool:
    return any(s < end and start < e and (entities or not ent) for s, e, ent in spans)


def _build(body: str, start: int, end: int, type: str, others: _Spans,
           known: set[str]) -> _Mention | None:
    """One tidied mention: its type checked against the words, titles split off, roles read."""
    tokens = list(re.finditer(r"\S+", body[start:end]))
    last, strong = _key(tokens[-1].group()), False
    if type == "PERSON" and (last in _PLACE_WORDS or (last in _WEAK_PLACE_WORDS and any(
            _key(w) in {"on", "in", "at", "near"} for *_, w in _words_before(body, start)[:2]))):
        type, strong = "FAC", True
    elif type == "PERSON" and last in _ORG_WORDS:
        type, strong = "ORG", True
    elif start > 0 and body[start - 1] in "#@":
        type, strong = "OTHER", True
    person = type == "PERSON"
    skip = _HONORIFICS.keys() | (_TITLES.keys() | _RANKS | _STOPWORDS if person else set())
    i = 0
    while i < len(tokens) - 1 and _key(tokens[i].group()) in skip:
        i += 1
    if person and _key(tokens[i].group()) in skip:
        return None
    name_start = start + tokens[i].start()
    words = _words_before(body, name_start)
    if person and words:
        ws, we, w = words[0]
        if (w.isalpha() and w[0].isupper() and _key(w) not in skip and not _overlaps(others, ws, we)
                and (not _sentence_initial(body, ws) or _fold(body[ws:end]) in known)):
            name_start, words = ws, words[1:]
    absorbed: list[str] = []
    surface = start if not person else name_start
    for ws, we, w in words if person or len(tokens) < 4 else []:
        k = _key(w)
        if not w[0].isupper() or _overlaps(others, ws, we) or not (k in _HONORIFICS or person and (
                k in _TITLES or (k in _RANKS and absorbed))):
            break
        absorbed.insert(0, w)
        surface = ws
    if any(_key(w) in _HONORIFICS for w in absorbed):
        type, strong, person = "PERSON", True, True
    m = _Mention(surface, end, type, " ".join(body[name_start:end].split()),
                 strong=strong or (person and bool(absorbed)), titled=bool(absorbed))
    if person:
        genders = {_HONORIFICS.get(_key(w)) or _TITLE_GENDER.get(_key(w)) for w in absorbed}
        m.gender = next(iter(genders - {None})) if len(genders - {None}) == 1 else None
        core = [w for w in absorbed if _key(w) not in _HONORIFICS]
        m.roles = _roles(core, _words_before(body, surface), others)
    return m


def _roles(core: list[str], words: list[tuple[int, int, str]], others: _Spans) -> list[str]:
    """Job titles written just before a name: "Home Office Minister", "London mayor"."""
    core = [_key(w) for w in core]
    if not core and words and words[0][2].islower() and _key(words[0][2]) in _ROLE_NOUNS:
        core, words = [_key(words[0][2])], words[1:]
    if not core:
        return []
    core[-1] = _TITLES.get(core[-1], core[-1])
    if core[-1] == "general" and len(core) > 1:  # "Attorney General" is not a general
        core[-2:] = [" ".join(core[-2:])]
    inner: list[str] = []
    modifiers: list[str] = []
    for ws, we, w in words[:5]:
        k = _key(w)
        if w.endswith(".") or k in _STOPWORDS | _HONORIFICS.keys() or _overlaps(
                others, ws, we, entities=False):
            break
        if w.islower() and k in _ROLE_ADJECTIVES and not modifiers:
            inner.insert(0, k)
        elif w[0].isupper():
            modifiers.insert(0, k)
        else:
            break
    return list(dict.fromkeys([" ".join(modifiers + inner + core), " ".join(inner + core),
                               core[-1]]))


def group_entities(article_id: str, body: str,
                   mentions: Sequence[tuple[int, int, str]]) -> list[Entity]:
    """mentions: (start, end, spaCy label) from doc.ents, in body order.

    One entity per thing the article names, in order of first mention; date, time and number
    labels only stop titles and roles from reaching across them.
    """
    raw = sorted((max(0, s), min(len(body), e), label) for s, e, label in mentions)
    raw = _split_possessives(body, [(s, e, label) for s, e, label in raw if s < e])
    others = [(s, e, label not in _NON_ENTITY) for s, e, label in raw]
    tidy = [(t, label) for s, e, label in raw if label in _LABELS and (t := _tidy(body, s, e))]
    known = {_fold(body[s:e]) for (s, e), label in tidy if label == "PERSON"}
    ms = [m for (s, e), label in tidy if (m := _build(
        body, s, e, _LABELS[label], [o for o in others if not o[0] <= s < e <= o[1]], known))]
    lower = set(re.findall(r"\b[a-z][a-z'’-]*", body))  # a capitalised one is no name
    ms = _fix_types(body, _drop_overlaps(ms), lower)
    ms = _drop_overlaps(ms + _search(body, ms, others, known, lower))
    return [_entity(article_id, body, n, [ms[i] for i in group])
            for n, group in enumerate(_cluster(ms), start=1)]


def _split_possessives(body: str, raw: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """"Sky's Sophy Ridge" read as one name is two when the article names "Sky" on its own:
    the owner takes the type it has there, the rest keeps the model's label."""
    alone = {body[s:e]: label for s, e, label in raw if label in _LABELS}
    out = []
    for s, e, label in raw:
        m = re.search(r"['’]s\s+(?=[A-Z])", body[s:e]) if label in _LABELS else None
        if m and body[s:s + m.start()] in alone and " " not in body[s:s + m.start()].strip():
            out += [(s, s + m.start(), alone[body[s:s + m.start()]]), (s + m.end(), e, label)]
        else:
            out.append((s, e, label))
    return out


def _drop_overlaps(ms: list[_Mention]) -> list[_Mention]:
    """Mentions in body order, none overlapping an earlier (or, at a tie, longer) one."""
    kept: list[_Mention] = []
    for m in sorted(ms, key=lambda m: (m.start, m.start - m.end)):
        if not kept or kept[-1].end <= m.start:
            kept.append(m)
    return kept


def _fix_types(body: str, ms: list[_Mention], lower: set[str]) -> list[_Mention]:
    """Type slips the rest of the article makes plain; drops capitalised common words."""
    names = {(m.type, _fold(m.name)) for m in ms}
    for m in ms:  # "Serving Metropolitan Police constable": a sentence's first word swallowed
        first, _, rest = m.name.partition(" ")
        if (rest and m.type != "PERSON" and (m.type, _fold(rest)) in names
                and _sentence_initial(body, m.start)
                and (first.lower() in lower or first.endswith(("ing", "ed")))):
            m.start, m.name = body.index(rest.split()[0], m.start + len(first)), rest
    votes: dict[str, Counter] = {}
    for m in ms:
        votes.setdefault(_fold(m.name), Counter())[m.type] += 1
    for m in ms:
        m.type = m.type if m.strong else votes[_fold(m.name)].most_common(1)[0][0]
    _media_are_not_people(body, ms)
    # "in Glasgow, Nottingham, Birmingham and Bristol"
    for chain in _lists(body, ms, (", ", " and ", ", and ")):
        if len(chain) > 1 and any(c.type == "GPE" for c in chain):
            for c in chain:
                if c.type == "PERSON" and not c.titled and " " not in c.name:
                    c.type = "GPE"
            if 2 * sum(c.type == "GPE" for c in chain) > len(chain):
                for c in chain:
                    c.type = "GPE" if c.type == "ORG" and " " not in c.name else c.type
    tokens = {t for m in ms if m.type == "PERSON" and " " in m.name for t in _fold(m.name).split()}
    kept = []
    for m in ms:
        single = " " not in m.name
        if single and m.type == "ORG" and not m.name.isupper() and _fold(m.name) in tokens:
            m.type = "PERSON"
        elif (single and m.type == "PERSON" and not m.titled and _fold(m.name) not in tokens
              and (m.name.lower() in lower or m.name.lower().removesuffix("s") in lower)):
            continue
        kept.append(m)
    return kept


#: Words that make "on X" or "via X" a medium: what is posted, shown or said somewhere.
_POSTING = _words("""post posts posted posting tweet tweets tweeted wrote writes written said
    says saying shared sharing trends trending trended announced announcing video videos
    message messages live appeared appearing appearance interview interviews broadcast aired
    streamed published account accounts page photo photos picture pictures footage clip viral
    follow following followed followers responded replied reacted went silent criticised
    criticized mocked mocks blamed praised attacked promoted trumpeted slammed blasted
    revealed released image images""")
_ON = re.compile(r"(?i)(?:^|\s)(on|via)\s+$")
#: "told Sky", "an interview with Politico", "writing for Breitbart", "took to Twitter".
_TOLD = re.compile(r"(?i)(?:^|\s)(?:told|tells|telling|(?:an?|the|in|during)\s+interviews?\s+with"
                   r"|interviewed\s+by|writ(?:es|ing)\s+for|wrote\s+for|appear(?:s|ed|ing)?\s+on"
                   r"|(?:took|takes?|taking|went|goes|going|turned)\s+to)"
                   r"\s+$")
#: What follows a medium's name and no person's: "Sky News", "Twitter account", "CNN reported".
_MEDIUM_AFTER = re.compile(r"\s+(?:(?:News|TV|Television|Radio|Channel|Online)\b|(?:reported|reports"
                           r"|broadcast|aired|users?|accounts?|posts?|feeds?|page|pages|followers"
                           r"|videos?|handle|thread|livestream|reporters?|journalists?|correspondents?)\b)")
_POSSESSIVE = re.compile(r"['’]s?(?!\w)")


def _media_context(body: str, m: _Mention, people: Sequence[_Mention]) -> bool:
    """Whether the words around a mention say it is a platform or broadcaster: posted "on X"
    or "via X", someone "told X", "X News", "X reported", "X's Sophy Ridge"."""
    line_start = body.rfind("\n", 0, m.start) + 1
    before = body[max(line_start, m.start - 60):m.start]
    after = body[m.end:m.end + 40]
    if _MEDIUM_AFTER.match(after):
        return not re.match(r"\s+report(?:ed|s)\s+from\b", after)  # a reporter's byline
    if re.match(r"[ \xa0](?:[A-Z][a-z]?['’])?[A-Z][a-z]", after):
        return False  # "told Bill O'Reilly": a first name
    possessive = _POSSESSIVE.match(after)
    if (on := _ON.search(before)) and not possessive:
        if on.group(1).lower() == "via":
            return True
        earlier = [_key(w) for w in re.findall(r"[^\W\d_]+", before[:on.start()])[-4:]]
        if any(w in _POSTING for w in earlier):
            return True
    if _TOLD.search(before):
        return True
    if possessive:  # "Sky's Sophy Ridge": a medium's presenter, named in full
        rest = m.end + possessive.end() + 1
        return any(p.start == rest and len(p.name.split()) > 1 for p in people)
    return False


def _named_as_person(body: str, name: str) -> bool:
    """Whether the body writes a name as a person's anywhere, tagged or not: after a title or
    honorific ("Mr. Keyworth", "Mayor Emanuel") or after a first name, a nickname between
    ("Rahm Emanuel", 'George "Jay" Keyworth'), mid-sentence."""
    pattern = (r"(?<![\w.])([A-Z][a-z]+)\.?\s+(?:[\"“][^\"”\n]{1,20}[\"”]\s+)?"
               + re.escape(name) + r"(?![\w-])")
    for hit in re.finditer(pattern, body):
        word = _key(hit.group(1))
        if word in _HONORIFICS or word in _TITLES:
            return True
        if (not _sentence_initial(body, hit.start()) and word not in _STOPWORDS
                and not re.search(rf"\b{re.escape(hit.group(1).lower())}\b", body)):
            # the word before is never written as a common word
            return True
    return False


def _lists(body: str, ms: list[_Mention],
           separators: tuple[str, ...]) -> Iterator[list[_Mention]]:
    """The mentions in body order, grouped into runs that only ``separators`` join ("A, B
    and C"); a mention on its own is a run of one."""
    chain: list[_Mention] = []
    for m in ms:
        if chain and body[chain[-1].end:m.start] in separators:
            chain.append(m)
            continue
        if chain:
            yield chain
        chain = [m]
    if chain:
        yield chain


def _among_organisations(body: str, ms: list[_Mention]) -> set[int]:
    """Mentions listed with organisations: "on Facebook, Google and Twitter"."""
    found: set[int] = set()
    for chain in _lists(body, ms, (", ", " and ", ", and ", " or ", ", or ")):
        orgs = sum(c.type == "ORG" for c in chain)
        if orgs >= 2 and 2 * orgs > len(chain):
            found |= {id(c) for c in chain if c.type == "PERSON"}
    return found


def _media_are_not_people(body: str, ms: list[_Mention]) -> None:
    """Platforms and broadcasters the model typed as people ("trends on Twitter", "told
    Sky"): a one-word "person" with no sign of being one anywhere in the article (no full
    name holding the word, no title or honorific, no role, no gender, not written after a
    first name or a title) whose context says it is a medium somewhere, or that is listed
    among organisations, becomes an organisation, every mention of it."""
    people = [m for m in ms if m.type == "PERSON"]
    evidence = {t for m in people if " " in m.name for t in _fold(m.name).split()}
    evidence |= {_fold(m.name) for m in people if m.titled or m.strong or m.roles or m.gender}
    lone: dict[str, list[_Mention]] = {}
    for m in people:
        if " " not in m.name and _fold(m.name) not in evidence:
            lone.setdefault(_fold(m.name), []).append(m)
    listed = _among_organisations(body, ms)
    for name, group in lone.items():
        if not _named_as_person(body, group[0].name) and any(
                id(m) in listed or _media_context(body, m, people) for m in group):
            for m in group:
                m.type = "ORG"


def _initials(name: str) -> str:
    return "".join(w if w.isupper() and len(w) <= 3 else w[0]
                   for w in name.split() if w[0].isupper())


def _search(body: str, ms: list[_Mention], others: _Spans, known: set[str],
            lower: set[str]) -> list[_Mention]:
    """Mentions NER missed: a name it tagged elsewhere, a lone surname, an introduced short form
    ("the Metropolitan Police (the Met)"), an organisation's initials."""
    full = [m.name.split() for m in ms if m.type == "PERSON" and len(_fold(m.name).split()) > 1]
    surnames = Counter(last for _, last in {(_fold(n[0]), _fold(n[-1])) for n in full})
    wanted: list[tuple[str, str, _Mention | None]] = [
        (n[-1], "PERSON", None) for n in full if surnames[_fold(n[-1])] == 1
        and n[-1].isalpha() and len(n[-1]) > 2 and n[-1].lower() not in lower]
    by_initials = Counter(_initials(m.name) for m in ms if m.type == "ORG" and " " in m.name)
    for m in ms:
        if m.type != "OTHER" and (" " in m.name or m.name.lower() not in lower):
            wanted.append((m.name, m.type, None))
        short = p.group(1) if m.type != "PERSON" and (p := _PAREN.match(body, m.end)) else ""
        if short and len(short) < len(m.name) and (
                short.replace(".", "").isupper() or short[0] == m.name[0]):
            wanted.append((short, m.type, m))
            for other in ms:
                if other.link is None and _fold(other.name) == _fold(short):
                    other.link = m
        acronym = _initials(m.name)
        if m.type == "ORG" and " " in m.name and len(acronym) >= 3 and by_initials[acronym] == 1:
            wanted.append((acronym, "ORG", m))
    taken = [(m.start, m.end, True) for m in ms] + list(others)
    found: list[_Mention] = []
    for (text, type), link in {(t, ty): link for t, ty, link in reversed(wanted)}.items():
        pattern = r"\s+".join(map(re.escape, text.split()))
        for hit in re.finditer(rf"(?<![\w#@]){pattern}(?!\w)", body):
            m = (None if _overlaps(taken, hit.start(), hit.end())
                 else _build(body, hit.start(), hit.end(), type, others, known))
            if m is not None and not _overlaps(taken, m.start, m.end):
                m.link = link
                found.append(m)
                taken.append((m.start, m.end, True))
    return found


def _abbreviates(short: list[str], long: list[str]) -> bool:
    return short != long and len(short) <= len(long) and all(
        a == b or (len(a) >= 3 and b.startswith(a)) for a, b in zip(short, long))


def _cluster(ms: list[_Mention]) -> list[list[int]]:
    """Mention indices grouped into entities, in order of first mention."""
    parent = list(range(len(ms)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        parent[find(j)] = find(i)

    def traits(root: int) -> tuple[set, set]:
        group = [k for k in range(len(ms)) if find(k) == root]
        return {ms[k].gender for k in group} - {None}, {r for k in group for r in ms[k].roles}

    folded = [_fold(m.name).split() or [""] for m in ms]
    at = {id(m): i for i, m in enumerate(ms)}
    first: dict[tuple, int] = {}
    for i, m in enumerate(ms):
        union(at.get(id(m.link), i), i)
        union(first.setdefault((m.type, *folded[i]), i), i)
    full = [i for i, m in enumerate(ms) if m.type == "PERSON" and len(folded[i]) > 1]
    for i in full:  # "Donald J. Trump" and "Donald Trump"
        union(first.setdefault(("ends", folded[i][0], folded[i][-1]), i), i)
    lasts: dict[str, set[int]] = {}
    firsts: dict[str, set[int]] = {}
    for i in full:
        lasts.setdefault(folded[i][-1], set()).add(find(i))
        firsts.setdefault(folded[i][0], set()).add(find(i))
    for i in {find(i) for i, m in enumerate(ms) if m.type == "PERSON" and len(folded[i]) == 1}:
        genders, roles = traits(i)
        roots = lasts.get(folded[i][0]) or firsts.get(folded[i][0], set())
        fits = [r for r in roots if not (genders and traits(r)[0] - genders)]
        if len(fits) > 1:  # "Senator Cruz" is the one Cruz introduced as a senator
            fits = [r for r in fits if roles & traits(r)[1]]
        if len(fits) == 1:
            union(fits[0], i)
    for kind in ("ORG", "GPE"):  # "IOPC", "Met", "Metropolitan Police Service"
        idx = sorted((i for i, m in enumerate(ms) if m.type == kind),
                     key=lambda i: (-len(folded[i]), -len(ms[i].name)))
        for i in idx:
            acronym = ms[i].name.replace(".", "")
            roots = {find(j) for j in idx if len(folded[j]) > 1 and (
                (acronym.isupper() and len(folded[i]) == 1 and _initials(ms[j].name) == acronym)
                or (kind == "ORG" and _abbreviates(folded[i], folded[j])))}
            if len(roots) == 1:
                union(roots.pop(), i)
    groups: dict[int, list[int]] = {}
    for i in range(len(ms)):
        groups.setdefault(find(i), []).append(i)
    return sorted(groups.values(), key=lambda g: ms[g[0]].start)


def _entity(article_id: str, body: str, n: int, ms: list[_Mention]) -> Entity:
    """The canonical name is the most used full name of a person, the longest name otherwise."""
    type = Counter(m.type for m in ms).most_common(1)[0][0]
    full = [m for m in ms if m.type == type == "PERSON" and len(_fold(m.name).split()) > 1]
    if full:
        counts = Counter(_fold(m.name) for m in full)
        canonical = next(m for m in full if counts[_fold(m.name)] == max(counts.values()))
    else:
        canonical = max(ms, key=lambda m: len(m.name))
    seen = {_fold(canonical.name)}
    aliases = [a for a in (" ".join(body[m.start:m.end].split()) for m in ms)
               if _fold(a) not in seen and not seen.add(_fold(a))]
    genders = {m.gender for m in ms} - {None}
    return Entity(
        id=f"{article_id}:e{n}", name=canonical.name, type=type,
        key=entity_key(canonical.name, type), aliases=aliases,
        mentions=[make_span(article_id, body, m.start, m.end) for m in ms],
        roles=list(dict.fromkeys(r for m in ms for r in m.roles)),
        gender=genders.pop() if len(genders) == 1 else None)


class EntityIndex:
    """Look an article's entities up by position, by a name as written, or by a role."""

    def __init__(self, entities: Sequence[Entity]):
        self.entities = list(entities)

    def at(self, start: int, end: int) -> Entity | None:
        """The entity with a mention overlapping [start, end) the most."""
        best, most = None, 0
        for entity in self.entities:
            for m in entity.mentions:
                overlap = min(end, m.end) - max(start, m.start)
                if overlap > most or (best is None and start == end and m.start <= start < m.end):
                    best, most = entity, overlap
        return best

    def by_name(self, text: str, type: str | None = "PERSON") -> Entity | None:
        """The one entity a written name can mean ("Mr Khan", "Dame Cressida"); None if not one.

        A name or alias the article used wins; then a lone surname, then a lone first name.
        """
        query = _bare(text)
        pool = [e for e in self.entities if type is None or e.type == type]
        people = [(e, _bare(e.name).split() or [""]) for e in pool if e.type == "PERSON"]
        single = bool(query) and " " not in query
        tiers = ([e for e in pool if query and (query == _bare(e.name) or query in map(
                     _bare, e.aliases))],
                 [e for e, words in people if single and words[-1] == query],
                 [e for e, words in people if single and words[0] == query])
        hits = next((tier for tier in tiers if tier), [])
        return hits[0] if len(hits) == 1 else None

    def by_role(self, role: str) -> Entity | None:
        """The one entity introduced with this role ("the mayor"); None when none or several.

        A role read off a ranked title ("commissioner" from "assistant commissioner") counts
        only when no entity holds the role outright, so "the commissioner" is not the assistant.
        """
        wanted = re.sub(r"(?i)^(?:the|a|an)\s+|['’]s$", "", " ".join(role.split())).lower()
        hits = [e for e in self.entities if wanted and wanted in e.roles]
        outright = [e for e in hits if not _ranked(e.roles, wanted)]
        return next((group[0] for group in (outright, hits) if len(group) == 1), None)


def _ranked(roles: list[str], role: str) -> bool:
    longer = [r for r in roles if r.endswith(" " + role)]
    return bool(longer) and all(r[: -len(role) - 1].split()[-1] in _RANKS for r in longer)


def _bare(text: str) -> str:
    """A name as written, folded, without "the", a possessive or leading titles."""
    words = _fold(re.sub(r"(?i)^the\s+|['’]s$", "", text.strip())).split()
    while len(words) > 1 and words[0] in _HONORIFICS.keys() | _TITLES.keys() | _RANKS:
        words.pop(0)
    return " ".join(words)
