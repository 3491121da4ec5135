"""The dedup pipeline with a real Scrapy crawler object and a real SQLite file (no engine needed for
these rules; test_dedup_crawl.py runs the whole crawl)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from newscrawl.dedup import UrlRule
from newscrawl.extensions import CrawlSession
from newscrawl.items import Article
from newscrawl.pipelines import DedupPipeline
from newscrawl.spiders.demo import DemoSpider
from tests.conftest import query

BODY = (
    "某区人民法院今日公开开庭审理一起电信网络诈骗案件，五名被告人为诈骗团伙转移赃款，涉案金额三百余万元。"
    "\n法院经审理认为，五名被告人明知他人利用信息网络实施犯罪，仍为其提供资金结算帮助，情节严重。"
)


class RuleSpider(DemoSpider):
    url_rules = (UrlRule(r"^(http://127\.0\.0\.1)/m/", r"\1/"),)


def pipeline_for(db: Path, spider: type = DemoSpider, **settings: Any) -> tuple[DedupPipeline, Any]:
    crawler = get_crawler(spider, {"NEWSCRAWL_DB": str(db), **settings})
    crawler.stats.open_spider()
    crawler.spider = spider(base_url="http://127.0.0.1:9")
    return DedupPipeline.from_crawler(crawler), crawler


def process(pipeline: DedupPipeline, item: Article) -> object:
    """The pipeline's step for one article; with no reactor it decides inline, awaiting nothing."""
    return asyncio.run(pipeline.process_item(item))


def store(crawler: Any, item: Article) -> None:
    """What the store pipeline and the engine do next: save, then send item_scraped."""
    CrawlSession.of(crawler).store.save_article(item)
    crawler.signals.send_catch_log(signal=signals.item_scraped, item=item)


def test_a_canonical_url_seen_earlier_in_the_run_is_dropped_and_its_url_kept(db_path: Path) -> None:
    pipeline, crawler = pipeline_for(db_path)
    first = Article(
        url="http://127.0.0.1/a.html?from=list", canonical_url="http://127.0.0.1/a.html", title="t", body=BODY
    )
    stored = process(pipeline, first)
    assert isinstance(stored, Article) and stored.canonical_url == "http://127.0.0.1/a.html"
    assert stored.story_id is not None and stored.story_similarity == 1.0 and stored.text_fingerprint
    pipeline.item_scraped(item=stored)
    with pytest.raises(DropItem, match="duplicate_url"):
        process(pipeline, Article(url="http://127.0.0.1/a.html?spm=2", title="t", body=BODY))
    assert crawler.stats.get_value("newscrawl/dropped/duplicate_url") == 1
    CrawlSession.of(crawler).store.close()


def test_threshold_setting_is_checked(db_path: Path) -> None:
    with pytest.raises(ValueError, match="NEWSCRAWL_DEDUP_THRESHOLD"):
        pipeline_for(db_path, NEWSCRAWL_DEDUP_THRESHOLD=1.5)


def test_a_spiders_url_rules_apply(db_path: Path) -> None:
    pipeline, crawler = pipeline_for(db_path, RuleSpider)
    item = process(pipeline, Article(url="http://127.0.0.1/m/a.html", title="t", body=BODY))
    assert isinstance(item, Article) and item.canonical_url == "http://127.0.0.1/a.html"
    store(crawler, item)
    rows = query(db_path, "SELECT alias_url, canonical_url FROM article_aliases")
    assert [tuple(r) for r in rows] == [("http://127.0.0.1/m/a.html", "http://127.0.0.1/a.html")]
    CrawlSession.of(crawler).store.close()


def test_a_canonical_url_shared_by_different_articles_is_not_believed(db_path: Path) -> None:
    """A CMS that stamps one article's URL on every page must not merge them into one row."""
    pipeline, crawler = pipeline_for(db_path)
    a = process(pipeline, Article(url="http://127.0.0.1/1.html", title="一", body=BODY))
    assert isinstance(a, Article)
    store(crawler, a)
    other = Article(
        url="http://127.0.0.1/2.html",
        canonical_url="http://127.0.0.1/1.html",
        title="二",
        body="县检察院督促整治城区黑臭水体，经过半年治理，三条河道水质明显好转，周边居民拍手称快。\n检察官表示，将持续跟进监督。",
    )
    b = process(pipeline, other)
    assert isinstance(b, Article) and b.canonical_url == "http://127.0.0.1/2.html"
    assert crawler.stats.get_value("newscrawl/dedup/canonical_ignored/declared-other-text") == 1
    CrawlSession.of(crawler).store.close()
