"""Who wrote, helped, edited and published a page: the page-level choice among bylines, labels,
structured data and position (`byline` reads the forms)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from newscrawl.extract import byline
from newscrawl.extract.content import (
    Block,
    is_prose,
)
from newscrawl.extract.dates import first_date
from newscrawl.extract.dom import collapse, select_first, text_of
from newscrawl.extract.page import (
    INFO_BAR_BLOCKS,
    MAX_INFO_LINE,
    Page,
    body_start,
    now,
    text_key,
)
from newscrawl.items import Article

if TYPE_CHECKING:
    pass

_FORUM_AUTHOR = re.compile(
    r"(?P<before>[^\s:：]{2,20})\s*(?:发表于|發表於)\s*(?:19|20)\d\d|(?:19|20)\d\d[-/]\d{1,2}[-/]\d{1,2}\s+\d{1,2}:\d{2}(?::\d{2})?\s+by\s+(?P<after>[^\s]{2,20})"
)

_LATIN_AUTHOR = re.compile(r"^[A-Z][a-z]+(?:[ .'-][A-Z][a-z]+){1,3}$")

_ORG_WORDS = re.compile(
    r"Publish|Press|Media|News|Group|Network|Inc\b|Ltd|Limited|Corp|Company|Agency|Team|Staff|Editor|Admin|Online|Daily|Times|Post"
)

_HAN_TOKEN = re.compile("[\u4e00-\u9fff]")

_SITE_NAME_LIKE = re.compile(r"(?:网|網|报|報|社|台|频道|頻道|新闻|新聞|日报|日報|客户端|客戶端|\.com|\.cn)$")


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
            if byline.is_name(token) and token not in names:
                names.append(token)
                layer = layer or value.layer
        if names:
            break
    return (names, layer) if names else None


def _apply_byline(article: Article, found: byline.Byline, *, authors: bool = True) -> None:
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
    title_key = text_key(page.title)
    after_title = page.title_block is not None
    for block in candidates:
        if block.image is not None or block.link_density > 0.5:
            continue
        key = text_key(block.text)
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
        names = byline.split_names(text, strict=True)
        if names and len(names) == len(tokens):
            return names
        if after_title and len(tokens) == 1 and 2 <= len(text) <= 4 and byline.is_name(text):
            return [text]
        after_title = False
    return []


def _lead_byline(paragraphs: list[Block]) -> byline.Byline | None:
    """The byline at the head of the body: a dateline opening the first paragraph, or credit lines
    of their own (`本报实习生 张三` / `本报记者 李四 王五`), merged."""
    found: byline.Byline | None = None
    for block in paragraphs[:6]:
        credit = byline.byline_at_start(block.text)
        if credit is None:
            if found is not None or (is_prose(block) and block.chars > 60):
                break
            continue
        whole = len(text_key(credit.raw)) >= len(text_key(block.text)) - 2
        if found is None:
            found = credit
        else:
            for name in credit.authors:
                found.add("trainee" if name in credit.trainees else "reporter", name)
            for name in credit.correspondents:
                found.add("correspondent", name)
            found.outlet = found.outlet or credit.outlet
        if not whole:
            break
    return found


def find_credits(page: Page, article: Article) -> None:
    prov = page.provenance
    # Editor and source first: an author candidate equal to the editor is the editor.
    el = select_first(page.root, page.hints.editor_css)
    if el is not None:
        labels = byline.read_labels(collapse(" ".join(el.itertext())))
        article.editor = labels.editor or next(iter(byline.split_names(text_of(el))), None)
        if article.editor:
            prov["editor"] = "hints"
    el = select_first(page.root, page.hints.source_css)
    if el is not None:
        labels = byline.read_labels(collapse(" ".join(el.itertext())))
        article.source = labels.source or text_of(el) or None
        if article.source:
            prov["source"] = "hints"
    source = page.structured.first("source")
    value = _SOURCE_LABEL.sub("", source.value).strip() if source else ""
    if not article.source and source and 2 <= len(value) <= 30 and "://" not in value:
        article.source = value  # `来源：人民网` in the tag as on the page
        prov["source"] = source.layer
    editor = page.structured.first("editor")
    if not article.editor and editor and byline.is_name(editor.value):
        article.editor = editor.value
        prov["editor"] = editor.layer

    label_authors: list[str] = []
    for region in (page.info_bar, page.inside, page.after_body):
        for block in region:
            if block.chars > MAX_INFO_LINE or ("：" not in block.text and ":" not in block.text):
                continue
            labels = byline.read_labels(block.spaced)
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
        found = byline.byline_at_start(text) or byline.parse_roles(text)[0]
        if found:
            _apply_byline(article, found)
            prov["authors"] = "hints"
        elif (labels := byline.read_labels(text)).authors:
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
        start = body_start(page)
        above = [b for b in page.blocks[max(0, start - 4) : start] if b.chars and b not in page.info_bar]
        for block in page.info_bar + above:
            lead = byline.byline_at_start(block.spaced) or _info_bar_roles(block.spaced)
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
            closing = byline.byline_at_end(block.text)
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
    # Trainees and correspondents only ever come from a byline: the spider's, or one in the text.
    byline_layer = "hints" if prov.get("authors") == "hints" else "pattern"
    if article.correspondents:
        prov.setdefault("correspondents", byline_layer)
    if article.trainee_authors:
        prov.setdefault("trainee_authors", byline_layer)
    if article.outlet:
        prov["outlet"] = "pattern"


_SOURCE_LABEL = re.compile(r"^\s*(?:来源|來源|稿源|出处|出處)\s*[:：]\s*")
_BRACKETED_NAME = re.compile(r"[\[【〔]\s*([^\]】〕\s]{2,4})\s*[\]】〕]")


def _info_bar_roles(text: str) -> byline.Byline | None:
    """Credits inside an info line: `来源：新华网 新华网黑龙江频道 记者 伊琳 李清芬`, or a bracketed
    name beside the date (`2004年7月16日08:19 [ 黄宇 ] 来源：[ 国际金融报 ]`)."""
    m = re.search(r"(?:^|\s)(?=[^\s]{0,10}(?:记者|記者|通讯员|通訊員))", text)
    if m is None:
        if first_date(text, now(), relative=False) is None:
            return None
        for bracketed in _BRACKETED_NAME.finditer(text):
            name = bracketed.group(1)
            if byline.is_name(name, strict=True):
                return byline.Byline(authors=[name], raw=bracketed.group(0))
        return None
    found, _ = byline.parse_roles(text[m.end() :].lstrip(), prose=True)
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
    return [name] if byline.is_name(name) else []


def _forum_author(page: Page) -> list[str]:
    """`张三 发表于 2005-9-15 11:46` / `2005/03/15 22:36:13 by duscha`: the first post's author."""
    start = page.inside[0].index if page.inside else 0
    for block in page.blocks[max(0, start - INFO_BAR_BLOCKS) : start] + page.inside:
        if block.chars > MAX_INFO_LINE:
            continue
        spaced = block.spaced
        # Both forms need one of these words; a line without them spares the regex, which tries
        # 20 characters before 发表于 at every position.
        if "发表于" not in spaced and "發表於" not in spaced and "by" not in spaced:
            continue
        m = _FORUM_AUTHOR.search(spaced)
        if m:
            name = (m.group("before") or m.group("after") or "").strip("[]【】()（）")
            if byline.is_name(name):
                return [name]
    return []
