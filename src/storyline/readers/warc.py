"""Web archives, WARC and ARC (warcio): every HTML response record becomes an article.

The file is decompressed here, not by warcio, so a ``.warc.gz`` made of one gzip member for
all its records (which warcio refuses) reads like any other, and the decompressed-size limit
applies. Records that hold no page (requests, metadata, revisits, images) are skipped and
counted; a record that cannot be read is named, and the records before it are kept.
"""

from __future__ import annotations

import contextlib
import io
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..errors import InputError, LimitError
from ..limits import megabytes
from ..records import Skipped
from ._decode import READ_ERRORS
from .html import HtmlPage

if TYPE_CHECKING:
    from . import Source

_NO_PAGE = {"request": "WARC request", "metadata": "WARC metadata", "warcinfo": "warcinfo",
            "revisit": "WARC revisit", "conversion": "WARC conversion",
            "continuation": "WARC continuation"}


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0].removeprefix("ERROR:").strip() if lines else text


def _why_not_a_page(record) -> str | None:
    """The reason a record holds no HTML page to extract, or None when it does."""
    if record.rec_type not in ("response", "resource"):
        return _NO_PAGE.get(record.rec_type, f"WARC {record.rec_type}")
    if record.rec_type == "response":
        headers = record.http_headers
        if headers is None:
            return "response without HTTP headers"
        status = headers.get_statuscode() or ""
        if not status.startswith("2"):
            return f"HTTP {status or 'status unknown'}"
        ctype = headers.get_header("Content-Type") or ""
    else:
        ctype = record.rec_headers.get_header("Content-Type") or ""
    if "html" not in ctype.lower():
        return ctype.split(";")[0].strip().lower() or "no content type"
    return None


def _damage(record, payload: bytes) -> str | None:
    """What is wrong with a record whose page was read to its end, or None: the file ended
    before the length the record declares, or its content could not be decoded."""
    missing = getattr(record.raw_stream, "limit", 0)
    if not missing:
        return None
    if not record.raw_stream.read(1):
        return (f"the record is cut short: the file ends {missing:,} bytes before its declared "
                "length (a truncated archive)")
    if not payload:
        return "the record's page cannot be decoded (damaged chunked or compressed content)"
    return None


def read(source: Source) -> Iterator[HtmlPage | InputError | Skipped]:
    from warcio.archiveiterator import ArchiveIterator

    limits = source.limits
    found = number = 0
    skipped: Counter[str] = Counter()
    with source.open() as fh:
        records = ArchiveIterator(fh, arc2warc=True)
        while True:
            notes = io.StringIO()
            try:
                with contextlib.redirect_stderr(notes):  # warcio prints its warnings
                    record = next(records)
            except StopIteration:
                break
            except InputError as exc:
                yield exc
                return
            except (Exception, *READ_ERRORS) as exc:
                message = _first_line(str(exc)) or exc.__class__.__name__
                yield InputError(source.origin(record=number + 1),
                                 f"not a readable WARC or ARC record: {message}")
                return
            if "Content-Length is invalid" in notes.getvalue() and number:
                yield InputError(source.origin(record=number), "the record is longer or shorter "
                                 "than its Content-Length says (a truncated or damaged record)")
            number += 1
            origin = source.origin(record=number)
            reason = _why_not_a_page(record)
            if reason is not None:
                skipped[reason] += 1
                yield Skipped(origin, reason)
                continue
            try:
                payload = record.content_stream().read(limits.max_record_bytes + 1)
            except InputError:
                raise
            except (Exception, *READ_ERRORS) as exc:
                yield InputError(origin, f"cannot read this record's page: "
                                 f"{exc.__class__.__name__}: {_first_line(str(exc))}")
                continue
            if len(payload) > limits.max_record_bytes:
                yield LimitError(origin, f"the page is over the limit of "
                                 f"{megabytes(limits.max_record_bytes)} for one record",
                                 "--max-record-mb")
                continue
            problem = _damage(record, payload)
            if problem:
                yield InputError(origin, problem)
                continue
            found += 1
            url = record.rec_headers.get_header("WARC-Target-URI")
            warc_date = record.rec_headers.get_header("WARC-Date")
            yield HtmlPage(payload, origin, url=url,
                           fields={"metadata": {"warc_date": warc_date} if warc_date else {}})
    if not found and number:
        kinds = ", ".join(f"{n} {reason}" for reason, n in skipped.most_common())
        yield InputError(source.origin(), f"no HTML pages in this archive ({kinds})")
    elif not number:
        yield InputError(source.origin(), "no WARC or ARC records in this file")
