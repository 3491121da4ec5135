"""The base of every real site's spider: `NewsSpider`'s crawl strategy plus what real sites need.

- Who publishes it: `outlet` (and `region`, from `NewsSpider`), shown by `newscrawl sites`.
- Discovery beyond listing pages, driven by class attributes:
  sitemaps (`sitemap_urls`, plus the `Sitemap:` lines of the robots.txt of each listing host when
  `sitemaps_from_robots`), and RSS / Atom feeds (`feed_urls`, plus the feeds a listing page
  advertises with `<link rel="alternate" type="application/rss+xml">` when `feeds_from_listings`).
  Sitemap entries count only when they match the article pattern; entries older than
  `NEWSCRAWL_SITEMAP_MAX_AGE_DAYS` (by `<lastmod>`) are skipped and at most
  `NEWSCRAWL_SITEMAP_MAX_URLS` of the newest are fetched per sitemap file.
- `article_url_deny`: pages that share the article URL shape but are not articles (关于我们, 联系我们).
- Links are cleaned before they are matched: fragments (`#2`) never name another page, and the query
  parameters in `drop_query_params` (`?node=5955`, `?div=-1`) only change the page's decoration, so
  one article is fetched once.
- Check mode (`NEWSCRAWL_CHECK_ARTICLES = N`): the first listing page and its first N article links,
  nothing else — what `newscrawl check-sites` runs.
- `-a listing_url=URL`: crawl one channel page of the site instead of its usual entry pages.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urldefrag, urlsplit

import scrapy
from parsel import Selector
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots
from w3lib.url import url_query_cleaner

from newscrawl.spiders.base import NewsSpider
from newscrawl.store import CST

if TYPE_CHECKING:
    from scrapy.http import Response
    from twisted.python.failure import Failure

SITEMAP, FEED = "sitemap", "feed"
DEFAULT_SITEMAP_MAX_AGE_DAYS = 30
DEFAULT_SITEMAP_MAX_URLS = 500
FEED_LINK_TYPES = ("application/rss+xml", "application/atom+xml")


@dataclass(frozen=True)
class FetchFailure:
    """A request of the crawl that got no usable response."""

    kind: str
    """What the page was to be: `listing`, `article`, `sitemap`, `feed`."""
    url: str
    reason: str
    """`HTTP 404`, `DNSLookupError`, `forbidden by robots.txt`, …"""


def failure_reason(failure: Failure) -> str:
    """What went wrong with a request, in words a site's maintainer recognises."""
    if isinstance(failure.value, HttpError):
        return f"HTTP {failure.value.response.status}"
    if isinstance(failure.value, IgnoreRequest) and "robots" in str(failure.value).lower():
        return "forbidden by robots.txt"
    return failure.type.__name__ if failure.type else "unknown error"


