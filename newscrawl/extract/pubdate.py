"""The publication date of a page: which of the dates it shows is the one (the page-level choice;
`dates` reads the forms)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING

from newscrawl.extract.content import (
    Block,
    is_prose,
)
from newscrawl.extract.dates import (
    FoundDate,
    date_from_url,
    find_dates,
    first_date,
    parse_structured,
    same_day,
)
from newscrawl.extract.dom import select_first, text_of
from newscrawl.extract.page import (
    INFO_BAR_BLOCKS,
    MAX_INFO_LINE,
    PROSE_END,
    Page,
    body_start,
    is_meta_line,
)
from newscrawl.items import Article

if TYPE_CHECKING:
    pass

_DATE_LABEL = re.compile(
    r"(?:发布时间|發布時間|發佈時間|发布日期|發布日期|发表时间|發表時間|发表于|發表於|发布于|發布於|出版日期|刊发时间|"
    r"时间|時間|日期|发布|發布|Posted|Published)\s*[:：]?\s*",
    re.IGNORECASE,
)


def _structured_date(page: Page) -> tuple[FoundDate, str] | None:
    for value in page.structured.all("published"):
        found = parse_structured(value.value, page.fetched_at)
        if found is not None:
            return found, value.layer
    return None


def _labelled_date(blocks: list[Block], fetched_at: datetime) -> FoundDate | None:
    for block in blocks:
        if block.chars > MAX_INFO_LINE * 2:
            continue
        for m in _DATE_LABEL.finditer(block.text):
            found = first_date(block.text[m.end() : m.end() + 40], fetched_at)
            if found is not None and found.start <= 2:
                return found
    return None


def _visible_date(page: Page) -> FoundDate | None:
    """The date shown with the headline: in the info bar, else in a short line just above the
    headline (forums and blogs put it there)."""
    fetched = page.fetched_at
    for block in page.info_bar:
        found = first_date(block.text, fetched)
        if found is not None:
            return found
    if page.title_block is not None:
        for block in reversed(page.blocks[max(0, page.title_block - 3) : page.title_block]):
            if (block.chars <= MAX_INFO_LINE and not is_prose(block)) or is_meta_line(block, fetched):
                found = first_date(block.text, fetched, relative=False)
                if found is not None:
                    return found
    return None


def _dated_line(blocks: list[Block], fetched_at: datetime) -> FoundDate | None:
    """A full date in a short line that is not prose: `2003-7-24 钱江晚报`, `2005年08月16日 来源：…`."""
    for block in blocks:
        if block.image is not None or block.chars > 60 or PROSE_END.search(block.text):
            continue
        for found in find_dates(block.text, fetched_at, relative=False):
            return found
    return None


def find_date(page: Page, article: Article) -> None:
    """Hints, then structured data (raw text from the page when it shows the same day), then the
    date shown with the headline, a labelled date (发布时间：…) around the article, a dated short line
    at the head of the body, the URL, and last a dated line with a time just above the body."""
    fetched = page.fetched_at
    prov = page.provenance
    el = select_first(page.root, page.hints.date_css)
    if el is not None:
        found = first_date(text_of(el), fetched)
        if found is not None:
            article.published_at, article.published_at_raw = found.iso, found.raw
            prov["published_at"] = "hints"
            return
    visible = _visible_date(page)
    structured = _structured_date(page)
    if structured is not None:
        found, layer = structured
        if visible is not None and same_day(visible.value, found.value):
            best = found if found.has_time or not visible.has_time else visible
            article.published_at, article.published_at_raw = best.iso, visible.raw
        else:
            article.published_at, article.published_at_raw = found.iso, found.raw
        prov["published_at"] = layer
        return
    start = body_start(page)
    head = page.blocks[max(0, start - INFO_BAR_BLOCKS) : start]
    if visible is None:
        visible = _labelled_date(head + page.inside + page.after_body, fetched)
    if visible is None:
        visible = _dated_line(page.paragraphs[:6], fetched)
    if visible is not None:
        article.published_at, article.published_at_raw = visible.iso, visible.raw
        prov["published_at"] = "pattern"
        return
    from_url = date_from_url(page.url, fetched)
    if from_url is not None:
        article.published_at, article.published_at_raw = from_url.iso, None
        prov["published_at"] = "url"
        return
    for block in reversed(page.blocks[max(0, start - INFO_BAR_BLOCKS) : start + 2]):
        for found in find_dates(block.text, fetched, relative=False):
            if found.has_time:
                article.published_at, article.published_at_raw = found.iso, found.raw
                prov["published_at"] = "pattern"
                return
    _flag_rejected_date(page, article, page.info_bar + head)


def _flag_rejected_date(page: Page, article: Article, blocks: list[Block]) -> None:
    """No usable date: keep an impossible or future one shown with the headline as raw text only,
    so the page is flagged (published_at_raw without published_at) rather than dated wrongly."""
    for block in blocks:
        rejected: list[str] = []
        for _ in find_dates(block.text, page.fetched_at, relative=False, rejected=rejected):
            pass
        if rejected:
            article.published_at, article.published_at_raw = None, rejected[0]
            page.provenance["published_at_raw"] = "rejected"
            page.warnings.append(
                f"publication date {rejected[0]!r} rejected: impossible or after the fetch time"
            )
            return
