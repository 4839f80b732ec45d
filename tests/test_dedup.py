import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from storyline.dedup import DedupSettings, band_keys, from_blob, shingles, signature, similarity, to_blob

S = DedupSettings()
TEXT = ("Officers from the Metropolitan Police were seen grabbing several women and leading them "
        "away in handcuffs. The force later said four people were arrested for public order and "
        "coronavirus regulation breaches. Vigils also took place in Glasgow, Nottingham and Bristol.")


def test_shingles():
    assert shingles("A b, c d", 3) == {b"a b c", b"b c d"}
    assert shingles("Two words", 3) == {b"two words"}
    assert shingles("...", 3) == set()


def test_near_copy_is_similar_and_unrelated_is_not():
    copy = TEXT.replace("four people", "4 people")
    other = "The council approved a new budget for schools and roads after a long debate on Tuesday."
    a, b, c = (signature(t, S) for t in (TEXT, copy, other))
    assert similarity(a, b) >= S.threshold
    assert similarity(a, c) < 0.2
    assert set(band_keys(a, S)) & set(band_keys(b, S))
    assert signature("", S) is None


def test_bands_follow_datasketch_parameters():
    b, r = S.bands
    assert b * r <= S.num_perm and len(band_keys(signature(TEXT, S), S)) == b


@settings(max_examples=50, deadline=None)
@given(st.text(min_size=1, max_size=300))
def test_signature_round_trips_and_is_deterministic(text):
    sig = signature(text, S)
    if sig is None:
        assert shingles(text, S.shingle_words) == set()
        return
    assert np.array_equal(from_blob(to_blob(sig)), sig)
    assert np.array_equal(signature(text, S), sig)
    assert similarity(sig, sig) == 1.0
