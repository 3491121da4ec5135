"""The main-content detector: which part of the page is the article, paragraph by paragraph.

One pass over the DOM cuts the page into text blocks — maximal runs of inline content between
block-level boundaries (`<p>`, `<div>`, `<br>`, `<td>`, …) — each with its character count, how much
of it is link text and how much sentence punctuation it holds. Chinese article text is dense in
`，。、；：“”`; navigation, link lists, teasers and footers are not, or are mostly links.

Each block gets a weight: positive for prose (its non-link characters, more for denser punctuation),
negative for link text and for boilerplate (copyright, ICP, share and print lines). The article
container is the element whose subtree has the largest total weight: it takes in every paragraph
while adding junk only where the junk is outweighed. That is a maximum-weight subtree; it needs
one bottom-up sum, not per-node text extraction, so it stays linear in the page size.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import lxml.etree as etree

from newscrawl.extract.dom import collapse
from newscrawl.extract.images import is_picture

if TYPE_CHECKING:
    from lxml.html import HtmlElement

BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "td",
        "th",
        "tr",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "header",
        "footer",
        "aside",
        "nav",
        "main",
        "blockquote",
        "pre",
        "form",
        "center",
        "figure",
        "figcaption",
        "br",
        "hr",
        "body",
        "address",
        "fieldset",
        "legend",
        "details",
        "summary",
        "caption",
        "label",
        "html",
        "frameset",
        "frame",
        "menu",
        "dir",
    }
)
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Containers whose whole content is page furniture by their own declaration.
_FURNITURE_TAGS = frozenset({"nav", "aside", "footer", "header", "menu"})

_PUNCT = re.compile(r"[，。！？；、：“”‘’「」『』…,!?;]")
_SENTENCE_END = re.compile(r"[。！？!?…]")
# Lines that are page furniture wherever they stand. Kept short: a page about a copyright case
# mentions 版权 in its prose, so only short lines count. Two patterns, one search each: the words
# with Latin letters need IGNORECASE, and a case-insensitive pattern gets no first-character
# prefilter from `re`, so the one pattern tried every word at every position (2.6x slower on the
# bench's short lines). CJK characters and © have no case, so the pair matches what one
# IGNORECASE pattern of all the words would.
_BOILERPLATE = re.compile(
    r"版权所有|版權所有|©|公网安备|公網安備|京公网|增值电信|许可证|許可證"
    r"|未经(?:本网|本站|本报|书面)?(?:授权|许可)|不得转载|禁止转载|转载请注明|联系我们|關於我們|关于我们|网站地图|網站地圖"
    r"|免责声明|免責聲明|违法和不良信息|举报电话|舉報電話|举报邮箱|分享到|分享至|扫一扫|掃一掃|二维码|二維碼|打印本页|关闭窗口"
    r"|返回顶部|返回首页|设为首页|加入收藏|手机版|客户端下载|登录|登錄|注册|註冊|上一篇|下一篇|上一页|下一页"
)
_BOILERPLATE_LATIN = re.compile(r"Copyright|ICP备|ICP證|ICP证|ICP備", re.IGNORECASE)
_MAX_BOILERPLATE_LINE = 80
_IMAGE_WEIGHT = 20.0
_MIN_PROSE = 10
"""A block shorter than this without punctuation is a label, not prose."""


@dataclass(eq=False, slots=True)
class Block:
    """A run of inline content: one paragraph, one line, one link, or one image."""

    index: int
    owner: HtmlElement
    """Innermost block-level element holding the run."""
    parts: list[str] = field(default_factory=list)
    text: str = ""
    chars: int = 0
    """Non-space characters."""
    link_chars: int = 0
    punct: int = 0
    image: HtmlElement | None = None
    """The `<img>` for an image block (then `text` is empty)."""
    links: int = 0
    """How many links the run holds."""
    in_link: bool = False
    """Whether the block (an image) sits inside a link: a thumbnail, not a picture of the text."""
    heading: bool = False
    weight: float = 0.0

    @property
    def link_density(self) -> float:
        return self.link_chars / self.chars if self.chars else 0.0

    @property
    def spaced(self) -> str:
        """The text with a space wherever an element boundary was: `来源：X作者：Y` reads as
        `来源：X 作者：Y`. For label parsing only — Chinese text must not gain spaces."""
        return collapse(" ".join(self.parts))


def _non_space(text: str) -> int:
    return len(text) - text.count(" ")


def segment(body: HtmlElement) -> list[Block]:
    """The page as text blocks and image blocks, in reading order."""
    # The hot loop of the engine (every node of every page): locals instead of globals, and a run
    # of whitespace alone (the newlines between tags) is dropped without building a block.
    blocks: list[Block] = []
    parts: list[str] = []
    link_parts: list[str] = []
    owners: list[HtmlElement] = [body]
    link_depth = 0
    heading_depth = 0
    links = 0
    has_text = False
    """Whether `parts` holds more than whitespace (else a flush makes no block)."""
    block_tags, heading_tags = BLOCK_TAGS, HEADING_TAGS
    punct_findall = _PUNCT.findall

    def flush() -> None:
        nonlocal parts, link_parts, links, has_text
        # `" ".join(s.split())` is `collapse(s)` (str.split and the regex's \s take the same
        # Unicode spaces), without a regex pass over every block.
        text = " ".join((parts[0] if len(parts) == 1 else "".join(parts)).split())
        chars = len(text) - text.count(" ")
        if not link_parts:
            link_chars = 0
        elif len(link_parts) == len(parts):
            # Every part of the run is link text (a link list's item): the link is the text.
            link_chars = chars
        else:
            link = " ".join("".join(link_parts).split())
            link_chars = len(link) - link.count(" ")
        blocks.append(
            Block(
                len(blocks),
                owners[-1],
                parts,
                text,
                chars,
                link_chars,
                len(punct_findall(text)),
                None,
                links,
                False,
                heading_depth > 0,
            )
        )
        parts, link_parts, links, has_text = [], [], 0, False

    for event, el in etree.iterwalk(body, events=("start", "end")):
        tag = el.tag
        if tag.__class__ is not str:
            continue
        if event == "start":
            if tag in block_tags:
                if has_text:
                    flush()
                elif parts:
                    parts, link_parts, links = [], [], 0
                owners.append(el)
                if tag in heading_tags:
                    heading_depth += 1
            elif tag == "a":
                link_depth += 1
                links += 1
            elif tag == "img":
                if has_text:
                    flush()
                elif parts:
                    parts, link_parts, links = [], [], 0
                blocks.append(Block(index=len(blocks), owner=owners[-1], image=el, in_link=link_depth > 0))
            text = el.text
            if text:
                parts.append(text)
                if link_depth:
                    link_parts.append(text)
                if not has_text and not text.isspace():
                    has_text = True
        else:
            if tag in block_tags:
                if has_text:
                    flush()
                elif parts:
                    parts, link_parts, links = [], [], 0
                owners.pop()
                if tag in heading_tags:
                    heading_depth -= 1
            elif tag == "a":
                link_depth -= 1
            tail = el.tail
            if tail and el is not body:
                parts.append(tail)
                if link_depth:
                    link_parts.append(tail)
                if not has_text and not tail.isspace():
                    has_text = True
    if has_text:
        flush()
    return blocks


# Reader comments are prose too; what gives them away is the line under each (time, 回复, 举报,
# 赞) and the header above them. Both weigh heavily against a region reaching into them.
_COMMENT_META = re.compile(
    r"(?:回复|回覆|举报|舉報|点赞|點讚|[赞顶踩讚頂]\s*\(?\d*\)?|引用|投诉|投訴)\s*(?:\(\d+\)|\d+)?\s*$"
)
_COMMENT_HEADER = re.compile(
    r"^[【\[]?\s*(?:最新评论|最新評論|热门评论|熱門評論|网友评论|網友評論|精彩评论|精彩評論|全部评论|全部評論|评论区|評論區|"
    r"我来说两句|我來說兩句|发表评论|發表評論|热评|熱評|已有\s*\d+\s*条评论|共\s*\d+\s*条评论|评论\s*[(（]?\s*\d+|網友跟帖|网友跟帖)"
)
_COMMENT_WEIGHT = -40.0
# The site speaking about itself: copyright and disclaimer notices. A report on a copyright case
# uses the same words, so the notice must name the site (本网, 本报社, 本平台, …) or open with a
# 声明/公告 heading.
_NOTICE = re.compile(
    r"^[【\[(（]?\s*(?:平台声明|免责声明|免責聲明|特别声明|特別聲明|版权声明|版權聲明|郑重声明|鄭重聲明|声明|聲明|Notice)\s*[:：】\]]"
    r"|(?:本网|本網|本站|本报社|本報社|本报|本報|本社|本刊|本平台|本公司|本网站|本網站)[^。]{0,40}?"
    r"(?:转载|轉載|授权|授權|著作权|著作權|版权|版權|侵权|侵權|信息存储|信息存儲|稿酬|观点和立场|觀點和立場)"
    r"|(?:本报社|本報社|本网|本網|本站)郑重(?:声明|公告)",
    re.IGNORECASE,
)
_MAX_NOTICE = 400


_SIGN = re.compile(
    "[版©公京增许許未不禁转联關关网網免违举舉分扫掃二打返设加手客登注註上下CI回点點赞顶踩讚頂引投平特郑鄭声聲本]",
    re.IGNORECASE,
)
"""A character that every match of `_BOILERPLATE`, `_BOILERPLATE_LATIN`, `_COMMENT_META` and
`_NOTICE` holds (each word's first one, in any case; 本 of the site's notices; the c of Notice).
Four short lines in five hold none, and one search for it then saves those four (`weigh`).
tests/test_worker_speedups.py checks the claim on the patterns' words and the corpus."""


