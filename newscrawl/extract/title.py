"""The headline, without the site name the `<title>` tag appends (`…_新湖南`, `- 红网`, `|法治日报`).

The page's own heading (`<h1>`, or an element classed as a title) is the headline when the
`<title>` tag starts with it; otherwise the `<title>` (or `og:title`) with its site-name segments
cut off the end. A segment is a site name when the page says so (`og:site_name`), the spider says so
(`title_suffixes`), or it reads like one: a domain, or a short name ending in 网 / 报 / 频道 / 新闻 …
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from newscrawl.extract.content import Block
from newscrawl.extract.dom import collapse
from newscrawl.extract.page import text_key

if TYPE_CHECKING:
    from lxml.html import HtmlElement

_SEPARATORS = re.compile(r"\s*(?:_{1,2}|\|{1,2}|｜|–|—{1,2}|-{1,2}|·|•|::|：：)\s*")
_SITE_WORDS = re.compile(
    r"(?:网|網|报|報|频道|頻道|新闻|新聞|首页|首頁|在线|在線|门户|門戶|官网|官網|客户端|客戶端|政府|法院|检察院|檢察院|"
    r"公安局|司法局|司法厅|公安厅|日报|日報|晚报|晚報|时报|時報|周刊|週刊|之声|之聲|网站|網站|平台|中心|电视台|電視台|"
    r"在线|专题|專題|栏目|欄目|正文|资讯|資訊|新浪|搜狐|腾讯|騰訊|网易|網易|凤凰|鳳凰|博客|论坛|論壇|微博)$"
)
_DOMAIN = re.compile(
    r"^(?:https?://)?(?:[\w-]+\.)+(?:com|cn|net|org|gov|edu|hk|tw|info|cc|tv)(?:\.cn)?/?$", re.I
)
_SHORT_SEGMENT = 10
_MIN_TITLE = 4
_MAX_HEADING = 120
_TITLE_CLASS = re.compile(
    r"(?:^|[\s_-])(?:title|headline|biaoti|bt|tit|art_?tit|news_?tit|article-title)(?:$|[\s_-])", re.I
)


def _is_site_segment(segment: str, site_names: Iterable[str]) -> bool:
    segment = segment.strip()
    if not segment:
        return True
    for name in site_names:
        if name and (
            segment == name or (len(name) >= 2 and segment.endswith(name) and len(segment) <= len(name) + 6)
        ):
            return True
    if _DOMAIN.match(segment):
        return True
    return len(segment) <= _SHORT_SEGMENT and bool(_SITE_WORDS.search(segment))


def strip_site_suffix(title: str, site_names: Iterable[str] = (), suffixes: Iterable[str] = ()) -> str:
    """`区法院审结一起案件_潇湘法治网` -> `区法院审结一起案件`; a headline that is all segments stays."""
    title = collapse(title)
    for suffix in suffixes:
        if suffix and title.endswith(suffix) and len(title) > len(suffix):
            title = title[: -len(suffix)].rstrip(" _-|｜—–")
    names = [collapse(n) for n in site_names if n]
    while True:
        pieces = list(_SEPARATORS.finditer(title))
        if not pieces:
            return title
        last = pieces[-1]
        head, tail = title[: last.start()], title[last.end() :]
        if len(head) < _MIN_TITLE or not _is_site_segment(tail, names):
            return title
        title = head


_HEADING_RANK = {"h1": 3, "h2": 2, "h3": 1}
_SCAN_BLOCKS = 400
_MIN_LINE = 6


def _rank(block: Block) -> int:
    """3 for an `<h1>`, 2 for `<h2>` or a title-classed element, 1 for `<h3>`, 0 otherwise."""
    node: HtmlElement | None = block.owner
    for _ in range(2):
        if node is None:
            break
        rank = _HEADING_RANK.get(node.tag, 0)
        if rank:
            return rank
        if _TITLE_CLASS.search((node.get("class") or "") + " " + (node.get("id") or "")):
            return 2
        node = node.getparent()
    return 0


def headline_block(blocks: list[Block], titles: list[str]) -> Block | None:
    """The block holding the page's headline: the one the `<title>` (or `og:title`) starts with.

    A heading (`<h1>`-`<h3>`, a title-classed element) needs only to be a prefix of a title or,
    when long, inside one; a plain line must be a proper prefix of the `<title>` and long enough
    not to be a stray word (old pages without headings; pages that repeat the `<title>` text in
    the body, suffix and all, do not count that copy). Highest rank, then longest, wins."""
    keys = [text_key(t) for t in titles if t]
    if not keys:
        return None
    first_segment = text_key(_SEPARATORS.split(titles[0])[0]) if titles[0] else ""
    shortest_line = max(_MIN_LINE, int(0.4 * len(first_segment)))
    best: Block | None = None
    best_key: tuple[int, int] = (-1, -1)
    # Keys hold no whitespace, so a key is inside one of the titles exactly when it is inside
    # them all joined by newlines: one substring search per line instead of one per title.
    joined = "\n".join(keys)
    for block in blocks[:_SCAN_BLOCKS]:
        if block.image is not None or not (_MIN_TITLE <= block.chars <= _MAX_HEADING):
            continue
        # A block's text is collapsed: single spaces are its only whitespace.
        key = block.text.replace(" ", "")
        # Every test below needs the line inside a title (or to be its first segment): checked
        # first, it spares the DOM walk of `_rank` for the hundreds of lines that are not.
        if key != first_segment and key not in joined:
            continue
        rank = _rank(block)
        if rank:
            if not any(k.startswith(key) or (len(key) > 8 and key in k) for k in keys):
                continue
        else:
            if block.chars < shortest_line or block.link_density > 0.5:
                continue
            if not (any(k.startswith(key) and len(k) > len(key) for k in keys) or key == first_segment):
                continue
        if (rank, block.chars) > best_key:
            best, best_key = block, (rank, block.chars)
    return best


def first_h1(root: HtmlElement) -> tuple[str, HtmlElement] | None:
    for el in root.iter("h1"):
        text = collapse(el.text_content())
        if _MIN_TITLE <= len(text) <= _MAX_HEADING:
            return text, el
    return None


__all__ = ["first_h1", "headline_block", "strip_site_suffix"]
