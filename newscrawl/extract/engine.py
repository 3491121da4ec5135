"""The HTML path: one page in, the Article fields out, each with the layer that gave it.

Order of work: decode → parse → read structured data (before scripts go) → strip junk → cut the
page into blocks → title → related block → article container → body and images → dates → credits.
For every field the first layer with a valid answer wins: site hints, then structured data, then
the main-content detector, then Chinese text patterns.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from newscrawl.extract import byline as credits
from newscrawl.extract import images as pictures
from newscrawl.extract.content import (
    Block,
    Region,
    best_region,
    is_link_title,
    is_notice,
    is_prose,
    looks_like_listing,
    segment,
    sentence_count,
)
from newscrawl.extract.dates import (
    CST,
    FoundDate,
    date_from_url,
    find_dates,
    first_date,
    parse_structured,
    same_day,
)
from newscrawl.extract.decode import Decoded, decode_html
from newscrawl.extract.dom import collapse, parse, select_first, strip_junk, text_of
from newscrawl.extract.model import Extraction, SiteHints
from newscrawl.extract.related import WORDS as RELATED_WORDS
from newscrawl.extract.related import anchors_in, find_related
from newscrawl.extract.structured import Structured, read_structured
from newscrawl.extract.title import first_h1, headline_block, strip_site_suffix
from newscrawl.items import Article, Image, RelatedLink

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
_INFO_BAR_BLOCKS = 12
_AFTER_BODY_BLOCKS = 25
"""Blocks after the article container still searched for 责任编辑 / 来源 lines."""
_MAX_INFO_LINE = 200
_META_HINT = re.compile(
    r"来源|來源|作者|发布|發布|發佈|时间|時間|日期|浏览|瀏覽|点击|點擊|阅读|閱讀|编辑|編輯|责编|責編|字号|字號|分享|打印|评论|評論"
)
_PROSE_END = re.compile(r"[。！？][”」』]?$|[。！？].{6,}")
_ERROR_PAGE = re.compile(
    r"404|403|500|not found|页面不存在|頁面不存在|页面没有找到|找不到(?:该|此|您要的)?页面|页面已删除|頁面已刪除|已被删除|错误页|錯誤頁|出错了|出錯了"
    r"|访问的页面|訪問的頁面|无法访问|無法訪問|文章不存在|内容不存在|信息不存在|稿件不存在|已下线|已下線",
    re.IGNORECASE,
)
_MAX_ERROR_BODY = 300
_CRUMB_STEP = re.compile(r"[>»＞→]+")
_CRUMB = re.compile(r"当前位置|當前位置|您的位置|你的位置|所在位置|位置：|首页\s*[>»/]|首頁\s*[>»/]|>>|»|＞")
_DATE_LABEL = re.compile(
    r"(?:发布时间|發布時間|發佈時間|发布日期|發布日期|发表时间|發表時間|发表于|發表於|发布于|發布於|出版日期|刊发时间|"
    r"时间|時間|日期|发布|發布|Posted|Published)\s*[:：]?\s*",
    re.IGNORECASE,
)
_FORUM_AUTHOR = re.compile(
    r"(?P<before>[^\s:：]{2,20})\s*(?:发表于|發表於)\s*(?:19|20)\d\d|(?:19|20)\d\d[-/]\d{1,2}[-/]\d{1,2}\s+\d{1,2}:\d{2}(?::\d{2})?\s+by\s+(?P<after>[^\s]{2,20})"
)
_LATIN_AUTHOR = re.compile(r"^[A-Z][a-z]+(?:[ .'-][A-Z][a-z]+){1,3}$")
_ORG_WORDS = re.compile(
    r"Publish|Press|Media|News|Group|Network|Inc\b|Ltd|Limited|Corp|Company|Agency|Team|Staff|Editor|Admin|Online|Daily|Times|Post"
)
_HAN_TOKEN = re.compile("[\u4e00-\u9fff]")
_REFRESH_URL = re.compile(r"url\s*=\s*['\"]?([^'\";\s]+)", re.IGNORECASE)
_SITE_NAME_LIKE = re.compile(r"(?:网|網|报|報|社|台|频道|頻道|新闻|新聞|日报|日報|客户端|客戶端|\.com|\.cn)$")


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


def _now() -> datetime:
    return datetime.now(CST)


def _aware(value: datetime | None) -> datetime:
    if value is None:
        return _now()
    return value if value.tzinfo is not None else value.replace(tzinfo=CST)


def _looks_binary(text: str) -> bool:
    sample = text[:2000]
    if not sample:
        return False
    bad = sum(1 for ch in sample if (ch < " " and ch not in "\t\n\r\f") or ch == "\ufffd")
    return bad > len(sample) * 0.1


def _meta_refresh(root: HtmlElement) -> str | None:
    for content in root.xpath("//meta[translate(@http-equiv,'REFSH','refsh')='refresh']/@content"):
        m = _REFRESH_URL.search(content)
        if m:
            return m.group(1)
    return None


def _key(text: str) -> str:
    return "".join(text.split())


# --- title ------------------------------------------------------------------------------------------


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
            key = _key(page.title)
            page.title_block = next(
                (
                    b.index
                    for b in page.blocks
                    if b.image is None and b.chars <= len(key) + 20 and key in _key(b.text)
                ),
                None,
            )
    page.title = strip_site_suffix(page.title, site_names, hints.title_suffixes)


# --- related ------------------------------------------------------------------------------------------


_MAX_RELATED_PROSE = 150
"""Prose characters a related block may hold; more means the block found is the article's parent."""


