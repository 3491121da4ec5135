"""Only web pages come in: http(s) links, and text bodies.

A link found on a page is fetched only over http or https: Scrapy would also follow `file:`,
`ftp:`, `s3:` and `data:` links, and a hostile page could make the crawler read local files into
the database (`bad_url`). Answers that are not text — PDF, image, archive, Office — are skipped by
`Content-Type` as soon as the headers arrive (the body is then not downloaded at all), even when
the bytes would look like HTML; binary bytes labelled as text (`%PDF-` served as text/html, random
junk) are caught by their first bytes. Each skip is a `not_text` fetch error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import StopDownload
from scrapy.utils.httpobj import urlparse_cached

from newscrawl.middlewares.failures import FetchRefused, is_robots_request

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Headers, Request, Response

WEB_SCHEMES = frozenset({"http", "https"})

SKIP_REASON = "newscrawl_not_text"
"""Request meta: why the headers said the body is not text (set when the download was stopped)."""

ANY_CONTENT = "newscrawl_any_content"
"""Request meta: set to True by a spider that wants a binary answer (an attachment it archives)."""

TEXT_TYPES = (
    "text/",
    "application/xhtml+xml",
    "application/xml",
    "application/rss+xml",
    "application/atom+xml",
    "application/json",
    "application/ld+json",
    "application/javascript",
    "application/x-javascript",
)
"""Media types (prefixes) whose bodies are text."""

COMPRESSED_TYPES = ("application/gzip", "application/x-gzip", "application/octet-stream")
"""Allowed when the URL ends in `.gz`: compressed sitemaps (`sitemap.xml.gz`), however labelled."""

MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "PDF"),
    (b"PK\x03\x04", "ZIP archive (or docx/xlsx)"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"\x1f\x8b", "gzip data"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "7z archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Office document (doc/xls)"),
    (b"\x7fELF", "executable"),
    (b"RIFF", "RIFF media (WebP, WAV, AVI)"),
)
"""Signatures of common binary formats a news site links to."""

_UNICODE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")


def media_type(content_type: str | bytes | None) -> str:
    """`text/html` from `Text/HTML; charset=gbk`; empty when absent."""
    if content_type is None:
        return ""
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    return content_type.split(";", 1)[0].strip().lower()


def is_text_type(mtype: str, url_path: str = "") -> bool:
    """Whether a media type announces a text body (an empty one is judged by the bytes instead)."""
    if not mtype or mtype.startswith(TEXT_TYPES):
        return True
    return mtype in COMPRESSED_TYPES and url_path.lower().endswith(".gz")


def binary_reason(body: bytes, url_path: str = "") -> str | None:
    """Why a body labelled as text is really binary (its format, or NUL bytes), or None if it may
    be text. Looks at the first 4 KB only; UTF-16/32 text (NUL-rich but BOM-marked) passes, and so
    does gzip data at a `.gz` URL (a compressed sitemap, which its spider unpacks)."""
    if url_path.lower().endswith(".gz") and body[:2] == b"\x1f\x8b":
        return None
    head = body[:4096]
    stripped = head.lstrip(b" \t\r\n")
    for signature, name in MAGIC:
        if stripped.startswith(signature):
            return name
    nuls = head.count(0)
    if nuls and not head.startswith(_UNICODE_BOMS):
        return f"binary bytes ({nuls} NUL bytes in the first {len(head)})"
    return None


class ContentTypeMiddleware:
    """Downloader middleware (570: inside HttpCompression at 590, so it sees decompressed bodies;
    outside Retry, so a skipped answer is never retried)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        crawler.signals.connect(self.headers_received, signal=signals.headers_received)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ContentTypeMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        scheme = urlparse_cached(request).scheme
        # Depth 0 is what the user typed (a start URL, `scrapy shell ./page.html`); anything deeper
        # came from a page.
        if scheme not in WEB_SCHEMES and request.meta.get("depth", 0) > 0:
            raise FetchRefused("bad_url", f"a page linked to a {scheme}: address; only http(s) is fetched")

    def headers_received(self, headers: Headers, body_length: int, request: Request) -> None:
        if request.meta.get(ANY_CONTENT) or is_robots_request(request):
            return
        if headers.get(b"Location"):
            return  # a redirect: whatever its body, the Location is what counts
        mtype = media_type(headers.get(b"Content-Type"))
        if is_text_type(mtype, urlparse_cached(request).path):
            return
        request.meta[SKIP_REASON] = f"Content-Type {mtype}"
        # fail=False: the (empty) response still comes back with its real status, so a 404 is
        # still reported as gone and only a successful binary answer is skipped as not text.
        raise StopDownload(fail=False)

    def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get(ANY_CONTENT) or not 200 <= response.status < 300:
            return response
        reason = request.meta.get(SKIP_REASON) if "download_stopped" in response.flags else None
        if reason is None and request.method != "HEAD" and not is_robots_request(request):
            found = binary_reason(response.body, urlparse_cached(request).path)
            if found:
                reason = (
                    f"{found}, served as {media_type(response.headers.get(b'Content-Type')) or 'no type'}"
                )
        if reason:
            self._count("newscrawl/skipped/not_text")
            raise FetchRefused("not_text", f"{reason}: not a page, skipped", status=response.status)
        return response

    def _count(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)
