"""The extraction engine: one page (bytes + URL + headers) in, the Article fields out.

Plain functions, no Scrapy import and no I/O, so the crawl, `newscrawl extract FILE`, re-extraction of
stored pages and the tests all call the same code.

Public API (keep these names and signatures; everything else in this package is internal):

    extract(body, url="", headers=None, *, hints=None, fetched_at=None) -> Extraction
    extract_plain_text(body, url="", *, fetched_at=None) -> Extraction
    SiteHints, Extraction
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from newscrawl.items import Article


@dataclass(frozen=True)
class SiteHints:
    """Selectors a spider knows for its site; each one given wins over every generic layer."""

    title_css: str | None = None
    """Element holding the headline."""
    body_css: str | None = None
    """Element holding the body paragraphs (and its images)."""
    date_css: str | None = None
    """Element whose text holds the publication time."""
    byline_css: str | None = None
    """Element whose text holds reporters / correspondents (记者 … 通讯员 …)."""
    source_css: str | None = None
    """Element whose text holds the 来源 outlet."""
    editor_css: str | None = None
    """Element whose text holds the 责任编辑."""
    related_css: str | None = None
    """Element holding the related-article links."""
    title_suffixes: tuple[str, ...] = ()
    """Site-name suffixes to strip from titles beyond the generic ones (`_新湖南`)."""


@dataclass
class Extraction:
    """What the engine made of one page."""

    article: Article | None
    """The article, or None when the page holds no article (see `reason`)."""
    reason: str | None = None
    """Why there is no article: `listing page`, `no body text`, `not html`, … (None when there is one)."""
    provenance: dict[str, str] = field(default_factory=dict)
    """Which layer gave each field: `hints`, `jsonld`, `opengraph`, `meta`, `density`, `pattern`, `text`."""
    encoding: str | None = None
    """The encoding the bytes were decoded with."""

    @property
    def ok(self) -> bool:
        return self.article is not None


# --- Placeholder implementation for the foundation slice; the extraction-engine issue replaces it. ---

import json as _json  # noqa: E402
import re as _re  # noqa: E402
from datetime import timedelta as _timedelta  # noqa: E402
from datetime import timezone as _timezone  # noqa: E402
from urllib.parse import urljoin as _urljoin  # noqa: E402

import lxml.html as _lhtml  # noqa: E402

from newscrawl.items import Image, RelatedLink  # noqa: E402

_CST = _timezone(_timedelta(hours=8))
_CHARSET_RE = _re.compile(rb"""<meta[^>]+charset=["']?([\w-]+)""", _re.I)
_DATE_RE = _re.compile(
    r"(20\d{2}|19\d{2})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})\s*日?(?:\s*(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)
_BYLINE_RE = _re.compile(r"^(\S{2,8}?)(?:\d{1,2}月\d{1,2}日)?[讯訊]\s*[（(]([^）)]{2,80})[）)]")
_NAME_SEP = _re.compile(r"[\s、，,]+")
_LABEL_RE = {
    "editor": _re.compile(r"(?:责任编辑|責任編輯|责编|責編)\s*[：:]\s*(\S{2,12})"),
    "source": _re.compile(r"(?:来源|來源)\s*[：:]\s*([^\s|｜]{2,20}?)(?=\s|作者|编辑|时间|[|｜]|$)"),
}
_SUFFIX_RE = _re.compile(r"\s*[_\-|｜—]+\s*[^_\-|｜—]{2,12}$")


def _decode(body: bytes, headers: Mapping[str, Any] | None) -> tuple[str, str]:
    candidates: list[str] = []
    for key, value in (headers or {}).items():
        if str(key).lower() == "content-type":
            text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
            m = _re.search(r"charset=([\w-]+)", text, _re.I)
            if m:
                candidates.append(m.group(1))
    m2 = _CHARSET_RE.search(body[:4096])
    if m2:
        candidates.append(m2.group(1).decode("ascii"))
    candidates += ["utf-8", "gb18030"]
    for enc in candidates:
        name = "gb18030" if enc.lower() in ("gb2312", "gbk", "gb18030") else enc.lower()
        try:
            return body.decode(name), name
        except (UnicodeDecodeError, LookupError):
            continue
    return body.decode("utf-8", "replace"), "utf-8"


def _parse_date(text: str, fetched_at: datetime) -> tuple[str | None, str | None]:
    for m in _DATE_RE.finditer(text):
        y, mo, d, hh, mm, ss = m.groups()
        try:
            when = datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0), tzinfo=_CST)
        except ValueError:
            continue
        if when <= fetched_at + _timedelta(days=1):
            return when.isoformat(), m.group(0).strip()
    return None, None


def _parse_byline(paragraph: str, article: Article) -> None:
    m = _BYLINE_RE.match(paragraph)
    if not m:
        return
    role = "authors"
    if m.group(1) not in ("本报", "本報"):
        article.outlet = m.group(1)
    for token in _NAME_SEP.split(m.group(2)):
        for label, new_role in (
            ("见习记者", "trainee"),
            ("見習記者", "trainee"),
            ("记者", "authors"),
            ("記者", "authors"),
            ("通讯员", "correspondents"),
            ("通訊員", "correspondents"),
        ):
            if label in token:
                head, _, token = token.partition(label)
                if head and not article.outlet:
                    article.outlet = head
                role = new_role
                break
        if not token:
            continue
        if role == "trainee":
            article.authors.append(token)
            article.trainee_authors.append(token)
        else:
            getattr(article, role).append(token)


