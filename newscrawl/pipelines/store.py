"""Persistence: articles go to SQLite through the session's batch writer.

`process_item` returns only once the article's transaction has committed, so an item counts as
scraped (and its page as done, see `newscrawl.state.frontier`) only when its row is on disk. Many
articles share one transaction; waiting costs a batch interval, not a reactor stall.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from scrapy.utils.defer import maybe_deferred_to_future

from newscrawl.extensions import CrawlSession
from newscrawl.items import Article
from newscrawl.store.history import record_article

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    async def process_item(self, item: object) -> object:
        if not isinstance(item, Article):
            return item
        session = CrawlSession.of(self.crawler)
        write = partial(record_article, article=item, run_id=session.run_id)
        outcome = await maybe_deferred_to_future(session.writer.submit_and_wait(write, label=item.url))
        if self.crawler.stats:
            self.crawler.stats.inc_value(f"newscrawl/articles/{outcome}")
        return item
