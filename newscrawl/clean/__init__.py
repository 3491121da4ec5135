"""The cleaning room: text normalisation, inline pinyin, script conversion, boilerplate lines.

No HTML parsing here: input is text (or an Article whose fields are text).

Public API (keep these names and signatures):

    normalize_text(text) -> str          zero-width chars, \\u3000, &nbsp;, full-width ASCII, whitespace runs
    strip_inline_pinyin(text) -> str     `長(zhǎng)沙` -> `長沙`, genuine parentheticals kept
    detect_script(text) -> "Hans" | "Hant"
    to_simplified(text) -> str           phrase-level OpenCC conversion
    clean_article(article) -> Article    all of the above applied to an article, boilerplate lines to fields
"""

from __future__ import annotations

from newscrawl.items import Article


def normalize_text(text: str) -> str:
    raise NotImplementedError


def strip_inline_pinyin(text: str) -> str:
    raise NotImplementedError


def detect_script(text: str) -> str:
    raise NotImplementedError


def to_simplified(text: str) -> str:
    raise NotImplementedError


def clean_article(article: Article) -> Article:
    raise NotImplementedError
