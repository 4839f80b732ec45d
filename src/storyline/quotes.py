"""Who said what: quotations found in the text, their speakers found in the parse.

Quotes are found by their marks (:func:`find_quoted`), which is exact and cheap; speakers
come from the dependency parse of the sentences around each quote: the subject of a speech
verb outside the quotation marks. A subject that is a pronoun, a surname or a role noun ("the
mayor") is resolved against the article's entities. When the text does not say who spoke,
the speaker stays None: a quote given to the wrong person is worse than no speaker at all.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .entities import EntityIndex
from .nlp import Reading
from .lexicon import CUE_WORDS, PEOPLE, REPORTING_LEMMAS, SOURCE_NOUNS, SPEECH_LEMMAS, lemma_of
from .quotemarks import Quoted, find_quoted, looks_like_title
from .records import Entity, Quote
from .spans import make_span

__all__ = ["SPEECH_LEMMAS", "Quoted", "extract_quotes", "find_quoted", "lemma_of",
           "looks_like_title"]


def _lemma(token) -> str:
    return lemma_of(token.lower_)


def _is_verb(token) -> bool:
    return token.tag_.startswith("VB") or token.tag_ == "MD"


def _is_proper(token) -> bool:
    return token.tag_ in ("NNP", "NNPS")


def _is_pronoun(token) -> bool:
    return token.tag_ in ("PRP", "PRP$", "WP", "WP$")


_PRONOUN_GENDER = {"he": "male", "him": "male", "she": "female", "her": "female"}
_UNRESOLVED_PRONOUNS = frozenset("i we you it they me us them one who which that this".split())
_SUBJECT_DEPS = ("nsubj", "nsubjpass")
_NAME_DEPS = frozenset(("compound", "flat", "amod", "det", "poss", "nmod", "nummod"))
_OBJECT_BEFORE = re.compile(
    r"(?:\b(?:to|with|from|by|for|against|of|on|at|about|told|asked|urged|and|than|"
    r"over|into|toward|towards|behind|under|like|between)\s+(?:the\s+)?)$", re.IGNORECASE)


# -- attribution --------------------------------------------------------------------------


@dataclass
class _Speaker:
    name: str | None
    entity: Entity | None
    start: int
    end: int


class _Article:
    """One article's text, parse and entities, with the lookups attribution needs."""

    def __init__(self, article_id: str, body: str, reading: Reading, entities: Sequence[Entity]):
        self.article_id = article_id
        self.body = body
        self.reading = reading
        self.index = EntityIndex(entities)
        self.entities = list(entities)
        self.starts = [s for s, _ in reading.sentences]
        self.quoted: list[Quoted] = []
        self.genders: dict[str, str] = {e.id: e.gender for e in entities if e.gender}
        self.speakers: list[tuple[int, _Speaker]] = []

    def sentence_at(self, offset: int) -> int:
        return max(0, bisect.bisect_right(self.starts, offset) - 1)

    def inside_quote(self, offset: int) -> bool:
        return any(q.start <= offset < q.end for q in self.quoted)

    def same_paragraph(self, offset: int, quote: Quoted) -> bool:
        """Whether no line break lies between a word and a quote: a cue in another
        paragraph introduces something else (a quote may itself run over paragraphs)."""
        if offset < quote.open:
            return "\n" not in self.body[offset:quote.open]
        return offset < quote.close or "\n" not in self.body[quote.close:offset]

    def tokens(self, sentence: int):
        """(body offset, token) of a parsed sentence's tokens, or nothing."""
        doc = self.reading.parses.get(sentence)
        if doc is None:
            return []
        base = self.reading.sentences[sentence][0]
        return [(base + t.idx, t) for t in doc]

    def span(self, start: int, end: int):
        return make_span(self.article_id, self.body, start, end)


def _is_speech_verb(token) -> bool:
    return (_lemma(token) in SPEECH_LEMMAS or token.lower_ in CUE_WORDS) and _is_verb(token)