def find_related_block(page: Page) -> None:
    el = select_first(page.root, page.hints.related_css)
    heading: HtmlElement | None = None
    if el is not None:
        anchors = anchors_in(el, page.base_url)
        container: HtmlElement | None = el
        layer = "hints"
    elif any(word in page.text for word in RELATED_WORDS):
        anchors, container, heading = find_related(page.root, page.base_url)
        layer = "pattern"
    else:
        return
    page.related = [link for link, _ in anchors]
    if page.related:
        page.provenance["related"] = layer
    if container is None:
        return
    members = set(container.iter())
    prose = sum(b.chars - b.link_chars for b in page.blocks if b.owner in members and is_prose(b))
    if prose <= _MAX_RELATED_PROSE:
        page.excluded = members
    else:
        # The block holding the links also holds the article: leave out only the heading and the
        # lines that are the links.
        owners = {b.owner for b in page.blocks if b.owner in members and b.link_density > 0.5}
        page.excluded = {heading} if heading is not None else set()
        for _, anchor in anchors:
            node = anchor
            while node is not None and node is not container:
                if node in owners:
                    page.excluded.update(node.iter())
                    break
                node = node.getparent()


# --- body -------------------------------------------------------------------------------------------


def _meta_line(block: Block, fetched_at: datetime) -> bool:
    """An info-bar line: a date or credit labels, no prose."""
    if block.chars > _MAX_INFO_LINE or _PROSE_END.search(block.text):
        return False
    if _META_HINT.search(block.text) and (block.punct <= 3 or block.chars < 60):
        return True
    return first_date(block.text, fetched_at) is not None and block.chars < 60


def choose_container(page: Page) -> None:
    el = select_first(page.root, page.hints.body_css)
    if el is not None:
        page.container = el
        page.provenance["body"] = "hints"
        members = set(page.container.iter())
        page.inside = [b for b in page.blocks if b.owner in members]
    else:
        # The related block is not a candidate: its weight would only pull the region off.
        region = first_post(page, best_region(page.blocks, page.body, ignore=page.excluded, title=page.title))
        page.container = region.element
        page.inside = page.blocks[region.first : region.last + 1]
        page.provenance["body"] = "density"
        members = set(region.element.iter())
        held = [b.index for b in page.blocks if b.owner in members]
        page.whole_container = bool(held) and held[0] == region.first and held[-1] == region.last
    # The container's furniture (nav, aside, footer) and the related block are not body.
    for furniture in page.container.xpath(".//nav|.//aside|.//footer|.//menu"):
        page.excluded.update(furniture.iter())


