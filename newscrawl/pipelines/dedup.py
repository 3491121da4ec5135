"""Deduplication: one article per canonical URL within a run."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.exceptions import DropItem

from newscrawl.items import Article

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector


class DedupPipeline:
    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_item(self, item: object) -> object:
        if not isinstance(item, Article):
            return item
        key = item.canonical_url or item.url
        if key in self.seen:
            self.stats.inc_value("newscrawl/dropped/duplicate_url")
            raise DropItem(f"duplicate_url: {key}", log_level="DEBUG")
        self.seen.add(key)
        return item