def _subject(verb, outside=lambda token: True):
    """The subject of a speech verb: the agent of a passive ("written by X"), else the
    subject, climbing from participles ("..., saying") to the verb they hang on and from a
    modifying participle ("footage of X asking") to its noun."""
    for _ in range(4):
        for child in verb.children:
            if child.dep_ == "agent":
                for grandchild in child.children:
                    if grandchild.dep_ == "pobj" and outside(grandchild):
                        return grandchild
        for child in verb.children:
            if child.dep_ in _SUBJECT_DEPS and outside(child):
                if child.lower_ in ("who", "that") and verb.dep_ == "relcl":
                    return verb.head
                return child
        if verb.dep_ == "acl" and verb.tag_ == "VBG" and verb.head.tag_.startswith("NN") \
                and outside(verb.head):
            noun = verb.head
            if noun.dep_ == "dobj" and noun.head is not noun and any(
                    c.dep_ in _SUBJECT_DEPS for c in noun.head.children) and not any(
                    c.dep_ == "prep" and c.lower_ == "of" for c in noun.children):
                verb = noun.head  # "X issued a statement saying": X speaks
                continue
            return noun
        if verb.dep_ in ("advcl", "xcomp", "conj", "ccomp", "relcl", "pcomp", "prep", "pobj") \
                and verb.head is not verb:
            verb = verb.head
            continue
        return None
    return None


def _according_to(token):
    """For the "according" of "according to X", the X."""
    if token.lower_ != "according":
        return None
    following = [token.nbor(1)] if token.i + 1 < len(token.doc) else []
    for to in [*token.children, *following]:
        if to.lower_ == "to":
            for grandchild in to.children:
                if grandchild.dep_ == "pobj":
                    return grandchild
    return None


def _noun_phrase(head, base: int) -> tuple[int, int]:
    """Body offsets of a subject's name: the head and its modifiers, without clauses."""
    left = head
    for child in head.lefts:
        if child.dep_ in _NAME_DEPS or child.dep_ == "punct" and child.text in ".":
            left = min(left, child.left_edge, key=lambda t: t.i)
            break
    right = head
    for child in head.rights:
        if child.dep_ in ("flat", "compound") or (child.dep_ == "prep" and child.lower_ == "of"
                                                  and not _is_proper(head)):
            right = child.right_edge
        else:
            break
    return base + left.idx, base + right.idx + len(right.text)


def _is_source(head) -> bool:
    """Whether a common-noun subject can be a source: people and groups, and the documents
    and bodies news cites ("the report", "the lawsuit", "a poll"), as learned from
    PolNeAR's train sources; not "the weather" or "the idea"."""
    word = head.lower_
    if head.tag_ not in ("NN", "NNS") or any(c.dep_ == "nummod" for c in head.children):
        return False  # "some", "many", "48 percent": shares of a poll, not a voice
    return word in PEOPLE or word.rstrip("s") in PEOPLE or word in SOURCE_NOUNS \
        or word.endswith(("ist", "ists", "ian", "ians", "man", "men", "woman", "women"))


def _clean_name(text: str) -> str:
    return re.sub(r"^[^\w]+|[^\w.)]+$", "", text.strip())


_DETERMINERS = frozenset("the a an this that these those some one another".split())
_DATELINE = re.compile(r"^[A-Z][A-Z.,' ]+(?:\([^)]*\))?\s*[-—–]\s*")


def _description(text: str) -> str:
    """An unnamed speaker as the text describes it: "the crowd", "a state official", "a
    paper from the Brookings Institution"; only a capital that starts a sentence goes."""
    text = _clean_name(_DATELINE.sub("", text))
    first = text.split(" ", 1)[0]
    if first.lower() in _DETERMINERS and first[:1].isupper():
        text = first.lower() + text[len(first):]
    return text


