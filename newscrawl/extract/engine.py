"""The HTML path: one page in, the Article fields out, each with the layer that gave it.

Order of work: decode → parse → read structured data (before scripts go) → strip junk → cut the
page into blocks → title → related block → article container → body and images → dates → byline.
For every field the first layer with a valid answer wins: site hints, then structured data, then
the main-content detector, then Chinese text patterns.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from operator import attrgetter
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from newscrawl.extract.body import assemble_body, choose_container, find_related_block, trailing_related
from newscrawl.extract.content import (
    is_link_title,
    looks_like_listing,
    segment,
    sentence_count,
)
from newscrawl.extract.credits import find_credits
from newscrawl.extract.decode import Decoded, decode_html
from newscrawl.extract.dom import collapse, parse, select_first, strip_junk, text_of
from newscrawl.extract.model import Extraction, SiteHints
from newscrawl.extract.page import (
    INFO_BAR_BLOCKS,
    Page,
    aware,
    text_key,
)
from newscrawl.extract.pubdate import find_date
from newscrawl.extract.structured import read_structured
from newscrawl.extract.title import first_h1, headline_block, strip_site_suffix
from newscrawl.items import Article

if TYPE_CHECKING:
    from collections.abc import Mapping

    from lxml.html import HtmlElement

logger = logging.getLogger(__name__)

MIN_BODY_CHARS = 40
"""Less body text than this is not an article."""

_SHORT_BODY = 200

_MANY_LINKS = 15

_CHANNEL_NAME = 8
"""A heading this short names a channel (`法院动态`, `信息披露`) more often than an article."""

_ERROR_PAGE = re.compile(
    # A status code only as a code (`404`, `404 - Not Found`, `404页面`), not `500名群众` or a
    # `400-930-6677` hotline.
    r"(?<!\d)(?:40[034]|50[0-4])(?=\s*$|\s*[:：|]|\s+[-–]\s|\s*(?:not|forbidden|error|internal|server|bad|service|页面|頁面|错误|錯誤))|not found|页面不存在|頁面不存在|页面没有找到|找不到(?:该|此|您要的)?页面|页面已删除|頁面已刪除|已被删除|错误页|錯誤頁|出错了|出錯了"
    r"|访问的页面|訪問的頁面|无法访问|無法訪問|文章不存在|内容不存在|信息不存在|稿件不存在|已下线|已下線",
    re.IGNORECASE,
)

_MAX_ERROR_BODY = 300

# Sums over every block of the page (hundreds) with the attribute read in C, not in a generator.
_CHARS = attrgetter("chars")
_LINK_CHARS = attrgetter("link_chars")

_REFRESH_URL = re.compile(r"url\s*=\s*['\"]?([^'\";\s]+)", re.IGNORECASE)


_BINARY_CHAR = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffd]")
"""A control character other than \\t \\n \\f \\r, or U+FFFD (an undecodable byte)."""


def _looks_binary(text: str) -> bool:
    sample = text[:2000]
    if not sample:
        return False
    return len(_BINARY_CHAR.findall(sample)) > len(sample) * 0.1


_REFSH = str.maketrans("REFSH", "refsh")
"""What XPath's translate(@http-equiv, 'REFSH', 'refsh') folds: those five capitals only."""


def _meta_refresh(root: HtmlElement) -> str | None:
    # The `<meta>` of `//meta[translate(@http-equiv,'REFSH','refsh')='refresh']/@content`, tested
    # one by one: lxml finds the tag in C without the node set of the whole page `//` builds.
    for meta in root.iter("meta"):
        content, equiv = meta.get("content"), meta.get("http-equiv")
        if content is None or equiv is None or equiv.translate(_REFSH) != "refresh":
            continue
        m = _REFRESH_URL.search(content)
        if m:
            return m.group(1)
    return None


