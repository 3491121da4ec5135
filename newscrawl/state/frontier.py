"""A Scrapy scheduler and dupefilter whose state lives in SQLite, written as the crawl goes.

    SCHEDULER = "newscrawl.state.frontier.FrontierScheduler"
    DUPEFILTER_CLASS = "newscrawl.state.frontier.FrontierDupeFilter"

Every request the scheduler accepts becomes a `frontier` row (priority, depth, the serialized
request) in the crawl's current job; the row is deleted only when the engine has finished the request
— downloaded it, run its callback, and sent every item of that callback through the item pipelines,
whose store step waits for its commit. All of it goes through the session's ordered `BatchWriter`,
so whatever is on disk after a `kill -9` is consistent: an article is stored before its page's row is
deleted, and a page's follow-up requests are stored before that too. The next run of the spider
resumes the job: rows still pending are fetched, rows of articles that did get stored are dropped
without a fetch.

Memory stays flat however large the crawl: the scheduler keeps at most `NEWSCRAWL_FRONTIER_MEMORY`
requests in memory and reads the rest back from SQLite in crawl order (priority, then arrival); the
dupefilter keeps the job's seen set as 64-bit fingerprints in `frontier_seen` and holds in memory only
the ones not committed yet.

The two are independent settings: either can be swapped (for scrapy-redis's, say) without the other.
Crawl state belongs to a recorded run: in `scrapy shell`, and in a crawl that records no run (the
`CrawlRunRecorder` extension off: `newscrawl savefixture`, a distributed worker), both keep their
state in memory, as Scrapy's own would, and never touch the database.
"""

from __future__ import annotations

import heapq
import logging
import pickle
from collections import deque
from functools import partial
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.core.scheduler import BaseScheduler
from scrapy.dupefilters import BaseDupeFilter
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.request import referer_str, request_from_dict

from newscrawl.extensions import CrawlSession, records_runs
from newscrawl.state.engine import watch_finished_requests
from newscrawl.store.bloom import BloomFilter, BoundedSet
from newscrawl.store.frontier import (
    add_request,
    add_seen,
    is_seen,
    next_seq,
    pending_count,
    pending_requests,
    remove_request,
    seen_fingerprints,
)
from newscrawl.store.history import stored_in_runs

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from twisted.internet.defer import Deferred

    from newscrawl.store import Store
    from newscrawl.store.frontier import Job

logger = logging.getLogger(__name__)

SEQ_KEY = "newscrawl_frontier_seq"
"""Request meta: the frontier row of this request (kept by retries and redirects, which Scrapy
makes as copies of the request)."""
ARTICLE_KIND = "article"
PICKLE_PROTOCOL = 4


def fingerprint64(fingerprint: bytes) -> int:
    """The first 64 bits of a Scrapy request fingerprint, as SQLite's signed INTEGER.

    A million URLs collide with probability ~3e-8: cheaper than storing 20-byte blobs, for a risk of
    skipping one page in tens of millions of crawls.
    """
    return int.from_bytes(fingerprint[:8], "big", signed=True)


_SEEN_FILTERS: dict[tuple[str, int], BloomFilter] = {}
"""Per database and job, every fingerprint its seen set holds or is about to hold (this process is
the only writer: the database lock keeps other crawls out). Shared by the dupefilters of one process,
should two crawlers work on one job."""


def seen_filter(session: CrawlSession, job: Job) -> BloomFilter:
    """The job's seen-set filter, filled from `frontier_seen` on first use."""
    path = session.store.path
    where = f"memory:{id(session.store)}" if str(path) == ":memory:" else str(path.resolve())
    found = _SEEN_FILTERS.get((where, job.id))
    if found is None:
        found = BloomFilter()
        # Everything committed so far; what this process adds from now on goes in before its insert.
        found.update(seen_fingerprints(session.reader, job.id))
        _SEEN_FILTERS[where, job.id] = found
    return found