def _resolve_subject(art: _Article, head, base: int) -> _Speaker | None:
    if _is_dateline(art, head, base):
        head = next((t for t in head.head.children if t.dep_ in _SUBJECT_DEPS and t is not head
                     and t.i > head.i), None)
        if head is None:
            return None
    start, end = _noun_phrase(head, base)
    lower = head.lower_
    if lower in _PRONOUN_GENDER and _is_pronoun(head):
        return _resolve_pronoun(art, _PRONOUN_GENDER[lower], base + head.idx)
    if lower in _UNRESOLVED_PRONOUNS or _is_pronoun(head):
        return None
    text = art.body[start:end]
    proper = _is_proper(head) or (head.text[:1].isupper() and head.i > 0)
    entity = art.index.at(base + head.idx, base + head.idx + len(head.text))
    if entity is None and proper:
        entity = art.index.at(start, end)
    if entity is not None:
        return _Speaker(entity.name, entity, start, end)
    if proper:
        entity = art.index.by_name(text)
        if entity is not None:
            return _Speaker(entity.name, entity, start, end)
        return _Speaker(_clean_name(_strip_determiner(text)) or None, None, start, end)
    entity = art.index.by_role(text)
    if entity is not None:
        return _Speaker(entity.name, entity, start, end)
    if not _is_source(head):
        return None
    return _Speaker(_description(text), None, start, end)


def _is_dateline(art: _Article, head, base: int) -> bool:
    """"LONDON (Reuters) - Donald Trump said": the parse may make the place the subject."""
    start = base + head.idx
    return len(head.text) > 1 and head.text.isupper() and _DATELINE.match(
        art.body[start:start + 80]) is not None and (start == 0 or art.body[start - 1] == "\n")


def _strip_determiner(text: str) -> str:
    return re.sub(r"^(?:the|a|an)\s+", "", text.strip(), flags=re.IGNORECASE)


def _resolve_pronoun(art: _Article, gender: str, at: int) -> _Speaker | None:
    """The most recent person the pronoun can refer to, outside quotes, before the pronoun.

    Speakers already found and people in subject-like positions come first; people named as
    objects ("written to Dame Cressida") are considered only when nobody else fits. A person
    whose gender the text gives (an honorific, an earlier pronoun) must agree.
    """
    candidates: list[tuple[int, str, Entity | None, bool]] = []
    for entity in art.entities:
        if entity.type != "PERSON":
            continue
        for mention in entity.mentions:
            if mention.start < at and not art.inside_quote(mention.start):
                before = art.body[max(0, mention.start - 30):mention.start]
                candidates.append((mention.start, entity.name, entity,
                                   bool(_OBJECT_BEFORE.search(before))))
    for position, speaker in art.speakers:
        if position >= at or speaker.name is None:
            continue
        if speaker.entity is not None and speaker.entity.type == "PERSON":
            candidates.append((position, speaker.name, speaker.entity, False))
        elif speaker.entity is None and speaker.name[:1].isupper():
            candidates.append((position, speaker.name, None, False))  # a name NER missed
    candidates.sort(key=lambda c: c[0], reverse=True)
    window = art.sentence_at(at) - 6
    for allow_objects in (False, True):
        for position, name, entity, is_object in candidates:
            if art.sentence_at(position) < window:
                break
            if is_object and not allow_objects:
                continue
            key = entity.id if entity is not None else name
            known = art.genders.get(key)
            if known is None or known == gender:
                art.genders.setdefault(key, gender)
                return _Speaker(name, entity, at, at)
    return None


def _governing_cue(art: _Article, quote: Quoted, sentence: int):
    """The nearest speech verb outside the quote that the quoted words hang on in the parse."""
    tokens = art.tokens(sentence)
    inside = [t for offset, t in tokens if quote.start <= offset < quote.end]
    tops = [t for t in inside if not (quote.start <= art.reading.sentences[sentence][0]
                                      + t.head.idx < quote.end) or t.head is t]
    for top in tops:
        for ancestor in top.ancestors:
            offset = art.reading.sentences[sentence][0] + ancestor.idx
            if art.inside_quote(offset) or not art.same_paragraph(offset, quote):
                continue
            if _is_speech_verb(ancestor):
                return offset, ancestor
            if ancestor.lower_ == "to" and ancestor.head.lower_ == "according":
                return offset, ancestor.head
    return None


def _outer_cue(art: _Article, offset: int, token):
    """The speech verb that reports this one ("X said that the ad 'suggests' ...")."""
    for ancestor in token.ancestors:
        if _is_speech_verb(ancestor):
            return offset - token.idx + ancestor.idx, ancestor
    return None


