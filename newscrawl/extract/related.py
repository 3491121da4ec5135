"""Related-article links: the 相关新闻 / 相关阅读 / 延伸阅读 blocks of an article page."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urljoin

import lxml.etree as etree

from newscrawl.extract.dom import collapse
from newscrawl.items import RelatedLink

if TYPE_CHECKING:
    from collections.abc import Iterator

    from lxml.html import HtmlElement

HEADER = re.compile(
    r"^\s*[【\[〔<《]?\s*(?:相关新闻|相關新聞|相关阅读|相關閱讀|延伸阅读|延伸閱讀|相关链接|相關鏈接|相关报道|相關報道|相關報導"
    r"|推荐阅读|推薦閱讀|相关文章|相關文章|相关稿件|相關稿件|更多阅读|更多閱讀|相关专题|相關專題|相关推荐|相關推薦"
    r"|相关资讯|相關資訊|关联阅读|關聯閱讀)\s*[】\]〕>》]?\s*[:：]?\s*$"
)
WORDS = ("相关", "相關", "延伸阅读", "延伸閱讀", "推荐阅读", "推薦閱讀", "更多阅读", "关联阅读")
"""A header holds one of these; a page whose text holds none has no related block."""
_WORD = re.compile("|".join(map(re.escape, WORDS)))
_NOT_TITLE = re.compile(r"^(?:更多|more|>>|»|查看更多|点击查看)", re.IGNORECASE)
_MIN_TITLE = 4
_MAX_LINKS = 30
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def _after(nodes: list[HtmlElement], start: HtmlElement) -> list[HtmlElement]:
    """The elements of `nodes` (document order) that come after `start`."""
    out = []
    seen = False
    for node in nodes:
        if node is start:
            seen = True
            continue
        if seen:
            out.append(node)
    return out


def anchors_in(
    container: HtmlElement, base_url: str, after: HtmlElement | None = None
) -> list[tuple[RelatedLink, HtmlElement]]:
    """Article links inside `container` (after `after`, up to the next heading), each URL once, with
    the `<a>` element of each."""
    out: list[tuple[RelatedLink, HtmlElement]] = []
    seen: set[str] = set()
    nodes = list(container.iter())
    if after is not None:
        nodes = _after(nodes, after)
    for node in nodes:
        if not isinstance(node.tag, str):
            continue
        if node.tag in _HEADINGS and out and not node.xpath(".//a"):
            break
        if node.tag != "a":
            continue
        href = (node.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        title = collapse(node.get("title") if not collapse(node.text_content()) else node.text_content())
        if len(title) < _MIN_TITLE or _NOT_TITLE.match(title):
            continue
        url = urljoin(base_url, href) if base_url else href
        if url in seen:
            continue
        seen.add(url)
        out.append((RelatedLink(title=title, url=url), node))
        if len(out) >= _MAX_LINKS:
            break
    return out


def _headers(root: HtmlElement) -> Iterator[tuple[HtmlElement, bool]]:
    """Each text node reading as a related-links header, in document order: (the element whose
    text or tail it is, whether it is the tail). One walk over the tree."""
    has_word = _WORD.search
    for event, el in etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            if el.tag.__class__ is not str:
                continue
            text = el.text
        else:
            text = el.tail
        # The words first: HEADER backtracks over long runs of whitespace.
        if text and has_word(text) and HEADER.match(text):
            yield el, event == "end"


def find_related(
    root: HtmlElement, base_url: str
) -> tuple[list[tuple[RelatedLink, HtmlElement]], HtmlElement | None, HtmlElement | None]:
    """The first related-links block of the page: its links (with their `<a>`), the element
    holding them and the element holding the 相关新闻 heading."""
    for owner, is_tail in _headers(root):
        # A tail text belongs to the element it follows: the heading is then that text itself,
        # and the links come after the element.
        start = owner
        container = owner.getparent() if is_tail else owner
        for _ in range(4):
            if container is None:
                break
            links = anchors_in(container, base_url, after=start)
            if links:
                return links, container, owner
            start = container
            container = container.getparent()
    return [], None, None


__all__ = ["HEADER", "WORDS", "anchors_in", "find_related"]
