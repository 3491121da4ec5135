"""Discovery beyond listing pages: sitemaps (and robots.txt), RSS/Atom feeds, check mode, listing_url.

The spider methods run on responses built here; the last test crawls a whole site (最高检's URLs,
served on loopback through `LoopbackWeb`) with the real `newscrawl crawl` into a real SQLite file.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import scrapy
from scrapy.http import HtmlResponse, TextResponse, XmlResponse

from newscrawl.spiders.site import feed_links
from newscrawl.store import CST
from tests.conftest import crawl, query
from tests.loopback_web import LoopbackWeb
from tests.sitekit import article_html, make_spider

SPP = "https://www.spp.gov.cn"
TODAY = datetime.now(CST).date()


def day(days_ago: int) -> str:
    return (TODAY - timedelta(days=days_ago)).isoformat()


def trs(channel: str, days_ago: int, number: int) -> str:
    """An spp.gov.cn article URL of a day."""
    d = TODAY - timedelta(days=days_ago)
    return f"{SPP}/spp/{channel}/{d:%Y%m}/t{d:%Y%m%d}_{number}.shtml"


def urls(requests: Iterator[Any]) -> list[str]:
    return [r.url for r in requests if isinstance(r, scrapy.Request)]


def callbacks(requests: Iterator[Any]) -> set[str]:
    return {r.callback.__name__ for r in requests if isinstance(r, scrapy.Request)}


def sitemap(entries: list[tuple[str, str | None]], index: bool = False) -> bytes:
    tag, item = ("sitemapindex", "sitemap") if index else ("urlset", "url")
    rows = "".join(
        f"<{item}><loc>{loc}</loc>" + (f"<lastmod>{mod}</lastmod>" if mod else "") + f"</{item}>"
        for loc, mod in entries
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><{tag} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{rows}</{tag}>"
    ).encode()


# -- sitemaps ---------------------------------------------------------------------------------------


def test_robots_txt_sitemap_lines_become_sitemap_requests_on_the_site_only() -> None:
    spider = make_spider("spp")
    robots = TextResponse(
        url=f"{SPP}/robots.txt",
        body=(
            "User-agent: *\nDisallow: /spp/private/\n"
            f"Sitemap: {SPP}/sitemap_index.xml\nSitemap: https://ads.example.com/sitemap.xml\n"
        ).encode(),
        encoding="utf-8",
    )
    requests = list(spider.parse_sitemap(robots))
    assert urls(iter(requests)) == [f"{SPP}/sitemap_index.xml"]
    assert callbacks(iter(requests)) == {"parse_sitemap"}


def test_robots_txt_of_every_entry_host_is_read_unless_turned_off() -> None:
    assert make_spider("voc").robots_urls() == [
        "https://www.voc.com.cn/robots.txt",
        "https://hunan.voc.com.cn/robots.txt",
    ]
    assert make_spider("spp").robots_urls() == [f"{SPP}/robots.txt"]


def test_sitemap_index_follows_the_newest_sub_sitemaps() -> None:
    spider = make_spider("spp")
    entries = [(f"{SPP}/sitemap_{n}.xml", day(n * 10)) for n in range(8)] + [
        (f"{SPP}/sitemap_undated.xml", None)
    ]
    response = XmlResponse(url=f"{SPP}/sitemap_index.xml", body=sitemap(entries, index=True))
    assert urls(spider.parse_sitemap(response)) == [f"{SPP}/sitemap_{n}.xml" for n in range(5)]


def test_sitemap_follow_picks_sub_sitemaps_by_name() -> None:
    from newscrawl.spiders.spp import SppSpider

    class NewsOnly(SppSpider):
        sitemap_follow = r"/sitemap_news_"

    spider = make_spider(NewsOnly)
    entries = [(f"{SPP}/sitemap_pages_1.xml", day(0)), (f"{SPP}/sitemap_news_1.xml", day(1))]
    response = XmlResponse(url=f"{SPP}/sitemap_index.xml", body=sitemap(entries, index=True))
    assert urls(spider.parse_sitemap(response)) == [f"{SPP}/sitemap_news_1.xml"]


def test_urlset_keeps_recent_articles_newest_first_and_skips_the_rest() -> None:
    spider = make_spider("spp", NEWSCRAWL_SITEMAP_MAX_AGE_DAYS=30, NEWSCRAWL_SITEMAP_MAX_URLS=3)
    entries = [
        (trs("qwfb", 5, 100005), day(5)),
        (trs("qwfb", 1, 100001), day(1) + "T08:30:00+08:00"),
        (trs("zdgz", 400, 100400), day(400)),  # too old
        (f"{SPP}/spp/qwfb/index.shtml", day(0)),  # a channel, not an article
        ("https://www.jcrb.com/xx/202406/t20240618_1.html", day(0)),  # another site
        (trs("tt", 2, 100002) + "#part2", None),  # undated: kept after the dated ones
        (trs("tt", 3, 100003), day(3)),  # beyond the limit of 3
    ]
    response = XmlResponse(url=f"{SPP}/sitemap_news.xml", body=sitemap(entries))
    requests = list(spider.parse_sitemap(response))
    assert urls(iter(requests)) == [trs("qwfb", 1, 100001), trs("tt", 3, 100003), trs("qwfb", 5, 100005)]
    assert callbacks(iter(requests)) == {"parse_article"}


def test_gzipped_sitemap_and_garbage() -> None:
    spider = make_spider("spp", NEWSCRAWL_SITEMAP_MAX_AGE_DAYS=0)
    body = gzip.compress(sitemap([(trs("qwfb", 900, 1), day(900))]))
    response = scrapy.http.Response(url=f"{SPP}/sitemap.xml.gz", body=body)
    assert urls(spider.parse_sitemap(response)) == [trs("qwfb", 900, 1)]  # max age 0: no age limit
    broken = scrapy.http.Response(url=f"{SPP}/sitemap.xml.gz", body=b"\x1f\x8bnot really gzip")
    assert urls(spider.parse_sitemap(broken)) == []
    html = HtmlResponse(url=f"{SPP}/sitemap.xml", body="登录后查看".encode(), encoding="utf-8")
    assert urls(spider.parse_sitemap(html)) == []


# -- feeds ------------------------------------------------------------------------------------------

RSS = f"""<?xml version="1.0" encoding="gb2312"?>
<rss version="2.0"><channel><title>最高检 权威发布</title>
<item><title>一</title><link>{trs("qwfb", 0, 7)}</link><pubDate>Tue, 18 Jun 2024 10:00:00 +0800</pubDate></item>
<item><title>二</title><link> /spp/qwfb/202406/t20240617_8.shtml </link></item>
<item><title>一（重复）</title><link>{trs("qwfb", 0, 7)}#top</link></item>
<item><title>外站</title><link>https://www.jcrb.com/a/202406/t20240618_9.html</link></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>中国长安网</title>
<entry><title>一</title><link rel="alternate" href="https://www.chinapeace.gov.cn/chinapeace/c100007/2024-06/18/content_1.shtml"/></entry>
<entry><title>二</title><link href="/chinapeace/c100007/2024-06/17/content_2.shtml"/><link rel="enclosure" href="/a.mp3"/></entry>
</feed>"""


def test_rss_feed_entries_become_article_requests() -> None:
    spider = make_spider("spp")
    response = XmlResponse(url=f"{SPP}/rss/qwfb.xml", body=RSS.encode("gb2312"))
    requests = list(spider.parse_feed(response))
    assert urls(iter(requests)) == [trs("qwfb", 0, 7), f"{SPP}/spp/qwfb/202406/t20240617_8.shtml"]
    assert callbacks(iter(requests)) == {"parse_article"}


def test_atom_feed_served_as_text_html_is_still_read_as_xml() -> None:
    response = HtmlResponse(
        url="https://www.chinapeace.gov.cn/atom.xml", body=ATOM.encode(), encoding="utf-8"
    )
    assert feed_links(response) == [
        "https://www.chinapeace.gov.cn/chinapeace/c100007/2024-06/18/content_1.shtml",
        "https://www.chinapeace.gov.cn/chinapeace/c100007/2024-06/17/content_2.shtml",
    ]


def test_a_page_that_is_not_a_feed() -> None:
    spider = make_spider("spp")
    page = HtmlResponse(
        url=f"{SPP}/rss/qwfb.xml", body="<html><body>维护中</body></html>".encode(), encoding="utf-8"
    )
    assert feed_links(page) is None
    assert urls(spider.parse_feed(page)) == []


def test_feeds_a_listing_page_advertises_are_followed() -> None:
    spider = make_spider("spp")
    page = HtmlResponse(
        url=f"{SPP}/",
        body=(
            '<html><head><link rel="alternate" type="application/rss+xml" href="/rss/qwfb.xml">'
            '<link rel="alternate" type="application/atom+xml" href="https://other.example.com/feed">'
            '<link rel="stylesheet" type="text/css" href="/style.css"></head><body>'
            f'<a href="{trs("qwfb", 0, 7)}">一</a></body></html>'
        ).encode(),
        encoding="utf-8",
        request=scrapy.Request(f"{SPP}/", meta={"listing_page": 1}),
    )
    requests = list(spider.parse_listing(page))
    feeds = [r.url for r in requests if r.callback.__name__ == "parse_feed"]
    articles = [r.url for r in requests if r.callback.__name__ == "parse_article"]
    assert feeds == [f"{SPP}/rss/qwfb.xml"]
    assert articles == [trs("qwfb", 0, 7)]


# -- check mode and entry pages ---------------------------------------------------------------------


async def start_urls(spider: Any) -> list[str]:
    return [request.url async for request in spider.start()]


def test_start_reads_listings_sitemaps_of_robots_and_feeds() -> None:
    import asyncio

    spider = make_spider("spp")
    assert asyncio.run(start_urls(spider)) == [
        f"{SPP}/",
        f"{SPP}/spp/qwfb/index.shtml",
        f"{SPP}/robots.txt",
    ]


def test_check_mode_fetches_the_first_listing_page_and_its_first_links_only() -> None:
    import asyncio

    spider = make_spider("spp", NEWSCRAWL_CHECK_ARTICLES=2)
    assert asyncio.run(start_urls(spider)) == [f"{SPP}/"]
    page = HtmlResponse(
        url=f"{SPP}/",
        body="".join(f'<a href="{trs("qwfb", 0, n)}">{n}</a>' for n in range(5)).encode(),
        encoding="utf-8",
    )
    assert spider.article_links(page) == [trs("qwfb", 0, 0), trs("qwfb", 0, 1)]


def test_listing_url_argument_replaces_the_entry_pages_within_the_site() -> None:
    from newscrawl.spiders.rednet import RednetSpider

    spider = RednetSpider(listing_url="https://hn.rednet.cn/channel/8394.html")
    assert spider.listing_urls == ["https://hn.rednet.cn/channel/8394.html"]
    assert RednetSpider.listing_urls == ["https://hn.rednet.cn/", "https://news.rednet.cn/"]
    with pytest.raises(ValueError, match=r"rednet\.cn"):
        RednetSpider(listing_url="https://www.voc.com.cn/")


# -- a whole crawl through the real engine ----------------------------------------------------------


@pytest.fixture(scope="module")
def spp_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LoopbackWeb, Path, Any]]:
    web = LoopbackWeb()
    home_articles = [trs("tt", 0, 501), trs("qwfb", 1, 502)]
    web.add(
        f"{SPP}/robots.txt",
        f"User-agent: *\nDisallow: /spp/private/\nSitemap: {SPP}/sitemap_index.xml\n",
        "text/plain",
    )
    web.add(
        f"{SPP}/sitemap_index.xml",
        sitemap([(f"{SPP}/sitemap_news.xml", day(0))], index=True),
        "application/xml",
    )
    web.add(
        f"{SPP}/sitemap_news.xml",
        sitemap(
            [
                (trs("qwfb", 1, 502), day(1)),  # also on the home page: fetched once
                (trs("zdgz", 2, 503), day(2)),
                (trs("zdgz", 200, 504), day(200)),  # older than NEWSCRAWL_SITEMAP_MAX_AGE_DAYS
                (f"{SPP}/spp/private/202406/t20240601_505.shtml", None),  # robots.txt forbids it
            ]
        ),
        "application/xml",
    )
    web.add(
        f"{SPP}/",
        '<html><head><link rel="alternate" type="application/rss+xml" href="/rss/qwfb.xml"></head><body>'
        + "".join(f'<a href="{u}">头条</a>' for u in home_articles)
        + '<a href="/spp/qwfb/index.shtml">权威发布</a></body></html>',
    )
    web.add(
        f"{SPP}/rss/qwfb.xml",
        f'<?xml version="1.0"?><rss version="2.0"><channel><item><link>{trs("qwfb", 3, 506)}</link></item>'
        f"<item><link>{trs('tt', 0, 501)}</link></item></channel></rss>",
        "application/rss+xml",
    )
    web.add(
        f"{SPP}/spp/qwfb/index.shtml",
        f'<html><body><a href="{trs("qwfb", 4, 507)}">一</a>'
        '<script>createPageHTML(2, 0, "index", "shtml");</script></body></html>',
    )
    web.add(
        f"{SPP}/spp/qwfb/index_1.shtml",
        f'<html><body><a href="{trs("qwfb", 5, 508)}">二</a>'
        '<script>createPageHTML(2, 1, "index", "shtml");</script></body></html>',
    )
    stored = [trs("tt", 0, 501), trs("qwfb", 1, 502), trs("zdgz", 2, 503), trs("qwfb", 3, 506)]
    stored += [trs("qwfb", 4, 507), trs("qwfb", 5, 508)]
    for n, url in enumerate(stored):
        web.add(url, article_html(f"检察机关办案纪实之{n + 1}", f"{day(n)} 09:30"))
    db = tmp_path_factory.mktemp("spp") / "spp.db"
    with web:
        proc = crawl("spp", db, settings=("NEWSCRAWL_SITEMAP_MAX_AGE_DAYS=30",), **web.proxy_env())
        yield web, db, (proc, stored)


def test_crawl_finds_articles_by_listing_pagination_sitemap_and_feed(spp_crawl: Any) -> None:
    web, db, (proc, stored) = spp_crawl
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = query(db, "SELECT url, site, region, title FROM articles ORDER BY url")
    assert sorted(r["url"] for r in rows) == sorted(stored)
    assert {(r["site"], r["region"]) for r in rows} == {("spp", "CN")}
    assert web.hits(f"{SPP}/spp/qwfb/index_1.shtml") == 1
    assert web.hits(trs("zdgz", 200, 504)) == 0
    assert web.hits(f"{SPP}/spp/private/202406/t20240601_505.shtml") == 0
    for url in stored:
        assert web.hits(url) == 1, url
    stats = json.loads(query(db, "SELECT stats FROM crawl_runs")[0]["stats"])
    # 502, 503 and the undated private page (then refused by robots.txt); 504 is too old.
    assert stats["newscrawl/sitemap/article_links"] == 3
    assert stats["newscrawl/sitemap/too_old"] == 1
    assert stats["newscrawl/feed/article_links"] == 2
