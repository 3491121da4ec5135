"""How a page's body is kept in `pages.body`, and read back: the `compression` column.

- `zlib`: the decoded body, compressed here (level 6). Every row older versions wrote.
- `gzip` / `deflate`: the body exactly as the server sent it, `Content-Encoding` undone at read time.
  Most servers compress their pages already; keeping those bytes saves compressing every page again
  (the most expensive step of writing a page).

A sent body is kept only when it is known to decode to the very bytes the spider saw: the gzip
trailer (CRC-32 and length of the decoded data) or the zlib trailer (Adler-32) must match the
decoded body; raw deflate, which carries no checksum, is decoded once to compare. Anything else —
a truncated stream that Scrapy decoded as far as it went, trailing junk, several gzip members —
is stored as `zlib` of the decoded body, as before. Only encodings the standard library can decode
are kept, so any Python can read an archive back.
"""

from __future__ import annotations

import gzip
import struct
import zlib

ZLIB = "zlib"
SENT_ENCODINGS = {"gzip": "gzip", "x-gzip": "gzip", "deflate": "deflate"}
"""`Content-Encoding` values whose bytes can be kept as sent → the `compression` they are stored as."""
ZLIB_LEVEL = 6
"""For bodies that came unencoded. On the corpus's real pages (138 KB on average) level 1 takes half
the time (0.9 against 1.9 ms a page) for an archive 13% larger; few pages come unencoded, and the
archive is kept for good, so the smaller one wins."""


class PageDecodeError(ValueError):
    """A stored body that cannot be decoded (an unknown `compression`, or damaged bytes)."""


def pack_body(
    body: bytes, *, content_encoding: str | None = None, sent: bytes | None = None
) -> tuple[str, bytes]:
    """(compression, stored bytes) for a page whose decoded body is `body`.

    `sent` is the body as it came off the wire with `Content-Encoding: content_encoding`; it is kept
    as it is when it decodes to `body`, and `body` is compressed otherwise."""
    compression = SENT_ENCODINGS.get((content_encoding or "").strip().lower())
    if compression is not None and sent is not None and _decodes_to(compression, sent, body):
        return compression, sent
    return ZLIB, zlib.compress(body, ZLIB_LEVEL)


def unpack_body(compression: str, stored: bytes) -> bytes:
    """The decoded body of a stored page."""
    try:
        if compression == ZLIB:
            return zlib.decompress(stored)
        if compression == "gzip":
            return gzip.decompress(stored)
        if compression == "deflate":
            return _inflate(stored)
    except (OSError, EOFError, zlib.error) as exc:
        raise PageDecodeError(f"stored page body does not decode as {compression}: {exc}") from exc
    raise PageDecodeError(f"unknown page compression {compression!r}")


def _inflate(data: bytes) -> bytes:
    """`Content-Encoding: deflate` is meant to be a zlib stream; some servers send raw deflate."""
    try:
        return zlib.decompress(data)
    except zlib.error:
        return zlib.decompress(data, -zlib.MAX_WBITS)


def _decodes_to(compression: str, sent: bytes, body: bytes) -> bool:
    if compression == "gzip":
        return _gzip_trailer_matches(sent, body)
    if _zlib_trailer_matches(sent, body):
        return True
    # Raw deflate (or a damaged zlib stream): no checksum to compare, so decode it once.
    try:
        return _inflate(sent) == body
    except zlib.error:
        return False


def _gzip_trailer_matches(sent: bytes, body: bytes) -> bool:
    # One member: header (magic 1f 8b, method 8), deflate data, then CRC-32 and length mod 2**32 of
    # the decoded data. A truncated or padded stream ends in other bytes; several members end in the
    # last member's figures, which do not match the whole body.
    if len(sent) < 18 or sent[:3] != b"\x1f\x8b\x08":
        return False
    crc, size = struct.unpack("<II", sent[-8:])
    return size == len(body) & 0xFFFFFFFF and crc == zlib.crc32(body)


def _zlib_trailer_matches(sent: bytes, body: bytes) -> bool:
    # RFC 1950: CMF (method 8), FLG with (CMF * 256 + FLG) % 31 == 0, no preset dictionary, then
    # deflate data and the Adler-32 of the decoded data, big-endian.
    if len(sent) < 6:
        return False
    cmf, flg = sent[0], sent[1]
    if cmf & 0x0F != 8 or (cmf << 8 | flg) % 31 or flg & 0x20:
        return False
    return struct.unpack(">I", sent[-4:])[0] == zlib.adler32(body)
