"""The base spider: the crawl strategy every site inherits.

listing pages → article links (the site's URL pattern) → article pages; pagination followed up to
`NEWSCRAWL_MAX_LISTING_PAGES`; related-article links on article pages followed within the allowed
domains up to `NEWSCRAWL_RELATED_DEPTH` hops. A site file only sets class attributes.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urljoin, urlparse, urlsplit
from weakref import WeakKeyDictionary

import scrapy
from scrapy.http import TextResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS
from scrapy.utils.response import get_base_url
from w3lib.html import strip_html5_whitespace
from w3lib.url import safe_url_string

from newscrawl.extract import SiteHints
from newscrawl.middlewares.failures import FetchErrorLog
from newscrawl.store import CST
from newscrawl.workers import ExtractionPool, prepared

if TYPE_CHECKING:
    from lxml.html import HtmlElement
    from scrapy.http import Response
    from twisted.python.failure import Failure

    from newscrawl.extract import Extraction
    from newscrawl.items import Article

DEFAULT_ARTICLE_PATTERN = (
    r"(?:/(?:19|20)\d{2}[-_/]?\d{2}(?:[-_/]?\d{2})?/"  # dated folders: /2021-08/05/, /202108/05/, /20210805/
    r"|/t(?:19|20)\d{6}_\d+"  # government CMS: /t20210805_123456.html
    r"|content_\d+"  # /content_123456.htm, /c/2021-08/05/content_…
    r"|/articles?/"  # /article/123.html
    r"|/detail/"
    r"|/\d{6,}\.s?html?$)"  # long numeric ids
)
"""A guess at what a Chinese news article URL looks like, for sites nobody wrote a spider for."""

NEXT_PAGE_TEXT = re.compile(r"^\s*(?:下一页|下页|后页|下一頁|下頁|next|›|»|>|>>)\s*[>»›]*\s*$", re.I)
"""Text of the link that leads to the next page of a listing."""

LISTING, ARTICLE = "listing", "article"

_LINK_TAGS = ("a", "area", "{http://www.w3.org/1999/xhtml}a", "{http://www.w3.org/1999/xhtml}area")
"""The tags LinkExtractor reads links from (it drops the XHTML namespace before comparing)."""
_LINK_SCHEMES = frozenset({"http", "https", "file", "ftp"})
_IGNORED_EXTENSIONS = tuple("." + e for e in IGNORED_EXTENSIONS)


@dataclass(frozen=True)
class _ListingScan:
    """What one pass over a page's anchors found, shared by `page_links` and `pagination_links`."""

    base_url: str
    links: list[str]
    anchors: list[tuple[str, HtmlElement, str | None]]
    """(raw href, element, the href joined to the base URL if the pass joined it as it stands) of
    each `<a>` that may lead to a next page, in page order."""


_scans: WeakKeyDictionary[TextResponse, _ListingScan] = WeakKeyDictionary()


def _scan_listing(response: TextResponse) -> _ListingScan:
    """One walk over the lxml tree for every link of a listing page, without LinkExtractor.

    On a listing page of hundreds of anchors, LinkExtractor's per-link work (the text of every link,
    a Link object, filters in several passes) and a second pass for the pager cost more than the
    rest of the page's handling. This keeps LinkExtractor's URLs exactly (the tests hold it to
    LinkExtractor on real pages): the same joins, the same `safe_url_string`, the same filters;
    plain links skip the join and the making safe, which give them back unchanged (`_PLAIN_ROOTED`).
    """
    scan = _scans.get(response)
    if scan is not None:
        return scan
    base_url = get_base_url(response)
    page_url = response.url
    prefix = page_prefix(page_url)
    encoding = response.encoding
    links: list[str] = []
    seen: set[str] = set()
    anchors: list[tuple[str, HtmlElement, str | None]] = []
    origin, folder = _join_prefixes(base_url)
    for element in response.selector.root.iter(*_LINK_TAGS):
        href = element.get("href")
        if href is None:
            continue
        stripped = strip_html5_whitespace(href)
        joined: str | None
        if origin and _PLAIN_ROOTED.fullmatch(stripped) and "/." not in stripped:
            joined = origin + stripped  # what urljoin makes of it (tests/test_listing_fastpath.py)
        elif folder and _PLAIN_NAME.fullmatch(stripped):
            joined = folder + stripped
        else:
            try:
                joined = urljoin(base_url, stripped)
            except ValueError:
                joined = None  # a bogus link (an unclosed IPv6 host, say): LinkExtractor skips it too
        if element.tag == "a" and href and not href.startswith(("javascript:", "#")):
            # The pager joins the raw href: the same URL when there was no whitespace to strip.
            anchors.append((href, element, joined if stripped == href else None))
        url = None if joined is None else _link_url(joined, page_url, prefix, encoding)
        if url is not None and url not in seen:
            seen.add(url)
            links.append(url)
    scan = _ListingScan(base_url, links, anchors)
    _scans[response] = scan
    return scan


