"""The switch: with `NEWSCRAWL_REDIS_URL` set, a crawl becomes a worker of the shared Redis crawl.

A Scrapy add-on, because add-ons see the settings after every source — settings.py, environment,
`-s`, `--redis` — has been applied, and change them before any component is built. Everything the
mode changes is a setting (SCHEDULER, DUPEFILTER_CLASS, ITEM_PIPELINES, SPIDER_MIDDLEWARES,
EXTENSIONS), so it composes with whatever the single-machine mode configures.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

WORKER, STORE = "worker", "store"

WORKER_SPIDER_MIDDLEWARES = {
    "newscrawl.middlewares.PageArchiveMiddleware": None,
    "newscrawl.distributed.middlewares.RedisPageArchiveMiddleware": 950,
    "newscrawl.distributed.middlewares.SeedOnceMiddleware": 10,
}
WORKER_EXTENSIONS = {
    "newscrawl.extensions.CrawlRunRecorder": None,
    "newscrawl.distributed.extensions.RedisRunRecorder": 100,
}


class RedisAddon:
    """Listed in ADDONS; does nothing unless `NEWSCRAWL_REDIS_URL` is set (and the role is `worker`)."""

    def update_settings(self, settings: BaseSettings) -> None:
        url = settings.get("NEWSCRAWL_REDIS_URL")
        if not url or settings.get("NEWSCRAWL_REDIS_ROLE", WORKER) != WORKER:
            return
        # cmdline priority: settings.py's own SCHEDULER or ITEM_PIPELINES (project priority) must not
        # turn a worker back into a single-machine crawl that writes SQLite.
        settings.set("SCHEDULER", "newscrawl.distributed.scheduler.RedisScheduler", priority="cmdline")
        settings.set(
            "DUPEFILTER_CLASS", "newscrawl.distributed.dupefilter.SharedDupeFilter", priority="cmdline"
        )
        # Workers only push: validate, clean, dedup and store run once, in the store worker.
        settings.set(
            "ITEM_PIPELINES", {"newscrawl.distributed.pipelines.RedisItemPipeline": 900}, priority="cmdline"
        )
        for name, components in (
            ("SPIDER_MIDDLEWARES", WORKER_SPIDER_MIDDLEWARES),
            ("EXTENSIONS", WORKER_EXTENSIONS),
        ):
            merged = dict(settings.getdict(name))
            merged.update(components)
            settings.set(name, merged, priority="cmdline")
        logger.info("Distributed mode: this crawl is a worker of the shared crawl on %s", _redacted(url))


def _redacted(url: str) -> str:
    """The URL without a password, for logs."""
    if "@" not in url:
        return url
    scheme, _, rest = url.partition("://")
    return f"{scheme}://***@{rest.rpartition('@')[2]}"