class RequestSerializer:
    """`Request.to_dict(spider=...)`, the same dict, without searching the spider on every call.

    Scrapy names a callback or errback by walking `inspect.getmembers(spider)` for the method whose
    function is the callback's (about 43 µs a request on a site spider, paid for every request the
    frontier stores). The name a function was found under is kept here, per function, and checked
    against the spider before it is used again; anything not found yet goes through Scrapy's own
    `to_dict`, so a callback that is not a spider method fails with Scrapy's error, and a request
    class with a `to_dict` of its own is always serialized by it.
    """

    def __init__(self, spider: Spider) -> None:
        self.spider = spider
        self._names: dict[object, str] = {}
        """A callback's underlying function (`__func__`) -> the spider attribute it was found as."""

    def to_dict(self, request: Request) -> dict[str, Any]:
        if type(request).to_dict is not Request.to_dict:
            return request.to_dict(spider=self.spider)
        callback = self._name(request.callback)
        errback = self._name(request.errback)
        if callback is None or errback is None:
            return self._learn(request)
        # The body of Scrapy's Request.to_dict, with the names found above.
        d: dict[str, Any] = {
            "url": request.url,
            "callback": callback if callable(request.callback) else request.callback,
            "errback": errback if callable(request.errback) else request.errback,
            "headers": dict(request.headers),
        }
        for attr in request.attributes:
            d.setdefault(attr, getattr(request, attr))
        if type(request) is not Request:
            d["_class"] = request.__module__ + "." + request.__class__.__name__
        return d

    def _name(self, func: Callable[..., Any] | None) -> str | None:
        """The cached name of `func` ("" for a value Scrapy keeps as it is), None when not known."""
        if not callable(func):
            return ""
        function = getattr(func, "__func__", None)
        name = self._names.get(function) if function is not None else None
        if name is None:
            return None
        # A spider may rebind an attribute; the name must still lead to the same function.
        if getattr(getattr(self.spider, name, None), "__func__", None) is not function:
            del self._names[function]
            return None
        return name

    def _learn(self, request: Request) -> dict[str, Any]:
        d = request.to_dict(spider=self.spider)  # raises what Scrapy raises
        for func, key in ((request.callback, "callback"), (request.errback, "errback")):
            function = getattr(func, "__func__", None)
            if function is not None and isinstance(d[key], str):
                self._names[function] = d[key]
        return d


def _add_seen(store: Store, *, job_id: int, fingerprint: int) -> None:
    add_seen(store.conn, job_id, fingerprint)


def _add_request(store: Store, **row: object) -> None:
    add_request(store.conn, **row)  # type: ignore[arg-type]


def _remove_request(store: Store, *, job_id: int, seq: int) -> None:
    remove_request(store.conn, job_id, seq)


class FrontierDupeFilter(BaseDupeFilter):
    """The job's seen set, in `frontier_seen`. In `scrapy shell` (no job) it is an in-memory set."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.fingerprinter = crawler.request_fingerprinter
        self.debug = crawler.settings.getbool("DUPEFILTER_DEBUG")
        self.logdupes = True
        self._session: CrawlSession | None = None
        self._memory: set[bytes] = set()
        self._recent: dict[int, int] = {}
        """Fingerprints whose insert is not committed yet (SQL cannot see them) -> its ticket."""
        self._recent_order: deque[tuple[int, int]] = deque()
        self._filter: BloomFilter | None = None
        self._seen_lately: BoundedSet[int] = BoundedSet()
        """Fingerprints lately found or made seen: a duplicate link (a listing page links its
        articles again, related lists link each other) is answered without a query."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def _state(self) -> tuple[CrawlSession | None, Job | None]:
        if self._session is None and records_runs(self.crawler):
            self._session = CrawlSession.of(self.crawler)
            self._session.writer.add_listener(self._committed)
        return self._session, self._session.job if self._session is not None else None

    def request_seen(self, request: Request) -> bool:
        session, job = self._state()
        raw = self.fingerprinter.fingerprint(request)
        if session is None or job is None:
            if raw in self._memory:
                return True
            self._memory.add(raw)
            return False
        fp = fingerprint64(raw)
        if fp in self._recent or fp in self._seen_lately:
            return True
        if self._filter is None:
            self._filter = seen_filter(session, job)
        # Most requests are new: the filter says so without a query (and its GIL hand-off).
        if fp in self._filter and is_seen(session.reader, job.id, fp):
            self._seen_lately.add(fp)
            return True
        self._filter.add(fp)
        self._seen_lately.add(fp)
        ticket = session.writer.submit(partial(_add_seen, job_id=job.id, fingerprint=fp), label="seen")
        self._recent[fp] = ticket
        self._recent_order.append((ticket, fp))
        return False

    def close(self, reason: str) -> Deferred[None] | None:
        if self._filter is not None:
            # The job's filter lives as long as a crawl of the job runs in this process.
            for key in [k for k, f in _SEEN_FILTERS.items() if f is self._filter]:
                del _SEEN_FILTERS[key]
        return None

    def _committed(self, ticket: int) -> None:
        while self._recent_order and self._recent_order[0][0] <= ticket:
            committed, fp = self._recent_order.popleft()
            if self._recent.get(fp) == committed:
                del self._recent[fp]

    def log(self, request: Request, spider: Spider) -> None:
        if self.debug:
            logger.debug(
                "Filtered duplicate request: %(request)s (referer: %(referer)s)",
                {"request": request, "referer": referer_str(request)},
                extra={"spider": spider},
            )
        elif self.logdupes:
            logger.debug(
                "Filtered duplicate request: %(request)s - no more duplicates will be shown"
                " (see DUPEFILTER_DEBUG to show all duplicates)",
                {"request": request},
                extra={"spider": spider},
            )
            self.logdupes = False
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("dupefilter/filtered")


