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

from newscrawl.extract.dom import collapse

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


def heading_candidates(root: HtmlElement) -> list[HtmlElement]:
    """`<h1>`-`<h3>` and title-classed elements, in document order."""
    found = root.xpath(
        "//h1|//h2|//h3|//*[contains(@class,'title') or contains(@class,'Title') or contains(@id,'title')"
        " or contains(@class,'headline') or contains(@class,'biaoti') or contains(@class,'tit')]"
    )
    out = []
    for el in found:
        if el.tag in ("h1", "h2", "h3") or _TITLE_CLASS.search(
            (el.get("class") or "") + " " + (el.get("id") or "")
        ):
            out.append(el)
    return out


def _key(text: str) -> str:
    return re.sub(r"[\s\u3000]+", "", text)


def title_from_headings(
    root: HtmlElement, title_tag: str, candidates: list[str]
) -> tuple[str, HtmlElement] | None:
    """The heading the `<title>` (or another candidate) starts with — the longest such."""
    keys = [_key(t) for t in (title_tag, *candidates) if t]
    best: tuple[str, HtmlElement] | None = None
    for el in heading_candidates(root):
        text = collapse(el.text_content())
        if not (_MIN_TITLE <= len(text) <= _MAX_HEADING):
            continue
        key = _key(text)
        if any(k.startswith(key) or (len(key) > 8 and key in k) for k in keys) and (
            best is None or len(text) > len(best[0])
        ):
            best = (text, el)
    return best


def first_h1(root: HtmlElement) -> tuple[str, HtmlElement] | None:
    for el in root.xpath("//h1"):
        text = collapse(el.text_content())
        if _MIN_TITLE <= len(text) <= _MAX_HEADING:
            return text, el
    return None


__all__ = ["first_h1", "heading_candidates", "strip_site_suffix", "title_from_headings"]