_PREV_NEXT = re.compile(r"^\s*(?:上一篇|下一篇|上一條|下一條|上一条|下一条|上篇|下篇|前一篇|后一篇|後一篇)")
_MAX_GAP = 4
"""Blocks (editor line, share buttons, …) that may stand between the body and a related list."""


def trailing_related(page: Page) -> None:
    """A list of headline links right after the article without a 相关新闻 heading: related links.

    The list must start within a few blocks of the last paragraph (only credit, share or label
    lines between, no heading of another section), sit next to the article (not in a sidebar)
    and hold two or more one-link headline items; 上一篇/下一篇 are not related."""
    if not page.paragraphs or page.container is None:
        return
    start = page.paragraphs[-1].index + 1
    run: list[Block] = []
    gap = 0
    for block in page.blocks[start : start + 60]:
        if block.image is not None:
            continue
        if is_link_title(block) and not _PREV_NEXT.match(block.text):
            run.append(block)
            continue
        if run:
            break
        gap += 1
        if gap > _MAX_GAP or block.heading or (is_prose(block) and block.chars > 40):
            return
    if len(run) < 2 or not _beside_article(page, run):
        return
    links: list[RelatedLink] = []
    for block in run:
        anchors = block.owner.xpath(".//a[@href]") if block.owner.tag != "a" else [block.owner]
        anchor = next((a for a in anchors if collapse(a.text_content())), None)
        if anchor is None:
            continue
        href = anchor.get("href", "").strip()
        if not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        links.append(RelatedLink(title=collapse(anchor.text_content()), url=urljoin(page.base_url, href)))
    if len(links) >= 2:
        page.related = links
        page.provenance["related"] = "pattern"


def _beside_article(page: Page, run: list[Block]) -> bool:
    """Whether a link list sits with the article: inside its container, or in an element of its own
    next to it that holds nothing but the list (a sidebar column holds more)."""
    container = page.container
    assert container is not None
    parent = container.getparent()
    node: HtmlElement | None = run[0].owner
    while node is not None and node is not container and node.getparent() is not parent:
        node = node.getparent()
    if node is None:
        return False
    if node is container:
        return True
    members = set(node.iter())
    listed = {b.index for b in run}
    return all(b.index in listed or b.image is not None for b in page.blocks if b.owner in members)


_POST_MARK = re.compile(r"发表于|發表於|发帖|發帖|楼主|樓主|\d+\s*[楼樓#]|\bby\s+\S|\[打印\]|【打印】")
_MIN_POST_PROSE = 40


def _post_meta(block: Block, fetched_at: datetime) -> bool:
    """A post's header or footer line: a full date with a time, or a forum mark (发表于, 楼主, by …)."""
    if block.image is not None or block.chars > 80 or _PROSE_END.search(block.text):
        return False
    if _POST_MARK.search(block.text):
        return True
    found = first_date(block.text, fetched_at, relative=False)
    return found is not None and found.has_time and found.raw[:1].isdigit()


def first_post(page: Page, region: Region) -> Region:
    """The first post of a run of posts (a blog archive page, a forum thread): the article.

    A post is an item of two or more blocks holding prose and a post header or footer line (a date
    with a time, 发表于, 楼主, by …). With two or more such items in the region, the region ends
    with the first; items before it (the thread's title) stay."""
    posts = []
    for weight, first, last in region.items:
        chunk = page.blocks[first : last + 1]
        if weight <= 0 or len(chunk) < 2:
            continue
        prose = sum(b.chars for b in chunk if is_prose(b))
        if prose >= _MIN_POST_PROSE and any(_post_meta(b, page.fetched_at) for b in chunk):
            posts.append((weight, first, last))
    if len(posts) < 2:
        return region
    page.post_split = True
    _, _, last = posts[0]
    kept = [item for item in region.items if item[2] <= last]
    return Region(region.element, region.first, last, sum(w for w, _, _ in kept), kept)