def is_notice(text: str) -> bool:
    """A copyright or disclaimer notice of the site itself (see `_NOTICE`)."""
    return bool(_NOTICE.search(text))


def weigh(block: Block) -> float:
    """How much a block speaks for the container holding it being the article."""
    if block.image is not None:
        # A picture speaks for the article around it; a linked thumbnail or an icon for nothing.
        if block.in_link or not is_picture(block.image, block.image.get("src") or ""):
            return 0.0
        return _IMAGE_WEIGHT
    if not block.chars:
        return 0.0
    text_chars = block.chars - block.link_chars
    # `link_density > 0.5` without the property call: for integers, L / C > 0.5 exactly when 2L > C.
    if 2 * block.link_chars > block.chars:
        return -float(block.link_chars)
    text = block.text
    signs = block.chars <= _MAX_NOTICE and _SIGN.search(text) is not None
    if (
        signs
        and block.chars <= _MAX_BOILERPLATE_LINE
        and (_BOILERPLATE.search(text) or _BOILERPLATE_LATIN.search(text))
    ):
        return -float(block.chars)
    if block.chars <= _MAX_BOILERPLATE_LINE and (
        _COMMENT_HEADER.match(text) or (signs and _COMMENT_META.search(text))
    ):
        return _COMMENT_WEIGHT
    if signs and is_notice(text):
        return -float(block.chars)
    if block.punct == 0:
        # A label, a date, a heading: harmless in an article, but no evidence for one either.
        return -0.5 * text_chars if text_chars < _MIN_PROSE * 3 else 0.3 * text_chars
    density = block.punct / text_chars if text_chars else 0.0
    # Chinese prose runs at one punctuation mark per 8-20 characters; boost up to 1.5x for it.
    bonus = 1.0 + min(density * 6, 0.5)
    return text_chars * bonus - block.link_chars


