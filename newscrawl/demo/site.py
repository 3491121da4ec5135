"""潇湘法治网: the bundled offline demo site, a fictional Hunan legal weekly (潇湘法治报).

Every page is generated in memory from the hand-written ground truth in `articles.json`, so the
stored fields of a crawl can be compared with what the page shows. The pages imitate the noise of
real regional legal-news sites: navigation, breadcrumbs, an info bar with date / 来源 / 作者, share
buttons, centred images with a caption paragraph ending in a credit, 责任编辑, a QR prompt, 相关新闻,
上一篇/下一篇, a 热点排行 sidebar and an ICP footer.

URL layout (the spider contract):

- listings: `/{section}/index.html`, `/{section}/index_2.html`, … (3 articles a page, newest first;
  the pager links the next page with the text 下一页);
- articles: `/{section}/{YYYYMM}/{DD}/content_{id}.html`, see `ARTICLE_URL_PATTERN`;
- `/robots.txt` and `/sitemap.xml` depend on the host the site is served on: `DemoSite.get()` renders
  them for a base URL (they are not in `DemoSite.pages`);
- the `justice` section (its listings and articles) is served as GBK, everything else as UTF-8.
"""

from __future__ import annotations

import json
import logging
import re
import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

ARTICLE_URL_PATTERN = r"/(court|procuratorate|police|justice)/\d{6}/\d{2}/content_\d+\.html$"
"""Regex (for `re.search`) that matches every article URL of the demo site and nothing else."""

PAGE_SIZE = 3
"""Articles per listing page."""

SITE_SUFFIX = "_潇湘法治网"
"""What every `<title>` ends with."""

_DATA_FILE = "articles.json"


def _esc(text: str) -> str:
    return escape(text, quote=True)


@dataclass(frozen=True)
class DemoSection:
    """A channel of the site (法院, 检察, 公安, 司法行政)."""

    key: str
    """URL segment: `court`, `procuratorate`, `police`, `justice`."""
    name: str
    """Short name used in the navigation and breadcrumb (`法院`)."""
    title: str
    """Heading of the listing pages (`法院动态`)."""
    encoding: str
    """Charset the section's pages are served in (`utf-8` or `gbk`)."""

    @property
    def index_path(self) -> str:
        """Path of the first listing page."""
        return f"/{self.key}/index.html"

    def listing_path(self, page: int) -> str:
        """Path of listing page `page` (1-based): `index.html`, then `index_2.html`, …"""
        if page < 1:
            raise ValueError(f"listing pages start at 1, got {page}")
        return self.index_path if page == 1 else f"/{self.key}/index_{page}.html"

    @property
    def content_type(self) -> str:
        """HTTP Content-Type of the section's HTML pages."""
        return f"text/html; charset={self.encoding}"


@dataclass(frozen=True)
class DemoImage:
    """An image of an article body."""

    src: str
    """Site-relative path of the JPEG (`/images/202401/20317_1.jpg`)."""
    caption: str
    """Caption as shown under the image, without the credit."""
    credit: str | None
    """Credit printed at the end of the caption line (`警方供图`, `张三 摄`), None when absent."""
    after: int
    """How many body paragraphs precede the image (0 = above the first paragraph)."""

    def url(self, base_url: str) -> str:
        """Absolute URL of the image on a server at `base_url`."""
        return base_url.rstrip("/") + self.src


