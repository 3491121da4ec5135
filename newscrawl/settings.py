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

ITEM_PIPELINES = {
    "newscrawl.pipelines.ValidatePipeline": 100,
    "newscrawl.pipelines.CleanPipeline": 200,
    "newscrawl.pipelines.DedupPipeline": 300,
    "newscrawl.pipelines.StorePipeline": 400,
}
SPIDER_MIDDLEWARES = {
    "newscrawl.middlewares.RevisitMiddleware": 100,
    "newscrawl.middlewares.PageArchiveMiddleware": 950,
}
DOWNLOADER_MIDDLEWARES = {
    # Between redirects/decompression (600/590) and the checks of what a response is: a 304 has
    # become the stored page before anything looks at its type.
    "newscrawl.middlewares.ConditionalGetMiddleware": 585,
}
EXTENSIONS = {
    "newscrawl.extensions.CrawlRunRecorder": 100,
}

# -- crawl state: incremental, kill-safe runs (newscrawl.state) -------------------------------------
# The frontier and the seen set live in the database; swap these two for another backend (Redis).
SCHEDULER = "newscrawl.state.frontier.FrontierScheduler"
DUPEFILTER_CLASS = "newscrawl.state.frontier.FrontierDupeFilter"
NEWSCRAWL_FRONTIER_MEMORY = 2000
"""Pending requests held in memory; the rest wait in the `frontier` table."""
NEWSCRAWL_MAX_IN_FLIGHT = 6
"""Requests handed to the engine and not finished yet (downloading, parsing, waiting for their commit),
per spider, at most: a kill -9 costs at most this many pages fetched again, and downloads never run
far ahead of processing. Raise it for distant, fast sites with more per-domain concurrency; 0 = no cap."""
NEWSCRAWL_BATCH_SIZE = 200
"""Writes per transaction at most (articles, pages, frontier rows)."""
NEWSCRAWL_BATCH_DELAY = 0.02
"""Seconds a write may wait for its batch to fill before it is committed anyway."""
NEWSCRAWL_RESUME_MAX_AGE_HOURS = 72
"""An unfinished crawl older than this is started afresh instead of resumed (0 = always resume)."""
NEWSCRAWL_REFRESH = False
"""Fetch stored articles again (`newscrawl crawl --refresh`); conditional GET where offered."""
NEWSCRAWL_REVISIT_AFTER_HOURS = 0
"""Age rule: fetch a stored article again once its last fetch is this old (0 = never)."""
NEWSCRAWL_REVISIT_WITHIN_DAYS = 7
"""…but only articles published within this many days (0 = any)."""
NEWSCRAWL_MAX_ERROR_RATE = 0.2
"""Health rule: a run whose share of failed pages is above this exits non-zero."""
NEWSCRAWL_HEALTH_HISTORY = 5
"""Health rule: how many earlier completed runs tell what a site usually yields."""
NEWSCRAWL_HEALTH_MIN_HISTORY = 3
"""Health rule: "yields no articles" is judged once a spider has this many earlier completed runs."""

# -- output ---------------------------------------------------------------------------------------
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False