def _tidy_post(page: Page) -> None:
    """A post's own furniture: its header/footer lines (time, 发表于, [打印]) go; the short lines
    before its text (its heading, the poster's name) go too, and a heading the page's title does
    not already hold becomes the title."""
    page.paragraphs = [b for b in page.paragraphs if not _post_meta(b, page.fetched_at)]
    title_key = _key(page.title)
    while page.paragraphs and not is_prose(page.paragraphs[0]) and page.paragraphs[0].chars <= 40:
        lead = page.paragraphs.pop(0)
        key = _key(lead.text)
        if lead.heading and key not in title_key and page.provenance.get("title") != "hints":
            page.title, page.title_block = lead.text, lead.index
            page.provenance["title"] = "heading"
            title_key = key


def assemble_body(page: Page) -> None:
    container = page.container
    assert container is not None
    title_key = _key(page.title)
    seen_prose = False
    prose_seen = 0
    pending: Image | None = None
    pending_alt: str | None = None
    seen_urls: set[str] = set()
    for block in page.inside:
        if block.owner in page.excluded:
            continue
        if block.image is not None:
            url = pictures.image_url(block.image, page.base_url)
            if url is None or url in seen_urls or not pictures.is_picture(block.image, url):
                continue
            seen_urls.add(url)
            pending = Image(url=url)
            page.images.append(pending)
            caption = pictures.figcaption_of(block.image)
            if caption:
                pending.caption, pending.credit = pictures.split_caption(caption)
                pending = None
            else:
                alt = collapse(block.image.get("alt") or block.image.get("title"))
                pending_alt = (
                    alt if len(alt) >= 4 and _key(alt) != title_key and "." not in alt[-5:] else None
                )
            continue
        if pending is not None:
            image, pending = pending, None
            if pictures.caption_kind(block.text, block.owner, container):
                image.caption, image.credit = pictures.split_caption(block.text)
                continue
            if pending_alt:
                image.caption, image.credit = pictures.split_caption(pending_alt)
        if block.owner.tag == "figcaption":
            continue
        if title_key and _key(block.text) == title_key:
            continue
        if block.link_density > 0.5 and not (block.chars >= 200 and block.punct >= 5):
            continue
        if not seen_prose:
            if block.chars < 150 and (
                (len(_CRUMB_STEP.findall(block.text)) >= 2 and "。" not in block.text)
                or (_CRUMB.search(block.text) and not is_prose(block))
            ):
                continue
            if _meta_line(block, page.fetched_at) and not (block.punct >= 3 and block.chars > 80):
                page.info_bar.append(block)
                continue
        if prose_seen >= 2 and is_notice(block.text):
            # A notice of the site about itself closes the article: what follows is furniture.
            break
        if is_prose(block):
            seen_prose = True
            prose_seen += 1
        page.paragraphs.append(block)
    if pending is not None and pending_alt:
        pending.caption, pending.credit = pictures.split_caption(pending_alt)
    if page.post_split:
        _tidy_post(page)
    # Trailing lines that are neither prose nor credits (a lone date, "分享", a tag cloud) are page
    # furniture that the container happened to hold; the cleaning room handles 责编/来源 lines.
    while page.paragraphs and _trailing_furniture(page.paragraphs[-1]):
        page.paragraphs.pop()
    last = page.inside[-1].index if page.inside else -1
    page.after_body = page.blocks[last + 1 : last + 1 + _AFTER_BODY_BLOCKS]
    # The info bar also sits between the headline and the container when the container excludes it.
    if page.title_block is not None and page.inside:
        first = page.inside[0].index
        if page.title_block < first:
            region = page.blocks[page.title_block + 1 : min(first, page.title_block + 1 + _INFO_BAR_BLOCKS)]
            page.info_bar = [b for b in region if b.image is None] + page.info_bar


_STATEMENT = re.compile(
    r"^[【\[(（]?\s*(?:平台声明|免责声明|特别声明|版权声明|声明|免責聲明|特別聲明|版權聲明|聲明)\s*[:：】\]]"
)


