"""Worker spider middlewares: seed the shared queue once per crawl; send raw pages to the store worker."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from newscrawl.distributed.connection import crawl_connection
from newscrawl.distributed.frontier import WorkerRegistry
from newscrawl.distributed.records import Outbox, page_record
from newscrawl.middlewares import PageArchiveMiddleware
from newscrawl.store import CST

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class SeedOnceMiddleware:
    """The first worker of a crawl runs the spider's own `start()`; the others take from the queue.

    Every worker runs the same spider, and a spider's start requests (its listing pages) are
    `dont_filter`, so without this each worker would queue — and fetch — them again. The first worker
    to set the spider's `seeded` key queues them; until its `start()` is exhausted the key reads
    `seeding:<worker>`, which counts as outstanding work, so no other worker closes on an empty queue
    in the meantime. `NEWSCRAWL_REDIS_MIN_WORKERS` makes the seeding wait until that many workers have
    registered (up to `NEWSCRAWL_REDIS_MIN_WORKERS_WAIT` seconds), so a fleet starts together.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.min_workers = crawler.settings.getint("NEWSCRAWL_REDIS_MIN_WORKERS", 1)
        self.min_workers_wait = crawler.settings.getfloat("NEWSCRAWL_REDIS_MIN_WORKERS_WAIT", 60.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SeedOnceMiddleware:
        return cls(crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        server, keys, worker = crawl_connection(self.crawler)
        assert self.crawler.spider is not None
        spider = self.crawler.spider.name
        registry = WorkerRegistry(server, keys)
        deadline = time.monotonic() + self.min_workers_wait
        while len(registry.workers(spider)) < self.min_workers and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        seeded_key = keys.seeded(spider)
        if not server.set(seeded_key, f"seeding:{worker}", nx=True):
            logger.info("The %s crawl is already seeded: taking requests from the shared queue", spider)
            return
        logger.info("Worker %s seeds the %s crawl with the spider's start requests", worker, spider)
        seeded = 0
        async for item_or_request in start:
            seeded += 1
            yield item_or_request
        # Resumed after the engine queued the last start request: the queue now holds them all.
        server.set(seeded_key, "done")
        if self.crawler.stats:
            self.crawler.stats.set_value("newscrawl/redis/seeded", seeded)


class RedisPageArchiveMiddleware(PageArchiveMiddleware):
    """`PageArchiveMiddleware` for workers: the raw article page goes to Redis, not to a local SQLite.

    Same rule for which pages count (`meta["newscrawl_kind"] == "article"`), same switch
    (`NEWSCRAWL_STORE_PAGES`); the store worker writes them to the `pages` table.
    """

    def _archive(self, response: Response) -> None:
        server, keys, worker = crawl_connection(self.crawler)
        headers = {
            k.decode("latin-1"): [v.decode("latin-1") for v in vs] for k, vs in response.headers.items()
        }
        Outbox(server, keys).push(
            page_record(
                response.url,
                status=response.status,
                headers=headers,
                body=response.body,
                fetched_at=datetime.now(CST).isoformat(timespec="seconds"),
                spider=self.crawler.spider.name if self.crawler.spider else "?",
                worker=worker,
            )
        )
        if self.crawler.stats:
            self.crawler.stats.inc_value("newscrawl/redis/pages_pushed")