def extract(
    body: bytes | str,
    url: str = "",
    headers: Mapping[str, Any] | None = None,
    *,
    hints: SiteHints | None = None,
    fetched_at: datetime | None = None,
) -> Extraction:
    fetched_at = fetched_at or datetime.now(_CST)
    if isinstance(body, bytes):
        text, encoding = _decode(body, headers)
    else:
        text, encoding = body, "utf-8"
    if not text.strip():
        return Extraction(None, "empty page", encoding=encoding)
    try:
        root = _lhtml.document_fromstring(text)
    except Exception as exc:  # lxml raises several types on hostile input
        return Extraction(None, f"unparsable html: {exc}", encoding=encoding)
    for bad in root.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    hints = hints or SiteHints()
    provenance: dict[str, str] = {}
    article = Article(url=url, canonical_url=url, encoding=encoding, fetched_at=fetched_at.isoformat())

    def css_text(css: str | None) -> str | None:
        if css:
            found = root.cssselect(css)
            if found:
                return " ".join(found[0].text_content().split())
        return None

    title = css_text(hints.title_css)
    if title:
        provenance["title"] = "hints"
    else:
        h1 = root.xpath("//h1")
        title = " ".join(h1[0].text_content().split()) if h1 else None
        if not title:
            title = _SUFFIX_RE.sub("", " ".join(root.findtext(".//title", "").split()))
        provenance["title"] = "pattern"
    article.title = title or ""

    metas = {
        (m.get("name") or m.get("property") or "").lower(): m.get("content") or ""
        for m in root.xpath("//meta[@content]")
    }
    canonical = root.xpath("//link[@rel='canonical']/@href")
    if canonical:
        article.canonical_url = _urljoin(url, canonical[0])

    container = (
        root.cssselect(hints.body_css)[0] if hints.body_css and root.cssselect(hints.body_css) else None
    )
    if container is not None:
        provenance["body"] = "hints"
    else:
        best, best_len = None, 0
        for el in root.iter("div", "article", "section", "td"):
            n = sum(len(p.text_content().strip()) for p in el.findall("p"))
            if n > best_len:
                best, best_len = el, n
        container = best
        provenance["body"] = "density"
    if container is None or not container.findall(".//p"):
        return Extraction(None, "no body text", provenance=provenance, encoding=encoding)
    text_len = len("".join(container.text_content().split())) or 1
    link_len = sum(len("".join(a.text_content().split())) for a in container.iter("a"))
    if link_len / text_len > 0.3 or (len(root.xpath("//h1")) != 1 and len(root.xpath("//a")) > 80):
        return Extraction(None, "listing page", provenance=provenance, encoding=encoding)
    paragraphs: list[str] = []
    pending_image: Image | None = None
    for p in container.iter("p"):
        img = p.find(".//img")
        if img is not None and img.get("src"):
            pending_image = Image(url=_urljoin(url, img.get("src")))
            article.images.append(pending_image)
            continue
        line = " ".join(p.text_content().split())
        if not line:
            continue
        if pending_image is not None:
            m = _re.search(r"\s*(\S{1,12}供图|\S{1,8}\s*摄)$", line)
            pending_image.caption = line[: m.start()].strip() if m else line
            pending_image.credit = m.group(1) if m else None
            pending_image = None
            continue
        if any(rx.search(line) for rx in _LABEL_RE.values()) and len(line) < 40:
            continue
        paragraphs.append(line)
    article.body = "\n".join(paragraphs)
    if len(article.body) < 150 or article.body.count("。") < 2:
        return Extraction(None, "listing page or no article", provenance=provenance, encoding=encoding)
    if paragraphs:
        _parse_byline(paragraphs[0], article)
        if article.authors or article.correspondents:
            provenance["authors"] = "pattern"

    page_text = root.text_content()
    info = css_text(hints.date_css) or page_text
    article.published_at, article.published_at_raw = _parse_date(info, fetched_at)
    provenance["published_at"] = "pattern"
    raw_date = metas.get("publishdate") or metas.get("pubdate") or metas.get("article:published_time")
    if raw_date and not article.published_at:
        article.published_at, article.published_at_raw = _parse_date(raw_date, fetched_at)
        provenance["published_at"] = "meta"
    for fname, rx in _LABEL_RE.items():
        meta_value = metas.get(fname)
        if meta_value:
            setattr(article, fname, meta_value.strip())
            provenance[fname] = "meta"
            continue
        m = rx.search(page_text)
        if m:
            setattr(article, fname, m.group(1))
            provenance[fname] = "pattern"
    for block in root.xpath("//*[self::div or self::section][h2 or h3 or h4]"):
        heading = " ".join(block.xpath("string((h2|h3|h4)[1])").split())
        if heading in ("相关新闻", "相关阅读", "延伸阅读", "相關新聞"):
            for a in block.xpath(".//a[@href]"):
                link_title = " ".join(a.text_content().split())
                if link_title:
                    article.related.append(RelatedLink(title=link_title, url=_urljoin(url, a.get("href"))))
            provenance["related"] = "pattern"
            break
    return Extraction(article, provenance=provenance, encoding=encoding)


def extract_plain_text(body: bytes | str, url: str = "", *, fetched_at: datetime | None = None) -> Extraction:
    fetched_at = fetched_at or datetime.now(_CST)
    if isinstance(body, bytes):
        text, encoding = _decode(body, None)
    else:
        text, encoding = body, "utf-8"
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    article = Article(url=url, canonical_url=url, encoding=encoding, fetched_at=fetched_at.isoformat())
    article.body = "\n".join(lines)
    if not lines:
        return Extraction(None, "empty page", encoding=encoding)
    provenance = {"body": "text"}
    return Extraction(article, provenance=provenance, encoding=encoding)


_ = _json
