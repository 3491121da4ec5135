"""Worker processes for the CPU-heavy part of a page: the extraction engine, off the reactor.

One Scrapy process runs on one core: the reactor thread downloads, schedules, runs the middlewares
and the pipelines, and anything CPU-heavy it does itself holds every download behind it. Extracting
an article (parse, segment, find the region, the dates and the credits) is most of newscrawl's CPU
per page and a pure function of the page's bytes, so a crawl hands it to `NEWSCRAWL_EXTRACT_WORKERS`
worker processes and awaits the result; the reactor meanwhile goes on with other responses, and a
second core does the extracting.

    NEWSCRAWL_EXTRACT_WORKERS = -1   # one fewer than the CPUs (at most 4); 0: extract on the reactor thread

-1 applies to crawls run by the `newscrawl` or `scrapy` command (or `python -m …`); a script of your
own extracts on the reactor thread unless it sets a number (and guards its crawl with
`if __name__ == "__main__":`, since each worker imports the main script).

What does not change: the spider callback still yields the article only once it is extracted, so
the items, the page archive, the store's commit order and the frontier's "done" mark (which waits
for the callback and its items) keep their order and their kill -9 guarantees. Workers are started
with `spawn` (nothing of the crawler's threads, sockets or SQLite connections is inherited), ask
the kernel to kill them when the crawler dies (a `kill -9` leaves no orphans), and a worker that
dies on a page (a libxml2 crash, the OOM killer) costs that page only: the pool is started again
and the page is tried once more there before it counts as an extraction error.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from scrapy import signals

from newscrawl.extract import extract

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from scrapy.crawler import Crawler

    from newscrawl.extract import Extraction, SiteHints

logger = logging.getLogger(__name__)

MAX_AUTO_WORKERS = 4
"""`NEWSCRAWL_EXTRACT_WORKERS = -1` takes one worker per CPU but one (the reactor's), at most this."""

_PR_SET_PDEATHSIG = 1


class WorkerCrashed(RuntimeError):
    """A worker process died while extracting a page, twice: the page is given up."""


def auto_workers(cpus: int | None = None) -> int:
    """How many workers `-1` means on a machine with `cpus` CPUs (this one's by default)."""
    if cpus is None:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(0, min(MAX_AUTO_WORKERS, cpus - 1))


def _die_with_parent(parent: int) -> None:
    """Worker initializer: the kernel sends SIGKILL when the crawler process dies (Linux)."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    # The parent may have died before the prctl took effect.
    if os.getppid() != parent:
        os._exit(1)
    # Ctrl-C goes to the whole process group: the crawler decides what stops, not its workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _extract_in_worker(
    body: bytes, url: str, headers: dict[str, str], hints: SiteHints, fetched_at: datetime
) -> Extraction:
    return extract(body, url, headers, hints=hints, fetched_at=fetched_at)


class ExtractionPool:
    """The crawl's worker processes (or none: then `extract` runs on the reactor thread)."""

    def __init__(self, workers: int) -> None:
        self.workers = max(0, workers)
        self._executor: ProcessPoolExecutor | None = None
        self.crashes = 0

    @classmethod
    def of(cls, crawler: Crawler) -> ExtractionPool:
        """The crawl's pool, made on first use and shut down when the spider closes."""
        pool: ExtractionPool | None = getattr(crawler, "_newscrawl_extraction_pool", None)
        if pool is None:
            workers = crawler.settings.getint("NEWSCRAWL_EXTRACT_WORKERS", 0)
            if workers < 0 and not _main_is_guarded():
                # A spawned worker imports the parent's main script; a script that starts a crawl
                # at module level would start it again there. Set the number to vouch for yours.
                logger.info("Extracting on the reactor thread: run by a script, not a command")
                workers = 0
            pool = cls(auto_workers() if workers < 0 else workers)
            if pool.workers and not _asyncio_reactor():
                logger.info("Extracting on the reactor thread: worker processes need the asyncio reactor")
                pool.workers = 0
            crawler._newscrawl_extraction_pool = pool  # type: ignore[attr-defined]
            crawler.signals.connect(pool.close, signal=signals.spider_closed)
        return pool

    def start(self) -> None:
        """Start the workers now (they take a moment to import the engine) rather than on the first page."""
        if self.workers and self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_die_with_parent,
                initargs=(os.getpid(),),
            )
            # Spawn every worker at once: the first pages then find them ready.
            for _ in range(self.workers):
                self._executor.submit(int)

    async def extract(
        self,
        body: bytes,
        url: str,
        headers: Mapping[str, str],
        *,
        hints: SiteHints,
        fetched_at: datetime,
    ) -> Extraction:
        """`newscrawl.extract.extract` of one page, in a worker when there are workers."""
        if not self.workers:
            return extract(body, url, headers, hints=hints, fetched_at=fetched_at)
        args = (body, url, dict(headers), hints, fetched_at)
        for attempt in (1, 2):
            self.start()
            assert self._executor is not None
            executor = self._executor
            try:
                return await asyncio.wrap_future(executor.submit(_extract_in_worker, *args))
            except BrokenProcessPool:
                self.crashes += 1
                if self._executor is executor:
                    # The first page to notice replaces the pool; the others in flight retry on it.
                    executor.shutdown(wait=False, cancel_futures=True)
                    self._executor = None
                logger.warning(
                    "An extraction worker died on %s or a page beside it (attempt %d)", url, attempt
                )
        raise WorkerCrashed(f"an extraction worker died twice on {url}")

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


def _main_is_guarded() -> bool:
    """Whether a spawned process can import this process's main module without running it again:
    `python -m pkg` (multiprocessing skips `pkg.__main__`) or the `newscrawl` and `scrapy` commands,
    whose scripts guard their entry point."""
    main = sys.modules.get("__main__")
    spec_name = getattr(getattr(main, "__spec__", None), "name", None) or ""
    if spec_name.endswith(".__main__"):
        return True
    path = getattr(main, "__file__", None)
    return path is not None and os.path.basename(path).removesuffix(".exe") in ("newscrawl", "scrapy")


def _asyncio_reactor() -> bool:
    from scrapy.utils.reactor import is_asyncio_reactor_installed

    try:
        return is_asyncio_reactor_installed()
    except Exception:
        return False


__all__ = ["ExtractionPool", "WorkerCrashed", "auto_workers"]
