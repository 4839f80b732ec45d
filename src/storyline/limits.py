"""What one input may cost: the bounds that keep a batch alive whatever it is fed.

Each limit is a setting with a command-line option of the same name (``--max-record-mb``
for ``max_record_bytes``); what goes past one is refused and named as a
:class:`~storyline.errors.LimitError`, and the rest of the batch still goes through.
"""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """The ingest limits, with defaults that pass any real news page or archive record.

    - ``max_record_bytes``: one input record: an HTML page, a text file, a JSON Lines line, a
      WARC record's payload, a whole JSON document or feed read at once. A record past it is
      skipped without being read into memory. trafilatura itself refuses pages over 20 MB;
      real article pages are rarely over 2 MB.
    - ``max_decompressed_bytes``: what one compressed file may expand to (a gzip bomb).
    - ``page_seconds``: extraction time of one page; its worker is replaced past it.
    - ``worker_memory_bytes``: memory a worker may add to its own while working on one record
      (pages with hundreds of thousands of table cells take gigabytes in lxml).
    - ``min_words``: words an article's body needs after cleaning ("Home", "Page not found"
      and "Please enable JavaScript" are not articles). A record that gives only a headline
      and no text at all is kept as a headline.
    - ``max_body_chars``: the longest body annotation reads (about 25,000 words; the longest
      magazine features are shorter). spaCy refuses a text over a million characters.
    """

    max_record_bytes: int = 10 * MB
    max_decompressed_bytes: int = 4096 * MB
    page_seconds: float = 15.0
    worker_memory_bytes: int = 1024 * MB
    min_words: int = 10
    max_body_chars: int = 150_000

    def __post_init__(self) -> None:
        for name in ("max_record_bytes", "max_decompressed_bytes", "worker_memory_bytes",
                     "max_body_chars"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if self.page_seconds <= 0:
            raise ValueError(f"page_seconds must be positive, got {self.page_seconds}")
        if self.min_words < 0:
            raise ValueError(f"min_words cannot be negative, got {self.min_words}")


def megabytes(n: int) -> str:
    """``n`` bytes as the option's unit: "10 MB"."""
    return f"{n / MB:,.0f} MB" if n >= MB else f"{n:,} bytes"


__all__ = ["Limits", "MB", "megabytes"]
