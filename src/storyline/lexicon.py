"""The words attribution reads: the speech verbs and their forms, the nouns that can be
sources, and the lexicon learned from PolNeAR's train split (``speakers.json``, written by
``bench/mine_speakers.py``). Plain data: nothing here parses."""

from __future__ import annotations

import json
from importlib import resources

#: Lemmas of verbs that introduce speech (or writing) when their subject is the speaker.
SPEECH_LEMMAS = frozenset("""
say tell add ask urge warn write tweet insist describe call state claim argue explain note
declare announce acknowledge admit suggest reply respond recall continue chant shout report
stress confirm deny allege accuse agree complain predict promise vow demand reveal boast
concede emphasize emphasise cry scream yell joke quip recount testify blast slam criticize
criticise praise pledge lament observe remark comment assert maintain contend counter retort
sing whisper caution label brand dub post tout conclude charge mock repeat read hail
""".split())
#: Speech verbs whose clausal complement is reported speech ("X said (that) ...").
REPORTING_LEMMAS = frozenset("""
say tell add warn write tweet insist claim argue explain note declare announce acknowledge
admit suggest reply respond confirm deny allege agree complain predict promise vow stress
report state assert maintain contend concede reveal testify caution emphasize emphasise
""".split())

_IRREGULAR = {"said": "say", "told": "tell", "wrote": "write", "written": "write",
              "sang": "sing", "sung": "sing", "thought": "think", "read": "read",
              "spoke": "speak", "spoken": "speak"}


def _inflections(verb: str) -> set[str]:
    """Regular forms of a verb (over-generating is harmless: only real words are looked up)."""
    stem = verb[:-1] if verb.endswith("e") else verb
    forms = {verb, verb + "s", verb + "es", verb + "d", verb + "ed", stem + "ing",
             verb + verb[-1] + "ed", verb + verb[-1] + "ing"}
    if verb.endswith("y") and verb[-2:-1] not in "aeiou":
        forms |= {verb[:-1] + "ies", verb[:-1] + "ied"}
    return forms


#: Inflected form -> lemma for the speech verbs. The parse pass runs without spaCy's
#: attribute ruler and lemmatizer (a fifth of its time); the tagger's fine tags remain.
_LEMMAS = {**{form: verb for verb in sorted(SPEECH_LEMMAS) for form in _inflections(verb)},
           **_IRREGULAR}


def lemma_of(word: str) -> str:
    """The lemma of a speech verb's form ("said" -> "say"); other words as they are."""
    return _LEMMAS.get(word, word)



#: Learned from PolNeAR's train split by ``bench/mine_speakers.py``: the nouns that head
#: sources written as descriptions ("the campaign", "the lawsuit", "a poll"), and the words
#: beyond :data:`SPEECH_LEMMAS` that introduce quotes ("citing", "blamed").
_LEXICON = json.loads(resources.files("storyline").joinpath("speakers.json").read_text("utf-8"))
SOURCE_NOUNS = frozenset(_LEXICON["source_nouns"])
CUE_WORDS = frozenset(_LEXICON["cue_words"])

#: Common nouns for people and groups that can speak ("the crowd", "officials").
PEOPLE = frozenset("""
crowd crowds woman women man men people person source sources official officials spokesman
spokeswoman spokesperson police protesters protester demonstrators residents resident witness
witnesses critics critic aide aides adviser advisers advisor voters voter supporters supporter
lawmakers lawmaker leader leaders minister ministers president chairman chairwoman chair
government campaign committee council party family friend friends neighbour neighbor neighbours
neighbors mother father son daughter wife husband sister brother child children students student
officer officers doctor doctors nurse nurses victim victims experts expert analyst analysts
observers observer diplomat diplomats senator senators governor mayor secretary commissioner
candidate candidates nominee staff staffer staffers team administration agency department court
judge jury prosecutors prosecutor lawyer lawyers attorney attorneys authorities organisers
organizers group groups members member fans audience listeners reporter reporters journalist
journalists host hosts someone anyone everyone nobody mob chorus activists activist insiders
insider colleague colleagues force forces
""".split())
