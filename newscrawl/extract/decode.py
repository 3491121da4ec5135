"""Bytes -> text: HTTP header, BOM, `<meta charset>`, verified against the bytes themselves.

Chinese sites get their declarations wrong in both directions: GBK pages served as `utf-8`, UTF-8
pages still declaring `gb2312` after a CMS upgrade, `gb2312` declared for text that uses GBK or
GB18030 characters. So a declaration is a hint, and the bytes decide:

1. a BOM wins;
2. bytes that are valid UTF-8 and hold non-ASCII are UTF-8 (GBK text almost never forms valid UTF-8
   sequences at length), whatever the page declares;
3. otherwise the declared encoding, strictly; the GB family is read as GB18030 (its superset);
4. otherwise GB18030, then Big5-HKSCS, strictly;
5. otherwise the candidate with the fewest undecodable bytes, with U+FFFD in their place, and a
   warning saying how many — the text is kept, but never silently.

UTF-8 that was decoded as Latin-1 once before it reached the page (`æ³•åˆ¶` for 法制) is repaired
when it is unambiguous.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""",
    re.IGNORECASE,
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,100}encoding=["']([A-Za-z0-9_.:-]{2,40})""")
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.IGNORECASE)
_SNIFF_BYTES = 4096
"""How far into the page a `<meta charset>` is looked for (the HTML standard says 1024; real
Chinese CMS pages put a long comment or script block first)."""

# Names pages use for the GB family; GB18030 decodes all of them (and the GBK extensions that
# `gb2312` pages use anyway).
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "ms936", "gb_2312-80", "euc-cn", "hz-gb-2312"}
_BIG5_FAMILY = {"big5", "big5-hkscs", "cp950", "x-x-big5", "big5hkscs"}
_FALLBACKS = ("gb18030", "big5hkscs")