def _trailing_furniture(block: Block) -> bool:
    if block.image is not None or _STATEMENT.match(block.text):
        return True
    if (
        is_prose(block)
        or credits.read_labels(block.spaced).editor
        or credits.read_labels(block.spaced).source
    ):
        return False
    return block.chars < 12 and block.punct == 0 and credits.byline_at_end(block.text) is None


# --- dates ------------------------------------------------------------------------------------------


def _structured_date(page: Page) -> tuple[FoundDate, str] | None:
    for value in page.structured.all("published"):
        found = parse_structured(value.value, page.fetched_at)
        if found is not None:
            return found, value.layer
    return None


def _labelled_date(blocks: list[Block], fetched_at: datetime) -> FoundDate | None:
    for block in blocks:
        if block.chars > _MAX_INFO_LINE * 2:
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
            if (block.chars <= _MAX_INFO_LINE and not is_prose(block)) or _meta_line(block, fetched):
                found = first_date(block.text, fetched, relative=False)
                if found is not None:
                    return found
    return None


def _body_start(page: Page) -> int:
    return page.inside[0].index if page.inside else 0


def _dated_line(blocks: list[Block], fetched_at: datetime) -> FoundDate | None:
    """A full date in a short line that is not prose: `2003-7-24 钱江晚报`, `2005年08月16日 来源：…`."""
    for block in blocks:
        if block.image is not None or block.chars > 60 or _PROSE_END.search(block.text):
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
    start = _body_start(page)
    head = page.blocks[max(0, start - _INFO_BAR_BLOCKS) : start]
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
    for block in reversed(page.blocks[max(0, start - _INFO_BAR_BLOCKS) : start + 2]):
        for found in find_dates(block.text, fetched, relative=False):
            if found.has_time:
                article.published_at, article.published_at_raw = found.iso, found.raw
                prov["published_at"] = "pattern"
                return


# --- credits ------------------------------------------------------------------------------------------


def _site_words(page: Page) -> list[str]:
    """Names the page gives itself: og:site_name, publisher, and the `<title>` segments after the
    headline (`…_网易新闻`)."""
    words = [v.value for v in page.structured.all("site_name") + page.structured.all("publisher")]
    segments = re.split(r"\s*(?:[_|｜]|\s[-–—]\s)\s*", page.structured.title_tag or "")
    return [w for w in words + segments[1:] if w]


def _structured_authors(page: Page, editor: str | None) -> tuple[list[str], str] | None:
    site = _site_words(page)
    blocked = set(site) | {v.value for v in page.structured.all("source")}
    names: list[str] = []
    layer = ""
    for value in page.structured.authors:
        if _LATIN_AUTHOR.match(value.value):
            # `John Smith`, not a CMS account (`L_104485`) or a publisher (`Hans Publishers`).
            if not _ORG_WORDS.search(value.value) and value.value not in blocked:
                names.append(value.value)
                layer = layer or value.layer
            continue
        for token in re.split(r"[、，,;；/|｜]+|\s+", value.value):
            token = token.strip()
            if not token or token in blocked or token == editor or _SITE_NAME_LIKE.search(token):
                continue
            if any(token in word for word in site):
                continue  # `网易` from `…_网易新闻`: the site, not a person
            if not _HAN_TOKEN.search(token):
                continue
            if credits.is_name(token) and token not in names:
                names.append(token)
                layer = layer or value.layer
        if names:
            break
    return (names, layer) if names else None


def _apply_byline(article: Article, found: credits.Byline, *, authors: bool = True) -> None:
    if authors and not article.authors:
        article.authors = list(found.authors)
        article.trainee_authors = list(found.trainees)
    if not article.correspondents:
        article.correspondents = list(found.correspondents)
    if not article.outlet and found.outlet:
        article.outlet = found.outlet


