"""Character classes shared by the cleaning modules (regex fragments, not compiled patterns)."""

from __future__ import annotations

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
"""Han ideographs: CJK Unified (BMP, Extension A, Extensions B-G) and compatibility ideographs."""

PINYIN_LETTERS = "a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüêńňǹḿ"
"""Letters a pinyin syllable is written with: ASCII (v and u: for ü), tone-marked vowels, ü, ê, ń ň ǹ ḿ."""

SYLLABLE = rf"[{PINYIN_LETTERS}]{{1,6}}(?::)?[0-5]?"
"""One syllable: `zhǎng`, `zhang3`, `zhang`, `lü4`, `lv4`, `lu:4` (at most six letters: `zhuang`)."""
