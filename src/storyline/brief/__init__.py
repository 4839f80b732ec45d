"""The brief: what one story says, across its sources, with every line cited.

:func:`build_brief` reads the stored annotations of a story's articles and writes nothing of
its own: the summary is sentences the sources printed, quotes are the quotes annotation
found, the timeline is its dated events, and each fact is a sentence with the sentences of
other sources that say the same. So every text in a brief is a :class:`~storyline.spans.Span`
of an article's body, and a reader can check each line against the words of a source.

Sentences are compared by TF-IDF cosine over lightly stemmed content words (numbers and
number words left out, so "four people were arrested" and "five people were arrested"
align and then disagree). Two sentences of different articles *say the same* above
``BriefSettings.same_similarity``; a fact stated by two outlets is corroborated, and aligned
sentences that give different numbers, dates or people are a conflict. Near-duplicate
copies are folded under their original: they never count as a second outlet, but a copy
that changed a sentence is still checked against its original.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import numpy as np

from ..text import stop_words
from ..records import Annotation, Article, Quote
from ..spans import Span, make_span

SCHEMA_VERSION = 1
# bump when a change to this module changes briefs: cached briefs are rebuilt
BRIEF_VERSION = 1

_WORD = re.compile(r"[^\W\d_][\w'’-]*[\w]|[^\W\d_]")
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "hundred": 100, "dozen": 12, "dozens": 12, "hundreds": 100,
    "thousand": 1000, "thousands": 1000, "million": 1_000_000, "millions": 1_000_000,
}
_NUMBER = re.compile(r"(?<![\w.,:/-])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?|"
                     + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
                     + r")(?![\w:/]|[.,]\d)", re.IGNORECASE)
_COUNTED = re.compile(r"[\s-]+(?:(?:more|other|further|fewer|additional)\s+)?"
                      r"([^\W\d_]{3,}(?:\s*-\s*[^\W\d_]+){0,2})")
#: A dateline opening a story: "SALT LAKE CITY —", "INDIANAPOLIS, Ind. (June 15, 2014) —",
#: "(KMOV.com) –". A summary cites the sentence after it.
_DATELINE = re.compile(r"(?:[A-Z][A-Z.'’ -]+[A-Z.](?:, [A-Z][A-Za-z.]+)*\s*(?:\([^)]{1,40}\))?"
                       r"|\([^)]{1,40}\))\s*(?:[—–]|--?)\s*(?=\S)")
_DIGIT = re.compile(r"\d")
_END = re.compile(r"[.!][\"'”’)\]]*$")
_QUOTED = re.compile(r"[\"“”]")
#: Words that lean on an earlier sentence: a summary sentence must stand on its own.
_DANGLING = re.compile(r"(?:he|she|they|it|his|her|their|its|this|these|those|but|however|"
                       r"also|meanwhile|then|there)\b", re.IGNORECASE)
_SUFFIXES = ("ings", "ing", "ed", "es", "s")
_TYPES = ("PERSON", "ORG", "GPE", "LOC", "FAC", "EVENT", "NORP", "OTHER")
_UNDATED = "9999"


@dataclass(frozen=True)
class BriefSettings:
    """How a brief is made; every number a setting with a default, none per data set.

    ``sentences`` fixes the summary length; by default it is ``base_sentences`` plus one for
    each doubling of the story's sources, at most ``max_sentences``. A sentence is scored by
    centrality (cosine to the story's centroid), by the share of other outlets that say the
    same, by its rank among its article's sentences (news puts the event first) and by its
    brevity (a brief is short); MMR then trades score against similarity to what is already
    chosen (``diversity``), and a sentence that says the same as one already chosen is never
    added. The weights were chosen on the dev splits of GVC and ECB+ (``storyline eval
    summaries``). Summary and facts read the first ``max_sources`` sources (in publication
    order), so a brief of a huge story stays quick; quotes, entities and the timeline read
    them all.
    """

    sentences: int | None = None
    base_sentences: int = 3
    max_sentences: int = 8
    same_similarity: float = 0.5
    detail_similarity: float = 0.3
    shared_details: int = 3
    conflict_similarity: float = 0.6
    centrality_weight: float = 1.0
    support_weight: float = 0.5
    position_weight: float = 0.5
    length_weight: float = 0.5
    diversity: float = 0.3
    min_words: int = 6
    max_words: int = 80
    max_single_source_facts: int = 20
    max_sources: int = 60


@dataclass
class BriefSource:
    """One distinct article of a story, with the near-duplicate copies folded under it."""

    article: Article
    annotation: Annotation | None
    copies: list[tuple[Article, Annotation | None]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return source_label(self.article)

    @property
    def outlet_key(self) -> str:
        """Who published it: two sources count as two outlets only if these differ."""
        article = self.article
        if article.outlet:
            return "outlet:" + article.outlet.strip().casefold()
        host = _host(article.url)
        return "host:" + host if host else "article:" + article.id


def _host(url: str | None) -> str | None:
    """The web site of a url, without ``www.``."""
    host = urlsplit(url).hostname if url else None
    return host.removeprefix("www.") if host else None


def source_label(article: Article) -> str:
    """A source's name for readers: its outlet, else its web site, else its title or id."""
    return article.outlet or _host(article.url) or article.title or article.id


@dataclass
class SummarySentence:
    span: Span
    support: list[Span]
    date: str | None = None


@dataclass
class BriefQuote:
    quote: Quote
    speaker: str | None
    speaker_entity: str | None
    also_in: list[Span] = field(default_factory=list)


@dataclass
class BriefEntity:
    id: str
    name: str
    type: str
    aliases: list[str]
    mentions: list[Span]
    articles: int


@dataclass
class TimelineEntry:
    date: str
    expression: str
    span: Span
    also_in: list[Span] = field(default_factory=list)


@dataclass
class Fact:
    status: str
    citation: Span
    evidence: list[Span]
    outlets: list[str]
    disagreement: list[str] = field(default_factory=list)


@dataclass
class Brief:
    """A story's brief; :meth:`to_dict` is the JSON of ``brief.schema.json``."""

    story_id: str
    title: str
    sources: list[BriefSource]
    summary: list[SummarySentence]
    quotes: list[BriefQuote]
    entities: list[BriefEntity]
    timeline: list[TimelineEntry]
    facts: list[Fact]

    @property
    def bodies(self) -> dict[str, str]:
        """Every cited article's body, by id, to cut the text of any span."""
        found = {}
        for source in self.sources:
            found[source.article.id] = source.article.body
            for copy, _ in source.copies:
                found[copy.id] = copy.body
        return found

    def to_dict(self) -> dict:
        return {
            "schema_version": SCHEMA_VERSION,
            "story_id": self.story_id,
            "title": self.title,
            "sources": [{
                "article_id": s.article.id, "outlet": s.article.outlet,
                "title": s.article.title, "url": s.article.url,
                "published": s.article.published,
                "duplicates": [copy.id for copy, _ in s.copies], "label": s.label,
            } for s in self.sources],
            "summary": [{
                "text": s.span.text, "citation": s.span.to_dict(),
                "support": [span.article_id for span in s.support],
                "support_spans": [span.to_dict() for span in s.support], "date": s.date,
            } for s in self.summary],
            "quotes": [{
                "text": q.quote.text, "speaker": q.speaker, "speaker_entity": q.speaker_entity,
                "kind": q.quote.kind, "span": q.quote.span.to_dict(),
                "also_in": [span.to_dict() for span in q.also_in],
            } for q in self.quotes],
            "entities": [{
                "id": e.id, "name": e.name, "type": e.type, "aliases": e.aliases,
                "mentions": [m.to_dict() for m in e.mentions], "articles": e.articles,
            } for e in self.entities],
            "timeline": [{
                "date": t.date, "expression": t.expression, "text": t.span.text,
                "span": t.span.to_dict(), "also_in": [span.to_dict() for span in t.also_in],
            } for t in self.timeline],
            "facts": [{
                "status": f.status, "text": f.citation.text, "citation": f.citation.to_dict(),
                "evidence": [span.to_dict() for span in f.evidence], "outlets": f.outlets,
                **({"disagreement": f.disagreement} if f.disagreement else {}),
            } for f in self.facts],
        }

    def to_markdown(self) -> str:
        from ..render import render_markdown

        return render_markdown(self.to_dict(), self.bodies)

    def to_html(self) -> str:
        from ..render import render_html

        return render_html(self.to_dict(), self.bodies)


# -- sentences ----------------------------------------------------------------------------------


def stem(word: str) -> str:
    """A crude suffix strip, enough to meet "arrests" with "arrested"."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> list[str]:
    """Stemmed lower-case words without stop words, numbers or number words."""
    STOP_WORDS = stop_words()

    return [stem(w) for w in (m.group().lower().replace("’", "'") for m in _WORD.finditer(text))
            if len(w) > 1 and w not in STOP_WORDS and w not in _NUMBER_WORDS]


@dataclass(frozen=True)
class Count:
    """A number in a sentence and what it counts: "four people" is (people, 4). ``context``
    holds the content words on either side, to tell "four people were arrested" from
    "a 4-year-old boy" in a sentence that shares its other words."""

    noun: str
    value: float
    written: str
    context: frozenset[str]


def counted_numbers(text: str, skip: Sequence[tuple[int, int]] = ()) -> list[Count]:
    """What the text counts. Years, times and numbers inside ``skip`` (date expressions, as
    offsets into ``text``) are not counts."""
    found = []
    for match in _NUMBER.finditer(text):
        start, end = match.span()
        if any(s <= start < e for s, e in skip):
            continue
        raw = match.group(1).lower()
        if raw in _NUMBER_WORDS:
            value = float(_NUMBER_WORDS[raw])
        else:
            value = float(raw.replace(",", ""))
            if raw.isdigit() and len(raw) == 4 and 1800 <= value <= 2100:
                continue
        after = _COUNTED.match(text, end)
        if not after:
            continue
        noun = re.sub(r"\s*-\s*", "-", after.group(1).lower())
        if noun in ("am", "pm", "per", "and", "or", "to", "of"):
            continue
        before = content_words(text[max(0, start - 40):start])[-2:]
        following = content_words(text[after.end():after.end() + 40])[:2]
        found.append(Count(stem(noun), value, text[start:after.end()],
                           frozenset(before + following)))
    return found


@dataclass
class _Sentence:
    span: Span
    source: int
    position: int
    outlet: str
    copy: bool
    words: list[str]
    claim: bool
    numbers: list[Count]
    people: frozenset[str]
    dates: frozenset[str]
    unnamed: frozenset[str]
    article_people: frozenset[str]
    details: frozenset
    date: str | None
    lede: Span | None = None


def _unnamed_words(span: Span, names: Sequence[tuple[int, int]],
                   words: Sequence[str]) -> frozenset[str]:
    """The sentence's content words (``words``) once the people it names are blanked out."""
    inside = [(max(start, span.start), min(end, span.end)) for start, end in names
              if start < span.end and end > span.start]
    if not inside:
        return frozenset(words)
    text = list(span.text)
    for start, end in inside:
        for k in range(start, end):
            text[k - span.start] = " "
    return frozenset(content_words("".join(text)))


def _dateline(body: str, span: Span) -> bool:
    """A date in parentheses in an article's first sentence ("HENRY COUNTY, Ind. (Aug. 28,
    2015) –") is when it was filed, not when its events happened."""
    return body[:span.start].rstrip().endswith("(") and body[span.end:].lstrip().startswith(")")


def _quoted_share(span: Span, quotes: Sequence[Quote]) -> float:
    covered = sum(max(0, min(q.span.end, span.end) - max(q.span.start, span.start))
                  for q in quotes if q.kind == "direct")
    return covered / max(1, span.end - span.start)


def _is_claim(span: Span, quotes: Sequence[Quote], settings: BriefSettings) -> bool:
    """A sentence a summary or a fact may cite: a whole declarative sentence of some length
    that is mostly not someone's quoted words (those are in "who said what")."""
    text = span.text
    n = len(text.split())
    if not settings.min_words <= n <= settings.max_words:
        return False
    if not _END.search(text) or not (text[0].isupper() or text[0].isdigit() or text[0] == "("):
        return False
    if _QUOTED.match(text):
        return False
    return _quoted_share(span, quotes) < 0.5


def compared_sentences(sources: Sequence[BriefSource], settings: BriefSettings
                       ) -> Iterator[tuple[int, Article, Annotation, bool, list[int]]]:
    """What summary and facts compare: the sentences of the first ``max_sources`` sources,
    and of each copy the sentences its original does not print. Yields (source index,
    article, annotation, is a copy, positions of the sentences in the annotation)."""
    for index, source in enumerate(sources[: settings.max_sources]):
        if source.annotation is None:
            continue
        sentences = source.annotation.sentences
        yield index, source.article, source.annotation, False, list(range(len(sentences)))
        known = {s.text for s in sentences}
        for copy, annotation in source.copies:
            if annotation is not None:
                yield index, copy, annotation, True, [
                    n for n, s in enumerate(annotation.sentences) if s.text not in known]


def _sentences(index: int, article: Article, annotation: Annotation, outlet: str, copy: bool,
               positions: Sequence[int], entity_of: dict[str, str],
               settings: BriefSettings) -> list[_Sentence]:
    found = []
    events = sorted(annotation.events, key=lambda e: e.expression_span.start)
    named = [(m.start, m.end, entity_of[e.key], e.type) for e in annotation.entities
             if e.key in entity_of for m in e.mentions]
    persons = [(s, e, p) for s, e, p, type_ in named if type_ == "PERSON"]
    everyone = frozenset(p for _, _, p in persons)
    for position in positions:
        span = annotation.sentences[position]
        inside = [e for e in events if span.start <= e.expression_span.start < span.end
                  and not (position == 0 and _dateline(article.body, e.expression_span))]
        skip = [(e.expression_span.start - span.start, e.expression_span.end - span.start)
                for e in inside]
        dateline = _DATELINE.match(span.text) if position < 3 else None
        lede = make_span(article.id, article.body, span.start + dateline.end(), span.end) \
            if dateline and dateline.end() < len(span.text) else span
        words = content_words(span.text)
        numbers = counted_numbers(span.text, skip)
        dates = frozenset(e.date for e in inside if len(e.date) == 10 and _DIGIT.search(e.expression))
        found.append(_Sentence(
            span=span, lede=lede, source=index, position=position, outlet=outlet, copy=copy,
            words=words,
            claim=_is_claim(span, annotation.quotes, settings),
            numbers=numbers,
            people=frozenset(p for s, e, p in persons if span.start <= s < span.end),
            dates=dates,
            details=frozenset(
                [("name", n) for s, e, n, _ in named if span.start <= s < span.end]
                + [("count", c.noun, c.value) for c in numbers] + [("date", d) for d in dates]),
            unnamed=_unnamed_words(span, [(s, e) for s, e, _ in persons], words),
            article_people=everyone,
            date=min((e.date for e in inside), default=None)))
    return found


def tfidf_rows(documents: Sequence[Sequence[str]]):
    """L2-normalised TF-IDF rows (scipy sparse) of word lists, IDF over these documents."""
    from scipy.sparse import csr_matrix

    vocabulary: dict[str, int] = {}
    df: Counter = Counter()
    for words in documents:
        df.update(set(words))
    rows, cols, values = [], [], []
    n = len(documents)
    for i, words in enumerate(documents):
        weights = {w: (1 + math.log(c)) * (math.log((n + 1) / (df[w] + 1)) + 1)
                   for w, c in Counter(words).items()}
        norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0
        for w, v in weights.items():
            rows.append(i)
            cols.append(vocabulary.setdefault(w, len(vocabulary)))
            values.append(v / norm)
    return csr_matrix((values, (rows, cols)), shape=(n, max(1, len(vocabulary))))


def similarity_matrix(texts: Sequence[str]) -> np.ndarray:
    """Pairwise TF-IDF cosine of sentences, as the brief compares them."""
    rows = tfidf_rows([content_words(t) for t in texts])
    return (rows @ rows.T).toarray()


# -- entities -----------------------------------------------------------------------------------


def _merge_keys(sources: Sequence[BriefSource]) -> dict[str, str]:
    """Entity key -> the key it merges into across the story's sources.

    Keys already agree across outlets for the same written name; beyond that, a person
    named by surname alone ("PERSON:atkins") joins the only person of the story with that
    surname, one named with more words ("Brian G. Nichols", "Pastor Larry Kroon") joins the
    only shorter name of the story that its words contain in order ("Brian Nichols",
    "Larry Kroon"), and an entity whose alias is another's canonical name joins it.
    """
    names: dict[str, Counter] = defaultdict(Counter)
    aliases: dict[str, set[str]] = defaultdict(set)
    for source in sources:
        for entity in source.annotation.entities if source.annotation else ():
            names[entity.key][entity.type] += len(entity.mentions)
            aliases[entity.key].update(a.casefold() for a in entity.aliases)
    target: dict[str, str] = {}
    by_name: dict[str, list[str]] = defaultdict(list)
    surnames: dict[str, list[str]] = defaultdict(list)
    for key in names:
        type_, name = key.split(":", 1)
        by_name[f"{type_}:{name}"].append(key)
        if type_ == "PERSON" and " " in name:
            surnames[name.rsplit(" ", 1)[1]].append(key)
    people = [key.split(":", 1)[1].split() for key in names if key.startswith("PERSON:")]
    for key in names:
        type_, name = key.split(":", 1)
        if type_ != "PERSON":
            continue
        words = name.split()
        if len(words) == 1:
            if len(surnames.get(name, ())) == 1:
                target[key] = surnames[name][0]
            continue
        shorter = [other for other in people
                   if 2 <= len(other) < len(words) and _subsequence(other, words)]
        if len(shorter) == 1:
            target[key] = "PERSON:" + " ".join(shorter[0])
    for key, written in aliases.items():
        type_ = key.split(":", 1)[0]
        for alias in written:
            others = [k for k in by_name.get(f"{type_}:{alias}", ()) if k != key]
            if len(others) == 1 and key not in target and others[0] not in target:
                target[others[0]] = key
    return {k: _follow(k, target) for k in names}


def _subsequence(short: list[str], long: list[str]) -> bool:
    rest = iter(long)
    return all(word in rest for word in short)


def _follow(key: str, target: dict[str, str]) -> str:
    seen = {key}
    while key in target and target[key] not in seen:
        key = target[key]
        seen.add(key)
    return key


def merge_entities(sources: Sequence[BriefSource]) -> tuple[list[BriefEntity], dict[str, str]]:
    """The story's entities merged across sources, most mentioned first, and a map from
    each article-level entity id (``seed-a:e2``) to its brief entity id (``e1``)."""
    merged_key = _merge_keys(sources)
    groups: dict[str, list] = defaultdict(list)
    for source in sources:
        for entity in source.annotation.entities if source.annotation else ():
            groups[merged_key[entity.key]].append((source.article.id, entity))
    ranked = sorted(groups.items(), key=lambda kv: (-sum(len(e.mentions) for _, e in kv[1]),
                                                    kv[0]))
    entities, ids = [], {}
    for n, (key, members) in enumerate(ranked, 1):
        brief_id = f"e{n}"
        names: Counter = Counter()
        types: Counter = Counter()
        written: Counter = Counter()
        mentions = []
        for _, entity in members:
            names[entity.name] += len(entity.mentions)
            types[entity.type] += len(entity.mentions)
            written.update(entity.aliases)
            mentions.extend(entity.mentions)
            ids[entity.id] = brief_id
        name = max(names, key=lambda x: (names[x], len(x)))
        type_ = max(types, key=lambda x: (types[x], x))
        written.update(n for n in names if n != name)
        aliases = [a for a, _ in written.most_common() if a != name]
        entities.append(BriefEntity(brief_id, name, type_ if type_ in _TYPES else "OTHER",
                                    aliases, mentions, len({a for a, _ in members})))
    return entities, ids


# -- quotes and timeline ------------------------------------------------------------------------


def _quote_words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def merge_quotes(sources: Sequence[BriefSource], entity_ids: dict[str, str],
                 entities: Sequence[BriefEntity]) -> list[BriefQuote]:
    """Every quote of every source, in source order; the same words quoted by another
    source (equal, or one containing the other) are one quote with ``also_in`` spans."""
    by_id = {e.id: e for e in entities}
    merged: list[BriefQuote] = []
    keys: list[str] = []
    for source in sources:
        for quote in source.annotation.quotes if source.annotation else ():
            brief_entity = entity_ids.get(quote.speaker_entity or "")
            speaker = by_id[brief_entity].name if brief_entity else quote.speaker
            key = _quote_words(quote.text)
            match = None
            if len(key.split()) >= 3:
                for n, other in enumerate(keys):
                    if merged[n].quote.span.article_id != source.article.id and \
                            (key in other or other in key) and \
                            min(len(key), len(other)) >= 0.5 * max(len(key), len(other)):
                        match = merged[n]
                        break
            if match is None:
                merged.append(BriefQuote(quote, speaker, brief_entity))
                keys.append(key)
            elif all(s.article_id != quote.span.article_id for s in match.also_in):
                match.also_in.append(quote.span)
                if match.speaker is None and speaker is not None:
                    match.speaker, match.speaker_entity = speaker, brief_entity
    return merged


def build_timeline(sources: Sequence[BriefSource], same: dict[tuple[str, int], set]) -> list[TimelineEntry]:
    """Dated events of every source, by date then source order; an event another source
    dates the same in a sentence that says the same joins it as ``also_in``."""
    entries: list[TimelineEntry] = []
    keys: list[tuple[str, set]] = []
    seen = set()
    for source in sources:
        annotation = source.annotation
        if annotation is None:
            continue
        for event in annotation.events:
            if (event.date, event.span.article_id, event.span.start) in seen:
                continue
            seen.add((event.date, event.span.article_id, event.span.start))
            sentence = next((i for i, s in enumerate(annotation.sentences)
                             if s.start <= event.span.start < s.end), None)
            twins = same.get((source.article.id, sentence), set()) if sentence is not None else set()
            for entry, (date, group) in zip(entries, keys):
                if date == event.date and entry.span.article_id != source.article.id and \
                        (source.article.id, sentence) in group:
                    if all(s.article_id != source.article.id for s in entry.also_in):
                        entry.also_in.append(event.span)
                    break
            else:
                entries.append(TimelineEntry(event.date, event.expression, event.span))
                keys.append((event.date, twins))
    order = {s.article.id: n for n, s in enumerate(sources)}
    return sorted(entries, key=lambda t: (t.date, order[t.span.article_id], t.span.start))


# -- summary and facts --------------------------------------------------------------------------


def summary_length(sources: int, settings: BriefSettings) -> int:
    if settings.sentences is not None:
        return max(1, settings.sentences)
    grown = settings.base_sentences + int(math.log2(max(1, sources)))
    return min(settings.max_sentences, grown)


def _disagreement(a: _Sentence, b: _Sentence) -> list[str]:
    """Where two aligned sentences disagree: a count of the same thing (with a word of
    context in common), the one date each gives in full, or the people named by sentences
    that are otherwise the same, when neither article names the other's person at all."""
    found = []
    values_a = {(c.noun, c.value) for c in a.numbers}
    values_b = {(c.noun, c.value) for c in b.numbers}
    for ca in a.numbers:
        for cb in b.numbers:
            if ca.noun == cb.noun and ca.value != cb.value and ca.context & cb.context and \
                    (ca.noun, ca.value) not in values_b and (cb.noun, cb.value) not in values_a:
                found.append(" vs ".join(sorted((ca.written, cb.written), key=str.lower)))
    if len(a.dates) == len(b.dates) == 1 and a.dates != b.dates:
        found.append(f"{', '.join(sorted(a.dates))} vs {', '.join(sorted(b.dates))}")
    if a.people and b.people and not a.people & b.people and \
            not a.people & b.article_people and not b.people & a.article_people and \
            len(a.unnamed & b.unnamed) >= 0.8 * len(a.unnamed | b.unnamed):
        found.append("different people named")
    unique: dict[str, str] = {}
    for line in found:
        unique.setdefault(line.casefold(), line)
    return list(unique.values())


def _components(n: int, pairs: Sequence[tuple[int, int]]) -> list[list[int]]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        groups[find(i)].append(i)
    return list(groups.values())


def build_brief(story_id: str, title: str, sources: Sequence[BriefSource],
                settings: BriefSettings | None = None) -> Brief:
    """The brief of one story from its distinct articles (copies folded under them),
    given in the order to cite them (publication order)."""
    settings = settings or BriefSettings()
    sources = list(sources)
    entities, entity_ids = merge_entities(sources)
    entity_of = {}
    for source in sources:
        for entity in source.annotation.entities if source.annotation else ():
            entity_of[entity.key] = entity_ids[entity.id]

    sentences: list[_Sentence] = []
    for index, article, annotation, copy, positions in compared_sentences(sources, settings):
        sentences += _sentences(index, article, annotation, sources[index].outlet_key, copy,
                                positions, entity_of, settings)

    similar: dict[int, dict[int, float]] = defaultdict(dict)
    related: dict[int, dict[int, float]] = defaultdict(dict)
    matrix = product = None
    if sentences:
        matrix = tfidf_rows([s.words for s in sentences])
        product = (matrix @ matrix.T).tocsr()
        pairs = product.tocoo()
        keep = pairs.data >= min(settings.same_similarity, settings.detail_similarity)
        for i, j, v in zip(pairs.row[keep].tolist(), pairs.col[keep].tolist(),
                           pairs.data[keep].tolist()):
            a, b = sentences[i], sentences[j]
            if i == j or (a.source == b.source and a.copy == b.copy):
                continue
            if v >= settings.same_similarity:
                similar[i][j] = v
            elif v >= settings.detail_similarity and \
                    len(a.details & b.details) >= settings.shared_details:
                related[i][j] = v

    summary = _summarise(sentences, matrix, product, similar, sources, settings)
    facts = _facts(sentences, similar, related, sources, settings)
    same = {}
    for i, others in similar.items():
        s = sentences[i]
        if not s.copy:
            same[(s.span.article_id, s.position)] = {
                (sentences[j].span.article_id, sentences[j].position) for j in others}
    quotes = merge_quotes(sources, entity_ids, entities)
    timeline = build_timeline(sources, same)
    return Brief(story_id, title, sources, summary, quotes, entities, timeline, facts)


def _summarise(sentences: Sequence[_Sentence], matrix, product,
               similar: dict[int, dict[int, float]], sources: Sequence[BriefSource],
               settings: BriefSettings) -> list[SummarySentence]:
    candidates = [i for i, s in enumerate(sentences) if s.claim and not s.copy]
    candidates = [i for i in candidates if not _DANGLING.match(sentences[i].span.text)] \
        or candidates
    if not candidates:
        return []
    outlets = {s.outlet for s in sentences if not s.copy}
    by_source: dict[int, list[int]] = defaultdict(list)
    for i, s in enumerate(sentences):
        if not s.copy:
            by_source[s.source].append(i)
    centroids = []
    for rows in by_source.values():
        centroid = np.asarray(matrix[rows].mean(axis=0)).ravel()
        norm = np.linalg.norm(centroid)
        centroids.append(centroid / norm if norm else centroid)
    centroid = np.mean(centroids, axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    centrality = matrix @ centroid
    rank: dict[int, int] = {}
    seen: Counter = Counter()
    for i, s in enumerate(sentences):
        if s.claim and not s.copy:
            rank[i] = seen[s.source]
            seen[s.source] += 1
    scores = {}
    for i in candidates:
        s = sentences[i]
        others = {sentences[j].outlet for j in similar.get(i, ()) if not sentences[j].copy}
        others.discard(s.outlet)
        support = len(others) / max(1, len(outlets) - 1)
        scores[i] = (settings.centrality_weight * float(centrality[i])
                     + settings.support_weight * support
                     + settings.position_weight / math.sqrt(1 + rank[i])
                     - settings.length_weight * min(1.0, len(s.lede.text.split()) / 50))
    length = summary_length(len(sources), settings)
    chosen: list[int] = []
    pairwise = product[candidates][:, candidates].toarray()
    at = {i: n for n, i in enumerate(candidates)}
    while len(chosen) < min(length, len(candidates)):
        def mmr(i: int) -> float:
            redundancy = max((pairwise[at[i], at[j]] for j in chosen), default=0.0)
            return (1 - settings.diversity) * scores[i] - settings.diversity * redundancy

        fresh = [i for i in candidates if i not in chosen and
                 all(pairwise[at[i], at[j]] < settings.same_similarity for j in chosen)]
        if not fresh:
            break
        chosen.append(max(fresh, key=mmr))
    published = [s.article.published[:10] if s.article.published else _UNDATED for s in sources]
    chosen.sort(key=lambda i: (sentences[i].date or published[sentences[i].source],
                               sentences[i].source, sentences[i].position))
    result = []
    for i in chosen:
        best_of: dict[int, tuple[float, Span]] = {}
        for j, v in similar.get(i, {}).items():
            other = sentences[j]
            if other.copy or other.source == sentences[i].source:
                continue
            if other.source not in best_of or v > best_of[other.source][0]:
                best_of[other.source] = (v, other.span)
        support = [best_of[k][1] for k in sorted(best_of)]
        result.append(SummarySentence(sentences[i].lede or sentences[i].span, support,
                                      sentences[i].date))
    return result


def _facts(sentences: Sequence[_Sentence], similar: dict[int, dict[int, float]],
           related: dict[int, dict[int, float]], sources: Sequence[BriefSource],
           settings: BriefSettings) -> list[Fact]:
    claims = [i for i, s in enumerate(sentences) if s.claim]
    at = {i: n for n, i in enumerate(claims)}
    pairs = [(at[i], at[j]) for i in claims for j in [*similar.get(i, ()), *related.get(i, ())]
             if j in at and i < j]
    labels = {s.outlet_key: s.label for s in sources}
    corroborated, conflicts, single = [], [], []
    for group in _components(len(claims), pairs):
        members = sorted((claims[n] for n in group),
                         key=lambda i: (sentences[i].copy, sentences[i].source,
                                        sentences[i].position))
        if sentences[members[0]].copy:
            continue
        lead = sentences[max((i for i in members if not sentences[i].copy),
                             key=lambda i: sum(similar.get(i, {}).get(j, 0.0) for j in members))]
        outlets = list(dict.fromkeys(sentences[i].outlet for i in members))
        disagreement: list[str] = []
        for n, i in enumerate(members):
            for j in members[n + 1:]:
                a, b = sentences[i], sentences[j]
                if a.source == b.source and a.copy == b.copy:
                    continue
                if similar.get(i, {}).get(j, 0.0) >= settings.conflict_similarity:
                    for found in _disagreement(a, b):
                        if found not in disagreement:
                            disagreement.append(found)
        fact = Fact("single-source", lead.span, [sentences[i].span for i in members],
                    [labels[o] for o in outlets], disagreement)
        if disagreement:
            fact.status = "conflict"
            conflicts.append(fact)
        elif len(outlets) > 1:
            fact.status = "corroborated"
            corroborated.append((-len(outlets), lead.source, lead.position, fact))
        elif lead.numbers or lead.dates or lead.people or lead.date:
            single.append((lead.source, lead.position, fact))
    corroborated.sort(key=lambda t: t[:3])
    single.sort(key=lambda t: t[:2])
    return (conflicts + [f for *_, f in corroborated]
            + [f for *_, f in single[: settings.max_single_source_facts]])
