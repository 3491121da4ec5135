"""Body images: which `<img>` is a picture of the article, its absolute URL, caption and credit.

A CMS puts the caption in a `<figcaption>`, or in the paragraph right after the image — centred,
or carrying a credit (`警方供图`, `张三 摄`), or opening with 图为. Icons, logos, QR codes, share
buttons, spacers and tracking pixels are not article images.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from newscrawl.clean.boilerplate import parse_image_line
from newscrawl.extract.dom import collapse

if TYPE_CHECKING:
    from lxml.html import HtmlElement

# Lazy-loading pages keep the real URL in one of these; `src` then holds a placeholder.
_LAZY_ATTRS = (
    "data-src",
    "data-original",
    "data-lazy-src",
    "data-url",
    "original",
    "_src",
    "data-echo",
    "file",
    "src2",
)
_NOT_PICTURE = re.compile(
    r"logo|icon|qrcode|qr_code|erweima|ewm|weixin|wechat|share|button|btn|spacer|blank\.gif|pixel|loading|"
    r"avatar|arrow|banner|/ad/|_ad\.|ads/|gotop|back_?top|close|print|\.svg(?:$|\?)|1x1",
    re.IGNORECASE,
)
_FURNITURE_CLASS = re.compile(
    r"avatar|head-?img|user-?(?:img|pic|face)|portrait|logo|icon|qr-?code|erweima|share|(?:^|[\s_-])ad(?:$|[\s_-])|"
    r"ads|advert|banner|comment|reply|emoji|emoticon|face-?img",
    re.IGNORECASE,
)
_CAPTION_CLASS = re.compile(
    r"caption|desc|pictext|pic_?txt|img_?txt|pic_?note|picinfo|pic_?intro|img_?title|img_?info|tuzhu|figcap|explain|"
    r"photo_?text|imgnote|img_?desc|pic_?desc",
    re.IGNORECASE,
)
_CENTERED = re.compile(r"text-align\s*:\s*center", re.IGNORECASE)
_CAPTION_START = re.compile(
    r"^(?:图为|圖為|图：|圖：|图:|上图|上圖|下图|下圖|左图|左圖|右图|右圖|图片说明|圖片說明)"
)
MAX_CAPTION = 150
_MIN_SIDE = 60
"""Images declared smaller than this (either side) are icons, not pictures."""


def image_url(img: HtmlElement, base_url: str) -> str | None:
    """The absolute URL of the picture (lazy-loading attributes first), None for a non-picture."""
    candidates = [img.get(attr) for attr in _LAZY_ATTRS] + [img.get("src")]
    for value in candidates:
        if not value:
            continue
        value = value.strip()
        if not value or value.startswith(("data:", "javascript:", "about:")):
            continue
        url = urljoin(base_url, value) if base_url else value
        return url
    return None


def _side(value: str | None) -> int | None:
    if not value:
        return None
    m = re.match(r"\s*(\d+)", value)
    return int(m.group(1)) if m else None


def is_picture(img: HtmlElement, url: str) -> bool:
    """Not an icon, logo, QR code, button or pixel."""
    width, height = _side(img.get("width")), _side(img.get("height"))
    if (width is not None and width < _MIN_SIDE) or (height is not None and height < _MIN_SIDE):
        return False
    alt = img.get("alt") or ""
    if "二维码" in alt or "二維碼" in alt or "logo" in alt.lower():
        return False
    # The folder and file name say what an image is for (`/images/logo.png`, `/share/wx.gif`); the
    # host and the rest of the path do not.
    tail = "/".join(url.split("?", 1)[0].rsplit("/", 2)[-2:])
    if _NOT_PICTURE.search(tail):
        return False
    # So do the classes of the image and of the elements just around it (`comment__avatar`, `ad-cell`).
    node: HtmlElement | None = img
    for _ in range(3):
        if node is None:
            break
        if _FURNITURE_CLASS.search((node.get("class") or "") + " " + (node.get("id") or "")):
            return False
        node = node.getparent()
    return True


def _styled_as_caption(el: HtmlElement | None, stop: HtmlElement | None, levels: int = 3) -> bool:
    node = el
    for _ in range(levels):
        if node is None or node is stop:
            return False
        if node.tag == "figcaption":
            return True
        if _CENTERED.search(node.get("style") or "") or (node.get("align") or "").lower() == "center":
            return True
        if node.tag == "center" or _CAPTION_CLASS.search(
            (node.get("class") or "") + " " + (node.get("id") or "")
        ):
            return True
        node = node.getparent()
    return False


def caption_kind(text: str, owner: HtmlElement, container: HtmlElement) -> bool:
    """Whether a text block right after an image is that image's caption."""
    if not text or len(text) > MAX_CAPTION:
        return False
    if _styled_as_caption(owner, container):
        return True
    if _CAPTION_START.match(text):
        return True
    note = parse_image_line(text)
    return note is not None and note.credit is not None


def split_caption(text: str) -> tuple[str | None, str | None]:
    """`……巡逻防控。 警方供图` -> (caption, credit)."""
    text = collapse(text)
    note = parse_image_line(text)
    if note is not None and note.credit:
        return note.caption, note.credit
    return text or None, None


def figcaption_of(img: HtmlElement) -> str | None:
    """Text of the `<figcaption>` of the `<figure>` holding `img`."""
    node = img.getparent()
    for _ in range(3):
        if node is None:
            return None
        if node.tag == "figure":
            captions = node.xpath(".//figcaption")
            return collapse(captions[0].text_content()) if captions else None
        node = node.getparent()
    return None


__all__ = ["MAX_CAPTION", "caption_kind", "figcaption_of", "image_url", "is_picture", "split_caption"]
