"""Bytes to text: byte-order marks, UTF-16 without one, files that mix encodings.

News archives are old and copied between systems: a file may be UTF-8 with a few
Windows-1252 bytes pasted in, or UTF-16 from a Windows tool. Text is decoded as UTF-8 where
it is UTF-8 and each byte that is not as Windows-1252; UTF-16 without a byte-order mark is
named rather than read as noise.
"""

from __future__ import annotations

import codecs
import re
import zlib

#: What a broken (compressed) stream raises while it is read.
READ_ERRORS = (OSError, EOFError, zlib.error)

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
_SURROGATE = re.compile("[\ud800-\udfff]")


def _cp1252_bytes(error: UnicodeDecodeError) -> tuple[str, int]:
    bad = error.object[error.start:error.end]
    return bad.decode("cp1252", errors="replace"), error.end


codecs.register_error("storyline.cp1252", _cp1252_bytes)


def looks_like_utf16(data: bytes) -> bool:
    """True when every other byte of the start is a NUL, as in UTF-16 text of mostly
    Latin letters."""
    head = data[:4096]
    if len(head) < 8:
        return False
    even, odd = head[0::2], head[1::2]
    return (odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even)) or \
        (even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd))


_BINARY = bytes(range(0, 9)) + b"\x0b" + bytes(range(14, 27)) + bytes(range(28, 32))


def looks_binary(data: bytes) -> bool:
    """True when more than 1% of the start are control bytes that text never holds (random
    bytes have about 10%, images and archives more); a stray NUL in a real page is not
    enough."""
    head = data[:65536]
    if not head:
        return False
    return sum(head.count(bytes([b])) for b in _BINARY) > 0.01 * len(head)


def decode_text(data: bytes) -> str:
    """Text of a file: by its byte-order mark when it has one, else UTF-8 with each byte
    that is not UTF-8 read as Windows-1252 (the usual encoding of older news files).
    Raises ValueError for UTF-16 without a byte-order mark and for binary data (control
    characters left in the text are dropped by cleaning)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    if looks_like_utf16(data):
        raise ValueError("UTF-16 text without a byte-order mark: save it as UTF-8")
    if looks_binary(data):
        raise ValueError("binary data, not text")
    return valid_unicode(data.decode("utf-8", errors="storyline.cp1252"))


def valid_unicode(text: str) -> str:
    """``text`` with any lone surrogate (which JSON's ``\\ud800`` escapes can make, and no
    UTF-8 file can hold) replaced by U+FFFD, and NUL characters (which carry nothing and
    which SQLite's own tools read as the end of a string) left out."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text
