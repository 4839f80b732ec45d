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

One module a job: :mod:`.model` (the brief's parts and JSON, settings, sources),
:mod:`.words` (content words, counts, TF-IDF), :mod:`.sentences` (the sentences compared),
:mod:`.entities`, :mod:`.quotes`, :mod:`.timeline`, :mod:`.summary`, :mod:`.facts`, and
:mod:`.compose`, whose :func:`build_brief` puts them together.
"""

from .compose import build_brief
from .model import (BRIEF_VERSION, SCHEMA_VERSION, Brief, BriefEntity, BriefQuote, BriefSettings,
                    BriefSource, Fact, SummarySentence, TimelineEntry)
from .sentences import compared_sentences
from .summary import summary_length
from .words import content_words, counted_numbers, similarity_matrix, stem

__all__ = [
    "BRIEF_VERSION",
    "SCHEMA_VERSION",
    "Brief",
    "BriefEntity",
    "BriefQuote",
    "BriefSettings",
    "BriefSource",
    "Fact",
    "SummarySentence",
    "TimelineEntry",
    "build_brief",
    "compared_sentences",
    "content_words",
    "counted_numbers",
    "similarity_matrix",
    "stem",
    "summary_length",
]
