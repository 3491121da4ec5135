"""Politeness: what Scrapy leaves out, for small government and newspaper servers.

- robots.txt `Crawl-delay` (and `Request-rate`) honoured per site: Scrapy parses it but never waits;
- `Retry-After` on 429/503 honoured for the whole site: Scrapy retries at once;
- retries of 5xx answers and timeouts spaced by an exponential backoff, not immediate;
- a per-site page budget per run (`NEWSCRAWL_SITE_PAGE_BUDGET`);
- AutoThrottle that never goes below a site's Crawl-delay (`PoliteAutoThrottle`).

A "site" is a downloader slot: the host name, as Scrapy's per-domain concurrency uses it.
The pure parts (`parse_retry_after`, `backoff_delay`, `robots_delay`) are plain functions.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.core.downloader import Downloader
from scrapy.extensions.throttle import AutoThrottle
from scrapy.utils.asyncio import sleep
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import load_object
from twisted.python.failure import Failure

from newscrawl.middlewares.failures import FetchErrorLog, FetchRefused, is_robots_request
from newscrawl.store.errors import FetchError

if TYPE_CHECKING:
    from collections.abc import Coroutine

    from scrapy import Spider
    from scrapy.core.downloader import Slot
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response
    from scrapy.robotstxt import RobotParser
    from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

MIN_SLOT_DELAY = 0.001
"""Seconds: the smallest delay a site's downloader slot gets (see `_keep_concurrency`, `_pause`)."""

NOT_BEFORE = "newscrawl_not_before"
"""Request meta: wall-clock time (`time.time()`) before which the request must not be sent; set on
a request that is about to be retried, so the retry waits out its backoff."""


# -- pure parts -----------------------------------------------------------------------------------