_TRUNCATED = re.compile(
    r"(?:\.{3}|…{1,2}|\[详细\]|【详细】|\[詳細\]|【詳細】|详细>>|详情>>|\[全文\]|【全文】|>>)\s*$"
)
_TEASER_MAX = 200
_CAPTION_LINE = 60


def is_teaser(block: Block, previous: Block | None, title_key: str = "") -> bool:
    """A listing's summary: prose right under a headline link (not the page's own headline, which
    some CMSs link to the page itself), or short prose cut off with `……` / 【详细】."""
    if block.image is not None:
        return False
    if block.chars <= _TEASER_MAX and _TRUNCATED.search(block.text):
        return True
    if previous is None or not is_link_title(previous):
        return False
    return not title_key or "".join(previous.text.split()) != title_key


# Class and id words that name page furniture (the idea of Readability's "unlikely candidates").
# Matched as whole words of the class/id (split at spaces, `-`, `_`), so `article-comment` is a
# comment box and `content` is not `con`.
_FURNITURE_WORDS = frozenset(
    [
        "comment",
        "comments",
        "reply",
        "replies",
        "ad",
        "ads",
        "advert",
        "advertisement",
        "adv",
        "gg",
        "recommend",
        "recommends",
        "recommended",
        "related",
        "relate",
        "rank",
        "ranking",
        "hot",
        "hotnews",
        "sidebar",
        "aside",
        "footer",
        "nav",
        "navbar",
        "menu",
        "breadcrumb",
        "crumb",
        "share",
        "sharebar",
        "toolbar",
        "tools",
        "login",
        "copyright",
        "qrcode",
        "ewm",
        "guess",
        "tuijian",
        "popup",
        "modal",
        "cookie",
    ]
)
_CLASS_SPLIT = re.compile(r"[\s_-]+")
_FURNITURE_DEPTH = 5


