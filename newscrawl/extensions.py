"""The crawl session: the database one crawl writes to, its `crawl_runs` row and its job.

The store pipeline, the page archive middleware, the frontier scheduler and the revisit middlewares
all reach the same `CrawlSession` through `CrawlSession.of(crawler)`; the run recorder closes it when
the spider closes. Writes go through the session's `BatchWriter` (ordered, batched, committed off
the reactor thread, on a connection of its own); lookups on the reactor thread see what has been
committed.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from functools import partial
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.conf import build_component_list
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from scrapy.utils.misc import load_object

from newscrawl import gctune
from newscrawl.state import lock
from newscrawl.state.engine import is_interactive
from newscrawl.state.health import HealthRules, failure_counts, judge
from newscrawl.state.writer import BatchWriter, Operation
from newscrawl.store import Store, now_iso
from newscrawl.store.frontier import Job, finish_job, open_job
from newscrawl.store.history import (
    KnownUrls,
    earlier_runs,
    mark_dead_runs,
    run_counts,
    set_run_health,
    update_run_progress,
)

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

_RUNS_OF_THIS_PROCESS: set[int] = set()
"""crawl_runs ids started by this process: never mistaken for runs of a dead process."""


class CrawlSession:
    """This crawl's database, run row and job.

    Two connections: `store` belongs to the reactor thread (the run row, the job, lookups, and any
    component that writes directly, in its own short transaction), `writer` commits the batched
    writes on the writer thread through a connection of its own. SQLite serializes the two; neither
    ever sees the other's transaction half-done.
    """

    def __init__(
        self,
        store: Store,
        run_id: int,
        *,
        writer: BatchWriter | None = None,
        job: Job | None = None,
        locked: bool = False,
    ) -> None:
        self.store = store
        self.run_id = run_id
        self.writer = writer or BatchWriter(store, threaded=False)
        self.job = job
        """The job this run works on; None in `scrapy shell`, which keeps no crawl state."""
        self.locked = locked
        self._known_urls: KnownUrls | None = None

    def known_urls(self) -> KnownUrls | None:
        """The session's filter of stored URLs (`find_stored`, `page_validators`), or None where it
        cannot be trusted.

        It watches the session's two connections. A process with a second session (`newscrawl crawl
        a b`, or a crawl after a crawl) has connections it does not watch writing to the database, so
        there every question goes to SQLite, as before the filter.
        """
        if len(_RUNS_OF_THIS_PROCESS) != 1:
            return None
        known = self._known_urls
        if known is None:
            known = self._known_urls = KnownUrls()
            known.watch(self.reader)
            # On the writer's connection, in its order: whatever it wrote before is in the tables by
            # then (its own transaction sees it); what it writes after goes through the triggers.
            filled = self.writer.submit_and_wait(partial(_watch_and_fill, known=known), label="known urls")
            filled.addCallbacks(partial(_filled, known), partial(_not_filled, known))
        return known

    @property
    def reader(self) -> sqlite3.Connection:
        """The connection for lookups on the reactor thread; it sees what has been committed."""
        return self.store.conn

    @classmethod
    def of(cls, crawler: Crawler) -> CrawlSession:
        """The crawl's session, opened on first use."""
        session: CrawlSession | None = getattr(crawler, "_newscrawl_session", None)
        if session is None:
            session = cls._open(crawler)
            crawler._newscrawl_session = session  # type: ignore[attr-defined]
        return session

    @classmethod
    def current(cls, crawler: Crawler) -> CrawlSession | None:
        """The crawl's session if one is open; never opens one (a process may have no database)."""
        return getattr(crawler, "_newscrawl_session", None)

    @classmethod
    def _open(cls, crawler: Crawler) -> CrawlSession:
        settings = crawler.settings
        path = settings.get("NEWSCRAWL_DB")
        spider = crawler.spider
        name = spider.name if spider else "?"
        interactive = is_interactive(crawler)
        # The lock first: a second crawl must not even create its run row.
        if not interactive:
            lock.acquire(path)
        try:
            store = Store(path)
            run_id = store.start_run(name)
            _RUNS_OF_THIS_PROCESS.add(run_id)
            job = None
            if not interactive and spider is not None:
                with store.transaction():
                    killed = mark_dead_runs(store.conn, name, keep=_RUNS_OF_THIS_PROCESS)
                    job = open_job(
                        store.conn,
                        job_key=job_key(spider),
                        spider=name,
                        run_id=run_id,
                        at=now_iso(),
                        max_age_hours=settings.getfloat("NEWSCRAWL_RESUME_MAX_AGE_HOURS", 0),
                    )
                if killed:
                    logger.info("%d earlier run(s) of %s never finished: marked killed", killed, name)
        except BaseException:
            if not interactive:
                lock.release(path)
            raise
        session = cls(store, run_id, job=job, locked=not interactive)
        # A second connection for the writer thread; an in-memory database has only the one, so
        # its writes commit inline on the reactor thread instead.
        in_memory = str(path) == ":memory:"
        session.writer = BatchWriter(
            store if in_memory else Store(path),
            threaded=not in_memory,
            max_ops=settings.getint("NEWSCRAWL_BATCH_SIZE", 200),
            max_delay=settings.getfloat("NEWSCRAWL_BATCH_DELAY", 0.02),
            on_failure=lambda exc: _stop_crawl(crawler, exc),
            batch_hook=lambda: session.progress_operation(crawler),
        )
        if job is not None and job.resumed:
            logger.info("Resuming the unfinished crawl of %s (job %d)", name, job.id)
        logger.info("Storing into %s (run %d)", path, run_id)
        return session

    def progress_operation(self, crawler: Crawler) -> Operation | None:
        """Snapshot of the live counters, written with each batch so a killed run shows them."""
        if crawler.stats is None:
            return None
        stats = crawler.stats.get_stats()
        failed, _ = failure_counts(stats)
        counters = {
            "pages_fetched": int(stats.get("response_received_count", 0)),
            "articles_skipped": int(stats.get("newscrawl/articles/skipped", 0)),
            "pages_failed": failed,
        }
        run_id = self.run_id
        return lambda store: update_run_progress(store.conn, run_id, counters)

    async def close(self) -> None:
        await maybe_deferred_to_future(self.writer.close())
        if self.writer.store is not self.store:
            self.writer.store.close()
        self.store.close()
        if self.locked:
            lock.release(self.store.path)
            self.locked = False


def records_runs(crawler: Crawler) -> bool:
    """Whether this crawl keeps a `crawl_runs` row (the `CrawlRunRecorder` extension is on).

    Crawl state belongs to a recorded run. A crawl that records none — `newscrawl savefixture`
    fetching one page, a distributed worker whose results go to Redis — keeps its frontier in
    memory and never opens the database.
    """
    enabled = build_component_list(crawler.settings.getwithbase("EXTENSIONS"))
    return any(load_object(path) is CrawlRunRecorder for path in enabled)


def job_key(spider: Spider) -> str:
    """What identifies a crawl across runs: the spider name, plus a digest of its start URLs when
    spider arguments chose them (`news -a start_url=…` on two sites are two different crawls)."""
    urls = list(getattr(spider, "listing_urls", None) or getattr(spider, "start_urls", None) or [])
    cls = type(spider)
    class_urls = list(getattr(cls, "listing_urls", None) or getattr(cls, "start_urls", None) or [])
    if urls == class_urls:
        return spider.name
    digest = hashlib.sha1("\n".join(urls).encode("utf-8")).hexdigest()[:12]
    return f"{spider.name}:{digest}"


def _stop_crawl(crawler: Crawler, exc: BaseException) -> None:
    engine = crawler.engine
    if engine is None or engine.spider is None:
        return
    logger.error("Stopping the crawl: the database no longer accepts writes (%s)", exc)
    deferred_from_coro(engine.close_spider_async(reason="store_error"))


def _watch_and_fill(store: Store, known: KnownUrls) -> None:
    known.watch(store.conn)
    known.fill(store.conn)


def _filled(known: KnownUrls, _: object) -> None:
    known.ready = True  # committed: the triggers on the writer's connection are there for good


def _not_filled(known: KnownUrls, failure: Failure) -> None:
    # The store failed (the crawl is stopping): the filter never answers, SQLite does.
    logger.debug("The stored-URL filter was not set up: %s", failure.value)


class CrawlRunRecorder:
    """Starts the run row when the spider opens; when it closes, commits what is pending, closes
    the job if the crawl ran to the end, fills in the run row, judges the health rules, and closes
    the database."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.rules = HealthRules.from_settings(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlRunRecorder:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        session = CrawlSession.of(self.crawler)
        if self.crawler.stats is not None:
            self.crawler.stats.set_value("newscrawl/run_id", session.run_id)
            if session.job is not None:
                self.crawler.stats.set_value("newscrawl/job_id", session.job.id)
                self.crawler.stats.set_value("newscrawl/job_resumed", session.job.resumed)

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        crawler_attr = "_newscrawl_session"
        session: CrawlSession | None = getattr(self.crawler, crawler_attr, None)
        if session is None:
            return
        try:
            await maybe_deferred_to_future(session.writer.flush())
            self._finish(session, reason)
        finally:
            await session.close()
            delattr(self.crawler, crawler_attr)

    def _finish(self, session: CrawlSession, reason: str) -> None:
        stats: dict[str, Any] = self.crawler.stats.get_stats() if self.crawler.stats else {}
        store = session.store
        outcomes = ("new", "updated", "unchanged")
        failed, tried = failure_counts(stats)
        if session.writer.failure is not None:
            reason = "store_error" if reason == "finished" else reason
        with store.transaction():
            update_run_progress(
                store.conn,
                session.run_id,
                {
                    "articles_skipped": int(stats.get("newscrawl/articles/skipped", 0)),
                    "pages_failed": failed,
                },
            )
            # A job is done only when its queue ran dry; any other ending leaves it for the next run.
            if session.job is not None and reason == "finished":
                finish_job(store.conn, session.job.id, reason=reason, at=now_iso())
        store.finish_run(
            session.run_id,
            finish_reason=reason,
            pages_fetched=int(stats.get("response_received_count", 0)),
            articles_stored=sum(int(stats.get(f"newscrawl/articles/{o}", 0)) for o in outcomes),
            articles_dropped=int(stats.get("item_dropped_count", 0)),
            errors=int(stats.get("log_count/ERROR", 0)) + int(stats.get("newscrawl/errors", 0)),
            stats={k: v if isinstance(v, int | float | str) else str(v) for k, v in stats.items()},
        )
        if reason != "finished":
            return  # an interrupted run says nothing about the site's health
        run = run_counts(store.conn, session.run_id)
        assert run is not None
        earlier = earlier_runs(store.conn, run.spider, run.run_id, self.rules.history)
        problems = judge(run, earlier, self.rules, pages_tried=tried)
        with store.transaction():
            set_run_health(store.conn, session.run_id, "; ".join(problems) or None)
        if self.crawler.stats is not None:
            self.crawler.stats.set_value("newscrawl/health", "; ".join(problems) or "ok")
        for problem in problems:
            logger.warning("Health rule broken by %s: %s", run.spider, problem)


class GcTuning:
    """Sets the garbage collector for a long crawl (`newscrawl.gctune`) once the engine has started:
    by then the spider, its components and the store are built, and are frozen with the rest."""

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GcTuning:
        threshold = crawler.settings.getint("NEWSCRAWL_GC_THRESHOLD", 0)
        if threshold <= 0:
            raise NotConfigured
        ext = cls(threshold)
        crawler.signals.connect(ext.engine_started, signal=signals.engine_started)
        return ext

    def engine_started(self) -> None:
        gctune.tune(self.threshold)


class ExtractionWorkers:
    """Starts the crawl's extraction workers (`newscrawl.workers`) while the crawl is being set up:
    they import the engine and warm it up while the store migrates, the spider opens and robots.txt
    loads, instead of after the first article page has arrived. Only for a crawl of a `NewsSpider`
    (the spiders that extract); `scrapy shell` builds its extensions before it has a spider, and
    starts none."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractionWorkers:
        # Imported here: the spiders import the pipelines, which import this module's neighbours.
        from newscrawl.spiders.base import NewsSpider
        from newscrawl.workers import ExtractionPool

        if not isinstance(crawler.spider, NewsSpider):
            raise NotConfigured
        pool = ExtractionPool.of(crawler)
        if not pool.workers:
            raise NotConfigured
        pool.start()
        return cls()
