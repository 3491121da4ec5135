"""Whole crawls of site spiders through the real engine, and site hints reaching the extractor.

The 法制周报 e-paper (a Founder e-paper) is served on loopback under its real URLs by `LoopbackWeb`:
the home redirects to the issue's first page, the pages (版面) link each other and the articles with
`?div=-1`, and the same host serves another paper in the same shapes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from scrapy.http import HtmlResponse

from newscrawl.items import Article
from tests.conftest import crawl, query
from tests.loopback_web import LoopbackWeb
from tests.sitekit import article_html, make_spider


async def collect(outputs: AsyncIterator[Any]) -> list[Any]:
    return [output async for output in outputs]


EPAPER = "https://epaper.voc.com.cn"
ISSUE = f"{EPAPER}/fzzb/html/2024-06/18"


def node(n: int, articles: list[int]) -> str:
    pages = "".join(f'<a href="node_{k}.htm">第0{k}版</a>' for k in (1, 2))
    links = "".join(f'<li><a href="content_{a}.htm?div=-1">第{a}号稿件</a></li>' for a in articles)
    return (
        f'<html><head><meta charset="utf-8"><title>法制周报 第0{n}版</title></head><body>'
        f"<div>{pages}</div><ul>{links}</ul>"
        '<a href="../../../../hnrb/html/2024-06/18/node_1.htm">湖南日报</a>'
        '<a href="../../../../hnrb/html/2024-06/18/content_9001.htm?div=-1">湖南日报稿件</a></body></html>'
    )


def test_fzzb_crawl_follows_the_redirect_and_the_pages_of_the_issue(tmp_path: Path) -> None:
    web = LoopbackWeb()
    web.add(
        f"{EPAPER}/fzzb/",
        '<html><head><meta http-equiv="refresh" content="0; url=html/2024-06/18/node_1.htm"></head></html>',
    )
    web.add(f"{ISSUE}/node_1.htm", node(1, [3101, 3102]))
    web.add(f"{ISSUE}/node_2.htm", node(2, [3102, 3103]))
    stored = [f"{ISSUE}/content_{a}.htm" for a in (3101, 3102, 3103)]
    for n, url in enumerate(stored):
        web.add(
            url,
            article_html(f"法治观察：基层调解的故事之{n + 1}", "2024-06-18", container='<div id="ozoom">'),
        )
    db = tmp_path / "fzzb.db"
    with web:
        proc = crawl("fzzb", db, **web.proxy_env())
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = query(db, "SELECT url, site, region, title FROM articles")
    assert sorted(r["url"] for r in rows) == stored
    assert {(r["site"], r["region"]) for r in rows} == {("fzzb", "CN-HN")}
    assert web.hits(f"{ISSUE}/node_2.htm") == 1
    for url in stored:
        assert web.hits(url) == 1, f"{url} (?div= variants are one page)"
    assert web.hits(f"{EPAPER}/hnrb/html/2024-06/18/node_1.htm") == 0
    assert web.hits(f"{EPAPER}/hnrb/html/2024-06/18/content_9001.htm?div=-1") == 0
    # The e-paper has no robots.txt: looking there for sitemaps is no error.
    run = query(db, "SELECT errors, stats FROM crawl_runs")[0]
    assert run["errors"] == 0
    assert json.loads(run["stats"])["newscrawl/sitemap/no_robots_txt"] == 1


# -- site hints -------------------------------------------------------------------------------------

CHINACOURT_ARTICLE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>中国法院网</title></head><body>
<h1><a href="/">中国法院网</a></h1>
<div class="nav">网站更新：2019-01-01 00:00</div>
<div id="detail">
  <div class="detail_bigtitle">法官走进社区讲解民法典婚姻家庭编</div>
  <div class="detail_thr"><span class="time">2024-06-18 09:26:05</span>
    <span class="source">来源：中国法院网</span><span class="writer">作者：周敏</span></div>
  <div class="detail_txt">
    <p>6月17日，某区人民法院的法官走进社区，为居民讲解民法典婚姻家庭编的有关规定。这是为测试写的一段文字。</p>
    <p>法官结合审理的真实案例，讲述了夫妻共同财产认定、抚养费给付等问题，现场居民纷纷提问，气氛热烈。</p>
    <p>社区工作人员表示，今后将继续邀请法官定期走进社区，把法律知识送到居民身边，营造尊法学法的氛围。</p>
    <p>活动结束后，法官还留下联系方式，欢迎居民遇到矛盾纠纷时及时咨询，通过调解等方式化解矛盾。</p>
  </div>
</div>
<div class="side"><p>热点排行：一篇很长的侧栏文字，介绍网站的各个栏目和服务，篇幅比正文还要长一些，用来考验正文的定位。</p>
<p>本站各栏目内容丰富，涵盖法院新闻、审判动态、法学理论、法律法规、典型案例、专题报道和视频直播，欢迎访问。</p>
<p>网站地图、联系我们、版权声明、网站纠错，以及手机版、微博、微信公众号等渠道，都可以找到我们。这一段也很长。</p>
<p>再加一段侧栏文字，使侧栏的文字总量超过正文，只有站点提示才能让提取器选中真正的正文区域。</p></div>
</body></html>"""


def test_chinacourt_hints_pick_the_title_date_and_body_of_its_template() -> None:
    spider = make_spider("chinacourt")
    url = "https://www.chinacourt.org/article/detail/2024/06/id/7981234.shtml"
    response = HtmlResponse(
        url=url, body=CHINACOURT_ARTICLE.encode(), encoding="utf-8", request=spider.article_request(url, 0)
    )
    [article] = [
        item for item in asyncio.run(collect(spider.parse_article(response))) if isinstance(item, Article)
    ]
    assert article.title == "法官走进社区讲解民法典婚姻家庭编"
    assert article.published_at == "2024-06-18T09:26:05+08:00"
    assert article.body.startswith("6月17日，某区人民法院的法官走进社区")
    assert article.body.endswith("通过调解等方式化解矛盾。")
    assert "侧栏" not in article.body
    assert (article.site, article.region) == ("chinacourt", "CN")