def _cue_for(art: _Article, quote: Quoted):
    """The speech verb (or "according") that introduces a quote, and its body offset.

    First the speech verb the quoted words hang on in the parse; else the nearest speech
    verb outside quotation marks in the sentences the quote starts and ends in; else a
    colon-ended sentence with a cue right before the quote ("Caddell continued:").
    """
    first, last = art.sentence_at(quote.open), art.sentence_at(max(quote.open, quote.close - 1))
    for sentence in (first, last):
        found = _governing_cue(art, quote, sentence)
        if found is not None:
            return found
    options = []
    for sentence in sorted({first, last, min(last + 1, len(art.starts) - 1)}):
        if sentence == last + 1 and not _sentence_continues(art, quote, sentence):
            continue
        for offset, token in art.tokens(sentence):
            if art.inside_quote(offset) or not art.same_paragraph(offset, quote):
                continue
            if _is_speech_verb(token) or _according_to(token) is not None:
                distance = quote.open - offset if offset < quote.open else offset - quote.close
                if offset < quote.open and _other_quote_between(art, offset, quote):
                    continue
                options.append((max(distance, 0), offset, token))
    if not options and first > 0 and art.body[:quote.open].rstrip().endswith(":"):
        for offset, token in art.tokens(first - 1):
            if _is_speech_verb(token) and not art.inside_quote(offset):
                options.append((quote.open - offset, offset, token))
    if not options:
        return _colon_verb(art, quote) or _verb_after(art, quote, last) \
            or _cue_just_before(art, quote, first)
    options.sort(key=lambda o: (o[0], o[1]))
    return options[0][1], options[0][2]


def _colon_verb(art: _Article, quote: Quoted):
    """The main verb of the reporter's sentence that a colon ends right before the quote,
    speech verb or not: "Sanders delivered a snappy retort: “…”"."""
    before = art.body[:quote.open].rstrip()
    if not before.endswith(":"):
        return None
    colon = len(before) - 1
    for offset, token in art.tokens(art.sentence_at(colon)):
        if offset >= colon or art.inside_quote(offset) or not _is_verb(token):
            continue
        head_offset = offset - token.idx + token.head.idx
        if token.dep_ == "ROOT" or head_offset > colon:  # the parse may hang it on the quote
            return offset, token
    return None


def _cue_just_before(art: _Article, quote: Quoted, sentence: int):
    """A quote that opens a sentence of its own, right after a short sentence of the same
    paragraph whose main verb is a speech verb: "Dianne Bystrom agreed. “…”"."""
    start = art.reading.sentences[sentence][0]
    if sentence == 0 or art.body[start:quote.open].strip() or art.inside_quote(start - 1):
        return None
    p_start, p_end = art.reading.sentences[sentence - 1]
    if p_end - p_start > 120 or not art.same_paragraph(p_start, quote) \
            or any(p_start <= q.open < p_end for q in art.quoted):
        return None
    for offset, token in art.tokens(sentence - 1):
        if token.dep_ == "ROOT" and _is_speech_verb(token):
            return offset, token
    return None


def _verb_after(art: _Article, quote: Quoted, sentence: int):
    """Whatever verb follows a quote that ends on a comma, "?" or "!" is its cue, in the
    reporter's "…,” mused the host" and "…?” Trump reacted", speech verb or not."""
    if not art.body[quote.start:quote.end].rstrip().endswith((",", "?", "!")):
        return None
    for offset, token in art.tokens(sentence):
        if offset < quote.close or art.inside_quote(offset):
            continue
        between = art.body[quote.close:offset]
        if len(between) > 60 or re.search(r"[\n.;:!?“”\"]", between):
            return None
        if token.tag_ in ("VBD", "VBZ"):
            return offset, token
    return None


def _sentence_continues(art: _Article, quote: Quoted, sentence: int) -> bool:
    """A quote ending a sentence may have its cue in the next one ("..." he said.)."""
    start = art.reading.sentences[sentence][0]
    between = art.body[quote.close:start]
    if "\n" in between:
        return False
    return art.body[quote.start:quote.end].rstrip().endswith(",") \
        or len(art.body[start:art.reading.sentences[sentence][1]]) < 60


