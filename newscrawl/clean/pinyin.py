"""Inline pinyin: `長(zhǎng)沙` -> `長沙`.

Syndication sites annotate characters with their reading in brackets. An annotation is removed
only when it follows a Han character and the syllable is one of that character's readings in
pypinyin's dictionary, so `人工智能(AI)`, `（2021）`, `（一）`, `中國(china)` and bylines stay.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from newscrawl.clean.chars import HAN, SYLLABLE

_ANNOTATION = rf"[(（]({SYLLABLE})[)）]"
# One or more annotations right after a Han character (a page may give two readings in a row). The
# bracket comes first and the Han character is checked behind it: a pattern that opens with the
# look-behind makes the regex engine test it at every position of the page, four times slower.
_RUN = re.compile(rf"[(（](?<=[{HAN}][(（]){SYLLABLE}[)）](?:{_ANNOTATION})*")
_ONE = re.compile(_ANNOTATION)

# Tone-marked vowel -> (plain letter, tone); ü is spelled `v` in the canonical form.
_TONE_MARKS: dict[str, tuple[str, int]] = {}
for _plain, _marked in (
    ("a", "āáǎà"),
    ("e", "ēéěè"),
    ("i", "īíǐì"),
    ("o", "ōóǒò"),
    ("u", "ūúǔù"),
    ("v", "ǖǘǚǜ"),
    ("n", "\0ńňǹ"),
    ("m", "\0ḿ\0\0"),
):
    for _tone, _ch in enumerate(_marked, start=1):
        if _ch != "\0":
            _TONE_MARKS[_ch] = (_plain, _tone)


@lru_cache(maxsize=4096)
def _canonical(syllable: str) -> tuple[str, int | None]:
    """`zhǎng` / `zhang3` -> ("zhang", 3); `zhang` -> ("zhang", None); neutral tone is 5."""
    syllable = unicodedata.normalize("NFC", syllable).replace("u:", "v").replace("ü", "v")
    syllable = syllable.replace("ê", "e")
    tone: int | None = None
    if syllable[-1].isdigit():
        if any(ch in _TONE_MARKS for ch in syllable):
            return syllable, -1  # a tone mark and a tone digit: not a syllable
        tone = int(syllable[-1]) or 5
        syllable = syllable[:-1]
    letters = []
    for ch in syllable:
        plain = _TONE_MARKS.get(ch)
        if plain:
            letters.append(plain[0])
            tone = plain[1]
        else:
            letters.append(ch)
    return "".join(letters), tone


@lru_cache(maxsize=1)
def _dictionary() -> dict[int, str]:
    # pypinyin's single-character table: code point -> "zhǎng,cháng,zhàng". Imported lazily so that
    # code paths that never meet a bracket do not pay for it.
    from pypinyin.pinyin_dict import pinyin_dict

    return pinyin_dict


@lru_cache(maxsize=65536)
def readings(char: str) -> frozenset[tuple[str, int]]:
    """The readings of one Han character as (toneless syllable, tone) pairs; tone 5 is neutral.

    A Traditional character also gets the readings of its Simplified form: the table is often
    fuller there (說 lists only shuō, 说 also shuì)."""
    from newscrawl.clean.script import to_simplified

    table = _dictionary()
    raw = [table.get(ord(char), "")]
    simplified = to_simplified(char)
    if simplified != char and len(simplified) == 1:
        raw.append(table.get(ord(simplified), ""))
    out = set()
    for reading in ",".join(raw).split(","):
        if reading:
            base, tone = _canonical(reading)
            out.add((base, tone or 5))
    return frozenset(out)


@lru_cache(maxsize=65536)
def is_reading(char: str, syllable: str) -> bool:
    """Whether `syllable` (tone marks, tone digit or toneless) is a reading of `char`."""
    base, tone = _canonical(syllable)
    for known_base, known_tone in readings(char):
        if known_base == base and (tone is None or tone == known_tone):
            return True
    return False


def _strip_run(match: re.Match[str]) -> str:
    return _stripped(match.string[match.start() - 1], match.group(0))


@lru_cache(maxsize=16384)
def _stripped(char: str, run: str) -> str:
    # Remove the readings at the head of the run; from the first bracket that is not a reading
    # of the character on, the text is a genuine parenthetical and stays.
    for one in _ONE.finditer(run):
        if not is_reading(char, one.group(1)):
            return run[one.start() :]
    return ""


def strip_inline_pinyin(text: str) -> str:
    """Remove `(zhǎng)` / `（zhang3）` / `(zhang)` right after a Han character it is a reading of."""
    if "(" not in text and "（" not in text:
        return text
    return _RUN.sub(_strip_run, text)
