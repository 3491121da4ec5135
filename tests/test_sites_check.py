"""`newscrawl check-sites`: the drift alarm, run against real site spiders pointed at loopback.

`check-sites` needs the internet in real use; here every request of the real spiders goes through
`LoopbackWeb` (a proxy on 127.0.0.1 answering for the sites' real URLs), so the whole path runs —
spider in check mode, engine, pipelines, report, exit status — with pages written for the test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newscrawl.items import Article
from newscrawl.sites.check import SiteObservation, judge
from newscrawl.spiders.site import FetchFailure
from tests.conftest import FAST, query, run_newscrawl
from tests.loopback_web import LoopbackWeb
from tests.sitekit import article_html

VOC_ARTICLES = [
    "https://hunan.voc.com.cn/article/202406/202406180830123456.html",
    "https://news.voc.com.cn/article/202406/202406171015001234.html",
    "http://society.voc.com.cn/article/202406/202406160900009876543.html",
    "https://hunan.voc.com.cn/article/202406/202406150900001111.html",
]
VOC_HOME = (
    '<html><head><meta charset="utf-8"><title>华声在线</title></head><body>'
    '<a href="https://hunan.voc.com.cn/class/2842.html">图解</a>'
    '<a href="http://bbs.voc.com.cn/topic-8255555-1-1.html">论坛</a>'
    + "".join(f'<a href="{url}">报道{n}</a>' for n, url in enumerate(VOC_ARTICLES))
    + "</body></html>"
)
# chinacourt.org "moved" its articles to a new URL shape: the listing still loads, nothing matches.
CHINACOURT_HOME = (
    '<html><body><a href="/article/index/id/MzAwNDAwMgCRhAEA.shtml">审判</a>'
    '<a href="/news/2024/06/18/7981234.html">新版文章一</a><a href="/news/2024/06/18/7981235.html">新版文章二</a>'
    "</body></html>"
)


def check(web: LoopbackWeb, *args: str) -> tuple[int, str, str]:
    settings = [a for s in FAST for a in ("-s", s)]
    proc = run_newscrawl("check-sites", *args, *settings, **web.proxy_env())
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture
def web() -> LoopbackWeb:
    web = LoopbackWeb()
    web.add("https://www.voc.com.cn/", VOC_HOME)
    for n, url in enumerate(VOC_ARTICLES):
        web.add(
            url,
            article_html(
                f"湖南法院审结一批案件之{n + 1}", f"2024-06-{18 - n} 08:30", container='<div id="content">'
            ),
        )
    web.add("https://www.chinacourt.org/index.shtml", CHINACOURT_HOME)
    web.add("https://www.court.gov.cn/", "<h1>服务器维护中</h1>", status=500)
    return web


def test_a_healthy_site_passes_and_only_four_pages_are_fetched(web: LoopbackWeb, tmp_path: Path) -> None:
    db = tmp_path / "check.db"
    with web:
        status, out, err = check(web, "voc", "--db", str(db))
    assert status == 0, out + err[-3000:]
    lines = out.splitlines()
    assert lines[0].split() == [
        "site",
        "result",
        "links",
        "articles",
        "title",
        "date",
        "body",
        "authors",
        "source",
        "editor",
    ]
    assert lines[1].split() == ["voc", "ok", "4", "3/3", "100%", "100%", "100%", "100%", "100%", "100%"]
    assert "BROKEN" not in out
    # One listing page and the first three article links; not the 4th, not the second entry page.
    for url in VOC_ARTICLES[:3]:
        assert web.hits(url) == 1
    assert web.hits(VOC_ARTICLES[3]) == 0
    assert web.hits("https://www.voc.com.cn/") == 1
    assert web.hits("https://hunan.voc.com.cn/") == 0
    assert web.hits("https://hunan.voc.com.cn/class/2842.html") == 0
    rows = query(db, "SELECT url, site, region FROM articles ORDER BY url")
    assert sorted(r["url"] for r in rows) == sorted(VOC_ARTICLES[:3])
    assert {(r["site"], r["region"]) for r in rows} == {("voc", "CN-HN")}


def test_broken_sites_are_named_with_the_reason_and_the_exit_status_is_1(web: LoopbackWeb) -> None:
    with web:
        status, out, err = check(web, "voc", "chinacourt", "court")
    assert status == 1, out + err[-3000:]
    table = {line.split()[0]: line.split() for line in out.splitlines()[1:4]}
    assert table["voc"][1] == "ok"
    assert table["chinacourt"][1:4] == ["BROKEN", "0", "0/0"]
    assert table["court"][1:4] == ["BROKEN", "0", "0/0"]
    assert (
        "BROKEN  chinacourt: no link on https://www.chinacourt.org/index.shtml matches the article URL pattern"
        in out
    )
    assert "BROKEN  court: listing page https://www.court.gov.cn/ failed: HTTP 500" in out
    assert web.hits("https://www.court.gov.cn/") == 2  # first try and one retry (RETRY_TIMES=1)


def test_json_reports_and_articles_that_lost_their_date(web: LoopbackWeb) -> None:
    # 最高人民法院 changed its article template: the pages still load, but no longer show when they
    # were published (and its article URLs carry no date the extractor could fall back on).
    articles = [f"https://www.court.gov.cn/zixun/xiangqing/41234{n}.html" for n in range(3)]
    web.add(
        "https://www.court.gov.cn/", "".join(f'<a href="{u}">新闻{n}</a>' for n, u in enumerate(articles))
    )
    for n, url in enumerate(articles):
        web.add(url, article_html(f"最高法发布一批典型案例之{n + 1}", "（见文末）"))
    with web:
        status, out, err = check(web, "court", "voc", "--json")
    assert status == 1, out + err[-3000:]
    reports = {r["site"]: r for r in map(json.loads, out.splitlines())}
    assert reports["voc"]["ok"] is True
    court = reports["court"]
    assert court["ok"] is False
    assert (court["links_found"], court["articles_tried"], court["articles_ok"]) == (3, 3, 3)
    assert court["coverage"]["title"] == 1.0
    assert court["coverage"]["published_at"] == 0.0
    assert court["problems"] == ["publication time found in 0 of 3 articles"]


def test_unknown_site_is_a_usage_error() -> None:
    proc = run_newscrawl("check-sites", "voc", "nosuchsite")
    assert proc.returncode == 2
    assert "nosuchsite" in proc.stderr


# -- the verdict, from observations written out here ------------------------------------------------


def article(**fields: object) -> Article:
    base = {"title": "标题", "body": "正文。正文。", "published_at": "2024-06-18T08:00:00+08:00"}
    return Article(url="https://hunan.voc.com.cn/article/202406/1.html", **{**base, **fields})  # type: ignore[arg-type]


def seen(**kw: object) -> SiteObservation:
    values: dict[str, object] = {
        "site": "voc",
        "listing_url": "https://www.voc.com.cn/",
        "started": True,
        "stats": {"newscrawl/listing/pages": 1, "newscrawl/check/links_found": 40},
    }
    values.update(kw)
    return SiteObservation(**values)  # type: ignore[arg-type]


def test_judge_an_ok_site_with_one_failed_article() -> None:
    report = judge(
        seen(
            articles=[article(authors=["周敏"]), article()],
            failures=[FetchFailure("article", "u", "HTTP 404")],
        ),
        wanted=3,
    )
    assert report.ok
    assert (report.links_found, report.articles_tried, report.articles_ok) == (40, 3, 2)
    assert report.coverage["authors"] == 0.5
    assert report.coverage["editor"] == 0.0
    assert report.warnings == ["1 of 3 article pages gave no article: HTTP 404"]


def test_judge_listing_failures() -> None:
    robots = seen(
        stats={}, failures=[FetchFailure("listing", "https://www.voc.com.cn/", "forbidden by robots.txt")]
    )
    assert judge(robots).problems == ["listing page https://www.voc.com.cn/ failed: forbidden by robots.txt"]
    pdf = seen(stats={"newscrawl/skipped/not_text": 1})
    assert judge(pdf).problems == ["listing page https://www.voc.com.cn/ failed: not an HTML page"]
    never = seen(started=False, stats={})
    assert judge(never).problems == ["the spider did not start (see the log)"]


def test_judge_when_no_article_page_gives_an_article() -> None:
    report = judge(
        seen(
            stats={
                "newscrawl/listing/pages": 1,
                "newscrawl/check/links_found": 3,
                "newscrawl/extract/no_article": 2,
            },
            dropped=["missing_body: https://hunan.voc.com.cn/article/202406/1.html"],
        )
    )
    assert not report.ok
    assert report.problems == [
        "none of 3 article pages gave an article: missing_body, no article on the page ×2"
    ]
    assert report.coverage == {}
