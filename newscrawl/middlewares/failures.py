"""Every failed fetch is visible: one log line, a stats counter, and a row in `fetch_errors`.

Failures reach `FetchErrorLog.record_failure()` from the spider's errback (every request of
`NewsSpider` has one), which is where Scrapy delivers all of them: HTTP errors after the retries,
timeouts, refused connections, bodies over `DOWNLOAD_MAXSIZE`, exhausted redirect chains, robots.txt
refusals and newscrawl's own refusals (`FetchRefused`). Two failures never reach an errback, and are
caught here too: a redirect that comes back to a URL already fetched (the scheduler drops it as a
duplicate, `RedirectLoopRecorder`), and links cut by `DEPTH_LIMIT` (`DepthLimitMiddleware`).

Stats keys: `newscrawl/fetch_error/<kind>`, `newscrawl/fetch_error/http_<status>`, and
`newscrawl/errors` for everything but the crawler's own policy refusals (`POLICY_KINDS`).
"""

from __future__ import annotations

import logging
import re
import sqlite3
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.depth import DepthMiddleware
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import error as twisted_error
from w3lib.url import canonicalize_url

from newscrawl.extensions import CrawlSession
from newscrawl.store import now_iso
from newscrawl.store.errors import GONE_STATUSES, POLICY_KINDS, FetchError, mark_gone, record_fetch_error

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
MESSAGE_LIMIT = 500


