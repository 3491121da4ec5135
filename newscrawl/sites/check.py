"""The drift alarm behind `newscrawl check-sites`: does each site still give articles?

Each site's own spider runs in check mode (`NEWSCRAWL_CHECK_ARTICLES`): its first listing page and
the first N article links found there (default 3) — no pagination, related links, sitemaps or feeds —
through the same pipelines as a crawl, all sites side by side in one Scrapy process. `judge` then
reads what the crawl saw. A site is BROKEN when

- its listing page could not be fetched (HTTP error, DNS, timeout, robots.txt),
- no link on the listing page matches the article pattern (the site changed its URLs or layout),
- none of the article pages gave an article (the extractor finds no body, or the pages fail), or
- fewer than half of its articles have a title, a body or a publication time;

otherwise it is ok, with a warning when some article pages failed. The share of articles with each
field is reported either way, so a slow decline (bylines no longer found) shows before it breaks.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from scrapy import signals

from newscrawl.items import Article
from newscrawl.spiders.site import FetchFailure, SiteSpider

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings

DEFAULT_ARTICLES = 3
"""Article pages fetched per site."""
REQUIRED_FIELDS = ("title", "body", "published_at")
"""A site breaks when fewer than MIN_SHARE of its articles have one of these."""
REPORTED_FIELDS = ("title", "published_at", "body", "authors", "source", "editor")
"""Fields whose coverage is reported."""
MIN_SHARE = 0.5
FIELD_LABELS = {"published_at": "publication time"}


@dataclass
class SiteObservation:
    """What one site's check crawl saw."""

    site: str
    listing_url: str | None
    started: bool = False
    articles: list[Article] = field(default_factory=list)
    """Articles that passed every pipeline, as stored."""
    dropped: list[str] = field(default_factory=list)
    """Why each dropped article was dropped (`missing_body: URL`)."""
    failures: list[FetchFailure] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    finish_reason: str | None = None


@dataclass
class SiteReport:
    """The verdict on one site."""

    site: str
    listing_url: str | None
    links_found: int
    """Article links on the listing page."""
    articles_tried: int
    articles_ok: int
    coverage: dict[str, float]
    """Share of the articles with each of REPORTED_FIELDS (empty when there is none)."""
    problems: list[str]
    """Why the site is broken (empty when it is ok)."""
    warnings: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, **asdict(self)}


def has_field(article: Article, name: str) -> bool:
    value = getattr(article, name)
    return bool(value.strip() if isinstance(value, str) else value)


def _tally(reasons: list[str]) -> str:
    return ", ".join(f"{reason} ×{n}" if n > 1 else reason for reason, n in Counter(reasons).items())


def judge(seen: SiteObservation, wanted: int = DEFAULT_ARTICLES) -> SiteReport:
    """The report on one site, from what its check crawl saw."""
    stats = seen.stats
    links = int(stats.get("newscrawl/check/links_found", 0))
    tried = min(wanted, links)
    articles = seen.articles
    coverage = (
        {name: sum(has_field(a, name) for a in articles) / len(articles) for name in REPORTED_FIELDS}
        if articles
        else {}
    )
    failed = [f.reason for f in seen.failures if f.kind == "article"]
    failed += [reason.split(":", 1)[0] for reason in seen.dropped]
    failed += ["no article on the page"] * int(stats.get("newscrawl/extract/no_article", 0))
    failed += ["extraction error"] * int(stats.get("newscrawl/extract/error", 0))
    problems: list[str] = []
    warnings: list[str] = []
    if not seen.listing_url:
        problems.append("the spider names no listing page")
    elif not seen.started:
        problems.append("the spider did not start (see the log)")
    elif not int(stats.get("newscrawl/listing/pages", 0)):
        listing = [f.reason for f in seen.failures if f.kind == "listing"]
        if listing:
            why = listing[0]
        elif stats.get("newscrawl/skipped/not_text"):
            why = "not an HTML page"
        else:
            why = f"no response (crawl ended: {seen.finish_reason})"
        problems.append(f"listing page {seen.listing_url} failed: {why}")
    elif not links:
        problems.append(f"no link on {seen.listing_url} matches the article URL pattern")
    elif not articles:
        problems.append(f"none of {tried} article pages gave an article: {_tally(failed) or 'no response'}")
    else:
        for name in REQUIRED_FIELDS:
            n = sum(has_field(a, name) for a in articles)
            if n < MIN_SHARE * len(articles):
                problems.append(f"{FIELD_LABELS.get(name, name)} found in {n} of {len(articles)} articles")
        if len(articles) < tried:
            warnings.append(
                f"{tried - len(articles)} of {tried} article pages gave no article: {_tally(failed)}"
            )
    return SiteReport(
        site=seen.site,
        listing_url=seen.listing_url,
        links_found=links,
        articles_tried=tried,
        articles_ok=len(articles),
        coverage=coverage,
        problems=problems,
        warnings=warnings,
    )


class _Watcher:
    """Collects one crawler's items, drops, failures and stats through its signals."""

    def __init__(self, name: str, crawler: Crawler) -> None:
        self.crawler = crawler
        spidercls = crawler.spidercls
        listing = (
            spidercls.listing_urls[0]
            if issubclass(spidercls, SiteSpider) and spidercls.listing_urls
            else None
        )
        self.seen = SiteObservation(site=name, listing_url=listing)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def spider_opened(self, spider: Spider) -> None:
        self.seen.started = True

    def item_scraped(self, item: object, response: object, spider: Spider) -> None:
        if isinstance(item, Article):
            self.seen.articles.append(item)

    def item_dropped(self, item: object, response: object, exception: BaseException, spider: Spider) -> None:
        self.seen.dropped.append(str(exception))

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.seen.finish_reason = reason
        self.seen.stats = dict(self.crawler.stats.get_stats()) if self.crawler.stats else {}
        self.seen.failures = list(getattr(spider, "fetch_failures", []))


def check_sites(settings: Settings, names: list[str], articles: int = DEFAULT_ARTICLES) -> list[SiteReport]:
    """Check the named site spiders side by side; one report each, in the order given."""
    from scrapy.crawler import AsyncCrawlerProcess

    settings = settings.copy()
    for key, value in {
        "NEWSCRAWL_CHECK_ARTICLES": max(1, articles),
        "NEWSCRAWL_MAX_LISTING_PAGES": 1,
        "NEWSCRAWL_RELATED_DEPTH": 0,
    }.items():
        settings.set(key, value, priority="cmdline")
    process = AsyncCrawlerProcess(settings)
    watchers = []
    for name in names:
        crawler = process.create_crawler(name)
        watchers.append(_Watcher(name, crawler))
        process.crawl(crawler)
    process.start()
    return [judge(w.seen, max(1, articles)) for w in watchers]
