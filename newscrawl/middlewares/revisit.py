"""Incremental runs: skip article pages already stored; revalidate the ones fetched again.

- `RevisitMiddleware` (spider middleware) drops the requests for article pages the store already
  has, as the spider yields them (start requests included), unless the revisit policy
  (`newscrawl.state.revisit`) makes them due. Listing, sitemap and feed requests pass untouched:
  they are fetched every run.
- `ConditionalGetMiddleware` (downloader middleware) sends `If-None-Match` / `If-Modified-Since`
  with a request for a page the store keeps a copy of — an article in `pages`, a listing page in
  `listing_cache` (kept when the server sent validators); on `304 Not Modified` it hands the spider
  the stored copy, so an article is re-read from it and comes out `unchanged`, and a listing page is
  parsed as usual (its links lead to stored articles, skipped) without being downloaded.

Both are thin: the "already stored?" and "which validators?" questions are store queries
(`newscrawl.store.history`), asked on the session's read connection through indexes — and not at
all for a URL the session's `KnownUrls` filter shows nothing is stored under (most of a crawl's).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from scrapy.http import Headers
from scrapy.responsetypes import responsetypes
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware

from newscrawl.extensions import CrawlSession
from newscrawl.state.revisit import RevisitPolicy
from newscrawl.store import CST
from newscrawl.store.bloom import BoundedSet
from newscrawl.store.history import (
    find_stored,
    listing_validators,
    page_validators,
    read_listing,
    read_page,
    write_listing,
)

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from newscrawl.store import Store

logger = logging.getLogger(__name__)

KIND_KEY = "newscrawl_kind"
ARTICLE_KIND = "article"
LISTING_KINDS = frozenset({"listing", "sitemap", "feed"})
"""Pages that lead to articles: fetched every run, revalidated from `listing_cache` when possible."""
REVISIT_KEY = "newscrawl_revisit"
"""Request meta: this article is stored and is being fetched again on purpose."""
CONDITIONAL_KEY = "newscrawl_conditional"
"""Request meta: validators of the stored copy were sent with the request."""
NOT_MODIFIED_KEY = "newscrawl_not_modified"
"""Request/response meta: the server answered 304 and the response is the stored copy."""


class RevisitMiddleware(BaseSpiderMiddleware):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.policy = RevisitPolicy.from_settings(crawler.settings)
        self._stored_by_job: BoundedSet[str] = BoundedSet()
        """Canonical URLs lately found stored by this crawl's job: linked again and again (related
        lists), each is dropped without a query. (Stays true: the job's runs only store more.)"""
        self._skipped: set[bytes] = set()
        """Digests of the URLs skipped this run, so each counts once however often it is linked
        (as many as the listing pages of one run link: 8 bytes each)."""

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        if request.meta.get(KIND_KEY) != ARTICLE_KIND:
            return request
        session = CrawlSession.current(self.crawler)
        if session is None:
            return request  # no database in this process (a distributed worker): nothing to skip
        if request.url in self._stored_by_job:
            return None
        stored = find_stored(session.reader, request.url, session.known_urls())
        if stored is None:
            return request
        stats = self.crawler.stats
        if session.job is not None and stored.last_run_id in session.job.run_ids:
            if stored.canonical_url == request.url:
                # Only the row's own key: a fetched URL or an alias can come to lead elsewhere.
                self._stored_by_job.add(request.url)
            return None  # stored by this very crawl, linked again: a duplicate, not a skip
        if self.policy.due(stored, datetime.now(CST)):
            request.meta[REVISIT_KEY] = True
            if stats is not None:
                stats.inc_value("newscrawl/revisit/due")
            return request
        digest = hashlib.blake2b(request.url.encode("utf-8"), digest_size=8).digest()
        if digest not in self._skipped:
            self._skipped.add(digest)
            if stats is not None:
                stats.inc_value("newscrawl/articles/skipped")
        return None


class ConditionalGetMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        # Imported here: newscrawl.middlewares.archive imports this module.
        from newscrawl.middlewares.archive import SentBodies

        self._sent_bodies = SentBodies(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalGetMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        kind = request.meta.get(KIND_KEY)
        if (kind != ARTICLE_KIND and kind not in LISTING_KINDS) or CONDITIONAL_KEY in request.meta:
            return
        if b"If-None-Match" in request.headers or b"If-Modified-Since" in request.headers:
            return  # the spider chose its own validators
        session = CrawlSession.current(self.crawler)
        if session is None:
            return  # no database in this process: no stored copies to revalidate
        reader = session.reader
        if kind == ARTICLE_KIND:
            etag, last_modified = page_validators(reader, request.url, session.known_urls())
        else:
            etag, last_modified = listing_validators(reader, request.url)
        if etag:
            request.headers[b"If-None-Match"] = etag
        if last_modified:
            request.headers[b"If-Modified-Since"] = last_modified
        request.meta[CONDITIONAL_KEY] = bool(etag or last_modified)

    def process_response(self, request: Request, response: Response) -> Response:
        kind = request.meta.get(KIND_KEY)
        if kind in LISTING_KINDS and response.status == 200:
            self._keep_listing(request, response)
        if response.status != 304 or not request.meta.get(CONDITIONAL_KEY):
            return response
        session = CrawlSession.current(self.crawler)
        if session is None:
            return response
        reader = session.reader
        page = read_page(reader, request.url) if kind == ARTICLE_KIND else read_listing(reader, request.url)
        if page is None:
            logger.warning("304 Not Modified for %s, but its stored copy is gone", request.url)
            return response
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("newscrawl/http/not_modified")
            self.crawler.stats.inc_value(f"newscrawl/http/not_modified/{kind}")
        request.meta[NOT_MODIFIED_KEY] = True
        headers = Headers(page["headers"])
        cls = responsetypes.from_args(headers=headers, url=request.url, body=page["body"])
        return cls(
            url=request.url,
            status=200,
            headers=headers,
            body=page["body"],
            request=request,
            flags=["not_modified"],
        )

    def _keep_listing(self, request: Request, response: Response) -> None:
        """Cache a listing page that came with validators, for the next run's conditional GET."""
        sent = self._sent_bodies.take(response, request)  # taken even when not kept: it is freed now
        etag = response.headers.get(b"ETag")
        last_modified = response.headers.get(b"Last-Modified")
        session = CrawlSession.current(self.crawler)
        if session is None or (not etag and not last_modified):
            return  # no database, or no conditional GET offered: nothing to gain by keeping a copy
        headers = {
            k.decode("latin-1"): [v.decode("latin-1") for v in vs] for k, vs in response.headers.items()
        }
        session.writer.submit(
            partial(
                _write_listing,
                url=response.url,
                etag=etag.decode("latin-1") if etag else None,
                last_modified=last_modified.decode("latin-1") if last_modified else None,
                headers=headers,
                body=response.body,
                fetched_at=datetime.now(CST).isoformat(timespec="seconds"),
                # Kept as sent when it decodes to the page: not compressed a second time.
                content_encoding=sent[0] if sent else None,
                sent_body=sent[1] if sent else None,
            ),
            label=f"listing {response.url}",
        )


def _write_listing(store: Store, **listing: Any) -> None:
    write_listing(store.conn, **listing)
