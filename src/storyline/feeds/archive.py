"""The raw responses of fetched pages as a WARC file (warcio), for re-reading a brief's
sources later; ``storyline ingest`` reads it back like any web archive."""

from __future__ import annotations

import io
from collections.abc import Iterable
from http import HTTPStatus
from typing import BinaryIO

#: The body is kept decoded, so the headers that described its transfer no longer hold.
_TRANSFER_HEADERS = {"content-encoding", "transfer-encoding", "content-length", "connection",
                     "keep-alive"}


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def write_warc(responses: Iterable[dict], out: BinaryIO) -> int:
    """One WARC ``response`` record per kept response (each record its own gzip member);
    returns how many were written."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    writer = WARCWriter(out, gzip=True)
    count = 0
    for found in responses:
        headers = [(name, value) for name, value in found["headers"].items()
                   if name.lower() not in _TRANSFER_HEADERS]
        http_headers = StatusAndHeaders(_status_line(found["status"]), headers,
                                        protocol="HTTP/1.1")
        date = found["fetched_at"].replace("+00:00", "Z")
        record = writer.create_warc_record(
            found["final_url"], "response", payload=io.BytesIO(found["body"]),
            http_headers=http_headers, warc_headers_dict={"WARC-Date": date})
        writer.write_record(record)
        count += 1
    return count
