"""Keeps the raw bytes of every article page, so stored articles can be re-extracted later.

- `SentBodyMiddleware` (downloader middleware, just before decompression) keeps an article or
  listing page's body as the server sent it, gzip- or deflate-encoded, for the archive (and for
  the listing cache, `newscrawl.middlewares.revisit`).
- `PageArchiveMiddleware` (spider middleware) writes each page the spider parsed as an article to
  `pages`: the sent bytes when they decode to the body the spider saw, so the page is not
  compressed a second time; the body itself (compressed by the store) otherwise.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from scrapy.exceptions import NotConfigured

from newscrawl.extensions import CrawlSession
from newscrawl.middlewares.revisit import LISTING_KINDS, NOT_MODIFIED_KEY
from newscrawl.store import CST, Store
from newscrawl.store.pages import SENT_ENCODINGS

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

ARTICLE_KIND = "article"
SENT_KINDS = frozenset({ARTICLE_KIND, *LISTING_KINDS})
"""Pages whose sent bytes are kept: articles for `pages`, listing pages for `listing_cache`."""


class SentBodyMiddleware:
    """Downloader middleware: keeps the encoded body of an article or listing response before
    HttpCompressionMiddleware (590) decodes it and drops it; sits at 595, so its `process_response`
    runs just before that one's (and after redirects, 600, which never reach the spider).

    Kept only for a single gzip or deflate encoding (what the standard library decodes at read
    time), and only until the page is archived: `take`, called by `PageArchiveMiddleware` (and by
    `ConditionalGetMiddleware` for a listing page), hands the bytes on and forgets them; a response
    that never reaches the archive (an error, a page the spider never parsed) frees them with its
    request.
    """

    def __init__(self) -> None:
        self._sent: WeakKeyDictionary[Request, tuple[str, bytes]] = WeakKeyDictionary()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SentBodyMiddleware:
        if not crawler.settings.getbool("NEWSCRAWL_STORE_PAGES", True):
            raise NotConfigured("pages are not archived (NEWSCRAWL_STORE_PAGES = False)")
        return cls()

    def process_response(self, request: Request, response: Response) -> Response:
        if (
            request.meta.get("newscrawl_kind") not in SENT_KINDS
            or response.status != 200
            or not response.body
        ):
            return response
        encodings = response.headers.getlist(b"Content-Encoding")
        if len(encodings) == 1:
            encoding = encodings[0].decode("latin-1").strip().lower()
            # One value naming one encoding: "gzip, br" and the like are decoded in layers.
            if encoding in SENT_ENCODINGS:
                self._sent[request] = (encoding, response.body)
        return response

    def take(self, response: Response, request: Request | None = None) -> tuple[str, bytes] | None:
        """The sent (encoding, bytes) of a response, forgotten from here on; `request` for a
        downloader middleware, which sees the response before Scrapy sets `response.request`.

        None unless HttpCompressionMiddleware did decode the body: it removes `Content-Encoding`
        once it has (and leaves it, with the body as sent, when decompression is turned off)."""
        request = request if request is not None else response.request
        if request is None:
            return None
        sent = self._sent.pop(request, None)
        if sent is None or b"Content-Encoding" in response.headers:
            return None
        return sent


class SentBodies:
    """`SentBodyMiddleware.take` for a component that needs the kept bytes (the page archive, the
    listing cache): the downloader middleware is looked up on first use, since it exists only once
    the engine does; nothing is ever taken when it is not enabled."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._middleware: SentBodyMiddleware | None = None
        self._looked_up = False

    def take(self, response: Response, request: Request | None = None) -> tuple[str, bytes] | None:
        """As `SentBodyMiddleware.take`; None without that middleware."""
        if not self._looked_up:
            self._middleware = self.crawler.get_downloader_middleware(SentBodyMiddleware)
            self._looked_up = True
        return self._middleware.take(response, request) if self._middleware else None


class PageArchiveMiddleware:
    """Spider middleware: writes each response the spider parsed as an article page to `pages`.

    Sits on the spider side so it sees exactly the pages the spider treated as articles
    (`response.meta["newscrawl_kind"] == "article"`); `NEWSCRAWL_STORE_PAGES = False` turns it off.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.enabled = crawler.settings.getbool("NEWSCRAWL_STORE_PAGES", True)
        self._sent_bodies = SentBodies(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PageArchiveMiddleware:
        return cls(crawler)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        if self.enabled and response.meta.get("newscrawl_kind") == ARTICLE_KIND:
            self._archive(response)
        async for item in result:
            yield item

    def process_spider_output(self, response: Response, result: Any) -> Any:
        if self.enabled and response.meta.get("newscrawl_kind") == ARTICLE_KIND:
            self._archive(response)
        yield from result

    def take_sent(self, response: Response) -> tuple[str, bytes] | None:
        """The body of `response` as the server sent it (encoding, bytes), when it was kept."""
        return self._sent_bodies.take(response)

    def _archive(self, response: Response) -> None:
        sent = self.take_sent(response)
        if response.meta.get(NOT_MODIFIED_KEY):
            return  # the server said 304: the stored copy is this very page
        session = CrawlSession.of(self.crawler)
        headers = {
            k.decode("latin-1"): [v.decode("latin-1") for v in vs] for k, vs in response.headers.items()
        }
        # Queued on the session's writer, ahead of the page's article: they commit in that order.
        session.writer.submit(
            partial(
                Store.write_page,
                url=response.url,
                status=response.status,
                headers=headers,
                body=response.body,
                fetched_at=datetime.now(CST).isoformat(timespec="seconds"),
                run_id=session.run_id,
                content_encoding=sent[0] if sent else None,
                sent_body=sent[1] if sent else None,
            ),
            label=f"page {response.url}",
        )
        if self.crawler.stats:
            self.crawler.stats.inc_value("newscrawl/pages/archived")
            if sent:
                # Came gzip/deflate-encoded; the store keeps those bytes when they check out.
                self.crawler.stats.inc_value("newscrawl/pages/archived/encoded_on_wire")
