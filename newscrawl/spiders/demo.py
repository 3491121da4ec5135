"""潇湘法治网, the bundled offline demo site (`newscrawl.demo`), served on 127.0.0.1.

    newscrawl demo                       # serves it and crawls it into data/demo.db
    scrapy crawl demo -a base_url=http://127.0.0.1:PORT

Listing: /{section}/index.html, /{section}/index_N.html (pager link 下一页);
article: /{section}/YYYYMM/DD/content_NNNN.html. The justice section is served as GBK.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from newscrawl.spiders.base import NewsSpider

SECTIONS = ("court", "procuratorate", "police", "justice")


class DemoSpider(NewsSpider):
    name = "demo"
    region = "CN-HN"
    article_url_pattern = r"/(?:court|procuratorate|police|justice)/\d{6}/\d{2}/content_\d+\.html$"
    pagination_url_pattern = r"/(?:court|procuratorate|police|justice)/index_\d+\.html$"
    body_css = "div.article-content"

    def __init__(self, base_url: str | None = None, **kwargs: Any) -> None:
        if not base_url:
            raise ValueError("the demo spider needs the demo server: -a base_url=http://127.0.0.1:PORT")
        base = base_url.rstrip("/")
        host = urlsplit(base).hostname
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"the demo site is served on loopback only, not {host!r}")
        self.allowed_domains = [host]
        self.listing_urls = [f"{base}/{section}/index.html" for section in SECTIONS]  # type: ignore[misc]
        super().__init__(**kwargs)
