"""scrapy-redis's shared dupefilter, with a local memory of what is already known to be seen.

Listing and article pages link the same articles over and over (sidebars, 相关新闻, pagers): a crawl
asks "seen?" some fifteen times per page fetched. Each ask is a Redis round trip in stock
scrapy-redis. A fingerprint this worker has once added to (or found in) the shared set stays there
until the crawl ends, and the crawl cannot end while this worker runs, so remembering it locally
answers every later ask exactly, with no round trip — and, for a request already asked about in the
same form, without even computing its fingerprint (URL canonicalisation is most of that cost).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy_redis.dupefilter import RFPDupeFilter

if TYPE_CHECKING:
    from scrapy import Request

LOCAL_LIMIT = 500_000
"""Requests remembered locally (~100 MB at most); past that the memory starts over, still exact."""


class SharedDupeFilter(RFPDupeFilter):  # type: ignore[misc]
    def __init__(self, server: Any, key: str, debug: bool = False) -> None:
        super().__init__(server, key, debug)
        self.known: set[str] = set()
        self.known_requests: set[tuple[str, str, bytes]] = set()

    def request_seen(self, request: Request) -> bool:
        as_asked = (request.method, request.url, request.body)
        if as_asked in self.known_requests:
            return True
        fingerprint = self.request_fingerprint(request)
        if len(self.known) >= LOCAL_LIMIT:
            self.known.clear()
            self.known_requests.clear()
        self.known_requests.add(as_asked)
        if fingerprint in self.known:
            return True
        added = self.server.sadd(self.key, fingerprint)
        self.known.add(fingerprint)
        return bool(added == 0)