@dataclass(frozen=True)
class DemoArticle:
    """One article of the demo site: the ground truth its page is generated from."""

    id: int
    """Content id, the number in `content_{id}.html`."""
    section: str
    """Section key (`court`, `procuratorate`, `police`, `justice`)."""
    title: str
    """Headline as in `<h1>` (the `<title>` adds `_潇湘法治网`)."""
    published_at: str
    """Publication time, ISO 8601 with `+08:00`; midnight when the page shows only a date."""
    published_at_raw: str
    """The date text of the info bar exactly as shown, without any `发布时间：` label."""
    meta_tags: bool
    """Whether the page carries `<meta name="publishdate">` and `<meta name="source">`."""
    byline: str | None
    """The byline prefix of the first paragraph (`本报讯（记者 张三 通讯员 李四）`), None when absent."""
    outlet: str | None
    """Outlet named in the byline; None for a bare `本报讯`."""
    authors: tuple[str, ...]
    """Reporters in byline order, trainees included; also listed after `作者：` in the info bar."""
    trainee_authors: tuple[str, ...]
    """The subset of `authors` credited as 见习记者."""
    correspondents: tuple[str, ...]
    """通讯员 in byline order."""
    editor: str
    """责任编辑."""
    source: str
    """来源 of the info bar (and of `<meta name="source">` when present)."""
    paragraphs: tuple[str, ...]
    """Body paragraphs as shown, without leading indentation; the first starts with the byline."""
    images: tuple[DemoImage, ...]
    """Body images in page order."""
    related: tuple[int, ...]
    """Ids of the articles of the 相关新闻 block, in page order."""
    encoding: str
    """Charset the page is served in (`gbk` for the justice section, else `utf-8`)."""

    @property
    def published(self) -> datetime:
        """`published_at` as an aware datetime."""
        return datetime.fromisoformat(self.published_at)

    @property
    def path(self) -> str:
        """Site-relative URL path: `/{section}/{YYYYMM}/{DD}/content_{id}.html`."""
        day = self.published
        return f"/{self.section}/{day:%Y%m}/{day:%d}/content_{self.id}.html"

    def url(self, base_url: str) -> str:
        """Absolute URL on a server at `base_url` (`http://127.0.0.1:PORT`)."""
        return base_url.rstrip("/") + self.path

    @property
    def body(self) -> str:
        """Paragraphs joined by newlines (byline included, image captions excluded)."""
        return "\n".join(self.paragraphs)

    @property
    def lead(self) -> str:
        """First paragraph without its byline prefix."""
        first = self.paragraphs[0]
        return first[len(self.byline) :] if self.byline else first

    def summary(self, limit: int = 60) -> str:
        """Listing-page teaser: the start of the lead paragraph."""
        lead = self.lead
        return lead if len(lead) <= limit else lead[:limit] + "……"

    @property
    def meta_publishdate(self) -> str | None:
        """Content of `<meta name="publishdate">` (None when the page has no meta tags).

        `YYYY-MM-DD HH:MM:SS` when the info bar shows a time, `YYYY-MM-DD` when it shows only a date.
        """
        if not self.meta_tags:
            return None
        if _has_time(self.published_at_raw):
            return f"{self.published:%Y-%m-%d %H:%M:%S}"
        return f"{self.published:%Y-%m-%d}"

    def expected(self, base_url: str, site: DemoSite) -> dict[str, Any]:
        """The fields a perfect extraction of this page yields, named like `newscrawl.items.Article`.

        `body` keeps the byline prefix, as the page shows it; captions are not part of the body.
        """
        return {
            "url": self.url(base_url),
            "title": self.title,
            "published_at": self.published_at,
            "published_at_raw": self.published_at_raw,
            "authors": list(self.authors),
            "trainee_authors": list(self.trainee_authors),
            "correspondents": list(self.correspondents),
            "editor": self.editor,
            "source": self.source,
            "outlet": self.outlet,
            "body": self.body,
            "images": [
                {"url": image.url(base_url), "caption": image.caption, "credit": image.credit}
                for image in self.images
            ],
            "related": [
                {"title": other.title, "url": other.url(base_url)}
                for other in (site.article_by_id(i) for i in self.related)
            ],
            "encoding": self.encoding,
            "script": "Hans",
            "http_status": 200,
        }


@dataclass
class DemoPage:
    """A response the demo server sends."""

    body: bytes
    content_type: str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    """Extra headers (Location, Last-Modified, …); the server adds Content-Type and Content-Length."""


