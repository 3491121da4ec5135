"""The listing cache keeps gzip/deflate listing pages as the server sent them, as the page archive
does for articles (issue 10): real crawls (`newscrawl crawl news`, the real Scrapy engine) of a
loopback site whose listing pages come with an ETag and gzip-, deflate- (zlib and raw), unencoded or
with junk after the gzip stream.

Expectations come from the site: the bytes it sent and the page before it encoded it.
"""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

import pytest

from newscrawl.store import Store
from newscrawl.store.history import read_listing, write_listing
from tests.conftest import query
from tests.statesite import PAGE_SIZE, StateSite, crawl_site

# Listing page number → how it is sent.
PLAN = {1: "gzip", 2: "deflate", 3: "raw-deflate", 4: "gzip-trailing-junk", 5: "identity"}


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


def _encode(kind: str, body: bytes) -> tuple[str | None, bytes]:
    if kind == "gzip":
        return "gzip", gzip.compress(body, mtime=0)
    if kind == "deflate":
        return "deflate", zlib.compress(body)
    if kind == "raw-deflate":
        return "deflate", _raw_deflate(body)
    if kind == "gzip-trailing-junk":
        return "gzip", gzip.compress(body, mtime=0) + b"<!-- cache -->"
    return None, body


class EncodedListingSite(StateSite):
    """StateSite whose 200 listing pages go out encoded as `PLAN` says; `sent` and `pages` keep,
    per path, the bytes sent and the page before encoding."""

    def __init__(self) -> None:
        super().__init__(PAGE_SIZE * len(PLAN), related=False)
        self.sent: dict[str, bytes] = {}
        self.pages: dict[str, bytes] = {}
        self.kinds = {path: PLAN[n] for n, path in enumerate(self.listing_paths(), start=1)}

    def respond(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        status, out_headers, body = super().respond(path, headers)
        if path not in self.kinds or status != 200:
            return status, out_headers, body
        encoding, data = _encode(self.kinds[path], body)
        with self._lock:
            self.sent[path], self.pages[path] = data, body
        return status, {**out_headers, **({"Content-Encoding": encoding} if encoding else {})}, data


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> tuple[EncodedListingSite, Path, dict[str, int]]:
    """Two runs: the first caches every listing page; in the second each listing answers 304 and is
    parsed from the cache. Returns the second run's statistics."""
    db = tmp_path_factory.mktemp("listings") / "listings.db"
    with EncodedListingSite() as site:
        first = crawl_site(db, site)
        assert first.returncode == 0, first.stderr[-3000:]
        site.clear_hits()
        second = crawl_site(db, site)
        assert second.returncode == 0, second.stderr[-3000:]
        listing_304 = {h.path for h in site.hits(status=304)} & set(site.kinds)
        assert listing_304 == set(site.kinds)
    run = dict(query(db, "SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1")[0])
    return (
        site,
        db,
        {**json.loads(str(run["stats"])), **{k: v for k, v in run.items() if k.startswith("articles_")}},
    )


def _cached(site: EncodedListingSite, db: Path) -> dict[str, dict[str, object]]:
    rows = query(db, "SELECT url, compression, body, headers FROM listing_cache")
    by_url = {r["url"]: dict(r) for r in rows}
    return {path: by_url[site.base_url + path] for path in site.kinds}


def test_encoded_listing_pages_are_cached_as_sent_and_read_back_as_served(
    crawled: tuple[EncodedListingSite, Path, dict[str, int]],
) -> None:
    site, db, _ = crawled
    cached = _cached(site, db)
    with Store(db) as store:
        for path, kind in site.kinds.items():
            row = cached[path]
            kept = read_listing(store.conn, site.base_url + path)
            assert kept is not None
            assert kept["body"] == site.pages[path], f"{kind}: not the page served"
            # The headers kept are those of the decoded page the spider saw.
            assert "content-encoding" not in {k.lower() for k in json.loads(str(row["headers"]))}
            if kind in {"gzip", "deflate", "raw-deflate"}:
                assert row["compression"] == ("gzip" if kind == "gzip" else "deflate"), kind
                assert row["body"] == site.sent[path], f"{kind}: not the bytes the server sent"
            else:
                # Unencoded, or not a clean gzip stream: compressed here, as before.
                assert row["compression"] == "zlib", kind
                assert zlib.decompress(row["body"]) == site.pages[path]  # type: ignore[arg-type]


def test_cached_listing_pages_are_parsed_again_on_304(
    crawled: tuple[EncodedListingSite, Path, dict[str, int]],
) -> None:
    """Every listing of the second run is a 304 answered from the cache, and the links parsed from
    it lead to every stored article (each skipped: nothing new, nothing lost)."""
    site, db, stats = crawled
    assert stats["newscrawl/http/not_modified/listing"] == len(PLAN)
    assert stats["articles_new"] == 0
    assert stats["articles_skipped"] == len(site.articles)
    assert len(query(db, "SELECT url FROM articles")) == len(site.articles)


def test_a_listing_sent_body_that_does_not_decode_to_the_page_is_compressed(db_path: Path) -> None:
    page = "<ul><li><a href='/fzxw/2024-01/01/content_1.html'>某某</a></li></ul>".encode() * 20
    other = page.replace(b"content_1", b"content_2")
    url = "http://127.0.0.1/fzxw/"
    with Store(db_path) as store:
        for sent, expected in ((gzip.compress(page), "gzip"), (gzip.compress(other), "zlib")):
            write_listing(
                store.conn,
                url,
                etag='"v1"',
                last_modified=None,
                headers={},
                body=page,
                fetched_at="2024-03-15T09:30:00+08:00",
                content_encoding="gzip",
                sent_body=sent,
            )
            (compression,) = store.conn.execute("SELECT compression FROM listing_cache").fetchone()
            assert compression == expected
            kept = read_listing(store.conn, url)
            assert kept is not None and kept["body"] == page
