"""The cleaning room: text normalisation, inline pinyin, script conversion, boilerplate lines.

No HTML parsing here: input is text (or an Article whose fields are text).

Public API (keep these names and signatures):

    normalize_text(text) -> str          zero-width chars, \\u3000, &nbsp;, full-width ASCII, whitespace runs
    strip_inline_pinyin(text) -> str     `長(zhǎng)沙` -> `長沙`, genuine parentheticals kept
    detect_script(text) -> "Hans" | "Hant"
    to_simplified(text) -> str           phrase-level OpenCC conversion
    clean_article(article) -> Article    all of the above applied to an article, boilerplate lines to fields

Also public, for the extraction room and tools:

    repair_misaligned_gbk(text, context="") -> str   spans garbled by a one-byte-shifted GBK decode
    clean_line(text) -> str              a one-line field normalised and pinyin-free
    split_names(value) -> list[str]      `本报记者 张三、李四` -> [张三, 李四]

Modules: `normalize` (characters, whitespace), `pinyin` (inline readings), `script` (OpenCC),
`repair` (garbled GBK spans), `boilerplate` (line classification), `article` (`clean_article`).
"""

from __future__ import annotations

from newscrawl.clean.article import clean_article, clean_body, clean_line
from newscrawl.clean.boilerplate import split_names
from newscrawl.clean.normalize import normalize_text
from newscrawl.clean.pinyin import strip_inline_pinyin
from newscrawl.clean.repair import repair_misaligned_gbk
from newscrawl.clean.script import detect_script, to_simplified

__all__ = [
    "clean_article",
    "clean_body",
    "clean_line",
    "detect_script",
    "normalize_text",
    "repair_misaligned_gbk",
    "split_names",
    "strip_inline_pinyin",
    "to_simplified",
]
