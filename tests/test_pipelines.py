"""The item pipelines with a real Scrapy crawler object (no engine needed for these rules).

The dedup pipeline, which needs a database, is tested in test_dedup_pipeline.py."""

from __future__ import annotations

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from newscrawl.items import Article
from newscrawl.pipelines import CleanPipeline, ValidatePipeline
from newscrawl.spiders.demo import DemoSpider


def crawler():  # type: ignore[no-untyped-def]
    c = get_crawler(DemoSpider)
    c.stats.open_spider()
    return c


@pytest.mark.parametrize(
    ("title", "body", "reason"),
    [("", "正文。", "missing_title"), ("标题", "  \n ", "missing_body"), ("  ", "", "missing_title")],
)
def test_validate_drops_articles_without_title_or_body_and_counts_the_reason(
    title: str, body: str, reason: str
) -> None:
    c = crawler()
    pipeline = ValidatePipeline.from_crawler(c)
    with pytest.raises(DropItem, match=reason):
        pipeline.process_item(Article(url="http://127.0.0.1/a.html", title=title, body=body))
    assert c.stats.get_value(f"newscrawl/dropped/{reason}") == 1


def test_validate_passes_complete_articles_and_other_items() -> None:
    pipeline = ValidatePipeline.from_crawler(crawler())
    article = Article(url="http://127.0.0.1/a.html", title="标题", body="正文。")
    assert pipeline.process_item(article) is article
    assert pipeline.process_item({"not": "an article"}) == {"not": "an article"}


def test_clean_sets_script_and_simplified_forms() -> None:
    article = CleanPipeline().process_item(
        Article(url="u", title="長沙市公安局", body="長(zhǎng)沙警方通報。")
    )
    assert isinstance(article, Article)
    assert article.script == "Hant"
    assert article.body == "長沙警方通報。"
    assert article.body_simplified == "长沙警方通报。"