def _other_quote_between(art: _Article, offset: int, quote: Quoted) -> bool:
    return any(offset < q.open < quote.open and not q.single for q in art.quoted if q is not quote)


def _speaker_for(art: _Article, quote: Quoted) -> tuple[_Speaker | None, object]:
    found = _cue_for(art, quote)
    if found is None:
        return None, None
    offset, token = found
    base = art.reading.sentences[art.sentence_at(offset)][0]
    while True:
        head = _according_to(token) or _subject(token, lambda t: not art.inside_quote(base + t.idx))
        if head is None and quote.close <= offset and not art.body[quote.close:offset].strip(" ,"):
            head = _inverted_subject(token)
        speaker = _resolve_subject(art, head, base) if head is not None else None
        if (speaker is None or speaker.entity is None) and token.tag_ == "VBG" and token.i > 0:
            speaker = _person_before(art, base + token.nbor(-1).idx) or speaker
        if speaker is not None:
            return speaker, (offset, token)
        outer = _outer_cue(art, offset, token)
        if outer is None:
            return None, found
        offset, token = outer


def _inverted_subject(verb):
    """The speaker after the cue that the parse took for its object: "…?” asked a former
    official", "…,” mused radio host Stu Burguiere"."""
    return next((c for c in verb.rights if c.dep_ in ("dobj", "attr", "npadvmod")
                 and c.tag_.startswith("NN")), None)


def _person_before(art: _Article, offset: int) -> _Speaker | None:
    """A person named right before a participle cue: "footage of Trump saying"."""
    entity = art.index.at(offset, offset + 1)
    if entity is not None and entity.type == "PERSON":
        return _Speaker(entity.name, entity, offset, offset + 1)
    return None


_DASH_SOURCE = re.compile(r"[ \t\u00a0]*[―—–][ \t\u00a0]*((?:[A-Z][\w.'’-]*[ \u00a0]?){1,5})"
                          r"(?:,[ \u00a0]+[^\n“”\"]{1,80}?)?[ \t\u00a0.]*(?:\n|$)")


def _dash_source(art: _Article, quote: Quoted) -> _Speaker | None:
    """The speaker signed after the quote: "…” ― Carla Sanchez", and a round-up's "…” —
    Gerald F. Seib, The Wall Street Journal" (the affiliation is not the speaker)."""
    match = _DASH_SOURCE.match(art.body, quote.close)
    if not match:
        return None
    start, end = match.span(1)
    name = art.body[start:end].strip()
    end = start + len(name)
    entity = art.index.at(start, end) or art.index.by_name(name)
    return _Speaker(entity.name if entity else name, entity, start, end)


_NAME = r"(?:[A-Z][\w.'’-]*[ \u00a0]+){0,3}[A-Z][\w.'’-]*[a-z.]"
_ADJACENT_CUES = (r"(?:said|says|added|adds|asked|asks|wrote|writes|tweeted|explained|continued|"
                  r"reports|reported|noted|stated|recalled|told)")
_AFTER = re.compile(
    r"[ \t\u00a0]*(?:(?P<who>he|she|" + _NAME + r")(?:,[^,\n“”\"]{1,80},)?[ \u00a0]+"
    + _ADJACENT_CUES + r"\b|" + _ADJACENT_CUES + r"[ \u00a0]+(?P<whom>" + _NAME + r"))")
_BEFORE = re.compile(
    r"(?:^|[.!?]\s+|\n)(?:(?P<who>He|She|" + _NAME + r")(?:,[^,\n“”\"]{1,80},)?[ \u00a0]+"
    r"(?:\w+[ \u00a0]+)?" + _ADJACENT_CUES + r"\b[^\n“”\".!?]{0,60}|" + _ADJACENT_CUES.title()
    + r"[ \u00a0]+(?P<whom>" + _NAME + r"))\s*[:,]\s*$")