def _in_furniture(el: HtmlElement, cache: dict[HtmlElement, bool]) -> bool:
    """Whether `el` or one of its nearest ancestors is classed as page furniture."""
    path = []
    node: HtmlElement | None = el
    verdict = False
    for _ in range(_FURNITURE_DEPTH):
        if node is None:
            break
        known = cache.get(node)
        if known is not None:
            verdict = known
            break
        path.append(node)
        words = _CLASS_SPLIT.split(((node.get("class") or "") + " " + (node.get("id") or "")).lower())
        if _FURNITURE_WORDS.intersection(words):
            verdict = True
            break
        node = node.getparent()
    for seen in path:
        cache[seen] = verdict
    return verdict


def weigh_all(blocks: list[Block], title: str = "") -> None:
    """Set every block's weight; teasers (see `is_teaser`) and prose inside elements classed as
    furniture (comment, ad, recommend, sidebar, …) count against their container."""
    previous: Block | None = None
    after_image = False
    title_key = "".join(title.split())
    furniture: dict[HtmlElement, bool] = {}
    for block in blocks:
        block.weight = weigh(block)
        if block.weight > 0 and _in_furniture(block.owner, furniture):
            block.weight = -0.5 * block.weight
        elif block.weight > 0 and is_teaser(block, previous, title_key):
            block.weight = -0.3 * block.chars
        elif after_image and block.weight < 0 and block.chars <= _CAPTION_LINE and block.link_density < 0.5:
            # The caption under a picture is short and often unpunctuated; it is not furniture.
            block.weight = 0.0
        if block.chars:
            previous = block
        after_image = (block.image is not None and not block.in_link) or (after_image and not block.chars)


@dataclass
class Region:
    """The article's place in the page: a run of sibling items under one element."""

    element: HtmlElement
    """The element whose children (or direct text) hold the run."""
    first: int
    """Index of the first block of the run."""
    last: int
    """Index of the last block of the run."""
    weight: float
    items: list[tuple[float, int, int]] = field(default_factory=list)
    """The run's items: (weight, first block, last block) of each child element or direct text."""