def max_in_flight(settings: BaseSettings) -> int:
    """`NEWSCRAWL_MAX_IN_FLIGHT`, with -1 resolved against the per-domain concurrency: a crawl that
    downloads more pages at once needs room for as many more being processed behind them."""
    cap = settings.getint("NEWSCRAWL_MAX_IN_FLIGHT", 0)
    if cap < 0:
        cap = max(6, 2 * settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 2))
    return cap


class FrontierScheduler(BaseScheduler):
    """Pending requests in the job's `frontier` table; at most `memory_size` of them in memory."""

    def __init__(
        self, crawler: Crawler, dupefilter: BaseDupeFilter, *, memory_size: int = 2000, max_in_flight: int = 0
    ) -> None:
        self.crawler = crawler
        self.df = dupefilter
        self.stats = crawler.stats
        self.memory_size = max(1, memory_size)
        self.max_in_flight = max(0, max_in_flight)
        self.spider: Spider | None = None
        self.session: CrawlSession | None = None
        self.job: Job | None = None
        self._heap: list[tuple[int, int, Request]] = []
        """(-priority, seq, request): the requests held in memory, next one first."""
        self._next_seq = 1
        self._live: dict[int, int] = {}
        """seq -> how many copies of its request are queued in memory or in flight (a retry is a copy)."""
        self._inflight: dict[Request, int] = {}
        self._inflight_seq: dict[int, Request] = {}
        self._spilled = 0
        """Rows pending in SQLite that are neither in memory nor in flight."""
        self._spill_priority: int | None = None
        """Highest priority among the spilled rows (an upper bound)."""
        self._unflushed: dict[int, tuple[int, Request]] = {}
        """Spilled rows whose insert is not committed yet (SQL cannot see them): seq -> (priority, request)."""
        self._unflushed_order: deque[tuple[int, int]] = deque()
        self._removing: dict[int, int] = {}
        """Rows done whose deletion is not committed yet (SQL still shows them): seq -> ticket."""
        self._removing_order: deque[tuple[int, int]] = deque()
        self._from_earlier_runs: set[int] = set()
        """seqs of rows an earlier, interrupted run of the job enqueued."""
        self._serializer: RequestSerializer | None = None
        self._logged_unserializable = False
        self._tracking = False
        """Whether the engine tells us when each request is done (`newscrawl.state.engine`)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        dupefilter_cls = load_object(crawler.settings["DUPEFILTER_CLASS"])
        return cls(
            crawler,
            build_from_crawler(dupefilter_cls, crawler),
            memory_size=crawler.settings.getint("NEWSCRAWL_FRONTIER_MEMORY", 2000),
            max_in_flight=max_in_flight(crawler.settings),
        )

    # -- lifecycle ----------------------------------------------------------------------------

    def open(self, spider: Spider) -> Deferred[None] | None:
        self.spider = spider
        self._serializer = RequestSerializer(spider)
        if records_runs(self.crawler):
            self.session = CrawlSession.of(self.crawler)
            self.job = self.session.job
        if self.job is not None and self.session is not None:
            reader = self.session.reader
            self._next_seq = next_seq(reader, self.job.id)
            self._spilled = pending_count(reader, self.job.id)
            if self._spilled:
                logger.info("Resuming job %d: %d requests pending", self.job.id, self._spilled)
                self._inc("newscrawl/frontier/resumed", self._spilled)
            self._tracking = watch_finished_requests(self.crawler, self._finished)
            if not self._tracking:
                self.max_in_flight = 0  # nothing would ever tell us a request left the engine
            self.session.writer.add_listener(self._committed)
        return self.df.open()

    def close(self, reason: str) -> Deferred[None] | None:
        if self._heap or self._spilled:
            logger.info("Closing with %d requests pending in the frontier (%s)", len(self), reason)
        if self.session is None:
            return self.df.close(reason)
        # The last rows marked done must reach the disk whoever closes the session afterwards.
        flushed = self.session.writer.flush()
        flushed.addCallback(lambda _: self.df.close(reason))
        return flushed

    def has_pending_requests(self) -> bool:
        return bool(self._heap) or self._spilled > 0

    def __len__(self) -> int:
        return len(self._heap) + self._spilled

    # -- enqueue --------------------------------------------------------------------------------

    def enqueue_request(self, request: Request) -> bool:
        seq: int | None = request.meta.get(SEQ_KEY)
        copy = self.job is not None and seq is not None and self._is_copy_in_flight(seq, request)
        if not request.dont_filter and self.df.request_seen(request):
            # (A redirect to a page already seen ends here; its original then finishes as done.)
            assert self.spider is not None
            self.df.log(request, self.spider)
            return False
        if copy and seq is not None:
            # A retry or a redirect of a request in flight: the same frontier row, a new payload.
            self._live[seq] = self._live.get(seq, 0) + 1
            self._persist(seq, request)
            self._push(seq, request)
            self._inc("newscrawl/frontier/requeued")
            self._inc("scheduler/enqueued")
            return True
        seq = self._next_seq
        self._next_seq += 1
        request.meta[SEQ_KEY] = seq
        ticket = self._persist(seq, request) if self.job is not None else None
        if ticket is None or self._goes_to_memory(request.priority):
            self._live[seq] = 1
            self._push(seq, request)
        else:
            self._spilled += 1
            if self._spill_priority is None or request.priority > self._spill_priority:
                self._spill_priority = request.priority
            self._unflushed[seq] = (request.priority, request)
            self._unflushed_order.append((ticket, seq))
        self._inc("scheduler/enqueued")
        self._inc("newscrawl/frontier/enqueued")
        return True

    def _goes_to_memory(self, priority: int) -> bool:
        if self._spilled:
            # Keep crawl order: while rows wait on disk, only a request that outranks them all
            # may jump ahead of them in memory.
            return self._spill_priority is not None and priority > self._spill_priority
        return len(self._heap) < self.memory_size

    def _push(self, seq: int, request: Request) -> None:
        heapq.heappush(self._heap, (-request.priority, seq, request))

    def _persist(self, seq: int, request: Request) -> int | None:
        """Queue the frontier row of a request; None if the request cannot be serialized."""
        assert self.job is not None and self.session is not None and self._serializer is not None
        try:
            blob = pickle.dumps(self._serializer.to_dict(request), protocol=PICKLE_PROTOCOL)
        except (ValueError, TypeError, AttributeError, pickle.PicklingError) as exc:
            if not self._logged_unserializable:
                logger.warning(
                    "Cannot keep %s in the frontier (%s); it stays in memory and a killed run will not "
                    "resume it. No more such requests will be logged.",
                    request,
                    exc,
                )
                self._logged_unserializable = True
            self._inc("newscrawl/frontier/unserializable")
            return None
        return self.session.writer.submit(
            partial(
                _add_request,
                job_id=self.job.id,
                seq=seq,
                priority=request.priority,
                depth=int(request.meta.get("depth", 0)),
                url=request.url,
                request=blob,
                run_id=self.session.run_id,
            ),
            label=f"frontier {request.url}",
        )

    def _is_copy_in_flight(self, seq: int, request: Request) -> bool:
        """Whether `request` is Scrapy's copy of the in-flight request of row `seq`.

        A retry has the same fingerprint; a redirect names the in-flight URL last in
        `redirect_urls`. A new request whose meta was copied from its response's (a common spider
        idiom) carries the seq too, but matches neither, and gets a row of its own.
        """
        current = self._inflight_seq.get(seq)
        if current is None:
            return False
        fingerprinter = self.crawler.request_fingerprinter
        if fingerprinter.fingerprint(request) == fingerprinter.fingerprint(current):
            return True
        redirects = request.meta.get("redirect_urls") or []
        return bool(redirects) and redirects[-1] == current.url

    # -- dequeue --------------------------------------------------------------------------------

    def next_request(self) -> Request | None:
        if self.max_in_flight and len(self._inflight) >= self.max_in_flight:
            # Downloads must not run far ahead of what is committed: everything in flight is what
            # a kill -9 costs. The engine asks again as soon as one of them is finished.
            return None
        while True:
            if self._spilled and (
                not self._heap
                or (self._spill_priority is not None and -self._heap[0][0] < self._spill_priority)
            ):
                self._refill()
            if not self._heap:
                return None
            _, seq, request = heapq.heappop(self._heap)
            self._inc("scheduler/dequeued")
            if self.job is None:
                return request  # scrapy shell: nothing to keep track of
            if seq in self._from_earlier_runs:
                self._from_earlier_runs.discard(seq)
                if self._done_before(request):
                    self._finish_seq(seq)
                    continue
            if self._tracking:
                self._inflight[request] = seq
                self._inflight_seq[seq] = request
            return request

    def _done_before(self, request: Request) -> bool:
        """For a row an interrupted run left: is there nothing to fetch?

        Its start requests come again from `start()`; an article page whose article that run did
        store (its row was committed, the frontier row's deletion was not) needs no second fetch.
        """
        assert self.job is not None and self.session is not None
        if request.meta.get("is_start_request"):
            self._inc("newscrawl/frontier/resumed_start_dropped")
            return True
        if request.meta.get("newscrawl_kind") == ARTICLE_KIND and stored_in_runs(
            self.session.reader, request.url, self.job.run_ids
        ):
            self._inc("newscrawl/frontier/resumed_already_stored")
            return True
        return False

    def _refill(self) -> None:
        """Read the next spilled rows back into memory, in crawl order."""
        assert self.job is not None and self.session is not None and self.spider is not None
        # Rows SQL still shows that are not spilled: in memory, in flight, or done with their
        # deletion not committed yet.
        taken = {seq for _, seq, _ in self._heap} | set(self._inflight_seq) | set(self._removing)
        rows = pending_requests(self.session.reader, self.job.id, self.memory_size + len(taken))
        candidates: dict[int, tuple[int, bytes | Request, bool]] = {}
        for row in rows:
            if row.seq not in taken:
                candidates[row.seq] = (row.priority, row.request, row.run_id != self.session.run_id)
        for seq, (priority, request) in self._unflushed.items():
            candidates.setdefault(seq, (priority, request, False))
        chosen = sorted(candidates.items(), key=lambda c: (-c[1][0], c[0]))[: self.memory_size]
        for seq, (_, payload, earlier) in chosen:
            self._spilled -= 1
            self._unflushed.pop(seq, None)
            loaded = self._load(seq, payload) if isinstance(payload, bytes) else payload
            if loaded is None:
                continue
            request = loaded
            if earlier:
                self._from_earlier_runs.add(seq)
            self._live[seq] = 1
            self._push(seq, request)
        if not chosen and self._spilled:
            logger.debug("Frontier count was off by %d; nothing left on disk", self._spilled)
            self._spilled = 0
        if self._spilled <= 0:
            self._spilled = 0
            self._spill_priority = None
            self._unflushed.clear()

    def _load(self, seq: int, blob: bytes) -> Request | None:
        assert self.spider is not None
        try:
            return request_from_dict(pickle.loads(blob), spider=self.spider)
        except Exception as exc:
            # The spider changed since (a callback renamed, say): the row cannot be replayed.
            logger.warning("Dropping frontier row %d that no longer loads: %s", seq, exc)
            self._inc("newscrawl/frontier/unloadable")
            self._live[seq] = 1
            self._finish_seq(seq)
            return None

    # -- completion -----------------------------------------------------------------------------

    def _finished(self, request: Request) -> None:
        """The engine is done with `request`: response, callback and items all processed."""
        seq = self._inflight.pop(request, None)
        if seq is None:
            return  # not one of ours (robots.txt goes through the engine directly)
        if self._inflight_seq.get(seq) is request:
            del self._inflight_seq[seq]
        self._finish_seq(seq)

    def _finish_seq(self, seq: int) -> None:
        left = self._live.get(seq, 1) - 1
        if left > 0:
            self._live[seq] = left  # a retry or redirect of it is still queued
            return
        self._live.pop(seq, None)
        if self.job is not None and self.session is not None:
            ticket = self.session.writer.submit(
                partial(_remove_request, job_id=self.job.id, seq=seq), label=f"frontier done {seq}"
            )
            self._removing[seq] = ticket
            self._removing_order.append((ticket, seq))
        self._inc("newscrawl/frontier/done")

    def _committed(self, ticket: int) -> None:
        while self._unflushed_order and self._unflushed_order[0][0] <= ticket:
            _, seq = self._unflushed_order.popleft()
            self._unflushed.pop(seq, None)
        while self._removing_order and self._removing_order[0][0] <= ticket:
            done, seq = self._removing_order.popleft()
            if self._removing.get(seq) == done:
                del self._removing[seq]

    def _inc(self, key: str, n: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(key, n)
