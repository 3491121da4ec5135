"""`CrawlRunRecorder` for workers: the run's summary goes to Redis; the store worker files it in `crawl_runs`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy import signals

from newscrawl.distributed.connection import crawl_connection
from newscrawl.distributed.records import Outbox, run_record
from newscrawl.store import now_iso

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler


class RedisRunRecorder:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.started_at = now_iso()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisRunRecorder:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        self.started_at = now_iso()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        server, keys, worker = crawl_connection(self.crawler)
        stats: dict[str, Any] = self.crawler.stats.get_stats() if self.crawler.stats else {}
        Outbox(server, keys).push(
            run_record(
                spider=spider.name,
                worker=worker,
                started_at=self.started_at,
                finished_at=now_iso(),
                reason=reason,
                stats={k: v if isinstance(v, int | float | str) else str(v) for k, v in stats.items()},
            )
        )