def _site_names(page: Page) -> list[str]:
    names = [v.value for v in page.structured.all("site_name")]
    names += [v.value for v in page.structured.all("publisher")]
    return [n for n in names if n]


def find_title(page: Page) -> None:
    """Hints, else the page's headline block (see `headline_block`), else the structured title or
    the `<title>` with its site suffix cut, else the first `<h1>`."""
    structured, hints = page.structured, page.hints
    site_names = _site_names(page)
    el = select_first(page.root, hints.title_css)
    if el is not None and text_of(el):
        page.title = text_of(el)
        page.provenance["title"] = "hints"
        members = set(el.iter())
        page.title_block = next((b.index for b in page.blocks if b.owner in members), None)
        return
    titles = [structured.title_tag, *(v.value for v in structured.all("title"))]
    block = headline_block(page.blocks, titles)
    if block is not None:
        page.title, page.title_block = block.text, block.index
        page.provenance["title"] = "heading"
    else:
        for value in structured.all("title"):
            stripped = strip_site_suffix(value.value, site_names, hints.title_suffixes)
            if len(stripped) >= 4:
                page.title = stripped
                page.provenance["title"] = value.layer
                break
        if not page.title and structured.title_tag:
            page.title = strip_site_suffix(structured.title_tag, site_names, hints.title_suffixes)
            page.provenance["title"] = "title-tag"
        if not page.title:
            h1 = first_h1(page.root)
            if h1 is not None:
                page.title = h1[0]
                page.provenance["title"] = "heading"
        if page.title:
            key = text_key(page.title)
            page.title_block = next(
                (
                    b.index
                    for b in page.blocks
                    if b.image is None and b.chars <= len(key) + 20 and key in text_key(b.text)
                ),
                None,
            )
    page.title = strip_site_suffix(page.title, site_names, hints.title_suffixes)


def _canonical(page: Page) -> str:
    value = page.structured.canonical_url
    if not value:
        return page.url
    absolute = urljoin(page.base_url or page.url, value)
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or parts.path in ("", "/"):
        # A canonical link to the home page is a template default, not this article's URL.
        return page.url or absolute
    return absolute


def extract(
    body: bytes | str,
    url: str = "",
    headers: Mapping[str, Any] | None = None,
    *,
    hints: SiteHints | None = None,
    fetched_at: datetime | None = None,
) -> Extraction:
    """Extract the article of one HTML page.

    `body` is the page as fetched (bytes: the charset is found and verified) or already decoded;
    `url` resolves relative links; `headers` may hold the HTTP Content-Type; `hints` are a spider's
    selectors; `fetched_at` is when the page was fetched. A page without an article — a listing,
    an error page, binary junk, an undecodable or empty response — gives
    `Extraction(article=None, reason=…)`."""
    fetched = aware(fetched_at)
    hints = hints or SiteHints()
    if not body.strip():
        return Extraction(None, "empty page")
    decoded = decode_html(body, headers) if isinstance(body, bytes) else Decoded(body, "utf-8")
    encoding = decoded.encoding if isinstance(body, bytes) else None  # nothing was decoded
    warnings = list(decoded.warnings)
    if _looks_binary(decoded.text):
        return Extraction(
            None, "not html: binary or undecodable content", encoding=encoding, warnings=warnings
        )
    root = parse(decoded.text, decoded.utf8)
    if root is None:
        return Extraction(None, "not html: no markup to parse", encoding=encoding, warnings=warnings)
    structured = read_structured(root)
    refresh = _meta_refresh(root)
    strip_junk(root)
    body_el = root.find("body")
    if body_el is None:
        body_el = root
    base_url = urljoin(url, structured.base_url) if structured.base_url else url
    page = Page(
        url=url,
        base_url=base_url,
        root=root,
        body=body_el,
        structured=structured,
        blocks=segment(body_el),
        fetched_at=fetched,
        hints=hints,
        warnings=warnings,
    )
    total_chars = sum(map(_CHARS, page.blocks))
    if refresh and total_chars < 200:
        return _no_article(page, f"redirect page (meta refresh to {refresh})", encoding)
    find_title(page)
    find_related_block(page)
    choose_container(page)
    assemble_body(page)
    if not page.related:
        trailing_related(page)

    body_text = "\n".join(b.text for b in page.paragraphs)
    body_chars = sum(b.chars for b in page.paragraphs)
    if (
        body_chars < MIN_BODY_CHARS
        and structured.jsonld_body
        and len(structured.jsonld_body) >= MIN_BODY_CHARS
    ):
        body_text = "\n".join(
            line for line in (collapse(x) for x in structured.jsonld_body.splitlines()) if line
        )
        body_chars = len(body_text)
        page.provenance["body"] = "jsonld"
    reason = _why_no_article(page, body_text, body_chars, total_chars)
    if reason is not None:
        return _no_article(page, reason, encoding)

    article = Article(
        url=url, canonical_url=_canonical(page), encoding=encoding, fetched_at=fetched.isoformat()
    )
    article.title = page.title
    article.body = body_text
    article.images = page.images
    article.related = page.related
    if page.images:
        page.provenance["images"] = page.provenance["body"]
    find_date(page, article)
    find_credits(page, article)
    if page.warnings:
        logger.info("%s: %s", url or "page", "; ".join(page.warnings))
    return Extraction(article, provenance=page.provenance, encoding=encoding, warnings=page.warnings)


