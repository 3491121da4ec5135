"""The listing pass (`NewsSpider.page_links`, `article_links`, `pagination_links`) against Scrapy's
LinkExtractor, on every listing-like page of the shared corpus and on hand-written pages with tricky
hrefs: the same URLs, in the same order, each once.

The oracle is what the spider did before it walked the lxml tree itself: `LinkExtractor` for the
links (with `allow=` the article pattern for `article_links`), and a per-anchor XPath for the pager.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from scrapy.http import HtmlResponse, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.spiderloader import get_spider_loader
from scrapy.utils.test import get_crawler

from newscrawl.spiders.base import NEXT_PAGE_TEXT, NewsSpider
from newscrawl.spiders.site import SiteSpider
from tests.sitekit import project_settings


class OpenSpider(NewsSpider):
    """The base strategy with no domain limit and no pager pattern (only 下一页 links)."""

    name = "open_listing_test"


class PagedSpider(NewsSpider):
    """A pager pattern that matches many real pagers, and one allowed domain family."""

    name = "paged_listing_test"
    pagination_url_pattern = r"(?:index_\d+\.s?html?|[?&]page=\d+|list_\d+\.html?)$"
    allowed_domains: ClassVar[list[str]] = ["163.com", "127.0.0.1", "example.cn"]


def build(cls: type[NewsSpider], **kwargs: Any) -> NewsSpider:
    values = project_settings().copy_to_dict()
    for key in ("TWISTED_REACTOR", "TWISTED_REACTOR_ENABLED", "ASYNCIO_EVENT_LOOP"):
        values.pop(key, None)
    spider = cls.from_crawler(get_crawler(cls, values), **kwargs)
    assert isinstance(spider, NewsSpider)
    return spider


# -- the oracle: the code this replaced ------------------------------------------------------------


def oracle_article_links(spider: NewsSpider, response: TextResponse) -> list[str]:
    extractor = LinkExtractor(allow=spider.article_url_pattern)
    return [link.url for link in extractor.extract_links(response) if spider.is_allowed(link.url)]


def oracle_site_article_links(spider: SiteSpider, response: TextResponse) -> list[str]:
    found: list[str] = []
    for link in LinkExtractor().extract_links(response):
        url = spider.clean_url(link.url)
        if url not in found and spider.is_article_url(url) and spider.is_allowed(url):
            found.append(url)
    return found


def oracle_pagination_links(spider: NewsSpider, response: TextResponse) -> list[str]:
    pattern = spider._pagination_re
    found: list[str] = []
    for anchor in response.selector.root.iter("a"):
        href = anchor.get("href")
        if href is None or not href or href.startswith(("javascript:", "#")):
            continue
        text = " ".join(anchor.xpath("descendant-or-self::text()")).strip()
        if not NEXT_PAGE_TEXT.match(text) and pattern is None:
            continue
        try:
            url = response.urljoin(href)
        except ValueError:
            # The one difference: a bogus href (`http://[::1/…`) used to raise here and cost the
            # listing its pager; it is skipped now, as LinkExtractor skips it.
            continue
        is_next = NEXT_PAGE_TEXT.match(text) or (pattern and pattern.search(url))
        if is_next and url != response.url and spider.is_allowed(url) and url not in found:
            found.append(url)
    return found


def fresh(response: TextResponse) -> TextResponse:
    """The same page as a new response object, so neither side sees the other's parse."""
    return response.replace()


def assert_same_links(spider: NewsSpider, response: TextResponse) -> tuple[int, int, int]:
    """Compare every listing method with its oracle; return how many links each found."""
    links = spider.page_links(fresh(response))
    assert links == [link.url for link in LinkExtractor().extract_links(fresh(response))]
    if isinstance(spider, SiteSpider):
        articles = spider.article_links(fresh(response))
        assert articles == oracle_site_article_links(spider, fresh(response))
    else:
        articles = spider.article_links(fresh(response))
        assert articles == oracle_article_links(spider, fresh(response))
    pages = spider.pagination_links(fresh(response))
    assert pages == oracle_pagination_links(spider, fresh(response))
    return len(links), len(articles), len(pages)


# -- the corpus ------------------------------------------------------------------------------------