def parse_retry_after(value: str | bytes | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header: delay-seconds or an HTTP-date (RFC 9110 §10.2.3).

    None when the header is absent or unreadable; 0 for a date in the past.
    """
    if value is None:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; a zone-less one is read as such
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Wait before retry number `attempt` (1 for the first retry): base, 2·base, 4·base, … ≤ cap."""
    if base <= 0:
        return 0.0
    return float(min(cap, base * 2 ** max(0, attempt - 1)))


def robots_delay(parser: RobotParser, user_agent: str) -> float | None:
    """Seconds between requests that a parsed robots.txt asks of `user_agent`: the larger of its
    `Crawl-delay` and its `Request-rate` (n requests per m seconds → m/n), None when it asks none."""
    delays: list[float] = []
    crawl_delay = parser.crawl_delay(user_agent)
    if crawl_delay is not None and crawl_delay > 0:
        delays.append(float(crawl_delay))
    # Request-rate is read by Protego (Scrapy's default parser) but not part of RobotParser.
    protego = getattr(parser, "rp", None)
    rate = getattr(protego, "request_rate", None)
    if callable(rate):
        found = rate(user_agent)
        if found is not None and found.requests > 0:
            delays.append(found.seconds / found.requests)
    return max(delays) if delays else None


# -- per-site state -------------------------------------------------------------------------------


@dataclass
class SiteState:
    """What the crawl knows about one site (downloader slot) during one run."""

    crawl_delay: float = 0.0
    """Seconds between requests asked by robots.txt."""
    rate_floor: float = 0.0
    """Seconds between requests we imposed on ourselves after a 429."""
    paused_until: float = 0.0
    """`time.monotonic()` before which no request goes to the site (Retry-After, 429 backoff)."""
    pages: int = 0
    """Pages requested this run (first attempts; robots.txt and retries not counted)."""
    budget_recorded: bool = False
    closed: str | None = None
    """Why no more requests go to the site this run, once it has asked for more than we wait."""
    closed_recorded: bool = False

    @property
    def delay_floor(self) -> float:
        return max(self.crawl_delay, self.rate_floor)


class Politeness:
    """The crawl's per-site politeness state, shared by the middleware and `PoliteAutoThrottle`."""

    def __init__(self) -> None:
        self.sites: dict[str, SiteState] = {}

    @classmethod
    def of(cls, crawler: Crawler) -> Politeness:
        state: Politeness | None = getattr(crawler, "_newscrawl_politeness", None)
        if state is None:
            state = cls()
            crawler._newscrawl_politeness = state  # type: ignore[attr-defined]
        return state

    def site(self, key: str) -> SiteState:
        if key not in self.sites:
            self.sites[key] = SiteState()
        return self.sites[key]

    def delay_floor(self, key: str | None) -> float:
        site = self.sites.get(key or "")
        return site.delay_floor if site else 0.0


# -- Scrapy components ----------------------------------------------------------------------------


class PolitenessMiddleware:
    """Downloader middleware (560: after robots.txt; just outside RetryMiddleware at 550, so its
    process_exception runs before Retry copies the request into a retry).

    process_request: refuses requests past the site's page budget or to a site that asked us away;
    waits out the site's pause and the request's own backoff; keeps the site's download delay at or
    above its Crawl-delay. On each answer (response_downloaded): reads Retry-After on 429/503 and
    pauses the site; gives a 5xx answer about to be retried its backoff. process_exception: the
    same backoff for a timeout or a dropped connection.
    """

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.state = Politeness.of(crawler)
        self.obey_crawl_delay = settings.getbool("NEWSCRAWL_OBEY_CRAWL_DELAY", True)
        self.robots_unreachable_disallows = settings.getbool("NEWSCRAWL_ROBOTS_5XX_DISALLOW", True)
        self._robots_status: dict[str, int] = {}
        self.max_crawl_delay = settings.getfloat("NEWSCRAWL_MAX_CRAWL_DELAY", 120.0)
        self.retry_after_max = settings.getfloat("NEWSCRAWL_RETRY_AFTER_MAX", 600.0)
        self.backoff_base = settings.getfloat("NEWSCRAWL_RETRY_BACKOFF", 2.0)
        self.backoff_max = settings.getfloat("NEWSCRAWL_RETRY_BACKOFF_MAX", 60.0)
        self.budget = settings.getint("NEWSCRAWL_SITE_PAGE_BUDGET", 1000)
        self.rate_limited_delay = settings.getfloat("NEWSCRAWL_RATE_LIMITED_DELAY", 1.0)
        self.rate_floor_max = settings.getfloat("AUTOTHROTTLE_MAX_DELAY", 60.0)
        self.retry_codes = {int(c) for c in settings.getlist("RETRY_HTTP_CODES")}
        self.retry_exceptions = tuple(
            e if isinstance(e, type) else load_object(e) for e in settings.getlist("RETRY_EXCEPTIONS")
        )
        self.robots_user_agent = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT")
        start_delay = settings.getfloat("DOWNLOAD_DELAY")
        if settings.getbool("AUTOTHROTTLE_ENABLED"):
            start_delay = max(start_delay, settings.getfloat("AUTOTHROTTLE_START_DELAY"))
        self.zero_delay = start_delay <= 0
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PolitenessMiddleware:
        return cls(crawler)

    # -- requests ----------------------------------------------------------------------------

    async def process_request(self, request: Request) -> None:
        key = self._slot_key(request)
        site = self.state.site(key)
        if site.closed:
            self._refuse_closed(request, key, site)
        if not is_robots_request(request) and not request.meta.get("retry_times"):
            if 0 < self.budget <= site.pages:
                self._refuse_over_budget(request, key, site)
            site.pages += 1
        await self._wait_turn(request, site)
        if site.closed:  # the site may have asked us away while this request waited
            self._refuse_closed(request, key, site)
        self._enforce_floor(key)

    async def _wait_turn(self, request: Request, site: SiteState) -> None:
        waited = 0.0
        while True:
            wait = max(
                site.paused_until - time.monotonic(), float(request.meta.get(NOT_BEFORE, 0)) - time.time()
            )
            if wait <= 0:
                break
            # Re-check after each sleep: the site's pause may have grown meanwhile.
            await sleep(wait)
            waited += wait
        if waited:
            self._count("newscrawl/politeness/waits")
            self._count("newscrawl/politeness/wait_ms", round(waited * 1000))

    def _refuse_over_budget(self, request: Request, key: str, site: SiteState) -> None:
        self._count("newscrawl/budget/skipped")
        if not site.budget_recorded:
            site.budget_recorded = True
            FetchErrorLog.of(self.crawler).record(
                FetchError(
                    url=request.url,
                    kind="budget_exhausted",
                    status=None,
                    message=(
                        f"{key}: page budget of {self.budget} pages for this run reached; this and later "
                        "pages of the site are skipped (NEWSCRAWL_SITE_PAGE_BUDGET; skipped pages are "
                        "counted in newscrawl/budget/skipped)"
                    ),
                )
            )
        raise FetchRefused("budget_exhausted", f"page budget of {key} spent", recorded=True)

    def _refuse_closed(self, request: Request, key: str, site: SiteState) -> None:
        self._count("newscrawl/politeness/site_closed_skipped")
        if not site.closed_recorded:
            site.closed_recorded = True
            FetchErrorLog.of(self.crawler).record(
                FetchError(url=request.url, kind="host_closed", status=None, message=f"{key}: {site.closed}")
            )
        raise FetchRefused("host_closed", f"{key}: {site.closed}", recorded=True)

    # -- answers -----------------------------------------------------------------------------

    def response_downloaded(self, response: Response, request: Request) -> None:
        # A signal, not process_response: it fires before the downloader hands the freed slot to
        # the next queued request, so a pause asked for here holds that request too.
        status = response.status
        if is_robots_request(request):
            # The last answer before robots_parsed fires is the one the robots.txt rules came from.
            self._robots_status[urlparse_cached(request).netloc] = status
        if status not in self.retry_codes and status != 429:
            return
        key = self._slot_key(request)
        site = self.state.site(key)
        attempt = int(request.meta.get("retry_times", 0)) + 1
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if status == 429 or (status == 503 and retry_after is not None):
            wait = (
                retry_after
                if retry_after is not None
                else backoff_delay(attempt, self.backoff_base, self.backoff_max)
            )
            if wait > self.retry_after_max:
                site.closed = (
                    f"answered {status} asking us to wait {wait:.0f} s (Retry-After), more than "
                    f"NEWSCRAWL_RETRY_AFTER_MAX = {self.retry_after_max:.0f} s: no more requests to it this run"
                )
                logger.warning("%s %s", key, site.closed)
                request.meta["dont_retry"] = True
                self._drop_queued(key, site)
                return
            self._pause(key, site, wait)
            self._count(f"newscrawl/politeness/paused_{status}")
            logger.info(
                "%s answered %d%s: no request to it for %.1f s",
                key,
                status,
                " with Retry-After" if retry_after is not None else "",
                wait,
            )
            if status == 429:
                self._slow_down(key, site)
        elif not request.meta.get("dont_retry"):
            request.meta[NOT_BEFORE] = time.time() + backoff_delay(
                attempt, self.backoff_base, self.backoff_max
            )

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, self.retry_exceptions) and not request.meta.get("dont_retry"):
            attempt = int(request.meta.get("retry_times", 0)) + 1
            request.meta[NOT_BEFORE] = time.time() + backoff_delay(
                attempt, self.backoff_base, self.backoff_max
            )

    def _pause(self, key: str, site: SiteState, wait: float) -> None:
        """No request to the site for `wait` seconds: new requests wait in `_wait_turn`; those
        already queued in the site's downloader slot (they passed before the answer came) are held
        by the slot itself, which sends nothing before `lastseen + delay`."""
        site.paused_until = max(site.paused_until, time.monotonic() + wait)
        slot = self._slot(key)
        if slot is not None:
            slot.lastseen = max(slot.lastseen, site.paused_until)
            if slot.delay <= 0:
                # The downloader skips the lastseen check when a slot has no delay at all.
                slot.delay = MIN_SLOT_DELAY

    def _drop_queued(self, key: str, site: SiteState) -> None:
        """Refuse the requests already waiting in the site's downloader slot: they passed the
        checks before the site asked us away, and would otherwise still be sent."""
        slot = self._slot(key)
        while slot is not None and slot.queue:
            request, queued = slot.queue.popleft()
            try:
                self._refuse_closed(request, key, site)
            except FetchRefused as refused:
                queued.errback(Failure(refused))

    def _slot(self, key: str) -> Slot | None:
        engine = self.crawler.engine
        return engine.downloader.slots.get(key) if engine is not None else None

    def _slow_down(self, key: str, site: SiteState) -> None:
        """After a 429 the site told us we were too fast: double the gap between its requests."""
        slot = self._slot(key)
        current = max(site.delay_floor, slot.delay if slot else 0.0)
        site.rate_floor = min(self.rate_floor_max, max(self.rate_limited_delay, 2 * current))
        logger.info("%s: at least %.1f s between requests from now on (429)", key, site.rate_floor)
        self._enforce_floor(key)

    # -- robots.txt --------------------------------------------------------------------------

    def robots_parsed(self, robotparser: RobotParser, request: Request) -> None:
        key = self._slot_key(request)
        site = self.state.site(key)
        status = self._robots_status.pop(urlparse_cached(request).netloc, 200)
        if status >= 500 and self.robots_unreachable_disallows:
            # RFC 9309 §2.3.1.4: a robots.txt the server fails to deliver means "disallow all";
            # Scrapy would read the error page as "allow all". A struggling server is left alone.
            site.closed = (
                f"robots.txt answered {status} (after the retries): read as disallow-all (RFC 9309), "
                "not crawled this run (NEWSCRAWL_ROBOTS_5XX_DISALLOW)"
            )
            logger.warning("%s %s", key, site.closed)
            return
        if not self.obey_crawl_delay:
            return
        delay = robots_delay(robotparser, self.robots_user_agent)
        if delay is None:
            return
        if delay > self.max_crawl_delay:
            site.closed = (
                f"robots.txt asks for {delay:.0f} s between requests, more than NEWSCRAWL_MAX_CRAWL_DELAY = "
                f"{self.max_crawl_delay:.0f} s: not crawled this run"
            )
            logger.warning("%s %s", key, site.closed)
            return
        site.crawl_delay = max(site.crawl_delay, delay)
        self._count("newscrawl/politeness/crawl_delay_sites")
        logger.info("%s: robots.txt asks for %.1f s between requests; honoured", key, site.crawl_delay)
        self._enforce_floor(key)

    # -- helpers -----------------------------------------------------------------------------

    def _slot_key(self, request: Request) -> str:
        key = request.meta.get("download_slot")
        if key is None and self.crawler.engine is not None:
            key = self.crawler.engine.downloader.get_slot_key(request)
        return str(key if key is not None else urlparse_cached(request).hostname or "")

    def _enforce_floor(self, key: str) -> None:
        """Keep the site's downloader slot at or above its delay floor, without random jitter (the
        jitter would send half the requests early). The slot measures the gap from the moment each
        request really leaves, which is what Crawl-delay means."""
        if self.crawler.engine is None:
            return
        downloader = self.crawler.engine.downloader
        floor = self.state.delay_floor(key)
        if floor <= 0:
            if self.zero_delay and not isinstance(downloader, PoliteDownloader):
                self._keep_concurrency(downloader, key)
            return
        conf: dict[str, Any] = downloader.per_slot_settings.setdefault(key, {})
        conf["delay"] = max(float(conf.get("delay", 0.0)), floor)
        conf["jitter"] = 0.0
        slot = downloader.slots.get(key)
        if slot is not None and (slot.delay < floor or slot.jitter):
            slot.delay = max(slot.delay, floor)
            slot.jitter = 0.0

    @staticmethod
    def _keep_concurrency(downloader: Downloader, key: str) -> None:
        """Give a site's slot a 1 ms delay when it would have none, under a downloader other than
        `PoliteDownloader` (which fixes this at its root).

        With no delay at all, Scrapy's downloader (2.19, asyncio) hands out every queued request
        of a slot in one loop, before any of them counts as transferring: the site then gets them
        all at once, whatever CONCURRENT_REQUESTS_PER_DOMAIN says. Any delay makes it send one
        request per pass, and the concurrency limit holds again.
        """
        conf: dict[str, Any] = downloader.per_slot_settings.setdefault(key, {})
        conf["delay"] = max(float(conf.get("delay", 0.0)), MIN_SLOT_DELAY)
        slot = downloader.slots.get(key)
        if slot is not None and slot.delay < MIN_SLOT_DELAY:
            slot.delay = MIN_SLOT_DELAY

    def _count(self, key: str, n: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, n)


