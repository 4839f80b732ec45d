"""What a brief reads in a sentence's words: lightly stemmed content words, the numbers
it counts, and TF-IDF cosine between sentences."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..text import stop_words

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
_SUFFIXES = ("ings", "ing", "ed", "es", "s")


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


#: Words that name one kind of news event, by stem (:func:`stem`), so that paraphrases
#: meet: "gathered to pay tribute" and "a vigil to remember". General news vocabulary, not
#: read off any evaluation set.
_EVENT_KINDS = {
    "gather": "gather vigil tribute mourn mourner remember commemorat memorial rally crowd",
    "die": "die died dead death kill slain fatal perish",
    "shoot": "shoot shot gunman gunfire gunshot",
    "arrest": "arrest detain custody apprehend",
    "charge": "charg accus indict prosecut",
    "convict": "convict sentenc jail prison imprison guilty",
    "injure": "injur wound hurt",
    "fire": "fire blaze burn flame arson",
    "quake": "earthquake quake tremor seismic aftershock",
    "explode": "explosion explod blast bomb",
    "attack": "attack assault raid",
    "crash": "crash collision collid wreck derail",
    "storm": "storm hurricane flood typhoon cyclone tornado",
    "steal": "steal stole stolen theft robbery robb heist burglary",
    "buy": "buy bought acquir acquisition purchase takeover merger",
    "resign": "resign quit resignation",
    "appoint": "appoint hir nominat nominee",
    "announce": "announc unveil launch introduc releas",
    "win": "win won victory beat defeat",
    "treat": "rehab rehabilitation treatment clinic",
}
EVENT_KIND = {word: kind for kind, words in _EVENT_KINDS.items() for word in words.split()}


def event_kinds(words: Sequence[str]) -> frozenset[str]:
    """The kinds of event (:data:`EVENT_KIND`) that stemmed content words name."""
    return frozenset(EVENT_KIND[w] for w in words if w in EVENT_KIND)
