"""Character-level normalisation shared by every text field.

One `str.translate` pass does the per-character work (zero-width characters out, exotic spaces to
a plain space, full-width ASCII letters and digits to half-width); two regexes then fold runs of
spaces and blank lines. Chinese punctuation (，。“”：) and full-width symbols are left as they are:
they are part of the text, and converting them would change what users search for.
"""

from __future__ import annotations

import re

# Characters that render as nothing: zero-width space/joiners, direction marks, word joiner,
# invisible operators, BOM, soft hyphen, Mongolian vowel separator.
_INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e"
# Characters that render as a blank: NBSP, ideographic space, en/em/thin spaces, tabs, form feeds.
_BLANKS = "\t\x0b\x0c\u00a0\u1680\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B)))

_TABLE: dict[int, int | None] = dict.fromkeys(map(ord, _INVISIBLE), None)
_TABLE.update(dict.fromkeys(map(ord, _BLANKS), ord(" ")))
_TABLE.update({ord("\r"): ord("\n"), 0x2028: ord("\n"), 0x2029: ord("\n")})
# Full-width digits and Latin letters (０-９, Ａ-Ｚ, ａ-ｚ) sit at a fixed offset from ASCII.
for _lo, _hi in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A)):
    _TABLE.update({cp: cp - 0xFEE0 for cp in range(_lo, _hi + 1)})

# `&nbsp;` and friends survive when a site double-escapes its HTML or pastes source into the editor;
# `&amp;nbsp;` is the double-escaped form, and the trailing `;` is often lost.
_SPACE_ENTITY = re.compile(
    r"&(?:amp;)?(?:nbsp|ensp|emsp|thinsp|#160|#xa0|#12288|#x3000|#8194|#8195)(?:;|(?![A-Za-z0-9]))",
    re.IGNORECASE,
)
# Most pages hold few of these characters: find their runs with one regex and translate only those,
# instead of passing every character of the page through `str.translate`.
_SPECIAL = re.compile("[" + re.escape("".join(map(chr, _TABLE))) + "]+")
_SPACE_RUN = re.compile(r" {2,}")
_LINE_BREAK = re.compile(r" ?\n[\n ]*")


def _translate(match: re.Match[str]) -> str:
    return match.group().translate(_TABLE)


def normalize_text(text: str) -> str:
    """Normalise whitespace and character forms; keep one paragraph per line, drop blank lines.

    Zero-width characters go; `\\u3000`, NBSP, `&nbsp;` and other blanks become one space; full-width
    ASCII letters and digits become half-width; each line is stripped. Idempotent.
    """
    if not text:
        return ""
    text = _SPECIAL.sub(_translate, text)
    if "&" in text:
        text = _SPACE_ENTITY.sub(" ", text)
    text = _SPACE_RUN.sub(" ", text)
    text = _LINE_BREAK.sub("\n", text)
    return text.strip(" \n")


def normalize_line(text: str) -> str:
    """`normalize_text` for a one-line field (title, name, caption): line breaks become spaces."""
    return normalize_text(text).replace("\n", " ")