def _adjacent_speaker(art: _Article, quote: Quoted) -> _Speaker | None:
    """A speaker named right next to the quote ("…,” Flynn, a top surrogate, said; Said
    Ellis: “…”; The New York Times reports: (new paragraph) “…”), for when the parse is
    no help: a plain pattern that only fires on the commonest wordings."""
    after = _AFTER.match(art.body, quote.close, min(len(art.body), quote.close + 160))
    match, base = after, 0
    if match is None:
        before = art.body[max(0, quote.open - 200):quote.open]
        match = _BEFORE.search(before)
        base = max(0, quote.open - 200)
    if match is None:
        return _colon_source(art, quote)
    group = "who" if match.group("who") else "whom"
    start, end = base + match.start(group), base + match.end(group)
    name = art.body[start:end]
    if name.lower() in _PRONOUN_GENDER:
        return _resolve_pronoun(art, _PRONOUN_GENDER[name.lower()], start)
    if name.split()[0].lower() in ("the", "a", "an", "this", "that"):
        entity = art.index.at(start, end)
        return _Speaker(entity.name, entity, start, end) if entity else None
    entity = art.index.at(start, end) or art.index.by_name(name)
    return _Speaker(entity.name if entity else _clean_name(name), entity, start, end)


_COLON = re.compile(r"(" + _NAME + r")[ \t\u00a0]*:[ \t\u00a0]*$")


def _colon_source(art: _Article, quote: Quoted) -> _Speaker | None:
    """A person or organisation named right before a colon that opens the quote: "...
    doesn't surprise pollster Daron Shaw: “…”", the transcript's "Hillary Clinton: “…”"."""
    match = _COLON.search(art.body, max(0, quote.open - 120), quote.open)
    if match is None:
        return None
    start, end = match.span(1)
    entity = art.index.at(end - 1, end)
    if entity is None or entity.type not in ("PERSON", "ORG"):
        return None
    return _Speaker(entity.name, entity, start, end)


def _kind(body: str, quote: Quoted) -> str:
    """Direct when the quote is a sentence of its own, partial when the reporter's sentence
    runs through it ('described the scenes as "deeply distressing"')."""
    before = body[:quote.open].rstrip(" \t")
    inner = body[quote.start:quote.end].lstrip()
    starts_upper = bool(inner) and (inner[0].isupper() or not inner[0].isalpha())
    if not before or before[-1] in "\n:.!?" or (before[-1] == "," and starts_upper):
        return "direct"
    if starts_upper and before.endswith(("said", "says", "asked")):
        return "direct"
    return "partial"


def _quote(art: _Article, span, kind: str, speaker: _Speaker | None,
           cue: tuple[int, int] | None) -> Quote:
    """The stored record of a quote: the speaker's name, entity and span, and the cue's span."""
    return Quote(
        text=span.text, kind=kind, span=span,
        speaker=speaker.name if speaker else None,
        speaker_entity=speaker.entity.id if speaker and speaker.entity else None,
        speaker_span=art.span(speaker.start, speaker.end)
        if speaker and speaker.end > speaker.start else None,
        cue=art.span(*cue) if cue else None,
    )


def extract_quotes(article_id: str, body: str, reading: Reading,
                   entities: Sequence[Entity]) -> list[Quote]:
    """Every quotation in the article with its kind, speaker and cue, then reported speech."""
    art = _Article(article_id, body, reading, entities)
    art.quoted = find_quoted(body)
    reported = _indirect_quotes(art)
    said = [(q.span.end, speaker) for q, speaker in reported]
    quotes: list[Quote] = []
    for quoted in art.quoted:
        span = art.span(quoted.start, quoted.end)
        if not span.text:
            continue
        kind = _kind(body, quoted)
        if looks_like_title(span.text):
            continue
        speaker, cue = _speaker_for(art, quoted)
        signed = None
        if speaker is None:
            signed = _dash_source(art, quoted) or _adjacent_speaker(art, quoted)
        if signed is not None:
            speaker = signed
        elif cue is None:
            if kind == "partial" or quoted.single:
                continue  # scare quotes, titles, nicknames: no one is quoted
            if len(span.text.split()) < 4 and not span.text.rstrip().endswith((".", "?", "!", ",")):
                continue
            earlier = [(end, who) for end, who in said if end <= quoted.open]
            if earlier:
                end, who = max(earlier, key=lambda e: e[0])
                if _follows(body, end, quoted.open) or _continues(art, end, quoted.open):
                    speaker = who
        quotes.append(_quote(art, span, kind, speaker,
                             (cue[0], cue[0] + len(cue[1].text)) if cue else None))
        if speaker is not None:
            art.speakers.append((quoted.open, speaker))
        said.append((quoted.close, speaker))
    quotes.extend(q for q, _ in reported)
    quotes.sort(key=lambda q: q.span.start)
    return quotes


