import json

import pytest

from storyline.errors import InputError
from storyline.evaluate import evaluate_extraction, load_extraction_set, score_extraction

from ..conftest import DATA


def test_metric_perfect_and_disjoint():
    gold = "one two three four five six"
    assert score_extraction([(gold, gold)]) == (1.0, 1.0, 1.0, 1.0)
    p, r, f, a = score_extraction([(gold, "seven eight nine ten eleven")])
    assert (p, r, f, a) == (0.0, 0.0, 0.0, 0.0)


def test_metric_partial_and_per_page_averaging():
    gold = "a b c d e f g h"  # 5 shingles
    pred = "a b c d e"        # 2 shingles, all right
    p, r, f, _ = score_extraction([(gold, pred)])
    assert p == 1.0 and r == pytest.approx(2 / 5)
    # a page with an empty prediction counts for recall only
    p2, r2, _, _ = score_extraction([(gold, pred), (gold, "")])
    assert p2 == 1.0 and r2 == pytest.approx((2 / 5 + 0) / 2)


def test_bad_eval_file_names_the_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"html": "<p>x</p>", "body": "x"}) + "\n" + json.dumps({"html": "x"}) + "\n")
    with pytest.raises(InputError, match=r"bad.jsonl:2: field 'body'"):
        load_extraction_set(path)


@pytest.mark.slow
def test_extraction_quality_gate():
    """Floors a little under what was measured on this committed dev slice (10 pages):
    storyline F1 0.985, plain trafilatura.extract 0.962."""
    results = evaluate_extraction(DATA / "extraction-dev-slice.jsonl.gz", jobs=2)
    ours = results[0]
    plain = results[-1]
    assert [r.system for r in results] == ["storyline, 1 process", "storyline, 2 processes",
                                           "trafilatura.extract"]
    assert ours.pages == 10
    assert ours.f1 >= 0.975
    assert ours.precision >= 0.975 and ours.recall >= 0.97
    assert ours.f1 > plain.f1
    assert results[1].f1 == ours.f1  # parallel extraction changes nothing
