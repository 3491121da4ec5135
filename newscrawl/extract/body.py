"""Where the article is and what of it is body: the region, its paragraphs and images, the related
block, and the cuts that keep furniture out (a post of a thread, a notice, trailing lines)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from newscrawl.extract import byline
from newscrawl.extract import images as pictures
from newscrawl.extract.content import (
    Block,
    Region,
    best_region,
    furniture,
    is_link_title,
    is_notice,
    is_prose,
)
from newscrawl.extract.dates import first_date
from newscrawl.extract.dom import collapse, select_first
from newscrawl.extract.page import (
    INFO_BAR_BLOCKS,
    PROSE_END,
    Page,
    is_meta_line,
    text_key,
)
from newscrawl.extract.related import WORDS as RELATED_WORDS
from newscrawl.extract.related import anchors_in, find_related
from newscrawl.items import Image, RelatedLink

if TYPE_CHECKING:
    from lxml.html import HtmlElement

_AFTER_BODY_BLOCKS = 25
"""Blocks after the article container still searched for 责任编辑 / 来源 lines."""

_CRUMB_STEP = re.compile(r"[>»＞→]+")

_CRUMB = re.compile(r"当前位置|當前位置|您的位置|你的位置|所在位置|位置：|首页\s*[>»/]|首頁\s*[>»/]|>>|»|＞")
"""A breadcrumb (当前位置：首页 > 法治 > 正文)."""

_MAX_RELATED_PROSE = 150
"""Prose characters a related block may hold; more means the block found is the article's parent."""


def find_related_block(page: Page) -> None:
    """The related links (hint, else the 相关新闻-style block) and what of the page they occupy,
    which the body then leaves out."""
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


def choose_container(page: Page) -> None:
    """The article's region: the spider's body selector, else the best run of blocks (see
    `content.best_region`), cut to the first post of a thread."""
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
    # iter(tags) is `.//nav|.//aside|.//footer|.//menu` and the container itself, found in C (and at
    # once when the page has none of the tags).
    for element in page.container.iter("nav", "aside", "footer", "menu"):
        if element is not page.container:
            page.excluded.update(element.iter())


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
    if block.image is not None or block.chars > 80 or PROSE_END.search(block.text):
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
    title_key = text_key(page.title)
    while page.paragraphs and not is_prose(page.paragraphs[0]) and page.paragraphs[0].chars <= 40:
        lead = page.paragraphs.pop(0)
        key = text_key(lead.text)
        if lead.heading and key not in title_key and page.provenance.get("title") != "hints":
            page.title, page.title_block = lead.text, lead.index
            page.provenance["title"] = "heading"
            title_key = key


def _furniture_blocks(page: Page) -> set[int]:
    """Blocks of the region inside furniture-classed elements (an ad box, a share bar), unless that
    would take most of the prose: then the class names mislead on this page."""
    container = page.container
    assert container is not None
    cache: dict[HtmlElement, bool] = {}
    found = set()
    for block in page.inside:
        owner = block.owner
        if owner not in cache:
            cache[owner] = furniture(owner, container)
        if cache[owner]:
            found.add(block.index)
    prose = sum(b.chars for b in page.inside if is_prose(b))
    dropped = sum(b.chars for b in page.inside if b.index in found and is_prose(b))
    return found if dropped <= prose / 2 else set()


def assemble_body(page: Page) -> None:
    container = page.container
    assert container is not None
    title_key = text_key(page.title)
    seen_prose = False
    prose_seen = 0
    pending: Image | None = None
    pending_alt: str | None = None
    seen_urls: set[str] = set()
    furnished = _furniture_blocks(page)
    for block in page.inside:
        if block.owner in page.excluded or block.index in furnished:
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
                    alt if len(alt) >= 4 and text_key(alt) != title_key and "." not in alt[-5:] else None
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
        if title_key and text_key(block.text) == title_key:
            continue
        if block.link_density > 0.5 and not (block.chars >= 200 and block.punct >= 5):
            continue
        if not seen_prose:
            if block.chars < 150 and (
                (len(_CRUMB_STEP.findall(block.text)) >= 2 and "。" not in block.text)
                or (_CRUMB.search(block.text) and not is_prose(block))
            ):
                continue
            if is_meta_line(block, page.fetched_at) and not (block.punct >= 3 and block.chars > 80):
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
            region = page.blocks[page.title_block + 1 : min(first, page.title_block + 1 + INFO_BAR_BLOCKS)]
            page.info_bar = [b for b in region if b.image is None] + page.info_bar


_STATEMENT = re.compile(
    r"^[【\[(（]?\s*(?:平台声明|免责声明|特别声明|版权声明|声明|免責聲明|特別聲明|版權聲明|聲明)\s*[:：】\]]"
)


def _trailing_furniture(block: Block) -> bool:
    if block.image is not None or _STATEMENT.match(block.text):
        return True
    if is_prose(block) or byline.read_labels(block.spaced).editor or byline.read_labels(block.spaced).source:
        return False
    return block.chars < 12 and block.punct == 0 and byline.byline_at_end(block.text) is None