def _follows(body: str, end: int, start: int) -> bool:
    """A cue-less quote continues the words attributed just before it (ending at ``end``)
    when nothing but the rest of that sentence, or one paragraph break, lies between."""
    between = body[end:start]
    return between.count("\n\n") <= 1 and len(between) < 200


def _continues(art: _Article, end: int, start: int) -> bool:
    """A cue-less quote later in the same paragraph as the words attributed before it is
    theirs too, unless the reporter names somebody else in between."""
    if "\n" in art.body[end:start]:
        return False
    return not any(end <= m.start < start and not art.inside_quote(m.start)
                   for e in art.entities if e.type in ("PERSON", "ORG") for m in e.mentions)


def _indirect_quotes(art: _Article) -> list[tuple[Quote, _Speaker | None]]:
    """Reported speech: the clause a speech verb reports ("X said (that) ..."), when it holds
    no quotation marks of its own, and what "according to X" qualifies."""
    found: list[tuple[Quote, _Speaker | None]] = []
    for sentence, doc in sorted(art.reading.parses.items()):
        base = art.reading.sentences[sentence][0]
        for token in doc:
            if art.inside_quote(base + token.idx):
                continue
            clause = None
            infinitive = any(c.dep_ == "aux" and c.lower_ == "to" for c in token.children)
            if _lemma(token) in REPORTING_LEMMAS and _is_verb(token) and not infinitive:
                clause = next((c for c in token.children if c.dep_ == "ccomp"
                               and c.i > token.i), None)
                head = _subject(token)
            else:
                head = _according_to(token)
                if head is not None:
                    clause = token.head if token.head is not token else None
            if clause is None or head is None:
                continue
            start, end = _clause_bounds(clause, token)
            start, end = base + start, base + end
            if end - start < 12 or any(q.open < end and start < q.close for q in art.quoted):
                continue
            speaker = _resolve_subject(art, head, base)
            if speaker is not None:
                art.speakers.append((base + token.idx, speaker))
            cue = (base + token.idx, base + token.idx + len(token.text))
            found.append((_quote(art, art.span(start, end), "indirect", speaker, cue), speaker))
    return found


def _clause_bounds(clause, cue) -> tuple[int, int]:
    """Offsets (in the sentence doc) of a reported clause, without "that" and end punctuation;
    for "according to X", the rest of the sentence without that phrase."""
    if cue.lower_ == "according":
        skip = {t.i for t in cue.subtree}
        tokens = [t for t in clause.subtree if t.i not in skip]
    else:
        tokens = list(clause.subtree)
    while tokens and (tokens[0].dep_ == "mark" and tokens[0].lower_ in ("that", "whether", "if")
                      or tokens[0].is_punct):
        tokens = tokens[1:]
    tokens = _without_edge_punct(tokens)
    if tokens and cue.lower_ == "according":
        # keep the longer contiguous side of the sentence
        left = [t for t in tokens if t.i < cue.i]
        right = [t for t in tokens if t.i > cue.right_edge.i]
        tokens = _without_edge_punct(max((left, right), key=len))
    if not tokens:
        return 0, 0
    return tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)


def _without_edge_punct(tokens: list) -> list:
    start, end = 0, len(tokens)
    while start < end and tokens[start].is_punct:
        start += 1
    while end > start and tokens[end - 1].is_punct:
        end -= 1
    return tokens[start:end]
