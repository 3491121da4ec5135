"""Scrapy settings for newscrawl.

Polite by default: these sites are small government and newspaper servers. The `newscrawl demo`
command and the tests relax the delays for their own loopback server only.
"""

from __future__ import annotations

from newscrawl import __version__
from newscrawl.paths import default_db_path

BOT_NAME = "newscrawl"
SPIDER_MODULES = ["newscrawl.spiders"]
NEWSPIDER_MODULE = "newscrawl.spiders"

# -- identity and politeness ----------------------------------------------------------------------
NEWSCRAWL_CONTACT = "https://github.com/newscrawl/newscrawl"
"""Where a site operator can reach whoever runs the crawler; part of the User-Agent."""
USER_AGENT = f"newscrawl/{__version__} (+{NEWSCRAWL_CONTACT})"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024

# -- crawl strategy (read by newscrawl.spiders.base.NewsSpider) --------------------------------------
NEWSCRAWL_MAX_LISTING_PAGES = 5
"""How many pages of each listing (pagination) to follow, the first included."""
NEWSCRAWL_RELATED_DEPTH = 1
"""How many hops of related-article links to follow from an article found on a listing page."""

# -- storage --------------------------------------------------------------------------------------
NEWSCRAWL_DB = default_db_path()
"""SQLite database file: `--db`, else `$NEWSCRAWL_DB`, else data/newscrawl.db."""
NEWSCRAWL_STORE_PAGES = True
"""Keep each article page's raw bytes (compressed) in the `pages` table for re-extraction."""

# -- deduplication (read by newscrawl.pipelines.dedup) ---------------------------------------------
NEWSCRAWL_DEDUP_THRESHOLD = 0.5
"""Jaccard index of 4-character shingles from which two copies are one story (0 < t <= 1)."""
NEWSCRAWL_URL_RULES: list[list[str]] = []
"""Extra URL rules for every site, `[[regex, replacement], …]` over canonical URLs (mobile spellings);
a spider adds its own as a `url_rules` class attribute."""

ITEM_PIPELINES = {
    "newscrawl.pipelines.ValidatePipeline": 100,
    "newscrawl.pipelines.CleanPipeline": 200,
    "newscrawl.pipelines.DedupPipeline": 300,
    "newscrawl.pipelines.StorePipeline": 400,
}
SPIDER_MIDDLEWARES = {
    "newscrawl.middlewares.PageArchiveMiddleware": 950,
}
EXTENSIONS = {
    "newscrawl.extensions.CrawlRunRecorder": 100,
}

# -- output ---------------------------------------------------------------------------------------
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False
