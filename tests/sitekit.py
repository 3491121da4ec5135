"""Helpers for the site tests: a site spider bound to the project settings, and pages to feed it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from scrapy.http import HtmlResponse, Response
from scrapy.spiderloader import get_spider_loader
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from newscrawl.sites.fixture import load_fixture
from newscrawl.spiders.site import SiteSpider

SITE_FIXTURES = Path(__file__).parent / "fixtures" / "sites"


def project_settings(**overrides: Any):  # type: ignore[no-untyped-def]
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "newscrawl.settings")
    settings = get_project_settings()
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    return settings


def make_spider(name: str | type[SiteSpider], **settings: Any) -> SiteSpider:
    """The named site spider (or class) as a crawl would build it (settings and stats bound), not started."""
    cls = get_spider_loader(project_settings()).load(name) if isinstance(name, str) else name
    values = project_settings(**settings).copy_to_dict()
    # The reactor is get_crawler's business: no crawl is started here.
    for key in ("TWISTED_REACTOR", "TWISTED_REACTOR_ENABLED", "ASYNCIO_EVENT_LOOP"):
        values.pop(key, None)
    spider = cls.from_crawler(get_crawler(cls, values))
    assert isinstance(spider, SiteSpider)
    return spider


def corpus_page(corpus: Path, filename: str, url: str) -> HtmlResponse:
    """A home page of `../shared/corpus/lists/legal/` (saved as UTF-8) at its original URL."""
    body = (corpus / "lists" / "legal" / filename).read_bytes()
    return HtmlResponse(url=url, body=body, encoding="utf-8")


def fixture_page(name: str) -> Response:
    """One of the hand-written listing pages in tests/fixtures/sites/."""
    return load_fixture(SITE_FIXTURES / name).response()


def article_html(
    title: str,
    published: str,
    *,
    reporter: str = "周敏",
    source: str = "本网",
    container: str = '<div class="article-body">',
    charset: str = "utf-8",
) -> bytes:
    """An article page in the usual shape of these sites (all text made up), encoded in `charset`."""
    paragraphs = [
        f"本报讯（记者 {reporter} 通讯员 刘洋）{title}。这是为测试写的一篇报道，讲述基层政法工作的一个片段。",
        "据介绍，当地有关部门近期组织专项行动，走访社区和企业，听取群众意见，解决了一批实际问题。",
        "负责人表示，下一步将总结经验，完善工作机制，让群众在每一件事情中感受到公平正义。",
        "活动期间，工作人员还向过往群众发放宣传资料，现场解答法律咨询，受到群众欢迎。",
    ]
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    close = "</" + container[1:].split()[0].rstrip(">") + ">"
    page = (
        f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{title}</title></head><body>'
        '<div class="nav"><a href="/">首页</a></div>'
        f'<h1>{title}</h1><div class="info">发布时间：{published}　来源：{source}</div>'
        f"\n{container}{body}{close}\n<p>责任编辑：陈静</p></body></html>"
    )
    return page.encode(charset)