def _name_line(page: Page) -> list[str]:
    """A line holding only names under the headline (magazine style: title, author, text).

    Lines repeating the headline and short subtitles are passed over; the search stops at prose.
    Names are checked strictly (common surname), except a lone name right under a repetition of
    the headline, where the position says enough."""
    candidates: list[Block] = []
    if page.title_block is not None:
        candidates += page.blocks[page.title_block + 1 : page.title_block + 6]
    candidates += [b for b in page.paragraphs[:4] if b not in candidates]
    title_key = _key(page.title)
    after_title = page.title_block is not None
    for block in candidates:
        if block.image is not None or block.link_density > 0.5:
            continue
        key = _key(block.text)
        if key and title_key and (key == title_key or (len(key) >= 4 and key in title_key)):
            after_title = True
            continue
        if is_prose(block) and (block.chars > 20 or "。" in block.text):
            return []
        text = block.text.strip()
        if len(text) > 20 or block.punct > 1 or "：" in text or ":" in text:
            after_title = False
            continue
        tokens = [t for t in re.split(r"[\s、，,]+", text) if t]
        names = credits.split_names(text, strict=True)
        if names and len(names) == len(tokens):
            return names
        if after_title and len(tokens) == 1 and 2 <= len(text) <= 4 and credits.is_name(text):
            return [text]
        after_title = False
    return []


def _lead_byline(paragraphs: list[Block]) -> credits.Byline | None:
    """The byline at the head of the body: a dateline opening the first paragraph, or credit lines
    of their own (`本报实习生 张三` / `本报记者 李四 王五`), merged."""
    found: credits.Byline | None = None
    for block in paragraphs[:6]:
        byline = credits.byline_at_start(block.text)
        if byline is None:
            if found is not None or (is_prose(block) and block.chars > 60):
                break
            continue
        whole = len(_key(byline.raw)) >= len(_key(block.text)) - 2
        if found is None:
            found = byline
        else:
            for name in byline.authors:
                found.add("trainee" if name in byline.trainees else "reporter", name)
            for name in byline.correspondents:
                found.add("correspondent", name)
            found.outlet = found.outlet or byline.outlet
        if not whole:
            break
    return found