def best_region(
    blocks: list[Block], body: HtmlElement, ignore: Collection[HtmlElement] = (), title: str = ""
) -> Region:
    """The run of consecutive children of one element holding the most block weight.

    Every element's content is a sequence of items — its child elements (weighted by their whole
    subtree) and the text runs directly inside it; the best contiguous stretch of each sequence is
    found with Kadane's algorithm, and the best stretch of all wins (the deepest on a tie). A whole
    subtree is one such stretch, so this finds at least what a maximum-weight subtree would, and
    also the paragraphs of a `<td>` that holds a sidebar table after them. Blocks owned by an
    element of `ignore` weigh nothing; `title` is the page's headline."""
    weigh_all(blocks, title)
    if ignore:
        for block in blocks:
            if block.owner in ignore:
                block.weight = 0.0
    # Each element's items in order, each (weight, first block, last block): its child elements
    # (whole subtree) and the blocks it holds directly. Blocks come in document order, so a stack of
    # the current ancestor chain sums every subtree in one pass: an element's item is complete when
    # the chain leaves it. A frame is [element, weight, first block, last block, depth (1 for
    # `body`), items]; `order` holds the frames with items in the order they got their first one
    # (which decides ties below).
    stack: list[list[Any]] = []
    on_stack: dict[HtmlElement, int] = {}
    """Element -> its place in `stack`."""
    order: list[list[Any]] = []

    def unwind(common: int) -> None:
        """Pop the stack down to `common` frames, each frame an item of the one below."""
        while len(stack) > common:
            done = stack.pop()
            del on_stack[done[0]]
            if stack:
                parent = stack[-1]
                seq = parent[5]
                if not seq:
                    order.append(parent)
                seq.append((done[1], done[2], done[3]))
                parent[1] += done[1]
                parent[3] = done[3]

    previous: HtmlElement | None = None
    for block in blocks:
        owner = block.owner
        # The stack is the chain `body` … the previous block's owner: a block with the same owner
        # (most lines of a paragraph run) leaves it as it is; another one pops the stack to the
        # nearest ancestor on it and pushes the way down from there. Walked iteratively, one
        # element at a time: a hostile page may nest thousands deep.
        if owner is not previous:
            down = []
            node: HtmlElement | None = owner
            while node is not None and node not in on_stack:
                down.append(node)
                node = node.getparent() if node is not body else None
            common = on_stack[node] + 1 if node is not None else 0
            if len(stack) > common:
                unwind(common)
            for element in reversed(down):
                on_stack[element] = len(stack)
                stack.append([element, 0.0, block.index, block.index, len(stack) + 1, []])
            previous = owner
        frame = stack[-1]
        seq = frame[5]
        if not seq:
            order.append(frame)
        seq.append((block.weight, block.index, block.index))
        frame[1] += block.weight
        frame[3] = block.index
    unwind(0)

    # The best stretch so far: its score and depth, and (element, its items, first item, last
    # item); the Region is made once, for the winner.
    best_score = float("-inf")
    best_depth = -1
    winner: tuple[HtmlElement, list[tuple[float, int, int]], int, int] | None = None
    for element, _, _, _, el_depth, seq in order:
        running, start = 0.0, 0
        for i, item in enumerate(seq):
            if running <= 0:
                running, start = item[0], i
            else:
                running += item[0]
            # round(x, 3) is within 0.0005 of x: a stretch this far below the best cannot reach it
            # once rounded, and most stretches of a page are (one round() per item saved).
            if running < best_score - 0.001:
                continue
            score = round(running, 3)
            if score > best_score or (score == best_score and el_depth > best_depth):
                best_score, best_depth, winner = score, el_depth, (element, seq, start, i)
    if winner is None:
        return Region(body, 0, len(blocks) - 1, 0.0)
    element, seq, start, end = winner
    return Region(element, seq[start][1], seq[end][2], best_score, seq[start : end + 1])


def furniture(el: HtmlElement, container: HtmlElement) -> bool:
    """Whether `el` sits, inside `container`, in a nav/aside/footer or an element classed as
    furniture (an ad box, a share bar, a comment list; see `_FURNITURE_WORDS`)."""
    node: HtmlElement | None = el
    while node is not None and node is not container:
        if node.tag in _FURNITURE_TAGS:
            return True
        words = _CLASS_SPLIT.split(((node.get("class") or "") + " " + (node.get("id") or "")).lower())
        if _FURNITURE_WORDS.intersection(words):
            return True
        node = node.getparent()
    return False


def is_prose(block: Block) -> bool:
    """A block that reads as article text: long enough, punctuated, not a link line."""
    return (
        block.image is None
        and block.link_density <= 0.5
        and ((block.punct > 0 and block.chars >= _MIN_PROSE) or block.chars >= 60)
    )


def is_link_title(block: Block) -> bool:
    """A headline link of a listing: one link, mostly the block's text, headline length."""
    # `link_density >= 0.8` as 5L >= 4C: for integers below 2**50 the float quotient and the
    # rounded 0.8 compare as the exact fractions do (6 <= C excludes the C == 0 case).
    return (
        block.image is None
        and block.links == 1
        and 6 <= block.chars <= 80
        and 5 * block.link_chars >= 4 * block.chars
    )


def looks_like_listing(blocks: list[Block]) -> bool:
    """Headline links each followed by a short teaser: a listing or channel page, not an article.

    In an article, prose is rarely right after a headline link; in a listing nearly every teaser is."""
    prose = [i for i, b in enumerate(blocks) if is_prose(b)]
    if not prose:
        return False
    headed = sum(1 for i in prose if any(is_link_title(b) for b in blocks[max(0, i - 2) : i]))
    if headed < 3:
        return False
    mean_prose = sum(blocks[i].chars for i in prose) / len(prose)
    return headed >= 0.5 * len(prose) or mean_prose < 60


def sentence_count(text: str) -> int:
    return len(_SENTENCE_END.findall(text))


__all__ = [
    "BLOCK_TAGS",
    "Block",
    "Region",
    "best_region",
    "furniture",
    "is_link_title",
    "is_notice",
    "is_prose",
    "looks_like_listing",
    "segment",
    "sentence_count",
    "weigh",
]
