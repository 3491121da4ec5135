"""Two site spiders for the `newscrawl crawl --all` tests, pointed at loopback test sites by
environment variables (unset: no entry URLs, so `--all` skips them like spiders that need arguments).

    newscrawl crawl --all -s SPIDER_MODULES=tests.state_spiders
"""

from __future__ import annotations

import os

from newscrawl.spiders.base import NewsSpider


def _listing(variable: str) -> list[str]:
    base = os.environ.get(variable)
    return [f"{base}/fzxw/index.html"] if base else []


class StateSiteA(NewsSpider):
    """湖南法治在线 A (a test site on 127.0.0.1)."""

    name = "state_a"
    allowed_domains = ["127.0.0.1"]  # noqa: RUF012 (Scrapy's own attribute)
    listing_urls = _listing("NEWSCRAWL_TEST_SITE_A")


class StateSiteB(NewsSpider):
    """湖南法治在线 B (a test site on 127.0.0.1)."""

    name = "state_b"
    allowed_domains = ["127.0.0.1"]  # noqa: RUF012 (Scrapy's own attribute)
    listing_urls = _listing("NEWSCRAWL_TEST_SITE_B")
