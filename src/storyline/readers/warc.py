"""Web archives (warcio): every HTML response record becomes an article."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..errors import InputError
from .html import HtmlPage

if TYPE_CHECKING:
    from . import Source


def read(source: Source) -> Iterator[HtmlPage | InputError]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    found = 0
    number = 0
    with source.open() as fh:
        try:
            for number, record in enumerate(ArchiveIterator(fh), start=1):
                if record.rec_type not in ("response", "resource"):
                    continue
                headers = record.http_headers
                if record.rec_type == "response":
                    if headers is None or not headers.get_statuscode().startswith("2"):
                        continue
                    ctype = headers.get_header("Content-Type") or ""
                else:
                    ctype = record.rec_headers.get_header("Content-Type") or ""
                if "html" not in ctype.lower():
                    continue
                found += 1
                url = record.rec_headers.get_header("WARC-Target-URI")
                warc_date = record.rec_headers.get_header("WARC-Date")
                yield HtmlPage(record.content_stream().read(), source.origin(record=number),
                               url=url, fields={"metadata": {"warc_date": warc_date} if warc_date else {}})
        except ArchiveLoadFailed as exc:
            yield InputError(source.origin(record=number + 1), f"not a readable WARC record: {exc}")
            return
        except Exception as exc:  # truncated gzip members and the like
            yield InputError(source.origin(record=number + 1),
                             f"cannot read WARC record: {exc.__class__.__name__}: {exc}")
            return
    if not found:
        yield InputError(source.origin(), "no HTML responses in this WARC file")