def _link_url(joined: str, page_url: str, prefix: str, encoding: str) -> str | None:
    """The URL LinkExtractor() makes of an href joined to the base URL, or None where it drops it."""
    # A URL `_SAFE_AS_IT_IS` matches is what safe_url_string returns for it (tests/
    # test_listing_fastpath.py), and passes the plain-URL checks below too: a host, ASCII, none of
    # `_PLAIN_TAIL`'s characters.
    safe = _SAFE_AS_IT_IS.fullmatch(joined) is not None
    if safe:
        url = joined
    else:
        try:
            url = safe_url(joined, encoding)
        except ValueError:
            return None  # not a URL w3lib can make safe: LinkExtractor skips it too
    if (
        prefix
        and url.startswith(prefix)
        and (
            safe
            or (
                url[len(prefix) : len(prefix) + 1] not in _NO_HOST
                and url.isascii()
                and not _PLAIN_TAIL.search(url)
            )
        )
    ):
        # What urljoin would do to a plain URL with a host, of the page's own scheme: split it and put
        # it back together unchanged. Skipping that halves the cost of a link (the tests compare).
        slash = url.find("/", len(prefix))
        path = url[slash:] if slash >= 0 else ""
        return None if path.lower().endswith(_IGNORED_EXTENSIONS) else url
    url = urljoin(page_url, url)
    if url.split("://", 1)[0] not in _LINK_SCHEMES:
        return None  # javascript:, mailto:, tel:, data:, relative garbage
    if urlparse(url).path.lower().endswith(_IGNORED_EXTENSIONS):
        return None  # images, archives, documents: not pages to crawl
    return url


_NO_HOST = frozenset({"", "/", "?", "#"})
_PLAIN_TAIL = re.compile(r"[?#;\[\]]")
"""What makes urljoin's split-and-join of a URL differ from the URL: an empty query, fragment or
path parameter is dropped, brackets are checked as an IPv6 host (and a non-ASCII host for NFKC
tricks)."""


# Links most listing pages are made of, which urljoin and safe_url_string give back unchanged save
# for the join itself: checked by one regex instead of a split and a join (urljoin) and a split,
# an IDNA encoding, quoting and a join (safe_url_string), several microseconds each, for every one
# of the hundreds of links of a page. No query, fragment, path parameter, percent sign or dot
# segment, whose handling differs; an ASCII lower-case host (safe_url_string lower-cases it).
_PATH_CHARS = r"A-Za-z0-9\-._~!$&'()*+,=:@"
_PLAIN_ROOTED = re.compile(rf"/[{_PATH_CHARS}][{_PATH_CHARS}/]*|/")
"""An href of a path from the root: `/zt/2024/11.html`."""
_PLAIN_NAME = re.compile(r"[A-Za-z0-9\-_~!$&'()*+,=@][A-Za-z0-9\-._~!$&'()*+,=@]*")
"""An href of one file name in the page's folder, no colon (it would read as a scheme): `index_2.html`."""
_PORT = r"(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})"
"""1-65535 without a leading zero: safe_url_string refuses a port out of range and drops leading zeros."""
_SAFE_AS_IT_IS = re.compile(
    rf"https?://(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?::{_PORT})?"
    rf"(?:/[{_PATH_CHARS}/]*)?"
)
"""An absolute http(s) URL that safe_url_string returns as it is."""


def _join_prefixes(base_url: str) -> tuple[str, str]:
    """What urljoin puts before a rooted path and before a file name on a page of `base_url`
    (empty when the base is not a plain http(s) URL: then every href takes urljoin)."""
    if not page_prefix(base_url):
        return "", ""
    try:
        root, here = urljoin(base_url, "/"), urljoin(base_url, "x")
    except ValueError:
        return "", ""
    if not (root.endswith("/") and here.endswith("/x") and _SAFE_AS_IT_IS.fullmatch(root)):
        return "", ""
    return root[:-1], here[:-1]


