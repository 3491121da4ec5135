"""The crawl session: the database one crawl writes to and its `crawl_runs` row.

The store pipeline, the page archive middleware and the run recorder all reach the same
`CrawlSession` through `CrawlSession.of(crawler)`; the recorder closes it when the spider closes.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy import signals

from newscrawl.store import Store

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class CrawlSession:
    """One open `Store` and the id of this crawl's `crawl_runs` row."""

    def __init__(self, store: Store, run_id: int) -> None:
        self.store = store
        self.run_id = run_id

    @classmethod
    def of(cls, crawler: Crawler) -> CrawlSession:
        session: CrawlSession | None = getattr(crawler, "_newscrawl_session", None)
        if session is None:
            path = crawler.settings.get("NEWSCRAWL_DB")
            store = Store(path)
            spider = crawler.spider.name if crawler.spider else "?"
            session = cls(store, store.start_run(spider))
            crawler._newscrawl_session = session  # type: ignore[attr-defined]
            logger.info("Storing into %s (run %d)", path, session.run_id)
        return session


class CrawlRunRecorder:
    """Starts the run row when the spider opens; fills it in and closes the database when it closes."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlRunRecorder:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        CrawlSession.of(self.crawler)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        session = CrawlSession.of(self.crawler)
        stats: dict[str, Any] = self.crawler.stats.get_stats() if self.crawler.stats else {}
        outcomes = ("new", "updated", "unchanged")
        session.store.finish_run(
            session.run_id,
            finish_reason=reason,
            pages_fetched=int(stats.get("response_received_count", 0)),
            articles_stored=sum(int(stats.get(f"newscrawl/articles/{o}", 0)) for o in outcomes),
            articles_dropped=int(stats.get("item_dropped_count", 0)),
            errors=int(stats.get("log_count/ERROR", 0)) + int(stats.get("newscrawl/errors", 0)),
            stats={k: v if isinstance(v, int | float | str) else str(v) for k, v in stats.items()},
        )
        session.store.close()
        crawler_attr = "_newscrawl_session"
        if hasattr(self.crawler, crawler_attr):
            delattr(self.crawler, crawler_attr)