def find_credits(page: Page, article: Article) -> None:
    prov = page.provenance
    # Editor and source first: an author candidate equal to the editor is the editor.
    el = select_first(page.root, page.hints.editor_css)
    if el is not None:
        labels = credits.read_labels(collapse(" ".join(el.itertext())))
        article.editor = labels.editor or next(iter(credits.split_names(text_of(el))), None)
        if article.editor:
            prov["editor"] = "hints"
    el = select_first(page.root, page.hints.source_css)
    if el is not None:
        labels = credits.read_labels(collapse(" ".join(el.itertext())))
        article.source = labels.source or text_of(el) or None
        if article.source:
            prov["source"] = "hints"
    source = page.structured.first("source")
    if not article.source and source and 2 <= len(source.value) <= 30 and "://" not in source.value:
        article.source = source.value
        prov["source"] = source.layer
    editor = page.structured.first("editor")
    if not article.editor and editor and credits.is_name(editor.value):
        article.editor = editor.value
        prov["editor"] = editor.layer

    label_authors: list[str] = []
    for region in (page.info_bar, page.inside, page.after_body):
        for block in region:
            if block.chars > _MAX_INFO_LINE or ("：" not in block.text and ":" not in block.text):
                continue
            labels = credits.read_labels(block.spaced)
            if labels.editor and not article.editor:
                article.editor = labels.editor
                prov["editor"] = "pattern"
            if labels.source and not article.source:
                article.source = labels.source
                prov["source"] = "pattern"
            if (
                labels.authors
                and not label_authors
                and region is not page.after_body
                and block.owner not in page.excluded
            ):
                label_authors = labels.authors

    el = select_first(page.root, page.hints.byline_css)
    if el is not None:
        text = collapse(" ".join(el.itertext()))
        found = credits.byline_at_start(text) or credits.parse_roles(text)[0]
        if found:
            _apply_byline(article, found)
            prov["authors"] = "hints"
        elif (labels := credits.read_labels(text)).authors:
            article.authors = labels.authors
            prov["authors"] = "hints"

    structured = _structured_authors(page, article.editor)
    if structured is not None and not article.authors:
        article.authors, layer = structured
        prov["authors"] = layer

    # The byline of the first paragraph also gives trainees, correspondents and the outlet.
    lead = _lead_byline(page.paragraphs)
    if lead is None:
        # Some pages put the credit line just above the body: in the info bar, or on lines of its
        # own that the body region starts after.
        start = _body_start(page)
        above = [b for b in page.blocks[max(0, start - 4) : start] if b.chars and b not in page.info_bar]
        for block in page.info_bar + above:
            lead = credits.byline_at_start(block.text) or _info_bar_roles(block.spaced)
            if lead:
                break
    if lead is not None:
        had_authors = bool(article.authors)
        _apply_byline(article, lead)
        if lead.authors and not had_authors:
            prov["authors"] = "pattern"
        elif lead.authors and set(lead.authors) >= set(article.authors):
            # The byline says the same people, and who of them is a trainee.
            article.authors = list(lead.authors)
            article.trainee_authors = list(lead.trainees)
    if not article.authors and label_authors:
        article.authors = [n for n in label_authors if n != article.editor]
        if article.authors:
            prov["authors"] = "pattern"
    if not article.authors:
        # The closing credit, or one the container left out just below it: `（张三）`.
        tail = page.paragraphs[-3:] + [b for b in page.after_body[:2] if b.chars <= 20]
        for block in reversed(tail):
            closing = credits.byline_at_end(block.text)
            if closing:
                _apply_byline(article, closing)
                prov["authors"] = "pattern"
                break
    if not article.authors:
        names = _name_line(page)
        if names:
            article.authors = names
            prov["authors"] = "pattern"
    if not article.authors:
        names = _forum_author(page)
        if names:
            article.authors = names
            prov["authors"] = "pattern"
    if not article.authors:
        names = _blog_owner(page.structured.title_tag)
        if names:
            article.authors = names
            prov["authors"] = "title-tag"
    if article.correspondents and "correspondents" not in prov:
        prov["correspondents"] = prov.get("authors", "pattern")
    if article.outlet:
        prov["outlet"] = "pattern"


_BRACKETED_NAME = re.compile(r"[\[【〔]\s*([^\]】〕\s]{2,4})\s*[\]】〕]")


def _info_bar_roles(text: str) -> credits.Byline | None:
    """Credits inside an info line: `来源：新华网 新华网黑龙江频道 记者 伊琳 李清芬`, or a bracketed
    name beside the date (`2004年7月16日08:19 [ 黄宇 ] 来源：[ 国际金融报 ]`)."""
    m = re.search(r"(?:^|\s)(?=[^\s]{0,10}(?:记者|記者|通讯员|通訊員))", text)
    if m is None:
        if first_date(text, _now(), relative=False) is None:
            return None
        for bracketed in _BRACKETED_NAME.finditer(text):
            name = bracketed.group(1)
            if credits.is_name(name, strict=True):
                return credits.Byline(authors=[name], raw=bracketed.group(0))
        return None
    found, _ = credits.parse_roles(text[m.end() :].lstrip(), prose=True)
    found.outlet = None
    return found or None


_BLOG_TITLE = re.compile(
    r"^(?:.*[_-]\s*)?(?P<a>[^_|｜\-\s]{2,16})的(?:博客|日志|日誌|部落格|专栏|專欄)"
    r"|_(?P<b>[^_]{2,16})_(?:新浪|网易|搜狐|和讯|博客中国)?博客"
    r"|^(?P<c>[^|｜_]{2,16}?)\s*[|｜]\s*blog\.",
    re.IGNORECASE,
)


def _blog_owner(title_tag: str) -> list[str]:
    """`张三的博客`, `标题_张三_新浪博客`, `张三 | blog.example.com`: a blog's posts are its owner's."""
    m = _BLOG_TITLE.search(title_tag or "")
    if m is None:
        return []
    name = (m.group("a") or m.group("b") or m.group("c") or "").strip()
    return [name] if credits.is_name(name) else []