def _why_no_article(page: Page, body_text: str, body_chars: int, total_chars: int) -> str | None:
    """Why the page holds no article (an error page, a listing, too little text), or None."""
    if body_chars < _MAX_ERROR_BODY:
        signs = [page.structured.title_tag, page.title, *(b.text for b in page.blocks[:12] if b.chars < 40)]
        sign = next((s for s in signs if s and len(s) < 60 and _ERROR_PAGE.search(s)), None)
        if sign:
            return f"error page: {sign}"
    if body_chars < MIN_BODY_CHARS or (sentence_count(body_text) == 0 and body_chars < _SHORT_BODY):
        return _why_no_text(page)
    if page.provenance["body"] != "density" or page.structured.is_article:
        return None  # the spider's selector or the page itself says this is the article
    # A page with a headline of its own just above the text is an article, however short and
    # however many links surround it; a channel name (`信息披露`) is no headline.
    start = page.inside[0].index if page.inside else 0
    headed = (
        page.provenance.get("title") == "heading"
        and page.title_block is not None
        and start - INFO_BAR_BLOCKS <= page.title_block <= start + 1
        and len(page.title) > _CHANNEL_NAME
    )
    many_links = _link_titles(page)
    link_share = sum(map(_LINK_CHARS, page.blocks)) / total_chars if total_chars else 0.0
    if looks_like_listing(page.inside) or (
        not headed
        and (
            (body_chars < _SHORT_BODY and many_links >= _MANY_LINKS)
            or (link_share > 0.6 and body_chars < 2 * _SHORT_BODY and many_links > 10)
        )
    ):
        return f"listing page ({many_links} headline links)"
    if len(page.title) <= _CHANNEL_NAME and body_chars < _SHORT_BODY // 2 and len(page.paragraphs) == 1:
        # One short line under a channel name: a notice or a footer, not an article.
        return _why_no_text(page)
    return None


def _why_no_text(page: Page) -> str:
    many_links = _link_titles(page)
    if many_links >= _MANY_LINKS or looks_like_listing(page.blocks):
        return f"listing page ({many_links} headline links)"
    return "no body text"


def _link_titles(page: Page) -> int:
    return sum(map(is_link_title, page.blocks))


def _no_article(page: Page, reason: str, encoding: str | None) -> Extraction:
    return Extraction(None, reason, provenance=page.provenance, encoding=encoding, warnings=page.warnings)


__all__ = ["extract"]
