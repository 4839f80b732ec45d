"""The one way to cite text: a span of an article's stored body.

Every later stage (sentences, quotes, summaries) cites text through :func:`make_span`, so
``span.text == body[span.start:span.end]`` holds everywhere by construction.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    article_id: str
    start: int
    end: int
    text: str

    def to_dict(self) -> dict:
        return {"article_id": self.article_id, "start": self.start, "end": self.end}


def make_span(article_id: str, body: str, start: int, end: int, *, trim: bool = True) -> Span:
    """Cite ``body[start:end]``; with ``trim`` the span is narrowed past surrounding whitespace."""
    if not 0 <= start <= end <= len(body):
        raise ValueError(f"span {start}:{end} outside body of length {len(body)}")
    if trim:
        start, end = trim_bounds(body, start, end)
    return Span(article_id, start, end, body[start:end])


def trim_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """``start:end`` narrowed past the whitespace at either end."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