def printable(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """`text` safe for a log line or a table cell: control and bidi characters escaped (a server's
    reason phrase or a URL must not forge log lines or recolour a terminal), one line, bounded."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", " ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


class FetchRefused(IgnoreRequest):
    """Raised by newscrawl's middlewares to hold a request back or to drop a response.

    Carries its own kind and message; `recorded=True` means the raiser already wrote the
    `fetch_errors` row (e.g. once per site for a spent budget) and the errback only counts it.
    """

    def __init__(self, kind: str, message: str, *, status: int | None = None, recorded: bool = False):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        self.recorded = recorded


def is_robots_request(request: Request) -> bool:
    """Whether this is the robots.txt request Scrapy's RobotsTxtMiddleware sends for a site."""
    return bool(request.meta.get("dont_obey_robotstxt")) and urlparse_cached(request).path == "/robots.txt"


def original_url(request: Request) -> str:
    """The URL the crawl asked for: the first of a redirect chain."""
    chain = request.meta.get("redirect_urls") or []
    return str(chain[0]) if chain else request.url


def redirect_chain(request: Request) -> list[str]:
    """Every URL of the request's redirect chain, the request's own URL last."""
    return [*(request.meta.get("redirect_urls") or []), request.url]


def _explain(what: str, exc: BaseException) -> str:
    detail = str(exc).strip()
    return f"{what}: {detail}" if detail else what


def describe(exc: BaseException, request: Request) -> FetchError | None:
    """What a user needs to know about a failed request; None for what is not a failure
    (a request the spider itself sent off-site)."""
    status: int | None = None
    chain = redirect_chain(request)
    if isinstance(exc, FetchRefused):
        kind, message, status = exc.kind, exc.message, exc.status
    elif isinstance(exc, HttpError):
        status = exc.response.status
        kind = "gone" if status in GONE_STATUSES else "http_error"
        message = f"HTTP {status}"
    elif isinstance(exc, DownloadTimeoutError | twisted_error.TimeoutError | twisted_error.TCPTimedOutError):
        kind, message = "timeout", _explain("no complete answer in time", exc)
    elif isinstance(exc, ResponseDataLossError):
        kind, message = (
            "truncated",
            _explain("the connection closed before the announced body had arrived", exc),
        )
    elif isinstance(exc, DownloadCancelledError) and ("max size" in str(exc) or not str(exc)):
        # Scrapy's HTTP handler cancels without a message in one case only: the body grew past
        # DOWNLOAD_MAXSIZE while arriving (no Content-Length); the announced case says so itself.
        kind = "too_large"
        message = str(exc) or "the body grew larger than download max size (DOWNLOAD_MAXSIZE) while arriving"
    elif isinstance(exc, IgnoreRequest):
        text = str(exc)
        if text.startswith("Filtered offsite request"):
            return None
        if "max redirections" in text:
            kind = "redirect_loop"
            message = f"gave up after {len(chain) - 1} redirects: {' → '.join(chain[-6:])}"
        elif "robots.txt" in text:
            kind, message = "robots_forbidden", text
        elif "DOWNLOAD_MAXSIZE" in text:
            kind, message = "too_large", text
        else:
            kind, message = "error", f"{type(exc).__name__}: {text}"
    elif isinstance(
        exc,
        DownloadConnectionRefusedError
        | CannotResolveHostError
        | DownloadFailedError
        | twisted_error.ConnectError
        | twisted_error.ConnectionLost
        | twisted_error.ConnectionDone,
    ):
        kind, message = "connection", _explain(type(exc).__name__, exc)
    else:
        kind, message = "error", _explain(type(exc).__name__, exc)
    if len(chain) > 1 and kind != "redirect_loop":
        message += f" (redirected to {chain[-1]})"
    referer = request.headers.get("Referer")
    return FetchError(
        url=printable(original_url(request), 2000),
        kind=kind,
        status=status,
        message=printable(message),
        attempts=int(request.meta.get("retry_times", 0)) + 1,
        referer=printable(referer.decode("latin-1"), 2000) if referer else None,
    )


class FetchErrorLog:
    """The crawl's one writer of fetch errors: `FetchErrorLog.of(crawler).record(...)`."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def of(cls, crawler: Crawler) -> FetchErrorLog:
        log: FetchErrorLog | None = getattr(crawler, "_newscrawl_fetch_errors", None)
        if log is None:
            log = cls(crawler)
            crawler._newscrawl_fetch_errors = log  # type: ignore[attr-defined]
        return log

    def record_failure(self, failure: Failure) -> None:
        """Record what an errback received."""
        request = getattr(failure, "request", None)
        exc = failure.value
        if request is None or exc is None:
            logger.warning("Fetch failed without a request: %s", printable(repr(exc)))
            self._count("newscrawl/errors")
            return
        if isinstance(exc, FetchRefused) and exc.recorded:
            self._count(f"newscrawl/refused/{exc.kind}")
            return
        error = describe(exc, request)
        if error is None:
            self._count("newscrawl/refused/offsite")
            return
        self.record(error, chain=redirect_chain(request))

    def record(self, error: FetchError, *, chain: list[str] | None = None) -> None:
        """Log, count and store one fetch error; mark stored articles gone on 404/410."""
        policy = error.kind in POLICY_KINDS
        status = f" {error.status}" if error.status is not None else ""
        tries = f" after {error.attempts} attempts" if error.attempts > 1 else ""
        logger.log(
            logging.INFO if policy else logging.WARNING,
            "%s [%s%s] %s%s: %s",
            "Not fetched" if policy else "Fetch failed",
            error.kind,
            status,
            error.url,
            tries,
            error.message,
        )
        self._count(f"newscrawl/fetch_error/{error.kind}")
        if error.status is not None and error.status >= 400:
            self._count(f"newscrawl/fetch_error/http_{error.status}")
        if not policy:
            self._count("newscrawl/errors")
        # A database problem here must not turn one failed page into a stopped crawl: the log
        # line and the counters above already tell the story.
        # Rows go into the run's open session only; a process without one (a distributed worker,
        # whose results travel elsewhere) must not open a database just for an error.
        session: CrawlSession | None = getattr(self.crawler, "_newscrawl_session", None)
        if session is None:
            return
        try:
            record_fetch_error(session.store, error, session.run_id, now_iso())
            if error.kind == "gone" and error.status is not None:
                marked = mark_gone(session.store, chain or [error.url], error.status, now_iso())
                self._count("newscrawl/articles/marked_gone", marked)
        except sqlite3.Error:
            logger.exception("Could not store the fetch error for %s", error.url)

    def _count(self, key: str, n: int = 1) -> None:
        if self.crawler.stats is not None and n:
            self.crawler.stats.inc_value(key, n)


class RedirectLoopRecorder:
    """Extension: a redirect back to a URL already in its own chain is dropped by the scheduler as
    a duplicate, without reaching any errback; record it as a `redirect_loop`."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectLoopRecorder:
        ext = cls(crawler)
        crawler.signals.connect(ext.request_dropped, signal=signals.request_dropped)
        return ext

    def request_dropped(self, request: Request, spider: Spider | None = None) -> None:
        previous = request.meta.get("redirect_urls") or []
        if not previous:
            return
        seen = {canonicalize_url(u) for u in previous}
        if canonicalize_url(request.url) not in seen:
            # A redirect to a page this run already fetched (two addresses of one article): not
            # a failure, the page is stored under its other address.
            logger.debug("Redirect to an already fetched page dropped: %s", redirect_chain(request))
            return
        chain = redirect_chain(request)
        FetchErrorLog.of(self.crawler).record(
            FetchError(
                url=printable(chain[0], 2000),
                kind="redirect_loop",
                status=None,
                message=printable(f"redirects lead back to a URL of the chain: {' → '.join(chain[-6:])}"),
                attempts=int(request.meta.get("retry_times", 0)) + 1,
            )
        )


class DepthLimitMiddleware(DepthMiddleware):
    """Scrapy's DepthMiddleware, made visible: the first link cut by `DEPTH_LIMIT` gets a
    `depth_limit` row and a warning (Scrapy only logs it at DEBUG); the rest are counted in
    `depth/request_ignored_count` as before."""

    _recorded = False

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        result = super().get_processed_request(request, response)
        if result is None and response is not None and not self._recorded:
            depth = int(request.meta.get("depth", 0))
            if self.maxdepth and depth > self.maxdepth:
                self._recorded = True
                FetchErrorLog.of(self.crawler).record(
                    FetchError(
                        url=printable(request.url, 2000),
                        kind="depth_limit",
                        status=None,
                        message=(
                            f"link at depth {depth} not followed (DEPTH_LIMIT = {self.maxdepth}); "
                            "further cut links are counted in depth/request_ignored_count"
                        ),
                        referer=printable(response.url, 2000),
                    )
                )
        return result
