"""Traditional vs Simplified: detection and phrase-level conversion with OpenCC.

The page keeps its own script in `title`/`body`; the Simplified form (`*_simplified`) is what search
and deduplication compare, so a Traditional republication matches its Simplified original.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from newscrawl.clean.chars import HAN

if TYPE_CHECKING:
    import opencc

Script = Literal["Hans", "Hant"]

_NOT_HAN = re.compile(f"[^{HAN}]+")
_SAMPLE_CHARS = 1200
"""Characters looked at by `detect_script`: enough for a stable ratio, cheap on long pages."""


@lru_cache(maxsize=4)
def _converter(config: str) -> opencc.OpenCC:
    import opencc

    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    """Traditional -> Simplified with OpenCC's `t2s` (phrase-level: 乾隆 stays, 乾淨 -> 干净)."""
    if not text:
        return text
    return _converter("t2s").convert(text)


def _changed(sample: str, converted: str) -> int:
    # Most text is Simplified already: one string comparison instead of a count over every character.
    if sample == converted:
        return 0
    return sum(map(str.__ne__, sample, converted))


def detect_script(text: str, simplified: str | None = None) -> Script:
    """`Hant` when the text holds more Traditional-only than Simplified-only characters, else `Hans`.

    A character counts as Traditional-only when `t2s` changes it and Simplified-only when `s2t` does;
    characters common to both scripts (most of them) count for neither. Only the first
    `_SAMPLE_CHARS` characters are looked at. Text without Han is `Hans`. `simplified`, when the
    caller has it already, is `to_simplified(text)` and saves one conversion.
    """
    window = text[:_SAMPLE_CHARS]
    sample = _NOT_HAN.sub("", window)
    if not sample:
        return "Hans"
    if simplified is not None and len(simplified) == len(text):
        # t2s changes Han characters only, so the two texts line up character by character.
        traditional = _changed(window, simplified[:_SAMPLE_CHARS])
    else:
        traditional = _changed(sample, _converter("t2s").convert(sample))
    if traditional == 0:
        return "Hans"
    return "Hant" if traditional > _simplified_only(sample) else "Hans"


def _simplified_only(sample: str) -> int:
    """How many characters of `sample` `s2t` changes. s2t is several times slower than t2s, so it
    converts each distinct character once (context does not matter for counting)."""
    distinct = "".join(dict.fromkeys(sample))
    converted = _converter("s2t").convert(distinct)
    if len(converted) != len(distinct):
        return _changed(sample, _converter("s2t").convert(sample))
    changed = {a for a, b in zip(distinct, converted, strict=True) if a != b}
    return sum(sample.count(c) for c in changed)
