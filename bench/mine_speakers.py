"""Mine the attribution lexicon (``src/storyline/speakers.json``) from PolNeAR's train split.

Two word lists that the speaker rules of :mod:`storyline.quotes` read, learned from the
hand-annotated attributions rather than from any one article's misses:

- ``source_nouns``: head nouns of gold sources written as descriptions ("the campaign",
  "a poll", "the lawsuit", "officials"), kept when they head a source at least
  ``MIN_COUNT`` times and in at least ``MIN_SHARE`` of their uses in the text; a common
  noun that is the subject of a speech verb is a speaker only when it is one of these (or
  one of the hand-kept people nouns).
- ``cue_words``: the words that introduce quoted attributions (the gold cue of a quote with
  quotation marks) beyond the built-in speech verbs, with the same two floors.

    .venv/bin/python -m bench.mine_speakers ../shared/data/polnear-train/articles.jsonl

Only the train split: dev checks the result and test judges it.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
from pathlib import Path

from storyline.evaluate.quotes import is_description, load_quote_set
from storyline.lexicon import SPEECH_LEMMAS, lemma_of

MIN_COUNT = 2
#: a source noun must head a source in this share of its uses in the text ...
MIN_SHARE = 0.03
#: ... and a cue word must introduce a quote in this share of its uses
MIN_CUE_SHARE = 0.15
OUT = Path(__file__).resolve().parent.parent / "src" / "storyline" / "speakers.json"
_CLAUSE = re.compile(r",|\(| who | which | that | from | of | at | in | for | with | on | to ")


def source_head(speaker: str) -> str | None:
    """The head noun of a described source: the last word before any clause or preposition."""
    words = _CLAUSE.split(speaker)[0].split()
    if words and re.fullmatch(r"[a-z]+", words[-1].lower()):
        return words[-1].lower()
    return None


def mine(path: str | Path) -> dict:
    records = load_quote_set(path)
    uses: collections.Counter[str] = collections.Counter()
    heads: collections.Counter[str] = collections.Counter()
    cues: collections.Counter[str] = collections.Counter()
    for record in records:
        uses.update(re.findall(r"[a-z]+", record["text"]))
        for quote in record["quotes"]:
            speaker = quote["speaker"]
            if speaker and is_description(speaker) and (head := source_head(speaker)):
                heads[head] += 1
            cue = (quote["cue"] or "").strip().lower()
            if quote["has_quote_marks"] and re.fullmatch(r"[a-z]+", cue) \
                    and lemma_of(cue) not in SPEECH_LEMMAS:
                cues[cue] += 1
    return {
        "source": f"{Path(path).name}: {len(records)} articles (PolNeAR train)",
        "floors": {"count": MIN_COUNT, "share": MIN_SHARE, "cue_share": MIN_CUE_SHARE},
        "source_nouns": sorted(w for w, n in heads.items()
                               if n >= MIN_COUNT and n >= MIN_SHARE * uses[w]),
        "cue_words": sorted(w for w, n in cues.items()
                            if n >= MIN_COUNT and n >= MIN_CUE_SHARE * uses[w]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", help="PolNeAR train articles.jsonl")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args()
    lexicon = mine(args.path)
    Path(args.out).write_text(json.dumps(lexicon, indent=1) + "\n", encoding="utf-8")
    print(f"{args.out}: {len(lexicon['source_nouns'])} source nouns, "
          f"{len(lexicon['cue_words'])} cue words")


if __name__ == "__main__":
    main()
