"""Scrapy settings for newscrawl.

Polite by default: these sites are small government and newspaper servers. The `newscrawl demo`
command and the tests relax the delays for their own loopback server only.
"""

from __future__ import annotations

import os

from newscrawl.middlewares.identity import user_agent_for
from newscrawl.paths import default_db_path

BOT_NAME = "newscrawl"
SPIDER_MODULES = ["newscrawl.spiders"]
NEWSPIDER_MODULE = "newscrawl.spiders"

# -- identity and politeness ----------------------------------------------------------------------
NEWSCRAWL_CONTACT = "https://github.com/newscrawl/newscrawl"
"""Where a site operator can reach whoever runs the crawler; part of the User-Agent."""
USER_AGENT = user_agent_for(NEWSCRAWL_CONTACT)
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
CONCURRENT_ITEMS = 16
"""Outputs of one response processed in parallel. Scrapy's 100 starts 100 asyncio tasks for every
response, and a newscrawl page gives one article and a few links (a listing page some dozens)."""
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
RETRY_GIVE_UP_LOG_LEVEL = "INFO"
"""The fetch_errors warning reports a request that ran out of retries; an ERROR line as well would
count it twice in crawl_runs.errors."""
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
# Read by newscrawl.middlewares.politeness (README, "Politeness and tuning"):
NEWSCRAWL_OBEY_CRAWL_DELAY = True
"""Honour robots.txt Crawl-delay / Request-rate per site (Scrapy alone ignores them)."""
NEWSCRAWL_ROBOTS_5XX_DISALLOW = True
"""A robots.txt answered with 5xx (after the retries) means "disallow all" (RFC 9309), not "allow all"."""
NEWSCRAWL_MAX_CRAWL_DELAY = 120.0
"""A site whose robots.txt asks for a longer gap between requests is not crawled in this run."""
NEWSCRAWL_RETRY_AFTER_MAX = 600.0
"""Longest Retry-After (429/503) waited out; a site asking for more is left alone for the run."""
NEWSCRAWL_RETRY_BACKOFF = 2.0
"""Seconds before the first retry of a 5xx answer or timeout; doubled for each further retry."""
NEWSCRAWL_RETRY_BACKOFF_MAX = 60.0
NEWSCRAWL_RATE_LIMITED_DELAY = 1.0
"""After a 429, at least this many seconds between requests to that site (doubled on each 429)."""
NEWSCRAWL_SITE_PAGE_BUDGET = 1000
"""Most pages fetched from one site (host) in one run; 0 for no limit."""
DEPTH_LIMIT = 50
"""Backstop against crawler traps; the spiders' own caps (listing pages, related depth) stop first."""

# -- crawl strategy (read by newscrawl.spiders.base.NewsSpider) --------------------------------------
NEWSCRAWL_MAX_LISTING_PAGES = 5
"""How many pages of each listing (pagination) to follow, the first included."""
NEWSCRAWL_RELATED_DEPTH = 1
"""How many hops of related-article links to follow from an article found on a listing page."""

