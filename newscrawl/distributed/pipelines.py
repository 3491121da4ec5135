"""The worker's only item pipeline: each article goes to the shared Redis list, for the store worker.

The push is synchronous on purpose: when `process_item` returns, the record is in Redis, so by the
time the engine lets go of the request (and the scheduler acknowledges its lease) its items are safe.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from newscrawl.distributed.connection import crawl_connection
from newscrawl.distributed.records import Outbox, article_record
from newscrawl.items import Article

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class RedisItemPipeline:
    def __init__(self, crawler: Crawler) -> None:
        server, keys, worker = crawl_connection(crawler)
        self.crawler = crawler
        self.outbox = Outbox(server, keys)
        self.worker = worker

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisItemPipeline:
        return cls(crawler)

    def process_item(self, item: object) -> object:
        if not isinstance(item, Article):
            return item
        spider = self.crawler.spider.name if self.crawler.spider else "?"
        self.outbox.push(article_record(item, spider=spider, worker=self.worker))
        if self.crawler.stats:
            self.crawler.stats.inc_value("newscrawl/redis/items_pushed")
        return item
