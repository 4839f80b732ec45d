import pytest
from hypothesis import given
from hypothesis import strategies as st

from storyline.spans import make_span


@given(st.text(max_size=200), st.data())
def test_span_text_is_the_body_slice(body, data):
    start = data.draw(st.integers(0, len(body)))
    end = data.draw(st.integers(start, len(body)))
    span = make_span("a", body, start, end)
    assert span.text == body[span.start:span.end]
    assert start <= span.start <= span.end <= end
    assert span.text == span.text.strip() or not span.text.strip()


def test_out_of_range():
    with pytest.raises(ValueError):
        make_span("a", "abc", 2, 5)
    with pytest.raises(ValueError):
        make_span("a", "abc", 2, 1)


def test_to_dict():
    assert make_span("x", "Hello world", 6, 11).to_dict() == {"article_id": "x", "start": 6, "end": 11}
