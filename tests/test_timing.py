"""storyline.timing: stage figures add up, merge and survive an exception."""

import pytest

from storyline.timing import Timings


def test_stages_add_seconds_and_items_in_first_run_order():
    timings = Timings()
    with timings.stage("read", items=2):
        pass
    timings.add("parse", 0.5, 10)
    timings.add("read", 1.0, 3)
    assert list(timings.seconds) == ["read", "parse"]
    assert timings.items == {"read": 5, "parse": 10}
    assert timings.seconds["read"] >= 1.0
    assert timings.rate("parse") == 20.0
    assert timings.rate("missing") == 0.0


def test_a_stage_that_raises_is_still_counted():
    timings = Timings()
    with pytest.raises(ValueError):
        with timings.stage("bad", items=1):
            raise ValueError("no")
    assert timings.items == {"bad": 1}


def test_merge_adds_another_runs_figures():
    ours, theirs = Timings(), Timings()
    ours.add("parse", 1.0, 1)
    theirs.add("parse", 2.0, 4)
    theirs.add("quotes", 0.25, 4)
    theirs.count("words", 7)
    ours.count("words", 1)
    ours.merge(theirs)
    assert ours.to_dict() == {"stages": {"parse": {"seconds": 3.0, "items": 5},
                                         "quotes": {"seconds": 0.25, "items": 4}},
                              "counts": {"words": 8}}
