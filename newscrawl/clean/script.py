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
_SAMPLE_CHARS = 1500
"""Han characters looked at by `detect_script`: enough for a stable ratio, cheap on long pages."""


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
    return sum(map(str.__ne__, sample, converted))


def detect_script(text: str) -> Script:
    """`Hant` when the text holds more Traditional-only than Simplified-only characters, else `Hans`.

    A character counts as Traditional-only when `t2s` changes it and Simplified-only when `s2t` does;
    characters common to both scripts (most of them) count for neither. Text without Han is `Hans`.
    """
    sample = _NOT_HAN.sub("", text[: _SAMPLE_CHARS * 4])[:_SAMPLE_CHARS]
    if not sample:
        return "Hans"
    traditional = _changed(sample, _converter("t2s").convert(sample))
    simplified = _changed(sample, _converter("s2t").convert(sample))
    return "Hant" if traditional > simplified else "Hans"
