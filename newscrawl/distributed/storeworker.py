"""`newscrawl store-worker`: the one writer. Records from every worker → the project's pipelines → SQLite.

It is a Scrapy crawl of its own, whose spider fetches nothing: its `start()` yields the articles it
takes from Redis, so they pass through the same `ITEM_PIPELINES` (validate → clean → dedup → store),
the same `CrawlSession` and the same `crawl_runs` bookkeeping as in a single-machine crawl. Raw pages
and worker run summaries are written straight to the store. A record is removed from Redis only once
it is stored (or dropped by a pipeline); one that fails is kept on the `failed` list.

It also reaps dead workers, so their leases go back to the queue even when no other worker is alive.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy import signals

from newscrawl.distributed.connection import crawl_connection
from newscrawl.distributed.frontier import WorkerRegistry
from newscrawl.distributed.records import ARTICLE, PAGE, Inbox, RecordError, parse_record
from newscrawl.extensions import CrawlSession
from newscrawl.items import Article

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from newscrawl.distributed.records import Record

logger = logging.getLogger(__name__)

STORE_WORKER = "store-worker"
BATCH = 64


class StoreWorkerSpider(scrapy.Spider):
    """Not a crawler: the items come from Redis. `exit_when_idle` (seconds) ends it once idle that long."""

    name = STORE_WORKER

    def __init__(self, exit_when_idle: float | str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.exit_when_idle = float(exit_when_idle) if exit_when_idle not in (None, "") else None
        # Records in the pipelines, by article URL: the pipelines may hand back a new Article object
        # (cleaning does), but they do not change the URL it was fetched from.
        self._in_pipelines: dict[str, deque[bytes]] = defaultdict(deque)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> StoreWorkerSpider:
        spider: StoreWorkerSpider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._item_done, signal=signals.item_scraped)
        crawler.signals.connect(spider._item_done, signal=signals.item_dropped)
        crawler.signals.connect(spider._item_failed, signal=signals.item_error)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        server, keys, _ = crawl_connection(self.crawler)
        self.inbox = Inbox(server, keys)
        registry = WorkerRegistry(server, keys)
        self.inbox.recover()
        poll = self.settings.getfloat("NEWSCRAWL_REDIS_POLL_INTERVAL", 0.25)
        idle_since: float | None = None
        last_reap = 0.0
        while True:
            now = time.monotonic()
            if now - last_reap >= poll:
                for _, _, n in registry.reap():
                    self._count("newscrawl/redis/reaped_workers")
                    self._count("newscrawl/redis/requeued", n)
                last_reap = now
            taken = self.inbox.take(BATCH)
            for raw in taken:
                article = self._handle(raw)
                if article is not None:
                    yield article
            if taken:
                idle_since = None
                continue
            if self.exit_when_idle is not None:
                busy = bool(registry.workers()) or self.inbox.backlog() > 0
                if busy:
                    idle_since = None
                elif idle_since is None:
                    idle_since = now
                elif now - idle_since >= self.exit_when_idle:
                    logger.info(
                        "No worker and no record for %.1f s: the store worker stops", self.exit_when_idle
                    )
                    return
            await asyncio.sleep(poll)

    # -- one record --------------------------------------------------------------------------

    def _handle(self, raw: bytes) -> Article | None:
        """The article to send through the pipelines, or None when the record was handled here."""
        try:
            record = parse_record(raw)
            if record.kind == ARTICLE:
                article = record.article()
                self._in_pipelines[article.url].append(raw)
                return article
            session = CrawlSession.of(self.crawler)
            if record.kind == PAGE:
                self._save_page(session, record)
            else:
                self._save_run(session, record)
        except (RecordError, KeyError, TypeError, ValueError) as exc:
            logger.error("Record set aside on the failed list (%s): %.200r", exc, raw)
            self.inbox.fail(raw)
            self._count("newscrawl/redis/records_failed")
            return None
        self.inbox.ack(raw)
        return None

    def _save_page(self, session: CrawlSession, record: Record) -> None:
        data = record.data
        session.store.save_page(
            data["url"],
            status=int(data["status"]),
            headers=data["headers"],
            body=record.page_body(),
            fetched_at=data["fetched_at"],
            run_id=session.run_id,
        )
        self._count("newscrawl/pages/archived")

    def _save_run(self, session: CrawlSession, record: Record) -> None:
        data = record.data
        stats = data["stats"]
        outcomes = ("new", "updated", "unchanged")
        run_id = session.store.start_run(f"{data['spider']}@{data['worker']}", started_at=data["started_at"])
        # Articles are counted where they are stored: here, in the store worker's own run.
        session.store.finish_run(
            run_id,
            finish_reason=data["reason"],
            pages_fetched=int(stats.get("response_received_count", 0)),
            articles_stored=sum(int(stats.get(f"newscrawl/articles/{o}", 0)) for o in outcomes),
            articles_dropped=int(stats.get("item_dropped_count", 0)),
            errors=int(stats.get("log_count/ERROR", 0)) + int(stats.get("newscrawl/errors", 0)),
            stats=stats,
            finished_at=data["finished_at"],
        )
        self._count("newscrawl/redis/worker_runs")

    # -- pipeline outcomes -------------------------------------------------------------------

    def _take_raw(self, item: object) -> bytes | None:
        if not isinstance(item, Article):
            return None
        waiting = self._in_pipelines.get(item.url)
        if not waiting:
            logger.error("An item came out of the pipelines that the store worker did not send: %s", item.url)
            return None
        raw = waiting.popleft()
        if not waiting:
            del self._in_pipelines[item.url]
        return raw

    def _item_done(self, item: object, **kwargs: Any) -> None:
        raw = self._take_raw(item)
        if raw is not None:
            self.inbox.ack(raw)

    def _item_failed(self, item: object, **kwargs: Any) -> None:
        raw = self._take_raw(item)
        if raw is not None:
            logger.error("A pipeline failed on %s: record kept on the failed list", getattr(item, "url", "?"))
            self.inbox.fail(raw)
            self._count("newscrawl/redis/records_failed")

    def _count(self, key: str, n: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, n)
