"""Persistence: each article is committed to SQLite in its own transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from newscrawl.extensions import CrawlSession
from newscrawl.items import Article

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def process_item(self, item: object) -> object:
        if not isinstance(item, Article):
            return item
        session = CrawlSession.of(self.crawler)
        outcome = session.store.save_article(item, session.run_id)
        if self.crawler.stats:
            self.crawler.stats.inc_value(f"newscrawl/articles/{outcome}")
        return item
