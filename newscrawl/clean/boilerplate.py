"""Boilerplate lines inside an article body: which become fields, which go.

Input is the body after normalisation and pinyin removal, one paragraph per line, in the page's
own script; every pattern below therefore lists the Simplified and the Traditional spelling.

- 责编 / 责任编辑 / 编辑 / 来源 / 作者 lines (also several on one line, also 【】-wrapped) -> fields;
  their companions (发布时间, 浏览次数, 审核, 校对, …) go with them.
- Image credit lines (`… 警方供图`, `新华社记者 张三 摄`, `图/张三`) and caption lines (`图为…`)
  -> caption and credit of an image.
- A trailing list of titles (bulleted, under a 相关新闻 header, or after the 责编/来源 block)
  -> related links.
- Share / print / QR-code / 点击进入 / copyright lines, and lines of bare symbols, are dropped.
- A `?` or private-use glyph left at the start of a line where an icon was is dropped; a `?`
  elsewhere is text (or part of a garbled span) and stays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# --- field lines -------------------------------------------------------------------------------

_EDITOR_LABELS = (
    "责任编辑|責任編輯|值班编辑|值班編輯|网络编辑|網絡編輯|网页编辑|網頁編輯|本文编辑|本文編輯"
    "|责编|責編|编辑|編輯"
)
_SOURCE_LABELS = (
    "稿件来源|稿件來源|文章来源|文章來源|新闻来源|新聞來源|信息来源|信息來源|来源|來源|稿源|出处|出處"
)
_AUTHOR_LABELS = "作者|撰文|撰稿"
# Labels that only ever sit in a meta line; they carry no field of their own.
_META_LABELS = (
    "发布时间|發布時間|發佈時間|发布日期|發布日期|發佈日期|更新时间|更新時間|发表时间|發表時間"
    "|浏览次数|瀏覽次數|点击数|點擊數|点击量|點擊量|阅读数|閱讀數|阅读量|閱讀量|字号|字號"
    "|审核|審核|校对|校對|审校|審校|终审|終審|初审|初審|复审|復審|签发|簽發|监制|監製|统筹|統籌|编审|編審"
    "|关键词|關鍵詞|关键字|關鍵字|标签|標籤"
)
# Labels too common in running text to make a line boilerplate on their own.
_WEAK_LABELS = "时间|時間|日期|浏览|瀏覽|阅读|閱讀|点击|點擊"

_LABEL = re.compile(
    rf"(?P<label>{_EDITOR_LABELS}|{_SOURCE_LABELS}|{_AUTHOR_LABELS}|{_META_LABELS}|{_WEAK_LABELS})"
    r"\s?[:：]\s*"
)
_STRONG = re.compile(rf"^(?:{_EDITOR_LABELS}|{_SOURCE_LABELS}|{_AUTHOR_LABELS}|{_META_LABELS})$")
_EDITOR = re.compile(rf"^(?:{_EDITOR_LABELS})$")
_SOURCE = re.compile(rf"^(?:{_SOURCE_LABELS})$")
_AUTHOR = re.compile(rf"^(?:{_AUTHOR_LABELS})$")
_OPENERS = "【[（(〔「"
_CLOSERS = "】]）)〕」"
_VALUE_TRIM = " |丨/" + _OPENERS + _CLOSERS + "，,；;。"
_SENTENCE_END = re.compile(r"[。！？!?]")
_CLAUSE_SPLIT = re.compile(r"[，,]")
_MAX_META_LINE = 160

# `……表示。（责任编辑：张三）` at the end of the last paragraph.
_MAX_TRAILING_EDITOR = 48
_CLOSERS_TUPLE = ("）", ")", "】", "]")
_TRAILING_EDITOR = re.compile(
    rf"\s*[（(【\[]\s*(?:{_EDITOR_LABELS})\s?[:：]\s*(?P<value>[^（()）【】\[\]]{{1,30}}?)\s*[）)】\]]\s*$"
)

_ROLE_WORDS = re.compile(
    r"^(?:本报|本報|本台|本网|本網)?(?:见习记者|見習記者|实习记者|實習記者|记者|記者|通讯员|通訊員|实习生|實習生)"
)
_NAME_SPLIT = re.compile(r"[\s、，,;；/／|]+")

# --- image credits and captions ---------------------------------------------------------------

_NAME = r"[^\s。！？!?，,、；;：:（）()【】\[\]/／]{1,12}"
_CREDIT_WORDS = r"(?:供图|供圖|资料图片|資料圖片|资料图|資料圖|网络图片|網絡圖片|网络配图|網絡配圖|截图|截圖)"
_PHOTO_ROLE = r"(?:摄影记者|攝影記者|摄影师|攝影師|特约摄影|特約攝影|摄影|攝影|记者|記者|通讯员|通訊員|发|發)"
_CREDIT = re.compile(
    # A credit starts the line or follows a space or punctuation, and ends it (brackets optional).
    r"(?:^|(?<=[\s。！？!?.，,；;：:”」』）)】]))"
    r"(?P<open>[（(【\[]\s*)?"
    r"(?P<credit>"
    r"(?:图片|圖片|照片|图|圖)\s?(?:来源|來源|来自|來自|源|提供)?\s?[/／:：]\s?[^\s。！？]{1,30}"
    r"|(?:图片|圖片|照片)由[^\s。！？]{1,30}提供"
    rf"|(?:{_NAME})?{_CREDIT_WORDS}"
    rf"|(?:[^\s。！？，,]{{0,12}}?{_PHOTO_ROLE}\s?)?{_NAME}(?:\s?[、，,]\s?{_NAME})*\s?[/／]?\s?(?<![拍航])(?:摄影|攝影|摄|攝)"
    r")"
    r"\s*(?(open)[）)】\]])\s*$"
)
_CAPTION = re.compile(
    r"^(?:图为|圖為|图片为|圖片為|图片说明|圖片說明|图注|圖註|圖注|上图|上圖|下图|下圖|左图|左圖|右图|右圖)"
)
_MAX_CAPTION_LINE = 200
_MAX_CREDIT = 80
_CREDIT_HINT = re.compile("[摄攝图圖]")

# --- related-title lists ------------------------------------------------------------------------

_RELATED_HEADER = re.compile(
    r"^[【\[]?\s?(?:相关新闻|相關新聞|相关阅读|相關閱讀|延伸阅读|延伸閱讀|推荐阅读|推薦閱讀|相关链接|相關鏈接"
    r"|相关报道|相關報道|相關報導|相关文章|相關文章|热点推荐|熱點推薦|精彩推荐|精彩推薦|猜你喜欢|猜你喜歡"
    r"|往期回顾|往期回顧|更多新闻|更多新聞|热门文章|熱門文章|相关稿件|相關稿件)\s?[】\]]?\s?[:：]?$"
)
_BULLET = re.compile(r"^[-–•·・*▪▫●○◆◇■□►▶]\s?")
_NUMBERED = re.compile(r"^(?:\d{1,2}|[一二三四五六七八九十]{1,2})[.、．)）](?!\d)\s?")
_TRAILING_DATE = re.compile(r"\s*[\[(（]?\d{2,4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?:\s\d{1,2}:\d{2})?[\])）]?$")
_MIN_TITLE = 5
_MAX_TITLE = 100

# --- junk ---------------------------------------------------------------------------------------

_JUNK_SHORT = re.compile(
    r"分享到|分享至|分享：|分享:|扫一扫|掃一掃|扫码|掃碼|二维码|二維碼|打印本页|打印本頁|【打印】|打印此文|关闭窗口|關閉窗口"
    r"|【关闭】|【關閉】|返回顶部|返回頂部|返回首页|返回首頁|点击进入|點擊進入|点击查看|點擊查看|点击阅读|點擊閱讀"
    r"|阅读原文|閱讀原文|上一篇|下一篇|收藏本页|收藏本頁|加入收藏|字体：|字體：|【字体|【字體|大\s?中\s?小$"
    r"|关注我们|關注我們"
)
_MAX_JUNK_LINE = 40
_COPYRIGHT = re.compile(
    r"版权所有|版權所有|版权声明|版權聲明|Copyright|©|All rights reserved"
    r"|(?:未经|未經)(?:本网|本網|本站|本报|本報|本刊|本平台|本公司)"
    r"|禁止转载|禁止轉載|不得转载|不得轉載|转载请注明|轉載請註明|转载请联系|轉載請聯繫",
    re.IGNORECASE,
)
# Legal news reports copyright cases, so a marker inside a long sentence is body text: a notice is
# short, or opens with the marker.
_MAX_COPYRIGHT_LINE = 60
_MAX_COPYRIGHT_NOTICE = 200
# A line with no letter, digit or ideograph: separators, arrows, a lone `?` left by an icon. A line of
# sentence punctuation or quotes alone (`。”`) is a fragment of the text and stays.
_NO_TEXT = re.compile(r"^[\W_]*$")
_TEXT_PUNCT = re.compile(r"[。！？“”‘’「」『』…]")

# An icon rendered as `?` / U+FFFD, or a private-use icon-font glyph, at the start of a line; a
# private-use glyph standing alone between spaces. Private-use characters inside a run of text
# are left alone: there they are a decoding problem, not an icon, and removing them loses text.
_LEADING_ICON = re.compile(r"^[?\ufffd\ue000-\uf8ff]+\s?(?=[^\x00-\x7f])")
_LONE_ICON = re.compile(r"(?:^|(?<=\s))[\ue000-\uf8ff]+(?:\s|$)")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


@dataclass
class ImageNote:
    """A caption and/or credit line found in the body."""

    caption: str | None
    credit: str | None


@dataclass
class Boilerplate:
    """What `split_body` took out of a body, and the paragraphs that remain."""

    paragraphs: list[str] = field(default_factory=list)
    editor: str | None = None
    source: str | None = None
    authors: list[str] = field(default_factory=list)
    images: list[ImageNote] = field(default_factory=list)
    related: list[str] = field(default_factory=list)


def strip_icons(line: str) -> str:
    """Drop private-use icon glyphs, and a `?` left by an icon at the start of the line."""
    if "?" not in line and "\ufffd" not in line and not _PRIVATE_USE.search(line):
        return line
    return _LONE_ICON.sub("", _LEADING_ICON.sub("", line)).strip()


def _trim_value(value: str) -> str:
    return value.strip(_VALUE_TRIM).strip()


def parse_meta_line(line: str) -> dict[str, str] | None:
    """`来源：法制周报 作者：张三 责任编辑：李四` -> {"source": …, "author": …, "editor": …}.

    None when the line is not made of label: value segments only (or is body text that happens
    to contain a label)."""
    if len(line) > _MAX_META_LINE:
        return None
    inner = line.lstrip(_OPENERS + " ")
    first = _LABEL.match(inner)
    if first is None:
        return None
    labels = list(_LABEL.finditer(inner))
    if not any(_STRONG.match(m.group("label")) for m in labels):
        return None
    out: dict[str, str] = {}
    for m, nxt in zip(labels, [*labels[1:], None], strict=True):
        # A label only starts a segment at the line start or after a space / separator.
        value = _trim_value(inner[m.end() : nxt.start() if nxt else len(inner)])
        if _SENTENCE_END.search(value) or len(value) > 40:
            return None
        # A comma separates names (`张三，李四`) or clauses (`据知情人士透露，该公司…`).
        parts = _CLAUSE_SPLIT.split(value)
        if len(parts) > 1 and any(len(part) > 6 for part in parts):
            return None
        label = m.group("label")
        if not value:
            continue
        if _EDITOR.match(label):
            out.setdefault("editor", value)
        elif _SOURCE.match(label):
            out.setdefault("source", value)
        elif _AUTHOR.match(label):
            out.setdefault("author", value)
    return out


def split_names(value: str) -> list[str]:
    """`本报记者 张三、李四` -> [张三, 李四]: role words dropped."""
    names = []
    for token in _NAME_SPLIT.split(value):
        name = _ROLE_WORDS.sub("", token).strip()
        if name and name not in names:
            names.append(name)
    return names


def parse_image_line(line: str) -> ImageNote | None:
    """`……巡逻防控。 警方供图` -> caption + credit; `图为……` -> caption; None for other lines."""
    if len(line) > _MAX_CAPTION_LINE:
        return None
    # Every credit form holds 摄/攝/图/圖 and sits at the end of the line: look only there, and
    # only when one of those characters is there (most lines are plain body text).
    tail = max(0, len(line) - _MAX_CREDIT)
    m = _CREDIT.search(line, tail) if _CREDIT_HINT.search(line, tail) else None
    if m is not None:
        caption = line[: m.start()].strip() or None
        return ImageNote(caption=caption, credit=m.group("credit").strip())
    if _CAPTION.match(line):
        return ImageNote(caption=line, credit=None)
    return None


def is_junk(line: str) -> bool:
    """Share / print / QR / navigation / copyright lines and lines without any text."""
    if _NO_TEXT.match(line) and not _TEXT_PUNCT.search(line):
        return True
    if len(line) <= _MAX_JUNK_LINE and _JUNK_SHORT.search(line) and not line.endswith("。"):
        return True
    if len(line) > _MAX_COPYRIGHT_NOTICE:
        return False
    m = _COPYRIGHT.search(line)
    if m is None:
        return False
    return len(line) <= _MAX_COPYRIGHT_LINE or m.start() <= 2


def _title_like(text: str, listed: bool) -> bool:
    """A related title: one line, no full stop, not a `关键词：`-style label; without a bullet it
    must also be long enough not to be a keyword or a stray word."""
    shortest = 2 if listed else _MIN_TITLE
    return shortest <= len(text) <= _MAX_TITLE and "。" not in text and not text.endswith(("：", ":"))


def related_title(line: str) -> str:
    """A list line as a related title: bullet, leading icon and trailing date removed."""
    text = _BULLET.sub("", line, count=1)
    text = _NUMBERED.sub("", text, count=1)
    text = strip_icons(text.strip())
    return _TRAILING_DATE.sub("", text).strip()


_BODY, _META, _HEADER = "body", "meta", "header"


def split_body(body: str, known_captions: frozenset[str] = frozenset()) -> Boilerplate:
    """Sort the lines of a normalised, pinyin-free body into paragraphs, fields, images, related.

    `known_captions` are captions the extractor already has: a body line repeating one is dropped."""
    out = Boilerplate()
    kinds: list[tuple[str, str]] = []  # (kind, text) of the lines that are not consumed outright
    for raw in body.split("\n"):
        line = strip_icons(raw.strip())
        if not line or is_junk(line):
            continue
        if _RELATED_HEADER.match(line):
            kinds.append((_HEADER, line))
            continue
        meta = parse_meta_line(line)
        if meta is not None:
            if "editor" in meta and out.editor is None:
                out.editor = meta["editor"]
            if "source" in meta and out.source is None:
                out.source = meta["source"]
            if "author" in meta and not out.authors:
                out.authors = split_names(meta["author"])
            kinds.append((_META, line))
            continue
        # The bracketed editor closes the line: only its last few dozen characters can hold it.
        trailing = (
            _TRAILING_EDITOR.search(line, max(0, len(line) - _MAX_TRAILING_EDITOR))
            if line.endswith(_CLOSERS_TUPLE)
            else None
        )
        if trailing is not None:
            if out.editor is None:
                out.editor = _trim_value(trailing.group("value"))
            line = line[: trailing.start()].rstrip()
            if not line:
                continue
        if line in known_captions:
            continue
        note = parse_image_line(line)
        if note is not None:
            out.images.append(note)
            continue
        kinds.append((_BODY, line))

    # The last related header, or the last meta line that follows some body text, marks where the
    # article ends: short lines after it are related titles even without bullets.
    anchor = -1
    seen_body = False
    for i, (kind, _) in enumerate(kinds):
        seen_body = seen_body or kind == _BODY
        if kind == _HEADER or (kind == _META and seen_body):
            anchor = i

    related: list[int] = []
    for i in range(len(kinds) - 1, anchor, -1):
        kind, line = kinds[i]
        if kind != _BODY or not _title_like(related_title(line), listed=bool(_BULLET.match(line))):
            break
        # Without an end marker only a bulleted list counts, and a single bulleted line may be body.
        if anchor < 0 and not _BULLET.match(line):
            break
        related.append(i)
    if anchor < 0 and len(related) < 2:
        related = []
    taken = set(related)
    out.related = [t for i in sorted(taken) if (t := related_title(kinds[i][1]))]
    out.paragraphs = [line for i, (kind, line) in enumerate(kinds) if kind == _BODY and i not in taken]
    return out