def corpus_pages(corpus: Path) -> Iterator[tuple[str, str]]:
    """(file, URL) of every listing page and article page of the corpus (article pages are full of
    navigation, related lists and link farms: listing-like enough)."""
    with (corpus / "manifest.tsv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            name = row["file"]
            if not name.endswith(".html") or row["kind"] not in ("article", "list", "listing", "home"):
                continue
            url = row.get("original_url") or ""
            if not url.startswith(("http://", "https://")):
                # No original URL: relative links then resolve against a plausible page of a site.
                url = f"http://www.example.cn/{Path(name).parent.name}/{Path(name).stem}/index.html"
            yield name, url


@pytest.mark.corpus
def test_every_corpus_page_gives_the_link_extractors_links(corpus: Path) -> None:
    spiders = [build(OpenSpider), build(PagedSpider)]
    pages = list(corpus_pages(corpus))
    assert len(pages) > 100, "the manifest lists fewer pages than the corpus README says"
    totals = [0, 0, 0]
    for name, url in pages:
        body = (corpus / name).read_bytes()
        # Encoding as Scrapy finds it (headers none, then the page's <meta>), as in a crawl.
        response = HtmlResponse(url=url, body=body)
        for spider in spiders:
            try:
                counts = assert_same_links(spider, response)
            except AssertionError as exc:
                raise AssertionError(f"{name} ({type(spider).__name__}): {exc}") from exc
            totals = [t + c for t, c in zip(totals, counts, strict=True)]
    # The comparison means something only if the pages do have links of each kind.
    assert totals[0] > 10_000
    assert totals[1] > 1_000
    assert totals[2] > 0


@pytest.mark.corpus
def test_every_site_spider_on_the_legal_home_pages(corpus: Path) -> None:
    loader = get_spider_loader(project_settings())
    legal = sorted((corpus / "lists" / "legal").glob("*.html"))
    assert legal
    compared = 0
    for name in loader.list():
        cls = loader.load(name)
        if not issubclass(cls, SiteSpider) or not cls.allowed_domains:
            continue
        spider = build(cls)
        for path in legal:
            # The saved pages are UTF-8 although two declare gb2312: both readings are pages a
            # crawl can meet (a wrong charset declaration is one).
            for encoding in ("utf-8", None):
                url = f"http://www.{path.stem}/"
                response = HtmlResponse(url=url, body=path.read_bytes(), encoding=encoding)
                assert_same_links(spider, response)
                compared += 1
    assert compared > 20


# -- hand-written pages ----------------------------------------------------------------------------

TRICKY_ANCHORS = """
<a href="/court/202108/05/content_1.html">一</a>
<a href="  /court/202108/05/content_2.html
">二 (whitespace around)</a>
<a href="\t/court/202108/05/content_3.html#comments">三 (tab, fragment)</a>
<a href="/court/202108/05/content_3.html#top">三 again, another fragment</a>
<a href="/court/202108/05/content_1.html">一 again</a>
<a href="../court/202108/05/content_4.html">四 (relative, dot segments)</a>
<a href="content_5.html">五 (relative to the page or the base)</a>
<A HREF="HTTP://127.0.0.1/COURT/202108/05/content_6.html">六 (uppercase)</A>
<a href="https://127.0.0.1:8443/court/202108/05/content_7.html">七 (port)</a>
<a href="/法院/202108/05/content_8.html">八 (non-ASCII path)</a>
<a href="/court/202108/05/content_9.html?来源=首页&amp;q=法治">九 (non-ASCII query)</a>
<a href="/court/202108/05/content_10.html?a=%E6%B3%95&amp;b=1 2">十 (escapes, a space)</a>
<a href="//www.example.cn/court/202108/05/content_11.html">十一 (scheme-relative)</a>
<a href="http://法治.example.cn/court/202108/05/content_12.html">十二 (IDN host)</a>
<a href="http://[::1/court/202108/05/content_13.html">bogus IPv6 host</a>
<a href="javascript:void(0)">js</a>
<a href="JavaScript:openWin('/court/202108/05/content_14.html')">js, uppercase</a>
<a href="mailto:editor@example.cn">mail</a>
<a href="tel:+86-731-1234567">tel</a>
<a href="ftp://127.0.0.1/court/202108/05/content_15.html">ftp</a>
<a href="file:///court/202108/05/content_16.html">file</a>
<a href="/court/202108/05/content_17.PDF">document, uppercase extension</a>
<a href="/images/202108/05/content_18.jpg">image</a>
<a href="/court/202108/05/content_19.html;jsessionid=ABC">path parameters</a>
<a href="">empty</a>
<a href=" ">blank</a>
<a>no href</a>
<a href="#">fragment only</a>
<a href="?page=2">query only</a>
<area href="/court/202108/05/content_20.html" alt="map area">
<map><area href="/court/202108/05/content_21.html"></map>
<link href="/court/202108/05/content_22.html" rel="alternate">
<a href="http://other.example.org/court/202108/05/content_23.html">off-site</a>
<a href="http://sub.127.0.0.1.example/court/202108/05/content_24.html">look-alike host</a>
<a href="/court/index_2.html">下一页</a>
<a href="/court/index_2.html"> 下一页 &gt;&gt; </a>
<a href="/court/index_3.html"><span>下一</span><b>页</b></a>
<a href="/court/index_4.html">下一<!-- 注释 -->页</a>
<a href=" /court/index_5.html ">next »</a>
<a href="/court/list_6.html">&gt;</a>
<a href="/court/index_7.html">第7页</a>
<a href="?page=8">8</a>
<a href="javascript:next()">下一页</a>
<a href="#next">下一页</a>
<a href="http://127.0.0.1/court/index.html">下一页 (the page itself)</a>
<a href="http://other.example.org/court/index_9.html">下一页 (off-site)</a>
<a href="/court/202108/06/content_25.html?x=1#y">二十五</a>
<a href="/court/202108/06/content_25.html?x=1">二十五 again without the fragment</a>
<a href="/court/202108/06/content_26.html?">empty query</a>
<a href="/court/202108/06/content_27.html#">empty fragment</a>
<a href="/court/202108/06/content_28.html?#">both empty</a>
<a href="http://127.0.0.1">host only</a>
<a href="http://127.0.0.1?x=1">host and query</a>
<a href="https://127.0.0.1/court/202108/06/content_29.html">https</a>
<a href="http://[::1]:8080/court/202108/06/content_30.html">IPv6 host</a>
<a href="http:///court/202108/06/content_31.html">no host</a>
<a href="http:/court/202108/06/content_32.html">one slash</a>
<a href="http://127.0.0.1/court/202108/06/content_33.HTML">uppercase .HTML</a>
<a href="http://127.0.0.1/files/report.Doc">uppercase .Doc</a>
<a href="http://127.0.0.1/court/202108/06/">folder</a>
"""


def page(anchors: str, *, head: str = "", charset: str = "utf-8", padding: int = 0) -> bytes:
    filler = "<!-- " + "x" * padding + " -->" if padding else ""
    return (
        f'<html><head><meta charset="{charset}"><title>列表</title>{filler}{head}</head>'
        f"<body><div class='list'>{anchors}</div></body></html>"
    ).encode(charset, errors="xmlcharrefreplace")


PAGE_URL = "http://127.0.0.1/court/index.html"
HANDWRITTEN = {
    "plain": page(TRICKY_ANCHORS),
    "base href": page(TRICKY_ANCHORS, head='<base href="http://127.0.0.1/police/sub/">'),
    "relative base href": page(TRICKY_ANCHORS, head='<base href="../procuratorate/">'),
    # LinkExtractor reads <base> in the first 4096 characters only.
    "base href too late": page(TRICKY_ANCHORS, head='<base href="http://127.0.0.1/late/">', padding=5000),
    "GBK": page(TRICKY_ANCHORS, charset="gbk"),
    "GB18030 with base": page(TRICKY_ANCHORS, charset="gb18030", head='<base href="/justice/">'),
    "XHTML": (
        '<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml">'
        f"<head><title>列表</title></head><body>{TRICKY_ANCHORS}</body></html>"
    ).encode(),
    "duplicates": page(TRICKY_ANCHORS * 3),
    "no links": page("<p>没有链接</p>"),
}


@pytest.mark.parametrize("name", sorted(HANDWRITTEN))
@pytest.mark.parametrize("cls", [OpenSpider, PagedSpider], ids=lambda c: c.__name__)
@pytest.mark.parametrize(
    "page_url", [PAGE_URL, "https://127.0.0.1/court/", "HTTP://127.0.0.1:8080/court/x.html"]
)
def test_tricky_hrefs_give_the_link_extractors_links(name: str, cls: type[NewsSpider], page_url: str) -> None:
    response = HtmlResponse(url=page_url, body=HANDWRITTEN[name])
    links, _, _ = assert_same_links(build(cls), response)
    assert (links == 0) == (name == "no links")


def test_the_demo_spider_on_a_tricky_listing() -> None:
    spider = build(get_spider_loader(project_settings()).load("demo"), base_url="http://127.0.0.1:8000")
    for body in HANDWRITTEN.values():
        assert_same_links(spider, HtmlResponse(url="http://127.0.0.1:8000/court/index.html", body=body))


def test_what_the_pass_keeps_from_the_tricky_page() -> None:
    """Independent of LinkExtractor: a few of the links above, as a reader of the page expects them."""
    spider = build(OpenSpider)
    links = spider.page_links(HtmlResponse(url=PAGE_URL, body=HANDWRITTEN["plain"]))
    assert links[0] == "http://127.0.0.1/court/202108/05/content_1.html"
    assert links[1] == "http://127.0.0.1/court/202108/05/content_2.html"  # whitespace stripped
    assert "http://127.0.0.1/court/202108/05/content_3.html#comments" in links  # fragments kept
    assert "http://127.0.0.1/%E6%B3%95%E9%99%A2/202108/05/content_8.html" in links
    assert "http://127.0.0.1/court/202108/05/content_20.html" in links  # <area>
    assert not any(url.startswith(("javascript:", "mailto:", "tel:")) for url in links)
    assert not any(url.lower().endswith((".pdf", ".jpg")) for url in links)
    assert "http://127.0.0.1/court/202108/05/content_22.html" not in links  # <link> is not a link
    assert len(links) == len(set(links))
    paged = spider.pagination_links(HtmlResponse(url=PAGE_URL, body=HANDWRITTEN["plain"]))
    assert paged[0] == "http://127.0.0.1/court/index_2.html"  # once, though linked twice
    assert paged.count("http://127.0.0.1/court/index_2.html") == 1
    assert "http://127.0.0.1/court/list_6.html" in paged  # the text ">"
    assert PAGE_URL not in paged
    assert not any("other.example.org" in url or "index_7" in url for url in paged)