# -- discovery on real sites (read by newscrawl.spiders.site.SiteSpider) ----------------------------
NEWSCRAWL_SITEMAP_MAX_AGE_DAYS = 30
"""Sitemap entries whose <lastmod> is older than this many days are skipped (0: no age limit)."""
NEWSCRAWL_SITEMAP_MAX_URLS = 500
"""At most this many article URLs, newest first, are taken from each sitemap file (0: all)."""
NEWSCRAWL_CHECK_ARTICLES = 0
"""Check mode, set by `newscrawl check-sites`: only the first listing page and this many articles."""

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
    "newscrawl.middlewares.RevisitMiddleware": 100,
    "newscrawl.middlewares.PageArchiveMiddleware": 950,
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "newscrawl.middlewares.failures.DepthLimitMiddleware": 900,
}
DOWNLOADER_MIDDLEWARES = {
    # Scrapy's decompression, with gzip and deflate decoded in one zlib call (same results).
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "newscrawl.middlewares.compression.HttpCompressionMiddleware": 590,
    # Scrapy's meta refresh, deciding from the page's head without decoding the whole page.
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "newscrawl.middlewares.refresh.MetaRefreshMiddleware": 580,
    "newscrawl.middlewares.politeness.PolitenessMiddleware": 560,
    "newscrawl.middlewares.content.ContentTypeMiddleware": 570,
    # Between redirects/decompression (600/590) and the checks of what a response is: a 304 has
    # become the stored page before anything looks at its type.
    "newscrawl.middlewares.ConditionalGetMiddleware": 585,
    # Just outside decompression (590): keeps an article's gzip/deflate bytes as sent, for the
    # page archive, which then stores them as they are instead of compressing the page again.
    "newscrawl.middlewares.SentBodyMiddleware": 595,
}
# Scrapy's downloader, keeping CONCURRENT_REQUESTS_PER_DOMAIN when a site has no delay (Scrapy 2.19
# on asyncio hands a slot's whole queue out at once then).
DOWNLOADER = "newscrawl.middlewares.politeness.PoliteDownloader"
EXTENSIONS = {
    "newscrawl.extensions.CrawlRunRecorder": 100,
    "scrapy.extensions.throttle.AutoThrottle": None,
    "newscrawl.middlewares.politeness.PoliteAutoThrottle": 0,
    "newscrawl.middlewares.failures.RedirectLoopRecorder": 110,
    "newscrawl.extensions.GcTuning": 120,
    # Early: the workers start while the rest of the crawl is set up.
    "newscrawl.extensions.ExtractionWorkers": 10,
}

# -- distributed mode (newscrawl.distributed; needs the `distributed` extra) ---------------------------
NEWSCRAWL_REDIS_URL = os.environ.get("NEWSCRAWL_REDIS_URL") or None
"""Redis shared by the workers (`redis://host:6379/0`); `--redis` or `$NEWSCRAWL_REDIS_URL`. Unset: single machine."""
NEWSCRAWL_REDIS_WORKER_TIMEOUT = 30.0
"""Seconds without a heartbeat after which a worker counts as dead and its in-flight requests are re-queued."""
NEWSCRAWL_REDIS_POLL_INTERVAL = 0.25
"""Seconds between a worker's heartbeats (and its looks at the shared queue when it has nothing to do)."""
ADDONS = {
    # Builds the User-Agent from NEWSCRAWL_CONTACT; warns when a User-Agent names no contact.
    "newscrawl.middlewares.identity.IdentityAddon": 0,
    # Switches the crawl to a Redis worker when NEWSCRAWL_REDIS_URL is set; a no-op otherwise.
    "newscrawl.distributed.RedisAddon": 10,
}

# -- crawl state: incremental, kill-safe runs (newscrawl.state) -------------------------------------
# The frontier and the seen set live in the database; swap these two for another backend (Redis).
SCHEDULER = "newscrawl.state.frontier.FrontierScheduler"
DUPEFILTER_CLASS = "newscrawl.state.frontier.FrontierDupeFilter"
NEWSCRAWL_FRONTIER_MEMORY = 2000
"""Pending requests held in memory; the rest wait in the `frontier` table."""
NEWSCRAWL_MAX_IN_FLIGHT = -1
"""Requests handed to the engine and not finished yet (downloading, parsing, waiting for their commit),
per spider, at most: a kill -9 costs at most this many pages fetched again, and downloads never run
far ahead of processing. -1 = twice CONCURRENT_REQUESTS_PER_DOMAIN, at least 6 (6 with the default
concurrency of 2: one page downloading for each one being processed); 0 = no cap."""
NEWSCRAWL_EXTRACT_WORKERS = -1
"""Worker processes that extract article pages off the reactor thread (newscrawl.workers): -1 = one
per CPU but one, at most 4; 0 = extract on the reactor thread. A worker never imports the crawler's
main script, so a script of your own needs no `if __name__ == "__main__":` guard for them."""
NEWSCRAWL_GC_THRESHOLD = 10_000
"""Allocations between two young-generation garbage collections in the crawler and its extraction
workers, whose long-lived objects are frozen once the crawl is set up (newscrawl.gctune); 0 = leave
Python's collector as it is."""
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
FEED_EXPORTERS = {
    # `scrapy crawl SITE -O out.csv` writes the columns of `newscrawl export --format csv`.
    "csv": "newscrawl.exporters.ArticleCsvItemExporter",
}
LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False
