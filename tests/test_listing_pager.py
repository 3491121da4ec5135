"""Which further pages of a listing a crawl follows (`NewsSpider.next_listing_pages`).

A CMS pager often lists every page number (首页 上一页 1 2 3 … 25 下一页 尾页). Following all of them
from page 1 reached page 25 in one hop, so NEWSCRAWL_MAX_LISTING_PAGES counted hops, not pages.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from newscrawl.demo import DemoServer, build_site
from newscrawl.demo import site as demo_site
from newscrawl.spiders.demo import DemoSpider
from tests.conftest import crawl, query
from tests.sitekit import make_spider

BASE = "http://127.0.0.1:8000"


def listing(url: str, pager: str) -> HtmlResponse:
    body = (
        '<html><body><ul><li><a href="/court/202401/02/content_1.html">一条新闻</a></li></ul>'
        f'<div class="pager">{pager}</div></body></html>'
    )
    return HtmlResponse(url=url, body=body.encode(), encoding="utf-8")


def numbered_pager(current: int, pages: int, *, next_link: bool) -> str:
    def href(n: int) -> str:
        return "index.html" if n == 1 else f"index_{n}.html"

    parts = [f'<a href="{href(1)}">首页</a>']
    parts += [f'<a href="{href(n)}">{n}</a>' for n in range(1, pages + 1) if n != current]
    if next_link and current < pages:
        parts.append(f'<a href="{href(current + 1)}">下一页</a>')
    parts.append(f'<a href="{href(pages)}">尾页</a>')
    return " ".join(parts)


def test_a_pager_with_a_next_link_gives_the_next_page_only() -> None:
    spider = DemoSpider(base_url=BASE)
    page = listing(f"{BASE}/court/index_3.html", numbered_pager(3, 25, next_link=True))
    assert spider.next_listing_pages(page) == [f"{BASE}/court/index_4.html"]
    # Every further page the pager names is still a pagination link: 2 and 4-25 (page 1 is
    # index.html, which the demo's pager pattern does not match).
    assert spider.pagination_links(page) == [f"{BASE}/court/index_{n}.html" for n in (2, *range(4, 26))]


def test_a_pager_without_a_next_link_gives_every_page_it_names() -> None:
    spider = DemoSpider(base_url=BASE)
    page = listing(f"{BASE}/court/index_3.html", numbered_pager(3, 6, next_link=False))
    expected = [f"{BASE}/court/index_{n}.html" for n in (2, 4, 5, 6)]
    assert spider.next_listing_pages(page) == expected
    assert spider.next_listing_pages(page) == spider.pagination_links(page)


def test_the_last_page_of_a_pager_gives_no_next_page_though_it_names_earlier_ones() -> None:
    spider = DemoSpider(base_url=BASE)
    pager = numbered_pager(25, 25, next_link=True) + ' <span class="disabled">下一页</span>'
    page = listing(f"{BASE}/court/index_25.html", pager)
    # No 下一页 link: every page the pager names (all earlier, already seen by the dupefilter).
    assert spider.next_listing_pages(page) == spider.pagination_links(page)
    assert f"{BASE}/court/index_24.html" in spider.next_listing_pages(page)


def test_a_trs_page_follows_the_page_its_script_names() -> None:
    spider = make_spider("jcrb")
    html = (
        '<html><body><a href="index_1.html">1</a> <a href="index_5.html">5</a>'
        '<script>createPageHTML(8, 3, "index", "html");</script></body></html>'
    )
    page = HtmlResponse(url="http://news.jcrb.com/jxsw/index_3.html", body=html.encode(), encoding="utf-8")
    assert spider.next_listing_pages(page) == ["http://news.jcrb.com/jxsw/index_4.html"]
    assert sorted(spider.pagination_links(page)) == [
        "http://news.jcrb.com/jxsw/index_1.html",
        "http://news.jcrb.com/jxsw/index_4.html",
        "http://news.jcrb.com/jxsw/index_5.html",
    ]


def test_the_listing_page_cap_counts_pages_on_a_pager_that_names_every_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One article per listing page: each section's listing has as many pages as articles, and
    # every page's pager names all of them (the demo site's pager does).
    monkeypatch.setattr(demo_site, "PAGE_SIZE", 1)
    site = build_site()
    pages_per_section = {
        s: len(site.listing_paths(s)) for s in ("court", "procuratorate", "police", "justice")
    }
    assert min(pages_per_section.values()) >= 5, pages_per_section
    db = tmp_path / "a.db"
    with DemoServer(site) as server:
        proc = crawl(
            "demo",
            db,
            f"base_url={server.base_url}",
            settings=("NEWSCRAWL_MAX_LISTING_PAGES=3", "NEWSCRAWL_RELATED_DEPTH=0"),
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        requested = [r.path for r in server.requests]
    listings = [p for p in requested if "/index" in p]
    per_section = Counter(p.split("/")[1] for p in listings)
    assert per_section == dict.fromkeys(pages_per_section, 3)
    for section in pages_per_section:
        assert sorted(p for p in listings if p.startswith(f"/{section}/")) == [
            f"/{section}/index.html",
            f"/{section}/index_2.html",
            f"/{section}/index_3.html",
        ]
    assert query(db, "SELECT 1 FROM articles")
