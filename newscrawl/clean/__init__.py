"""The cleaning room: text normalisation, inline pinyin, script conversion, boilerplate lines.

No HTML parsing here: input is text (or an Article whose fields are text).

Public API (keep these names and signatures):

    normalize_text(text) -> str          zero-width chars, \\u3000, &nbsp;, full-width ASCII, whitespace runs
    strip_inline_pinyin(text) -> str     `長(zhǎng)沙` -> `長沙`, genuine parentheticals kept
    detect_script(text) -> "Hans" | "Hant"
    to_simplified(text) -> str           phrase-level OpenCC conversion
    clean_article(article) -> Article    all of the above applied to an article, boilerplate lines to fields

This first version is deliberately simple; the text-cleaning issue replaces it.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from functools import lru_cache

from newscrawl.items import Article

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_PINYIN = re.compile(r"(?<=[\u4e00-\u9fff])[(（]([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹ]{1,6}[1-5]?)[)）]")


def normalize_text(text: str) -> str:
    text = text.translate(_ZERO_WIDTH).replace("&nbsp;", " ")
    # Full-width ASCII letters and digits to half-width; CJK punctuation is left alone.
    text = "".join(
        unicodedata.normalize("NFKC", ch) if "\uff10" <= ch <= "\uff5a" and ch.isalnum() else ch
        for ch in text
    )
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def strip_inline_pinyin(text: str) -> str:
    return _PINYIN.sub("", text)


@lru_cache(maxsize=1)
def _converter():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _converter().convert(text)


def detect_script(text: str) -> str:
    han = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
    if not han:
        return "Hans"
    sample = "".join(han[:2000])
    changed = sum(a != b for a, b in zip(sample, to_simplified(sample), strict=False))
    return "Hant" if changed / len(sample) > 0.02 else "Hans"


def clean_article(article: Article) -> Article:
    title = normalize_text(strip_inline_pinyin(article.title))
    body = normalize_text(strip_inline_pinyin(article.body))
    script = detect_script(title + body)
    return dataclasses.replace(
        article,
        title=title,
        body=body,
        script=script,
        title_simplified=to_simplified(title),
        body_simplified=to_simplified(body),
    )
