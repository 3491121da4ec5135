"""Keeps the raw bytes of every article page, so stored articles can be re-extracted later."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from newscrawl.extensions import CrawlSession
from newscrawl.middlewares.revisit import NOT_MODIFIED_KEY
from newscrawl.store import CST, Store

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

ARTICLE_KIND = "article"


class PageArchiveMiddleware:
    """Spider middleware: writes each response the spider parsed as an article page to `pages`.

    Sits on the spider side so it sees exactly the pages the spider treated as articles
    (`response.meta["newscrawl_kind"] == "article"`); `NEWSCRAWL_STORE_PAGES = False` turns it off.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.enabled = crawler.settings.getbool("NEWSCRAWL_STORE_PAGES", True)

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

    def _archive(self, response: Response) -> None:
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
            ),
            label=f"page {response.url}",
        )
        if self.crawler.stats:
            self.crawler.stats.inc_value("newscrawl/pages/archived")