def _forum_author(page: Page) -> list[str]:
    """`张三 发表于 2005-9-15 11:46` / `2005/03/15 22:36:13 by duscha`: the first post's author."""
    start = page.inside[0].index if page.inside else 0
    for block in page.blocks[max(0, start - _INFO_BAR_BLOCKS) : start] + page.inside:
        if block.chars > _MAX_INFO_LINE:
            continue
        m = _FORUM_AUTHOR.search(block.spaced)
        if m:
            name = (m.group("before") or m.group("after") or "").strip("[]【】()（）")
            if credits.is_name(name):
                return [name]
    return []


# --- the whole page ---------------------------------------------------------------------------------


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


def extract_html(
    body: bytes | str,
    url: str = "",
    headers: Mapping[str, Any] | None = None,
    *,
    hints: SiteHints | None = None,
    fetched_at: datetime | None = None,
) -> Extraction:
    fetched = _aware(fetched_at)
    hints = hints or SiteHints()
    if isinstance(body, bytes):
        if not body.strip():
            return Extraction(None, "empty page")
        decoded = decode_html(body, headers)
    else:
        decoded = Decoded(body, "utf-8") if body.strip() else Decoded("", "utf-8")
        if not body.strip():
            return Extraction(None, "empty page")
    encoding = decoded.encoding if isinstance(body, bytes) else None
    warnings = list(decoded.warnings)
    if _looks_binary(decoded.text):
        return Extraction(
            None, "not html: binary or undecodable content", encoding=encoding, warnings=warnings
        )
    root = parse(decoded.text)
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
    total_chars = sum(b.chars for b in page.blocks)
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
    if body_chars < _MAX_ERROR_BODY:
        signs = [page.structured.title_tag, page.title, *(b.text for b in page.blocks[:12] if b.chars < 40)]
        sign = next((s for s in signs if s and len(s) < 60 and _ERROR_PAGE.search(s)), None)
        if sign:
            return _no_article(page, f"error page: {sign}", encoding)
    if body_chars < MIN_BODY_CHARS or (sentence_count(body_text) == 0 and body_chars < 200):
        return _no_article(page, _why_no_text(page), encoding)
    if page.provenance["body"] == "density" and not structured.is_article:
        page_links = sum(b.link_chars for b in page.blocks)
        # A page with a headline of its own just above the text is an article, however short and
        # however many links surround it; a channel name (`信息披露`) is no headline.
        start = page.inside[0].index if page.inside else 0
        headed = (
            page.provenance.get("title") == "heading"
            and page.title_block is not None
            and start - _INFO_BAR_BLOCKS <= page.title_block <= start + 1
            and len(page.title) > _CHANNEL_NAME
        )
        many_links = _link_titles(page)
        if looks_like_listing(page.inside) or (
            not headed
            and (
                (body_chars < _SHORT_BODY and many_links >= _MANY_LINKS)
                or (total_chars and page_links / total_chars > 0.6 and body_chars < 400 and many_links > 10)
            )
        ):
            return _no_article(page, f"listing page ({many_links} headline links)", encoding)
        if len(page.title) <= _CHANNEL_NAME and body_chars < _SHORT_BODY // 2 and len(page.paragraphs) == 1:
            # One short line under a channel name: a notice or a footer, not an article.
            return _no_article(page, _why_no_text(page), encoding)

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


def _why_no_text(page: Page) -> str:
    many_links = _link_titles(page)
    if many_links >= _MANY_LINKS or looks_like_listing(page.blocks):
        return f"listing page ({many_links} headline links)"
    return "no body text"


def _link_titles(page: Page) -> int:
    return sum(1 for b in page.blocks if is_link_title(b))


def _no_article(page: Page, reason: str, encoding: str | None) -> Extraction:
    return Extraction(None, reason, provenance=page.provenance, encoding=encoding, warnings=page.warnings)


__all__ = ["extract_html"]
