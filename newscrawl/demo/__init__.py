"""The bundled offline demo site: 潇湘法治网, a fictional Hunan legal weekly served on 127.0.0.1.

`build_site()` renders every page from the hand-written ground truth in `articles.json`;
`DemoServer` serves it over real HTTP for `newscrawl demo` and for crawl tests.
"""

from __future__ import annotations

from newscrawl.demo.server import DemoServer, RecordedRequest, serve_forever
from newscrawl.demo.site import (
    ARTICLE_URL_PATTERN,
    PAGE_SIZE,
    DemoArticle,
    DemoImage,
    DemoPage,
    DemoSection,
    DemoSite,
    build_site,
    is_article_url,
)

__all__ = [
    "ARTICLE_URL_PATTERN",
    "PAGE_SIZE",
    "DemoArticle",
    "DemoImage",
    "DemoPage",
    "DemoSection",
    "DemoServer",
    "DemoSite",
    "RecordedRequest",
    "build_site",
    "is_article_url",
    "serve_forever",
]
