"""The worker's scheduler: scrapy-redis's shared queue and dupefilter, with leases and heartbeats.

A request this worker takes stays leased to it until the engine has finished with it. "Finished" is
read off the engine itself: the engine keeps every request it is working on in its slot's
`inprogress` set and removes it only after the download, the callback, the scheduling of the
callback's requests and the item pipelines for its items (here: the push to Redis) are all done — the
same moment for a parsed page, a failed download, a redirect or a retry. Leases whose request has left
that set are acknowledged each time the engine asks this scheduler for work, which it does right after
each request finishes.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.misc import load_object
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler

from newscrawl.distributed.connection import DistributedModeError, crawl_connection
from newscrawl.distributed.dupefilter import SharedDupeFilter
from newscrawl.distributed.frontier import ReliablePriorityQueue, WorkerRegistry

if TYPE_CHECKING:
    import redis
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

    from newscrawl.distributed.connection import RedisKeys

logger = logging.getLogger(__name__)

STATS = "newscrawl/redis"


class RedisScheduler(Scheduler):  # type: ignore[misc]
    """Selected by `RedisAddon` when `NEWSCRAWL_REDIS_URL` is set."""

    def __init__(self, crawler: Crawler, server: redis.Redis, keys: RedisKeys, worker: str) -> None:
        settings = crawler.settings
        dupefilter_cls = load_object(settings.get("DUPEFILTER_CLASS") or SharedDupeFilter)
        if not (isinstance(dupefilter_cls, type) and issubclass(dupefilter_cls, RFPDupeFilter)):
            raise DistributedModeError(
                f"DUPEFILTER_CLASS must be a scrapy-redis RFPDupeFilter in the distributed mode, not {dupefilter_cls!r}"
            )
        super().__init__(server, persist=settings.getbool("NEWSCRAWL_REDIS_PERSIST"))
        self.dupefilter_cls = dupefilter_cls
        self.crawler = crawler
        self.stats = crawler.stats
        self.keys = keys
        self.worker = worker
        self.timeout = settings.getfloat("NEWSCRAWL_REDIS_WORKER_TIMEOUT", 30.0)
        self.poll_interval = settings.getfloat("NEWSCRAWL_REDIS_POLL_INTERVAL", 0.25)
        if self.poll_interval * 3 > self.timeout:
            raise DistributedModeError(
                "NEWSCRAWL_REDIS_WORKER_TIMEOUT must be at least three poll intervals "
                f"({self.timeout} s < 3 x {self.poll_interval} s)"
            )
        self.registry = WorkerRegistry(server, keys)
        self.leases: dict[str, Request] = {}
        self._tick: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisScheduler:
        server, keys, worker = crawl_connection(crawler)
        return cls(crawler, server, keys, worker)

    # -- lifecycle ---------------------------------------------------------------------------

    def open(self, spider: Spider) -> None:
        self.spider = spider
        name = spider.name
        self.queue = ReliablePriorityQueue(
            self.server,
            spider,
            self.keys.requests(name),
            leases_key=self.keys.leases(name, self.worker),
            lease_seq_key=self.keys.lease_seq(name),
        )
        self.df = self.dupefilter_cls(
            self.server,
            key=self.keys.dupefilter(name),
            debug=self.crawler.settings.getbool("DUPEFILTER_DEBUG"),
        )
        if self._engine_inprogress() is None:
            raise DistributedModeError(
                "this Scrapy version's engine keeps no in-progress set (engine._slot.inprogress); "
                "the distributed mode cannot tell when a request is finished"
            )
        self.registry.register(self.worker, name, self.timeout)
        self._reap()
        queued = len(self.queue)
        logger.info(
            "Worker %s joined the %s crawl on Redis (%d request(s) queued, %d worker(s) registered)",
            self.worker,
            name,
            queued,
            len(self.registry.workers(name)),
        )
        self._tick = create_looping_call(self._on_tick)
        self._tick.start(self.poll_interval, now=False)

    def close(self, reason: str) -> None:
        if self._tick is not None and self._tick.running:
            self._tick.stop()
        self._ack_finished()
        requeued, ended = self.registry.release(self.worker, self.spider.name, persist=self.persist)
        if requeued:
            logger.info(
                "Worker %s closing (%s): %d unfinished request(s) put back", self.worker, reason, requeued
            )
        if ended:
            logger.info("The %s crawl on Redis is finished (this was its last worker)", self.spider.name)

    # -- the engine's side -------------------------------------------------------------------

    def enqueue_request(self, request: Request) -> bool:
        # scrapy-redis's own version passes `spider=` to the stats, which Scrapy 2.19 deprecates.
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        self.queue.push(request)
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        self._ack_finished()
        leased = self.queue.lease()
        if leased is None:
            return None
        token, request = leased
        self.leases[token] = request
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        """True while the crawl has work anywhere — queued, or in flight at any worker.

        That keeps an idle worker open while others may still queue links; the crawl ends for
        every worker at once, when nothing is queued or leased.
        """
        self._ack_finished()
        return self.registry.outstanding(self.spider.name) > 0

    def __len__(self) -> int:
        return len(self.queue)

    # -- leases ------------------------------------------------------------------------------

    def _engine_inprogress(self) -> set[Request] | None:
        # Private to Scrapy; checked at open() so a Scrapy that drops it fails loudly, not silently.
        slot = getattr(self.crawler.engine, "_slot", None)
        inprogress = getattr(slot, "inprogress", None)
        return inprogress if isinstance(inprogress, set) else None

    def _ack_finished(self) -> None:
        if not self.leases:
            return
        inprogress = self._engine_inprogress() or set()
        done = [token for token, request in self.leases.items() if request not in inprogress]
        if not done:
            return
        self.queue.ack(done)
        for token in done:
            del self.leases[token]
        if self.stats:
            self.stats.inc_value(f"{STATS}/acked", len(done))

    def _reap(self) -> None:
        for _, _, n in self.registry.reap():
            if self.stats:
                self.stats.inc_value(f"{STATS}/reaped_workers")
                self.stats.inc_value(f"{STATS}/requeued", n)

    def _on_tick(self) -> None:
        try:
            self.registry.beat(self.worker, self.spider.name, self.timeout)
            self._ack_finished()
            self._reap()
        except Exception:
            # A Redis hiccup must not kill the loop: the next tick tries again, well within the timeout.
            logger.exception("Worker %s: heartbeat failed", self.worker)
            return
        # The engine polls an empty scheduler only every 5 s; other workers may have queued links since.
        slot = getattr(self.crawler.engine, "_slot", None)
        nextcall = getattr(slot, "nextcall", None)
        if nextcall is not None:
            nextcall.schedule()