@dataclass
class DemoSite:
    """The whole site, built in memory."""

    info: dict[str, str]
    """Site facts from articles.json (name, outlet, ICP line, …)."""
    sections: dict[str, DemoSection]
    """Sections by key, in navigation order."""
    articles: list[DemoArticle]
    """All articles, in the order of articles.json."""
    pages: dict[str, DemoPage] = field(default_factory=dict)
    """Every static response by path. robots.txt and sitemap.xml are rendered per host by `get()`."""
    not_found: DemoPage = field(default_factory=lambda: DemoPage(b"", "text/html; charset=utf-8", 404))
    """The 404 page sent for any other path."""
    hot: tuple[int, ...] = ()
    """Ids of the 热点排行 sidebar list."""
    specials: tuple[dict[str, Any], ...] = ()
    """专题: slug, title and article ids; each has a page `/special/{slug}.html`."""

    def article_by_id(self, article_id: int) -> DemoArticle:
        """The article with this id (KeyError when there is none)."""
        for article in self.articles:
            if article.id == article_id:
                return article
        raise KeyError(article_id)

    def article_by_path(self, path: str) -> DemoArticle | None:
        """The article served at `path`, if any."""
        for article in self.articles:
            if article.path == path:
                return article
        return None

    def section_articles(self, key: str) -> list[DemoArticle]:
        """A section's articles as its listing shows them: newest first."""
        chosen = [a for a in self.articles if a.section == key]
        return sorted(chosen, key=lambda a: (a.published, a.id), reverse=True)

    def listing_paths(self, key: str) -> list[str]:
        """Paths of every listing page of a section, first page first."""
        section = self.sections[key]
        count = max(1, -(-len(self.section_articles(key)) // PAGE_SIZE))
        return [section.listing_path(n) for n in range(1, count + 1)]

    def listing_urls(self, base_url: str) -> list[str]:
        """Start URLs of a crawl: the first listing page of every section."""
        return [base_url.rstrip("/") + s.index_path for s in self.sections.values()]

    def robots_txt(self, base_url: str) -> str:
        """robots.txt for a server at `base_url` (the Sitemap line must be absolute)."""
        return f"User-agent: *\nDisallow: /admin/\n\nSitemap: {base_url.rstrip('/')}/sitemap.xml\n"

    def sitemap_xml(self, base_url: str) -> str:
        """sitemap.xml listing every article URL with its lastmod, newest first."""
        rows = []
        for article in sorted(self.articles, key=lambda a: (a.published, a.id), reverse=True):
            rows.append(
                f"  <url>\n    <loc>{_esc(article.url(base_url))}</loc>\n"
                f"    <lastmod>{article.published_at}</lastmod>\n  </url>\n"
            )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + "".join(rows) + "</urlset>\n"
        )

    def get(self, target: str, base_url: str) -> DemoPage:
        """The response for a request target (path, maybe with a query) on a server at `base_url`."""
        path = urlsplit(target).path or "/"
        if path == "/robots.txt":
            return DemoPage(self.robots_txt(base_url).encode("utf-8"), "text/plain; charset=utf-8")
        if path == "/sitemap.xml":
            return DemoPage(self.sitemap_xml(base_url).encode("utf-8"), "application/xml; charset=utf-8")
        page = self.pages.get(path)
        return self.not_found if page is None else page


def _has_time(raw: str) -> bool:
    return ":" in raw


def load_document() -> dict[str, Any]:
    """The parsed articles.json shipped with the package."""
    text = resources.files(__package__).joinpath(_DATA_FILE).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _parse(document: dict[str, Any]) -> tuple[dict[str, DemoSection], list[DemoArticle]]:
    sections = {
        s["key"]: DemoSection(s["key"], s["name"], s["title"], s["encoding"]) for s in document["sections"]
    }
    articles: list[DemoArticle] = []
    for raw in document["articles"]:
        section = sections.get(raw["section"])
        if section is None:
            raise ValueError(f"article {raw['id']}: unknown section {raw['section']!r}")
        images = tuple(
            DemoImage(src=i["src"], caption=i["caption"], credit=i.get("credit"), after=int(i["after"]))
            for i in raw.get("images") or []
        )
        articles.append(
            DemoArticle(
                id=int(raw["id"]),
                section=section.key,
                title=raw["title"],
                published_at=raw["published_at"],
                published_at_raw=raw["published_at_raw"],
                meta_tags=bool(raw["meta_tags"]),
                byline=raw.get("byline"),
                outlet=raw.get("outlet"),
                authors=tuple(raw["authors"]),
                trainee_authors=tuple(raw.get("trainee_authors") or ()),
                correspondents=tuple(raw.get("correspondents") or ()),
                editor=raw["editor"],
                source=raw["source"],
                paragraphs=tuple(raw["paragraphs"]),
                images=images,
                related=tuple(int(i) for i in raw.get("related") or ()),
                encoding=section.encoding,
            )
        )
    _check(articles)
    return sections, articles


def _check(articles: list[DemoArticle]) -> None:
    """Fail fast on a slip in the hand-written data: the pages would silently disagree with it."""
    ids = [a.id for a in articles]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate article ids in articles.json")
    known = set(ids)
    for a in articles:
        if a.published.utcoffset() is None:
            raise ValueError(f"article {a.id}: published_at has no offset")
        if a.byline is not None and not a.paragraphs[0].startswith(a.byline):
            raise ValueError(f"article {a.id}: first paragraph does not start with the byline")
        if not set(a.trainee_authors) <= set(a.authors):
            raise ValueError(f"article {a.id}: trainee_authors not a subset of authors")
        for other in a.related:
            if other not in known or other == a.id:
                raise ValueError(f"article {a.id}: bad related id {other}")
        for image in a.images:
            if not 0 <= image.after <= len(a.paragraphs):
                raise ValueError(f"article {a.id}: image position {image.after} out of range")


# ---------------------------------------------------------------------------------------------
# JPEG bytes: a valid baseline greyscale JPEG, built by hand so the package ships no binary files.


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def tiny_jpeg(comment: str, width: int = 64, height: int = 48) -> bytes:
    """A mid-grey baseline JPEG of `width` x `height` pixels carrying `comment` in a COM segment.

    Each 8x8 block codes DC difference 0 and an immediate end-of-block; with one-symbol Huffman
    tables both are the 1-bit code `0`, so the scan is all zero bits.
    """
    blocks = -(-width // 8) * -(-height // 8)
    scan_bits = 2 * blocks
    scan = bytearray(b"\x00" * (scan_bits // 8))
    if scan_bits % 8:
        # Pad the last byte with 1-bits, as the standard requires.
        scan.append((1 << (8 - scan_bits % 8)) - 1)
    one_code_table = bytes([1] + [0] * 15) + b"\x00"
    parts = [
        b"\xff\xd8",
        _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
        _segment(0xFE, comment.encode("utf-8")),
        _segment(0xDB, b"\x00" + bytes([1] * 64)),
        _segment(0xC0, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00"),
        _segment(0xC4, b"\x00" + one_code_table),
        _segment(0xC4, b"\x10" + one_code_table),
        _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00"),
        bytes(scan),
        b"\xff\xd9",
    ]
    return b"".join(parts)


# ---------------------------------------------------------------------------------------------
# HTML rendering. Each variation below copies a habit of real CMS pages so extractors meet it.

_CSS = """
body{margin:0;font:14px/1.8 "Microsoft YaHei",SimSun,sans-serif;color:#333}
a{color:#333;text-decoration:none}.w1200{width:1200px;margin:0 auto}
.topbar{background:#f5f5f5;font-size:12px}.header{height:90px}.nav{background:#b71c1c}
.nav li{display:inline-block}.nav a{color:#fff;padding:0 18px;line-height:40px}
.left{float:left;width:820px}.right{float:right;width:340px}.footer{clear:both;background:#eee;text-align:center}
.info{color:#999;font-size:12px}.info span{margin-right:12px}.article-content p{margin:0 0 1em}
.pager a,.pager span{margin:0 3px}.disabled{color:#bbb}
"""


class _Renderer:
    def __init__(self, site: DemoSite) -> None:
        self.site = site
        self.name = site.info["name"]

    # -- shared chrome --------------------------------------------------------------------

    def document(self, *, title: str, charset: str, body: str, head_extra: str = "") -> str:
        return (
            "<!DOCTYPE html>\n"
            '<html lang="zh-CN">\n<head>\n'
            f'<meta charset="{charset}">\n'
            '<meta http-equiv="X-UA-Compatible" content="IE=edge">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_esc(title)}</title>\n"
            f"{head_extra}"
            f"<style>{_CSS}</style>\n"
            "<script>var _hmt = _hmt || [];</script>\n"
            "</head>\n<body>\n"
            f"{self.header()}{body}{self.footer()}"
            '<script type="text/javascript">\n'
            '(function(){var h=document.getElementById("hits");if(h){h.innerHTML="1"+"024";}})();\n'
            "</script>\n</body>\n</html>\n"
        )

    def header(self) -> str:
        nav = ['<li><a href="/">首页</a></li>']
        for section in self.site.sections.values():
            nav.append(f'<li><a href="{section.index_path}">{_esc(section.name)}</a></li>')
        nav.append('<li><a href="/about.html">关于我们</a></li>')
        return (
            '<div class="topbar"><div class="w1200">'
            f"<span>{_esc(self.site.info['slogan'])}</span> | "
            '<a href="javascript:void(0);">设为首页</a> | <a href="javascript:void(0);">加入收藏</a> | '
            '<a href="/">手机版</a></div></div>\n'
            '<div class="header w1200"><a class="logo" href="/">'
            f'<img src="/images/logo.jpg" alt="{_esc(self.name)}"></a>'
            '<form class="search" action="/search/" method="get"><input type="text" name="q" '
            'placeholder="请输入关键词"><button type="submit">搜索</button></form></div>\n'
            f'<div class="nav"><ul class="w1200">{"".join(nav)}</ul></div>\n'
        )

    def footer(self) -> str:
        info = self.site.info
        return (
            '<div class="footer">\n'
            '<p><a href="/about.html">关于我们</a> | <a href="/about.html#contact">联系我们</a> | '
            '<a href="/about.html#copyright">版权声明</a> | <a href="/admin/">网站管理</a></p>\n'
            f"<p>Copyright &copy; 2024 {_esc(self.name)} All Rights Reserved 版权所有</p>\n"
            f"<p>主办：{_esc(info['outlet'])}社 地址：{_esc(info['address'])} "
            f"邮箱：{_esc(info['email'])}</p>\n"
            f'<p><a href="https://beian.miit.gov.cn/" target="_blank">{_esc(info["icp"])}</a> '
            f"{_esc(info['police_record'])}</p>\n"
            "<p>未经本网授权，不得转载、摘编或利用其它方式使用上述作品</p>\n"
            "</div>\n"
        )

    def sidebar(self) -> str:
        hot = []
        for rank, article_id in enumerate(self.site.hot, start=1):
            article = self.site.article_by_id(article_id)
            hot.append(
                f'<li><em>{rank}</em><a href="{article.path}" target="_blank">{_esc(article.title)}</a></li>'
            )
        specials = "".join(
            f'<li><a href="/special/{s["slug"]}.html">{_esc(s["title"])}</a></li>' for s in self.site.specials
        )
        return (
            '<div class="right">\n'
            f'<div class="box rank"><h3>热点排行</h3><ol>{"".join(hot)}</ol></div>\n'
            f'<div class="box special"><h3>专题</h3><ul>{specials}</ul></div>\n'
            '<div class="box ad"><a href="/about.html">'
            '<img src="/images/qrcode.jpg" alt="潇湘法治网公众号"></a>'
            "<p>扫码关注 获取更多法治资讯</p></div>\n"
            "</div>\n"
        )

    # -- article page ----------------------------------------------------------------------

    def article(self, article: DemoArticle) -> str:
        section = self.site.sections[article.section]
        head = (
            f'<meta name="keywords" content="{_esc(section.name)},{_esc(article.title)}">\n'
            f'<meta name="description" content="{_esc(article.summary(80))}">\n'
        )
        if article.meta_tags:
            head += (
                f'<meta name="publishdate" content="{article.meta_publishdate}">\n'
                f'<meta name="source" content="{_esc(article.source)}">\n'
            )
        body = (
            '<div class="main w1200">\n'
            f'<div class="crumb">当前位置：<a href="/">首页</a> &gt; '
            f'<a href="{section.index_path}">{_esc(section.name)}</a> &gt; 正文</div>\n'
            '<div class="left">\n<div class="article">\n'
            f"<h1>{_esc(article.title)}</h1>\n"
            f"{self.info_bar(article)}"
            '<div class="share">分享到：<a href="javascript:;" class="wx">微信</a> '
            '<a href="javascript:;" class="wb">微博</a> <a href="javascript:;" class="qz">QQ空间</a></div>\n'
            "<!-- 正文开始 -->\n"
            f'<div class="article-content" id="content">\n{self.content(article)}</div>\n'
            "<!-- 正文结束 -->\n"
            f'<p class="editor">责任编辑：{_esc(article.editor)}</p>\n'
            '<div class="qrcode"><img src="/images/qrcode.jpg" alt="二维码">'
            "<p>扫一扫 关注潇湘法治网微信公众号</p></div>\n"
            f"{self.prev_next(article)}"
            f"{self.related(article)}"
            "</div>\n</div>\n"
            f"{self.sidebar()}"
            "</div>\n"
        )
        return self.document(
            title=article.title + SITE_SUFFIX, charset=article.encoding, body=body, head_extra=head
        )

    def info_bar(self, article: DemoArticle) -> str:
        authors = " ".join(article.authors)
        if article.id % 2 == 0:
            return (
                '<div class="info">'
                f'<span class="time">{_esc(article.published_at_raw)}</span>'
                f'<span class="source">来源：{_esc(article.source)}</span>'
                f'<span class="author">作者：{_esc(authors)}</span>'
                '<span class="hits">浏览量：<em id="hits"></em></span></div>\n'
            )
        return (
            f'<div class="info">发布时间：{_esc(article.published_at_raw)}&nbsp;&nbsp;'
            f'来源：<a href="/">{_esc(article.source)}</a>&nbsp;&nbsp;作者：{_esc(authors)}&nbsp;&nbsp;'
            '<span class="fontsize">【字号：<a href="javascript:;">大</a> <a href="javascript:;">中</a> '
            '<a href="javascript:;">小</a>】</span></div>\n'
        )

    def paragraph(self, article: DemoArticle, index: int, text: str) -> str:
        inner = _esc(text)
        if index == 0 and article.byline and article.id % 3 == 0:
            # Many CMS editors bold the byline.
            inner = f"<strong>{_esc(article.byline)}</strong>{_esc(text[len(article.byline) :])}"
        variant = (article.id + index) % 4
        if variant == 1:
            return f"<p>&nbsp;&nbsp;&nbsp;&nbsp;{inner}</p>\n"
        if variant == 2:
            return f"<p>\u3000\u3000{inner}</p>\n"
        if variant == 3:
            return f'<p style="text-indent: 2em;">{inner}</p>\n'
        return f"<p>{inner}</p>\n"

    def image(self, article: DemoArticle, index: int, image: DemoImage) -> str:
        alt = _esc(image.caption) if article.id % 2 else ""
        line = _esc(image.caption)
        if image.credit:
            sep = "\u3000" if (article.id + index) % 2 == 0 else " "
            line += sep + _esc(image.credit)
        if article.id % 3 == 1:
            line = f'<span style="font-family: 楷体;">{line}</span>'
        return (
            f'<p style="text-align: center;"><img src="{image.src}" alt="{alt}" border="0"></p>\n'
            f'<p style="text-align: center;">{line}</p>\n'
        )

    def content(self, article: DemoArticle) -> str:
        out = []
        for n, image in enumerate(article.images):
            if image.after == 0:
                out.append(self.image(article, n, image))
        for index, text in enumerate(article.paragraphs):
            out.append(self.paragraph(article, index, text))
            for n, image in enumerate(article.images):
                if image.after == index + 1:
                    out.append(self.image(article, n, image))
        if article.id % 2:
            out.append("<p>&nbsp;</p>\n")
        html = "".join(out)
        if article.encoding != "utf-8":
            # Government-style CMS (TRS) wraps the body in its own div with an inline <style>.
            html = (
                '<div class="TRS_Editor"><style type="text/css">\n'
                ".TRS_Editor P{margin-top:0;margin-bottom:12px;line-height:1.8;font-size:12pt;}\n"
                f"</style>\n{html}</div>\n"
            )
        return html

    def prev_next(self, article: DemoArticle) -> str:
        chain = list(reversed(self.site.section_articles(article.section)))  # oldest first
        i = chain.index(article)
        parts = []
        if i > 0:
            parts.append(f'<p>上一篇：<a href="{chain[i - 1].path}">{_esc(chain[i - 1].title)}</a></p>')
        else:
            parts.append("<p>上一篇：没有了</p>")
        if i + 1 < len(chain):
            parts.append(f'<p>下一篇：<a href="{chain[i + 1].path}">{_esc(chain[i + 1].title)}</a></p>')
        else:
            parts.append("<p>下一篇：没有了</p>")
        return f'<div class="prev-next">{"".join(parts)}</div>\n'

    def related(self, article: DemoArticle) -> str:
        items = []
        for article_id in article.related:
            other = self.site.article_by_id(article_id)
            items.append(f'<li><a href="{other.path}" target="_blank">{_esc(other.title)}</a></li>')
        return f'<div class="related"><h3>相关新闻</h3><ul>{"".join(items)}</ul></div>\n'

    # -- listings ------------------------------------------------------------------------------

    def news_list(self, articles: list[DemoArticle]) -> str:
        items = []
        for a in articles:
            items.append(
                f'<li><h3><a href="{a.path}" target="_blank">{_esc(a.title)}</a></h3>'
                f'<p class="summary">{_esc(a.summary())}</p>'
                f'<span class="date">{a.published:%Y-%m-%d}</span></li>\n'
            )
        return f'<ul class="news-list">\n{"".join(items)}</ul>\n'

    def pager(self, section: DemoSection, page: int, pages: int, total: int) -> str:
        def href(n: int) -> str:
            # Relative links, as CMS pagers write them.
            return "index.html" if n == 1 else f"index_{n}.html"

        parts = [f"<span>共{total}条 {page}/{pages}页</span>", f'<a href="{href(1)}">首页</a>']
        if page > 1:
            parts.append(f'<a href="{href(page - 1)}">上一页</a>')
        else:
            parts.append('<span class="disabled">上一页</span>')
        for n in range(1, pages + 1):
            if n == page:
                parts.append(f'<span class="current">{n}</span>')
            else:
                parts.append(f'<a href="{href(n)}">{n}</a>')
        if page < pages:
            parts.append(f'<a href="{href(page + 1)}">下一页</a>')
        else:
            parts.append('<span class="disabled">下一页</span>')
        parts.append(f'<a href="{href(pages)}">尾页</a>')
        return f'<div class="pager">{" ".join(parts)}</div>\n'

    def listing(self, section: DemoSection, page: int) -> str:
        articles = self.site.section_articles(section.key)
        pages = max(1, -(-len(articles) // PAGE_SIZE))
        chunk = articles[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        body = (
            '<div class="main w1200">\n'
            f'<div class="crumb">当前位置：<a href="/">首页</a> &gt; {_esc(section.name)}</div>\n'
            f'<div class="left">\n<div class="list"><h2>{_esc(section.title)}</h2>\n'
            f"{self.news_list(chunk)}"
            f"{self.pager(section, page, pages, len(articles))}"
            "</div>\n</div>\n"
            f"{self.sidebar()}"
            "</div>\n"
        )
        suffix = "" if page == 1 else f"_第{page}页"
        return self.document(
            title=f"{section.title}{suffix}{SITE_SUFFIX}", charset=section.encoding, body=body
        )

    # -- other pages -------------------------------------------------------------------------

    def home(self) -> str:
        newest = sorted(self.site.articles, key=lambda a: (a.published, a.id), reverse=True)
        with_images = [a for a in newest if a.images][:4]
        slides = "".join(
            f'<li><a href="{a.path}" target="_blank"><img src="{a.images[0].src}" alt="{_esc(a.title)}"></a>'
            f'<p><a href="{a.path}" target="_blank">{_esc(a.title)}</a></p></li>'
            for a in with_images
        )
        top = newest[0]
        blocks = []
        for section in self.site.sections.values():
            latest = self.site.section_articles(section.key)[:5]
            items = "".join(
                f'<li><a href="{a.path}" target="_blank">{_esc(a.title)}</a>'
                f'<span class="date">{a.published:%m-%d}</span></li>'
                for a in latest
            )
            blocks.append(
                f'<div class="block"><h2><a href="{section.index_path}">{_esc(section.title)}</a>'
                f'<a class="more" href="{section.index_path}">更多&gt;&gt;</a></h2><ul>{items}</ul></div>\n'
            )
        body = (
            '<div class="main w1200">\n<div class="left">\n'
            f'<div class="slider" id="focus"><ul>{slides}</ul></div>\n'
            f'<div class="headline"><h2><a href="{top.path}" target="_blank">{_esc(top.title)}</a></h2>'
            f"<p>{_esc(top.summary(90))}</p></div>\n"
            f"{''.join(blocks)}"
            "</div>\n"
            f"{self.sidebar()}"
            '<div class="links">友情链接：<span>湘源市中级人民法院</span> <span>潇水市人民检察院</span> '
            "<span>湘源市公安局</span> <span>湘源市司法局</span></div>\n"
            "</div>\n"
        )
        return self.document(title=f"{self.name}_{self.site.info['slogan']}", charset="utf-8", body=body)

    def special(self, special: dict[str, Any]) -> str:
        articles = [self.site.article_by_id(i) for i in special["articles"]]
        body = (
            '<div class="main w1200">\n'
            '<div class="crumb">当前位置：<a href="/">首页</a> &gt; 专题 &gt; '
            f"{_esc(special['title'])}</div>\n"
            f'<div class="left"><h2>{_esc(special["title"])}</h2>\n{self.news_list(articles)}</div>\n'
            f"{self.sidebar()}"
            "</div>\n"
        )
        return self.document(title=special["title"] + SITE_SUFFIX, charset="utf-8", body=body)

    def about(self) -> str:
        info = self.site.info
        body = (
            '<div class="main w1200">\n'
            '<div class="crumb">当前位置：<a href="/">首页</a> &gt; 关于我们</div>\n'
            '<div class="left about"><h2>关于我们</h2>\n'
            f"<p>{_esc(self.name)}是{_esc(info['outlet'])}社主办的法治新闻网站，立足湘源、潇水两市，"
            "报道法院、检察、公安、司法行政等政法领域的新闻资讯，普及法律知识，服务基层群众。</p>\n"
            "<p>本网所有内容均为演示用虚构内容，所涉地名、机构、人物和案件均非真实存在。</p>\n"
            f'<h3 id="contact">联系我们</h3><p>地址：{_esc(info["address"])}</p>'
            f"<p>邮箱：{_esc(info['email'])}</p>\n"
            '<h3 id="copyright">版权声明</h3><p>本网刊发的作品，未经授权不得转载。</p>\n'
            "</div>\n"
            f"{self.sidebar()}"
            "</div>\n"
        )
        return self.document(title="关于我们" + SITE_SUFFIX, charset="utf-8", body=body)

    def admin(self) -> str:
        body = (
            '<div class="main w1200"><h2>后台管理登录</h2>\n'
            '<form action="/admin/login" method="post"><p>用户名：<input name="user"></p>'
            '<p>密码：<input name="password" type="password"></p><button type="submit">登录</button></form>\n'
            "</div>\n"
        )
        return self.document(title="网站管理" + SITE_SUFFIX, charset="utf-8", body=body)

    def not_found(self) -> str:
        body = (
            '<div class="main w1200"><h2>404 您访问的页面不存在</h2>\n'
            '<p>页面可能已被删除或地址有误，<a href="/">返回首页</a>。</p></div>\n'
        )
        return self.document(title="页面不存在" + SITE_SUFFIX, charset="utf-8", body=body)


def _encode(html: str, charset: str, where: str) -> bytes:
    try:
        return html.encode(charset)
    except UnicodeEncodeError as exc:
        bad = html[exc.start : exc.end]
        raise ValueError(f"{where}: {bad!r} cannot be encoded as {charset}") from exc


def _html_page(html: str, charset: str, where: str, headers: dict[str, str] | None = None) -> DemoPage:
    return DemoPage(_encode(html, charset, where), f"text/html; charset={charset}", headers=headers or {})


def build_site(document: dict[str, Any] | None = None) -> DemoSite:
    """Build every page of the demo site in memory from `document` (default: the shipped articles.json)."""
    document = document if document is not None else load_document()
    sections, articles = _parse(document)
    site = DemoSite(
        info=dict(document["site"]),
        sections=sections,
        articles=articles,
        hot=tuple(int(i) for i in document.get("hot") or ()),
        specials=tuple(document.get("specials") or ()),
    )
    render = _Renderer(site)
    pages = site.pages
    pages["/"] = _html_page(render.home(), "utf-8", "home page")
    pages["/index.html"] = pages["/"]
    pages["/about.html"] = _html_page(render.about(), "utf-8", "about page")
    pages["/admin/"] = _html_page(render.admin(), "utf-8", "admin page")
    site.not_found = _html_page(render.not_found(), "utf-8", "404 page")
    site.not_found.status = 404
    for special in site.specials:
        pages[f"/special/{special['slug']}.html"] = _html_page(
            render.special(special), "utf-8", f"special {special['slug']}"
        )
    for section in sections.values():
        # A bare section directory redirects to its first listing page, as CMS sites do.
        pages[f"/{section.key}/"] = DemoPage(
            b"", "text/html; charset=utf-8", 301, {"Location": section.index_path}
        )
        for number, path in enumerate(site.listing_paths(section.key), start=1):
            pages[path] = _html_page(render.listing(section, number), section.encoding, path)
    for article in articles:
        if article.path in pages:
            raise ValueError(f"article {article.id}: path {article.path} already taken")
        last_modified = format_datetime(article.published.astimezone(UTC), usegmt=True)
        pages[article.path] = _html_page(
            render.article(article),
            article.encoding,
            f"article {article.id}",
            {"Last-Modified": last_modified},
        )
    jpeg_paths = ["/images/logo.jpg", "/images/qrcode.jpg"]
    jpeg_paths += [image.src for article in articles for image in article.images]
    for src in jpeg_paths:
        pages[src] = DemoPage(tiny_jpeg(src), "image/jpeg", headers={"Cache-Control": "max-age=86400"})
    logger.debug("built demo site: %d articles, %d pages", len(articles), len(pages))
    return site


def is_article_url(url: str) -> bool:
    """Whether `url` is an article URL of the demo site."""
    return re.search(ARTICLE_URL_PATTERN, urlsplit(url).path) is not None
