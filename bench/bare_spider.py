"""The reference crawler of bench/crawl_throughput.py: bare Scrapy, nothing of newscrawl.

It follows listing pages (pagination) to article pages and runs one XPath per page, the least a
crawler must do. Run by the bench with `scrapy runspider` outside the project, so Scrapy's default
settings apply plus the ones the bench passes on the command line (the same for both crawlers).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response

ARTICLE = re.compile(r"/\w+/\d{6}/\d{2}/content_\d+\.html$")
LISTING = re.compile(r"/\w+/index(?:_\d+)?\.html$")


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, base_url: str = "", stats_file: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")
        self.stats_file = stats_file

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> BareSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.dump_stats, signal=signals.engine_stopped)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        for section in ("court", "procuratorate", "police", "justice"):
            yield scrapy.Request(f"{self.base_url}/{section}/index.html")

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        if ARTICLE.search(response.url):
            yield {"url": response.url, "title": response.xpath("string(//h1)").get()}
            return
        for href in response.xpath("//a/@href").getall():
            url = response.urljoin(href)
            if ARTICLE.search(url) or LISTING.search(url):
                yield scrapy.Request(url)

    def dump_stats(self) -> None:
        if self.stats_file and self.crawler.stats is not None:
            raw = self.crawler.stats.get_stats()
            stats = {k: v if isinstance(v, int | float | str) else str(v) for k, v in raw.items()}
            with open(self.stats_file, "w", encoding="utf-8") as fh:
                json.dump(stats, fh)