def page_prefix(page_url: str) -> str:
    """`http://` or `https://` for a page of that scheme, else "" (links of other pages take urljoin)."""
    scheme = page_url.split("://", 1)[0] if "://" in page_url else ""
    return f"{scheme}://" if scheme in ("http", "https") else ""


@lru_cache(maxsize=8192)
def safe_url(url: str, encoding: str) -> str:
    """`safe_url_string`, remembered: listing pages of a site repeat the same navigation links, and
    it is the costliest step of a link."""
    return safe_url_string(url, encoding=encoding)


def _says_next(anchor: HtmlElement) -> bool:
    return NEXT_PAGE_TEXT.match(" ".join(anchor.itertext()).strip()) is not None


class NewsSpider(scrapy.Spider):
    """Base class of every newscrawl spider. Subclasses set class attributes, not methods."""

    region: ClassVar[str | None] = None
    """ISO 3166-2 code of the region the site covers (`CN-HN`), `CN` for national outlets."""
    listing_urls: ClassVar[list[str]] = []
    """Channel / listing pages the crawl starts from."""
    article_url_pattern: ClassVar[str] = DEFAULT_ARTICLE_PATTERN
    """Regex (searched in the absolute URL) that article links match."""
    pagination_url_pattern: ClassVar[str | None] = None
    """Regex for links to further pages of a listing; links titled 下一页 are always followed."""

    # Site hints for the extraction engine: each selector given wins over the generic layers.
    title_css: ClassVar[str | None] = None
    body_css: ClassVar[str | None] = None
    date_css: ClassVar[str | None] = None
    byline_css: ClassVar[str | None] = None
    source_css: ClassVar[str | None] = None
    editor_css: ClassVar[str | None] = None
    related_css: ClassVar[str | None] = None
    title_suffixes: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._article_re = re.compile(self.article_url_pattern)
        self._pagination_re = re.compile(self.pagination_url_pattern) if self.pagination_url_pattern else None
        self.hints = SiteHints(
            title_css=self.title_css,
            body_css=self.body_css,
            date_css=self.date_css,
            byline_css=self.byline_css,
            source_css=self.source_css,
            editor_css=self.editor_css,
            related_css=self.related_css,
            title_suffixes=self.title_suffixes,
        )

    # -- discovery ---------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        # Started already by the ExtractionWorkers extension, unless that is turned off.
        ExtractionPool.of(self.crawler).start()
        for url in self.listing_urls:
            yield self.listing_request(url, page=1)

    def listing_request(self, url: str, page: int) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_listing,
            errback=self.on_error,
            # Listing pages change between runs, so they are always fetched.
            dont_filter=page == 1,
            meta={"newscrawl_kind": LISTING, "listing_page": page},
        )

    def article_request(self, url: str, depth: int) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.on_error,
            meta={"newscrawl_kind": ARTICLE, "related_depth": depth},
        )

    def is_article_url(self, url: str) -> bool:
        return bool(self._article_re.search(url))

    def is_allowed(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        domains = getattr(self, "allowed_domains", None) or []
        return not domains or any(host == d or host.endswith("." + d) for d in domains)

    def article_links(self, response: TextResponse) -> list[str]:
        """Article URLs linked from a listing page, in page order, each once."""
        # Domains are checked by host here: LinkExtractor's allow_domains compares host:port.
        pattern = self._article_re
        return [url for url in self.page_links(response) if pattern.search(url) and self.is_allowed(url)]

    def page_links(self, response: TextResponse) -> list[str]:
        """Every link of a page as Scrapy's `LinkExtractor()` finds them: `<a>`/`<area>` hrefs made
        absolute (`<base href>` first) and URL-safe, http(s)/ftp/file only, no links to files of
        `IGNORED_EXTENSIONS`, each once, in page order."""
        return _scan_listing(response).links

    def pagination_links(self, response: TextResponse) -> list[str]:
        """Links from a listing page to its next page(s)."""
        return [url for url, _ in self._pager_links(response)]

    def next_listing_pages(self, response: TextResponse) -> list[str]:
        """The further pages of a listing to follow from this one: the link that says 下一页 when the
        pager has one, else every link of `pagination_links`.

        Following the next page only is one page on per hop, so NEWSCRAWL_MAX_LISTING_PAGES counts
        pages: a pager that lists every page number (1 2 … 50, 尾页) would otherwise reach page 50 in
        two hops. It also takes a listing's pages in order, each after the articles of the one before
        it, rather than all of them at once ahead of any article."""
        pager = self._pager_links(response)
        nexts = [url for url, says_next in pager if says_next]
        return nexts or self.pagination_links(response)

    def _pager_links(self, response: TextResponse) -> list[tuple[str, bool]]:
        """(URL, whether the link's text says 下一页) of each link to a further page of the listing,
        in page order, each URL once."""
        scan = _scan_listing(response)
        pattern = self._pagination_re
        found: dict[str, bool] = {}
        for href, anchor, joined in scan.anchors:
            # Without a pager pattern only the text can tell; with one, the URL is looked at first.
            says_next = pattern is None and _says_next(anchor)
            if pattern is None and not says_next:
                continue
            try:
                url = joined if joined is not None else urljoin(scan.base_url, href)
            except ValueError:
                continue  # a bogus href (an unclosed IPv6 host) must not cost the page its pager
            if pattern is not None:
                says_next = _says_next(anchor)
                if not says_next and not pattern.search(url):
                    continue
            if url != response.url and self.is_allowed(url):
                found[url] = found.get(url, False) or says_next
        return list(found.items())

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        if not isinstance(response, TextResponse):
            self.count("newscrawl/skipped/not_text")
            return
        links = self.article_links(response)
        self.count("newscrawl/listing/pages")
        self.count("newscrawl/listing/article_links", len(links))
        for url in links:
            yield self.article_request(url, depth=0)
        page = int(response.meta.get("listing_page", 1))
        if page < self.settings.getint("NEWSCRAWL_MAX_LISTING_PAGES", 5):
            for url in self.next_listing_pages(response):
                yield self.listing_request(url, page=page + 1)

    # -- articles ----------------------------------------------------------------------------

    async def parse_article(self, response: Response) -> AsyncIterator[Any]:
        fetched_at = datetime.now(CST)
        try:
            # In a worker process (newscrawl.workers): the reactor goes on with other pages meanwhile.
            result = await ExtractionPool.of(self.crawler).extract(
                response.body,
                response.url,
                {k.decode("latin-1"): b",".join(v).decode("latin-1") for k, v in response.headers.items()},
                hints=self.hints,
                fetched_at=fetched_at,
            )
        except Exception:
            # One broken page must not stop the crawl: log it with its URL, count it, move on.
            self.logger.exception("Extraction failed on %s", response.url)
            self.count("newscrawl/extract/error")
            self.count("newscrawl/errors")
            return
        for output in self.article_output(result, response, fetched_at):
            yield output

    def article_output(self, result: Extraction, response: Response, fetched_at: datetime) -> Iterator[Any]:
        """What an article page gives once extracted: its article, then its related-article requests."""
        if result.warnings:
            # A wrong charset declaration, undecodable bytes: the page is kept, and counted.
            self.count("newscrawl/extract/warnings")
        if result.article is None:
            self.logger.info("No article at %s: %s", response.url, result.reason)
            self.count("newscrawl/extract/no_article")
            return
        article = self.finish_article(result.article, response, fetched_at)
        if prepared(article) is not None:
            self.count("newscrawl/workers/prepared")
        yield article
        depth = int(response.meta.get("related_depth", 0))
        if depth < self.settings.getint("NEWSCRAWL_RELATED_DEPTH", 1):
            # The links as extracted, whether or not a worker has cleaned the article since.
            for url in result.related_urls:
                if url and url.startswith(("http://", "https://")) and self.is_allowed(url):
                    yield self.article_request(url, depth=depth + 1)

    def finish_article(self, article: Article, response: Response, fetched_at: datetime) -> Article:
        """Add what only the crawl knows: which site, which region, the HTTP status and fetch time."""
        article.site = self.name
        article.region = self.region
        article.http_status = response.status
        article.fetched_at = fetched_at.isoformat(timespec="seconds")
        if not article.url:
            article.url = response.url
        if not article.canonical_url:
            article.canonical_url = article.url
        return article

    # -- failures ----------------------------------------------------------------------------

    def on_error(self, failure: Failure) -> None:
        # One place turns every failure into a log line, counters and a fetch_errors row.
        FetchErrorLog.of(self.crawler).record_failure(failure)

    def count(self, key: str, n: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, n)
