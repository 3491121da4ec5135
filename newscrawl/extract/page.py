"""The page being extracted, as every step sees it, and the small helpers they share."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from newscrawl.extract.content import Block
from newscrawl.extract.dates import (
    CST,
    first_date,
)
from newscrawl.extract.model import SiteHints
from newscrawl.extract.structured import Structured
from newscrawl.items import Image, RelatedLink

if TYPE_CHECKING:
    from lxml.html import HtmlElement

INFO_BAR_BLOCKS = 12

MAX_INFO_LINE = 200

_META_HINT = re.compile(
    r"来源|來源|作者|发布|發布|發佈|时间|時間|日期|浏览|瀏覽|点击|點擊|阅读|閱讀|编辑|編輯|责编|責編|字号|字號|分享|打印|评论|評論"
)

PROSE_END = re.compile(r"[。！？][”」』]?$|[。！？].{6,}")


@dataclass
class Page:
    """A parsed page and what every step below needs from it."""

    url: str
    base_url: str
    root: HtmlElement
    body: HtmlElement
    structured: Structured
    blocks: list[Block]
    fetched_at: datetime
    hints: SiteHints
    provenance: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    title: str = ""
    title_block: int | None = None
    related: list[RelatedLink] = field(default_factory=list)
    excluded: set[Any] = field(default_factory=set)
    container: HtmlElement | None = None
    inside: list[Block] = field(default_factory=list)
    """Blocks of the article container, in order."""
    paragraphs: list[Block] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    info_bar: list[Block] = field(default_factory=list)
    after_body: list[Block] = field(default_factory=list)
    post_split: bool = False
    """Whether the region was cut to the first of several posts (see `first_post`)."""
    whole_container: bool = True
    """Whether the article is all of `container` (else a run of its children)."""

    @property
    def text(self) -> str:
        """The text of every block, one per line."""
        if self._text is None:
            self._text = "\n".join(b.text for b in self.blocks)
        return self._text

    _text: str | None = None


def text_key(text: str) -> str:
    """The text with all whitespace removed, for comparing lines."""
    return "".join(text.split())


def now() -> datetime:
    return datetime.now(CST)


def aware(value: datetime | None) -> datetime:
    if value is None:
        return now()
    return value if value.tzinfo is not None else value.replace(tzinfo=CST)


def is_meta_line(block: Block, fetched_at: datetime) -> bool:
    """An info-bar line: a date or credit labels, no prose."""
    if block.chars > MAX_INFO_LINE or PROSE_END.search(block.text):
        return False
    if _META_HINT.search(block.text) and (block.punct <= 3 or block.chars < 60):
        return True
    return first_date(block.text, fetched_at) is not None and block.chars < 60


def body_start(page: Page) -> int:
    return page.inside[0].index if page.inside else 0