# UTF-8 read as Latin-1/cp1252: a lead byte (Ã, Ä, å, æ, ç, è, é …) followed by a continuation byte.
_DOUBLE_UTF8 = re.compile("[\u00c2-\u00ef][\u0080-\u00bf\u2018-\u203a\u0152-\u0178\u02c6\u02dc\u20ac\u2122]")
_DOUBLE_UTF8_MIN = 20
_NON_ASCII = re.compile(rb"[\x80-\xff]")
_HIGH_BYTES = bytes(range(0x80, 0x100))
_MAX_UTF8_DAMAGE = 0.005
"""Share of the non-ASCII bytes that may be undecodable for a page to still count as UTF-8."""
_HAN = re.compile("[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Decoded:
    """Text of a page and how it was obtained."""

    text: str
    encoding: str
    """Codec the bytes were decoded with: `utf-8`, `gb18030`, `big5hkscs`, …"""
    declared: str | None = None
    """What the HTTP header or the page declared (normalised), None when nothing did."""
    replaced: int = 0
    """Undecodable bytes replaced by U+FFFD."""
    warnings: list[str] = field(default_factory=list)
    """What went wrong and what was done about it, for the log and `--explain`."""
    utf8: bytes | None = field(default=None, compare=False, repr=False)
    """The page's own bytes when they are exactly `text` in UTF-8 (read strictly as UTF-8 or ASCII,
    no BOM, nothing repaired): the parser reads them as they are instead of encoding `text` again."""


def codec_name(label: str | None) -> str | None:
    """A declared charset label as the Python codec newscrawl reads it with; None when unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _GB_FAMILY:
        return "gb18030"
    if label in _BIG5_FAMILY:
        return "big5hkscs"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def declared_charset(body: bytes, headers: Mapping[str, Any] | None = None) -> tuple[str | None, str | None]:
    """(from the HTTP Content-Type header, from the page itself), as codec names."""
    from_header = None
    for key, value in (headers or {}).items():
        name = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        if name.lower() != "content-type":
            continue
        if isinstance(value, (list, tuple)):
            value = value[0] if value else b""
        text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
        m = _HEADER_CHARSET.search(text)
        if m:
            from_header = codec_name(m.group(1))
    head = body[:_SNIFF_BYTES]
    m2 = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    from_page = codec_name(m2.group(1).decode("ascii")) if m2 else None
    return from_header, from_page


def _bom(body: bytes) -> tuple[str, int] | None:
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if body.startswith(bom):
            return name, len(bom)
    return None


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _undo_double_utf8(text: str) -> str | None:
    """`æ³•åˆ¶` -> `法制` when the whole text round-trips; None when it does not look double-encoded."""
    if len(_DOUBLE_UTF8.findall(text, 0, 20000)) < _DOUBLE_UTF8_MIN:
        return None
    for single in ("cp1252", "latin-1"):
        try:
            return text.encode(single).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return None


def decode_html(body: bytes, headers: Mapping[str, Any] | None = None) -> Decoded:
    """Decode a page's bytes; see the module docstring for the order of evidence."""
    from_header, from_page = declared_charset(body, headers)
    declared = from_header or from_page
    bom = _bom(body)
    if bom is not None:
        bom_codec, skip = bom
        text = body[skip:].decode(bom_codec, "replace")
        return _finish(Decoded(text, bom_codec.removesuffix("-le").removesuffix("-be"), declared))

    has_non_ascii = _NON_ASCII.search(body) is not None
    as_utf8 = _strict(body, "utf-8")
    if as_utf8 is not None:
        warnings = []
        if has_non_ascii and declared and declared != "utf-8":
            warnings.append(f"declared {declared}, but the bytes are UTF-8: read as UTF-8")
        if not has_non_ascii and declared and declared not in ("utf-8", "utf-16", "utf-32"):
            # Pure ASCII reads the same in every ASCII-compatible codec; keep the page's word for it.
            return Decoded(as_utf8, declared, utf8=body)
        return _finish(Decoded(as_utf8, "utf-8", declared, 0, warnings, utf8=body))

    # A UTF-8 page with a few broken bytes (a truncated sequence, one pasted GBK word) still reads as
    # UTF-8; GBK text read as UTF-8 fails on nearly every character instead.
    lossy_utf8 = body.decode("utf-8", "replace")
    utf8_errors = lossy_utf8.count("\ufffd")
    non_ascii = len(body) - len(body.translate(None, _HIGH_BYTES))
    if utf8_errors <= _MAX_UTF8_DAMAGE * non_ascii:
        return _finish(
            Decoded(
                lossy_utf8,
                "utf-8",
                declared,
                utf8_errors,
                [f"{utf8_errors} undecodable byte sequence(s) in UTF-8 text replaced by U+FFFD"],
            )
        )

    tried: list[str] = []
    candidates: list[str | None] = [from_header, from_page, *_FALLBACKS]
    for candidate in candidates:
        if not candidate or candidate in tried or candidate == "utf-8":
            continue
        codec = candidate
        tried.append(codec)
        strict = _strict(body, codec)
        if strict is not None:
            warnings = []
            if declared == "utf-8":
                warnings.append(f"declared utf-8, but the bytes are not UTF-8: read as {codec}")
            elif declared and codec != declared:
                warnings.append(f"declared {declared}, but the bytes do not decode as that: read as {codec}")
            return _finish(Decoded(strict, codec, declared, 0, warnings))

    # Nothing decodes cleanly: a page with a few broken bytes. Take the reading that loses least;
    # UTF-8 is in the running here, as a UTF-8 page with a truncated sequence is common.
    best: Decoded | None = None
    for codec in ("utf-8", *tried):
        text = body.decode(codec, "replace")
        replaced = text.count("\ufffd")
        if best is None or replaced < best.replaced:
            best = Decoded(text, codec, declared, replaced)
    assert best is not None
    best.warnings.append(f"{best.replaced} undecodable byte sequence(s) replaced by U+FFFD ({best.encoding})")
    return _finish(best)


def _finish(decoded: Decoded) -> Decoded:
    if decoded.encoding == "utf-8" and not _HAN.search(decoded.text, 0, 20000):
        repaired = _undo_double_utf8(decoded.text)
        if repaired is not None:
            decoded = Decoded(
                repaired,
                "utf-8",
                decoded.declared,
                decoded.replaced,
                [*decoded.warnings, "UTF-8 text that had been decoded as Latin-1 once: repaired"],
            )
    for warning in decoded.warnings:
        logger.debug("decode: %s", warning)
    return decoded


__all__ = ["Decoded", "codec_name", "declared_charset", "decode_html"]
