"""End to end: the real Scrapy engine crawls the demo site on 127.0.0.1 into a real SQLite file.

The expectations come from the demo site's hand-written ground truth (`newscrawl/demo/articles.json`),
from which the pages are generated — never from the extractor's own output.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newscrawl.demo import DemoServer, build_site
from newscrawl.demo.site import DemoPage, DemoSite
from newscrawl.paths import PROJECT_ROOT
from tests.conftest import crawl, query, subprocess_env

# Hand-picked pages: a trainee reporter with an image and related links; a GBK page with two
# reporters and two images; a page with two credited images and an explicit outlet; a reprint.
CHOSEN_IDS = (21004, 27099, 21735, 23527)


class Crawled:
    def __init__(self, server: DemoServer, site: DemoSite, db: Path, proc: subprocess.CompletedProcess[str]):
        self.server, self.site, self.db, self.proc = server, site, db, proc

    def row(self, article_id: int) -> dict[str, Any]:
        url = self.site.article_by_id(article_id).url(self.server.base_url)
        rows = query(self.db, "SELECT * FROM articles WHERE url = ?", url)
        assert len(rows) == 1, f"expected one row for {url}, found {len(rows)}"
        return dict(rows[0])


@pytest.fixture(scope="module")
def demo_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    site = build_site()
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    with DemoServer(site) as server:
        proc = crawl("demo", db, f"base_url={server.base_url}", settings=("NEWSCRAWL_MAX_LISTING_PAGES=50",))
        assert proc.returncode == 0, proc.stderr[-3000:]
        yield Crawled(server, site, db, proc)


def test_every_demo_article_is_stored_exactly_once(demo_crawl: Crawled) -> None:
    expected = {a.url(demo_crawl.server.base_url) for a in demo_crawl.site.articles}
    rows = query(demo_crawl.db, "SELECT url, canonical_url FROM articles")
    assert len(expected) >= 30
    assert sorted(r["url"] for r in rows) == sorted(expected)
    assert len({r["canonical_url"] for r in rows}) == len(rows)


@pytest.mark.parametrize("article_id", CHOSEN_IDS)
def test_every_field_of_chosen_pages(demo_crawl: Crawled, article_id: int) -> None:
    truth = demo_crawl.site.article_by_id(article_id).expected(demo_crawl.server.base_url, demo_crawl.site)
    row = demo_crawl.row(article_id)
    for name in ("authors", "trainee_authors", "correspondents", "images", "related"):
        row[name] = json.loads(row[name])
    assert row["site"] == "demo"
    assert row["region"] == "CN-HN"
    assert row["canonical_url"] == truth["url"]
    assert row["fetched_at"].endswith("+08:00")
    assert row["title_simplified"] == truth["title"]
    assert row["body_simplified"] == truth["body"]
    encoding = truth.pop("encoding")
    assert row.pop("encoding") in ({"gbk", "gb18030", "gb2312"} if encoding == "gbk" else {encoding})
    mismatches = {name: (row[name], want) for name, want in truth.items() if row[name] != want}
    assert not mismatches, mismatches


def test_a_page_checked_with_values_typed_out_here(demo_crawl: Crawled) -> None:
    """The same kind of check with the expectations typed out, for one GBK page (id 27099)."""
    row = demo_crawl.row(27099)
    assert row["url"] == demo_crawl.server.base_url + "/justice/202412/04/content_27099.html"
    assert row["title"] == "宪法宣传周活动启动 法治文艺演出走进社区"
    assert row["published_at"] == "2024-12-04T00:00:00+08:00"
    assert json.loads(row["authors"]) == ["谭雅雯", "李浩然"]
    assert json.loads(row["trainee_authors"]) == []
    assert json.loads(row["correspondents"]) == ["段晓军"]
    assert row["editor"] == "吴倩"
    assert row["source"] == "潇湘法治报"
    assert row["body"].startswith("本报讯(记者 谭雅雯 李浩然 通讯员 段晓军)12月4日是第十一个国家宪法日。")
    assert row["body"].endswith("推动宪法精神深入人心。")
    assert row["body"].count("\n") == 3
    images = json.loads(row["images"])
    assert [(i["caption"], i["credit"]) for i in images] == [
        ("法治文艺演出现场", "段晓军 摄"),
        ("律师为群众提供法律咨询", "麓川区司法局供图"),
    ]
    assert images[0]["url"] == demo_crawl.server.base_url + "/images/202412/27099_1.jpg"
    assert len(json.loads(row["related"])) == 3


def test_related_links_table_matches_the_pages(demo_crawl: Crawled) -> None:
    base = demo_crawl.server.base_url
    for article in demo_crawl.site.articles:
        links = query(
            demo_crawl.db,
            "SELECT title, url FROM related_links WHERE article_url = ? ORDER BY position",
            article.url(base),
        )
        want = [
            (demo_crawl.site.article_by_id(i).title, demo_crawl.site.article_by_id(i).url(base))
            for i in article.related
        ]
        assert [tuple(r) for r in links] == want, article.id


def test_crawl_run_row_and_raw_pages(demo_crawl: Crawled) -> None:
    runs = query(demo_crawl.db, "SELECT * FROM crawl_runs")
    assert len(runs) == 1
    run = runs[0]
    n = len(demo_crawl.site.articles)
    listings = sum(len(demo_crawl.site.listing_paths(k)) for k in demo_crawl.site.sections)
    assert run["spider"] == "demo"
    assert run["finish_reason"] == "finished"
    assert run["articles_stored"] == n
    assert run["articles_dropped"] == 0
    assert run["errors"] == 0
    # robots.txt + every listing page + every article page, each once.
    assert run["pages_fetched"] == 1 + listings + n
    assert run["started_at"] <= run["finished_at"]
    stats = json.loads(run["stats"])
    assert stats["newscrawl/articles/new"] == n
    pages = query(demo_crawl.db, "SELECT url, status FROM pages")
    assert len(pages) == n
    assert {p["status"] for p in pages} == {200}


def test_robots_txt_is_obeyed(demo_crawl: Crawled) -> None:
    assert demo_crawl.server.hits("/robots.txt") == 1
    assert not [r for r in demo_crawl.server.requests if r.path.startswith("/admin/")]


def test_second_run_adds_no_rows(demo_crawl: Crawled) -> None:
    proc = crawl(
        "demo",
        demo_crawl.db,
        f"base_url={demo_crawl.server.base_url}",
        settings=("NEWSCRAWL_MAX_LISTING_PAGES=50",),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert query(demo_crawl.db, "SELECT COUNT(*) FROM articles")[0][0] == len(demo_crawl.site.articles)
    runs = query(demo_crawl.db, "SELECT * FROM crawl_runs ORDER BY id")
    assert len(runs) == 2
    stats = json.loads(runs[1]["stats"])
    assert stats.get("newscrawl/articles/new", 0) == 0
    # Stored articles are not fetched again (the revisit policy, tests/test_state_incremental.py).
    assert stats.get("newscrawl/articles/unchanged", 0) == 0
    assert runs[1]["articles_skipped"] == len(demo_crawl.site.articles)


def test_scrapy_list_names_the_spiders() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"],
        cwd=PROJECT_ROOT,
        env=subprocess_env(),
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    names = proc.stdout.split()
    assert "news" in names
    assert "demo" in names


def test_generic_spider_stores_a_site_it_has_never_seen(tmp_path: Path) -> None:
    site = build_site()
    db = tmp_path / "news.db"
    with DemoServer(site) as server:
        proc = crawl(
            "news",
            db,
            f"start_url={server.base_url}/police/index.html",
            settings=("NEWSCRAWL_RELATED_DEPTH=0",),
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    police = {a.url(server.base_url): a for a in site.section_articles("police")}
    everything = {a.url(server.base_url): a for a in site.articles}
    # The first listing page shows a few police articles, pagination brings the rest; the sidebar's
    # 热点排行 links lead to articles of other sections, which a generic crawl rightly keeps too.
    rows = {r["url"]: r for r in query(db, "SELECT url, title, body, published_at, site FROM articles")}
    assert set(police) <= set(rows) <= set(everything)
    for url, row in rows.items():
        article = everything[url]
        assert row["title"] == article.title
        assert row["body"] == article.body
        assert row["published_at"] == article.published_at
        assert row["site"] == "news"


def test_server_errors_and_broken_pages_are_logged_counted_and_the_crawl_goes_on(tmp_path: Path) -> None:
    site = build_site()
    listing = site.pages["/court/index.html"]
    extra = (
        '<a href="/court/202401/01/content_500.html">服务器出错的文章</a>'
        '<a href="/court/202401/02/content_501.html">坏页面</a>'
        '<a href="/court/202401/03/content_502.html">空页面</a>'
    )
    site.pages["/court/index.html"] = DemoPage(
        listing.body.replace(b"</body>", extra.encode() + b"</body>"), listing.content_type
    )
    site.pages["/court/202401/01/content_500.html"] = DemoPage(b"<h1>500</h1>", "text/html", status=500)
    site.pages["/court/202401/02/content_501.html"] = DemoPage(
        bytes(range(256)) * 40, "text/html; charset=utf-8"
    )
    site.pages["/court/202401/03/content_502.html"] = DemoPage(b"", "text/html; charset=utf-8")
    db = tmp_path / "errors.db"
    with DemoServer(site) as server:
        proc = crawl("demo", db, f"base_url={server.base_url}", settings=("NEWSCRAWL_MAX_LISTING_PAGES=50",))
        hits_500 = server.hits("/court/202401/01/content_500.html")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert hits_500 == 2  # first try + RETRY_TIMES=1
    assert query(db, "SELECT COUNT(*) FROM articles")[0][0] == len(site.articles)
    assert "content_500.html" in proc.stderr
    assert "content_501.html" in proc.stderr
    stats = json.loads(query(db, "SELECT stats FROM crawl_runs")[0]["stats"])
    assert stats["newscrawl/fetch_error/http_500"] == 1
    # The empty page reaches the extractor and holds no article; the binary junk served as
    # text/html is skipped before it (NUL bytes), as not_text.
    assert stats["newscrawl/extract/no_article"] == 1
    assert stats["newscrawl/fetch_error/not_text"] == 1
