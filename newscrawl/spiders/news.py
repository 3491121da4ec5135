"""The generic spider for a site nobody wrote code for.

    scrapy crawl news -a start_url=http://example.com/fazhi/ [-a article_pattern=REGEX]

The start page is read as a listing; article links are those matching `article_pattern` (default: a
guess at Chinese news URLs — dated folders, `content_NNN`, `/article/`, `t20210805_NNN`); the crawl
stays on the start URL's host (and its subdomains, with `www.` dropped).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from newscrawl.spiders.base import NewsSpider


class GenericNewsSpider(NewsSpider):
    name = "news"

    def __init__(
        self, start_url: str | None = None, article_pattern: str | None = None, **kwargs: Any
    ) -> None:
        if not start_url:
            raise ValueError("the news spider needs a start page: scrapy crawl news -a start_url=URL")
        if article_pattern:
            self.article_url_pattern = article_pattern  # type: ignore[misc]
        host = (urlsplit(start_url).hostname or "").lower()
        if not host:
            raise ValueError(f"start_url has no host: {start_url!r}")
        self.allowed_domains = [host.removeprefix("www.")]
        self.listing_urls = [start_url]  # type: ignore[misc]
        super().__init__(**kwargs)