class SiteSpider(NewsSpider):
    """A real site. Subclasses set class attributes; a family of sites on one CMS shares a base."""

    outlet: ClassVar[str] = ""
    """The outlet that publishes the site, as readers know it (`华声在线`, `最高人民检察院`)."""
    article_url_deny: ClassVar[str | None] = None
    """Regex for links that match `article_url_pattern` but are not articles (about / contact pages)."""
    drop_query_params: ClassVar[tuple[str, ...]] = ()
    """Query parameters that do not change which page it is; dropped from every link."""
    sitemap_urls: ClassVar[list[str]] = []
    """Sitemaps or sitemap indexes to read; a `…/robots.txt` URL stands for the sitemaps it declares."""
    sitemap_follow: ClassVar[str | None] = None
    """Regex for the sub-sitemaps of an index to follow (default: all)."""
    sitemap_max_files: ClassVar[int] = 5
    """How many sub-sitemaps of an index to follow, newest first (by `<lastmod>`)."""
    sitemaps_from_robots: ClassVar[bool] = True
    """Also read the sitemaps declared in the robots.txt of each listing page's host."""
    feed_urls: ClassVar[list[str]] = []
    """RSS 2.0 or Atom feeds whose entries are article pages."""
    feeds_from_listings: ClassVar[bool] = True
    """Also read the feeds a listing page advertises with `<link rel="alternate">`."""

    def __init__(self, listing_url: str | None = None, **kwargs: Any) -> None:
        if listing_url:
            if not urlsplit(listing_url).scheme.startswith("http") or not self.is_allowed(listing_url):
                domains = ", ".join(getattr(self, "allowed_domains", []))
                raise ValueError(f"listing_url must be a page of {domains}: {listing_url!r}")
            self.listing_urls = [listing_url]  # type: ignore[misc]
        super().__init__(**kwargs)
        self._deny_re = re.compile(self.article_url_deny) if self.article_url_deny else None
        self._follow_re = re.compile(self.sitemap_follow) if self.sitemap_follow else None
        self.fetch_failures: list[FetchFailure] = []
        """Every request of this run that failed, for `newscrawl check-sites`."""

    @property
    def check_articles(self) -> int:
        """In check mode, how many article links of the first listing page to fetch (0: not checking)."""
        return self.settings.getint("NEWSCRAWL_CHECK_ARTICLES", 0)

    # -- listing pages -----------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        if self.check_articles:
            if self.listing_urls:
                yield self.listing_request(self.listing_urls[0], page=1)
            return
        async for request in super().start():
            yield request
        for url in self.sitemap_urls:
            yield self.sitemap_request(url)
        if self.sitemaps_from_robots:
            for url in self.robots_urls():
                yield self.sitemap_request(url)
        for url in self.feed_urls:
            yield self.feed_request(url)

    def clean_url(self, url: str) -> str:
        """The link without its fragment and without the `drop_query_params`."""
        url = urldefrag(url)[0]
        if self.drop_query_params and "?" in url:
            url = url_query_cleaner(url, self.drop_query_params, remove=True)
        return url

    def is_article_url(self, url: str) -> bool:
        return super().is_article_url(url) and not (self._deny_re and self._deny_re.search(url))

    def article_links(self, response: TextResponse) -> list[str]:
        found: list[str] = []
        for link in self.page_links(response):
            url = self.clean_url(link)
            if url not in found and self.is_article_url(url) and self.is_allowed(url):
                found.append(url)
        if self.check_articles:
            self.count("newscrawl/check/links_found", len(found))
            return found[: self.check_articles]
        return found

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        yield from super().parse_listing(response)
        first_page = int(response.meta.get("listing_page", 1)) == 1
        if self.feeds_from_listings and first_page and not self.check_articles:
            for url in self.advertised_feeds(response):
                yield self.feed_request(url)

    def advertised_feeds(self, response: Response) -> list[str]:
        """Feeds a page names in `<link rel="alternate" type="application/rss+xml" href=…>`."""
        if not isinstance(response, TextResponse):
            return []
        found = []
        for link in response.xpath("//link[@href]"):
            rel = (link.attrib.get("rel") or "").lower().split()
            kind = (link.attrib.get("type") or "").lower().strip()
            url = response.urljoin(link.attrib["href"])
            if "alternate" in rel and kind in FEED_LINK_TYPES and self.is_allowed(url) and url not in found:
                found.append(url)
        return found

    def on_error(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        if (
            request is not None
            and request.meta.get("newscrawl_kind") == SITEMAP
            and urlsplit(request.url).path == "/robots.txt"
            and isinstance(failure.value, HttpError)
        ):
            # Asked only to look for Sitemap lines: a site without robots.txt is not an error.
            self.logger.debug("No robots.txt at %s (HTTP %d)", request.url, failure.value.response.status)
            self.count("newscrawl/sitemap/no_robots_txt")
            return
        super().on_error(failure)
        if request is not None:
            kind = str(request.meta.get("newscrawl_kind", "?"))
            self.fetch_failures.append(FetchFailure(kind, request.url, failure_reason(failure)))

    # -- sitemaps ----------------------------------------------------------------------------

    def robots_urls(self) -> list[str]:
        """The robots.txt of each host the listing pages are on, each once."""
        found: list[str] = []
        for url in self.listing_urls:
            parts = urlsplit(url)
            robots = f"{parts.scheme}://{parts.netloc}/robots.txt"
            if robots not in found:
                found.append(robots)
        return found

    def sitemap_request(self, url: str) -> scrapy.Request:
        return scrapy.Request(
            url, callback=self.parse_sitemap, errback=self.on_error, meta={"newscrawl_kind": SITEMAP}
        )

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        if urlsplit(response.url).path.endswith("/robots.txt"):
            for url in sitemap_urls_from_robots(response.body, base_url=response.url):
                if self.is_allowed(url):
                    yield self.sitemap_request(url)
            return
        body = self._sitemap_body(response)
        if body is None:
            self.logger.warning("Not a sitemap: %s", response.url)
            self.count("newscrawl/sitemap/unreadable")
            return
        sitemap = Sitemap(body)
        entries = [entry for entry in sitemap if entry.get("loc")]
        self.count("newscrawl/sitemap/files")
        if sitemap.type == "sitemapindex":
            wanted = [e for e in entries if not self._follow_re or self._follow_re.search(e["loc"])]
            for entry in newest_first(wanted)[: self.sitemap_max_files]:
                yield self.sitemap_request(entry["loc"])
        elif sitemap.type == "urlset":
            max_age = self.settings.getint("NEWSCRAWL_SITEMAP_MAX_AGE_DAYS", DEFAULT_SITEMAP_MAX_AGE_DAYS)
            limit = self.settings.getint("NEWSCRAWL_SITEMAP_MAX_URLS", DEFAULT_SITEMAP_MAX_URLS)
            oldest = datetime.now(CST) - timedelta(days=max_age) if max_age > 0 else None
            fresh = []
            for entry in entries:
                url = entry["loc"] = self.clean_url(entry["loc"])
                modified = lastmod(entry)
                if not (self.is_article_url(url) and self.is_allowed(url)):
                    continue
                if oldest and modified and modified < oldest:
                    self.count("newscrawl/sitemap/too_old")
                    continue
                fresh.append(entry)
            chosen = newest_first(fresh)[:limit] if limit > 0 else newest_first(fresh)
            self.count("newscrawl/sitemap/article_links", len(chosen))
            for entry in chosen:
                yield self.article_request(entry["loc"], depth=0)

    def _sitemap_body(self, response: Response) -> bytes | None:
        body = response.body
        if body[:2] == b"\x1f\x8b":
            try:
                body = gunzip(body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
            except (OSError, EOFError, ValueError):
                return None
        return body if body.lstrip()[:1] == b"<" else None

    # -- feeds -------------------------------------------------------------------------------

    def feed_request(self, url: str) -> scrapy.Request:
        return scrapy.Request(
            url, callback=self.parse_feed, errback=self.on_error, meta={"newscrawl_kind": FEED}
        )

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        links = feed_links(response)
        if links is None:
            self.logger.warning("Not an RSS or Atom feed: %s", response.url)
            self.count("newscrawl/feed/unreadable")
            return
        self.count("newscrawl/feed/files")
        found = []
        for link in links:
            url = self.clean_url(link)
            if self.is_allowed(url) and url not in found:
                found.append(url)
        self.count("newscrawl/feed/article_links", len(found))
        for url in found:
            yield self.article_request(url, depth=0)


def lastmod(entry: dict[str, Any]) -> datetime | None:
    """A sitemap entry's `<lastmod>` as an aware datetime (+08:00 when it gives no offset)."""
    text = str(entry.get("lastmod") or "").strip()
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=CST)


def newest_first(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entries with a `<lastmod>` newest first, then those without one in document order."""
    entries = list(entries)
    dated = [(when, e) for e in entries if (when := lastmod(e))]
    dated.sort(key=lambda pair: pair[0], reverse=True)
    return [e for _, e in dated] + [e for e in entries if not lastmod(e)]


def feed_links(response: Response) -> list[str] | None:
    """Entry links of an RSS 2.0 / RSS 1.0 / Atom feed, absolute, in feed order; None if not a feed."""
    body = response.body.lstrip()
    if body[:1] != b"<":
        return None
    # Parsed as XML whatever the Content-Type says: an HTML parser would read <link> as a void element.
    selector = Selector(body=body, type="xml")
    selector.remove_namespaces()
    if not selector.xpath("/rss | /RDF | /feed"):
        return None
    links = [text.strip() for text in selector.xpath("//item/link/text()").getall()]
    for entry in selector.xpath("//entry"):
        href = entry.xpath("link[@rel='alternate' or not(@rel)]/@href").get()
        if href:
            links.append(href.strip())
    found: list[str] = []
    for link in links:
        url = urldefrag(response.urljoin(link))[0]
        if link and url not in found:
            found.append(url)
    return found