class PoliteAutoThrottle(AutoThrottle):
    """AutoThrottle that never lowers a site's delay below its Crawl-delay or 429 floor.

    Scrapy's AutoThrottle moves each slot's delay towards latency / target concurrency, bounded only
    by the global DOWNLOAD_DELAY; on a fast server it would undo a robots.txt Crawl-delay.
    """

    def _response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        super()._response_downloaded(response, request, spider)
        key, slot = self._get_slot(request, spider)
        if slot is not None:
            floor = Politeness.of(self.crawler).delay_floor(key)
            if slot.delay < floor:
                slot.delay = floor


class PoliteDownloader(Downloader):
    """Scrapy's downloader, with CONCURRENT_REQUESTS_PER_DOMAIN kept when a site has no delay.

    Scrapy 2.19's downloader (asyncio reactor) hands out a slot's queued requests in a loop while
    the slot has free transfer slots, but a request counts as transferring only once its task
    starts, after the loop: with no delay the loop hands out the whole queue at once. Here a request
    counts from the moment it is handed out. (`PolitenessMiddleware._keep_concurrency` gives the
    slot a 1 ms delay instead when the crawl uses another downloader; that delay costs a timer and
    a wake-up of the reactor per request, and one request per millisecond at most.)
    """

    def _wait_for_download(
        self, slot: Slot, request: Request, queue_dfd: Deferred[Response]
    ) -> Coroutine[Any, Any, None]:
        # Called by `_process_queue` for each request it hands out, before its next
        # `free_transfer_slots()` check; `_download` adds it again (a set) and removes it when done.
        slot.transferring.add(request)
        return super()._wait_for_download(slot, request, queue_dfd)
