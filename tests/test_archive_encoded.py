"""The page archive keeps gzip/deflate bodies as the server sent them (issue 10): real crawls
(`newscrawl crawl news`, the real Scrapy engine) of a loopback site whose article pages come
gzip-encoded, deflate-encoded (zlib and raw), unencoded, or with broken encodings.

Expectations come from the site: the bytes it sent and the page before it encoded it; what a
truncated gzip stream decodes to is worked out here with zlib's own streaming decoder.
"""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

import pytest

from newscrawl.store import Store
from tests.conftest import query
from tests.statesite import StateSite, crawl_site

ARTICLES = 16
# Article id → how its page is sent. Every id not named here: by id % 4, see `ROTATION`.
ROTATION = {1: "gzip", 2: "deflate", 3: "raw-deflate", 0: "identity"}
BROKEN = {
    5: "x-gzip",  # another name for gzip
    9: "truncated-gzip",  # cut off: Scrapy decodes what it can, the stream cannot be kept
    13: "gzip-trailing-junk",  # a whole member, then bytes that are not gzip
    14: "not-gzip",  # labelled gzip, sent as plain HTML: Scrapy cannot decode it at all
}


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


def _truncated(data: bytes) -> bytes:
    whole = gzip.compress(data, mtime=0)
    return whole[: len(whole) * 2 // 3]


class EncodedSite(StateSite):
    """StateSite whose 200 article pages go out encoded as the plan says; `sent` and `pages` keep,
    per path, the bytes sent and the page before encoding."""

    def __init__(self, articles: int) -> None:
        super().__init__(articles, related=False)
        self.sent: dict[str, bytes] = {}
        self.pages: dict[str, bytes] = {}

    def kind(self, article_id: int) -> str:
        return BROKEN.get(article_id, ROTATION[article_id % 4])

    def respond(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        status, out_headers, body = super().respond(path, headers)
        article = next((a for a in self.articles.values() if a.path == path), None)
        if article is None or status != 200:
            return status, out_headers, body
        kind = self.kind(article.id)
        encoding, sent = {
            "gzip": ("gzip", lambda: gzip.compress(body, mtime=0)),
            "x-gzip": ("x-gzip", lambda: gzip.compress(body, mtime=0)),
            "deflate": ("deflate", lambda: zlib.compress(body)),
            "raw-deflate": ("deflate", lambda: _raw_deflate(body)),
            "identity": (None, lambda: body),
            "truncated-gzip": ("gzip", lambda: _truncated(body)),
            "gzip-trailing-junk": ("gzip", lambda: gzip.compress(body, mtime=0) + b"<!-- cache -->"),
            "not-gzip": ("gzip", lambda: body),
        }[kind]
        data = sent()
        with self._lock:
            self.sent[path], self.pages[path] = data, body
        return status, {**out_headers, **({"Content-Encoding": encoding} if encoding else {})}, data


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> tuple[EncodedSite, Path, list[str]]:
    """Two runs: the first stores every page; the second (--refresh) gets 304 for each stored article
    and parses it from the archive."""
    db = tmp_path_factory.mktemp("wire") / "wire.db"
    with EncodedSite(ARTICLES) as site:
        first = crawl_site(db, site)
        assert first.returncode == 0, first.stderr[-3000:]
        site.clear_hits()
        second = crawl_site(db, site, flags=("--refresh",))
        assert second.returncode == 0, second.stderr[-3000:]
        not_modified = sorted(h.path for h in site.hits(status=304) if "/content_" in h.path)
    return site, db, not_modified


def _rows(site: EncodedSite, db: Path) -> dict[int, dict[str, object]]:
    by_url = {r["url"]: dict(r) for r in query(db, "SELECT url, compression, body, headers FROM pages")}
    return {i: by_url[site.url(i)] for i in site.articles if site.url(i) in by_url}


def _load(db: Path, url: str) -> bytes:
    with Store(db) as store:
        page = store.load_page(url)
    assert page is not None
    body: bytes = page["body"]
    return body


def test_encoded_pages_are_archived_as_sent_and_read_back_as_served(
    crawled: tuple[EncodedSite, Path, list[str]],
) -> None:
    site, db, _ = crawled
    rows = _rows(site, db)
    kept = {
        i: site.kind(i) for i in site.articles if site.kind(i) in {"gzip", "x-gzip", "deflate", "raw-deflate"}
    }
    assert len(kept) == 9
    for article_id, kind in kept.items():
        path = site.articles[article_id].path
        row = rows[article_id]
        assert row["compression"] == ("deflate" if "deflate" in kind else "gzip"), (article_id, kind)
        assert row["body"] == site.sent[path], f"{kind}: not the bytes the server sent"
        assert _load(db, site.url(article_id)) == site.pages[path], f"{kind}: not the page served"
        # The headers kept are those of the decoded page the spider saw.
        assert "content-encoding" not in {k.lower() for k in json.loads(str(row["headers"]))}


def test_unencoded_pages_are_compressed_as_before(crawled: tuple[EncodedSite, Path, list[str]]) -> None:
    site, db, _ = crawled
    rows = _rows(site, db)
    plain = [i for i in site.articles if site.kind(i) == "identity"]
    assert len(plain) == 4
    for article_id in plain:
        path = site.articles[article_id].path
        assert rows[article_id]["compression"] == "zlib"
        assert zlib.decompress(rows[article_id]["body"]) == site.pages[path]  # type: ignore[arg-type]
        assert _load(db, site.url(article_id)) == site.pages[path]


def test_broken_encodings_are_never_archived_under_their_label(
    crawled: tuple[EncodedSite, Path, list[str]],
) -> None:
    site, db, _ = crawled
    rows = _rows(site, db)
    # Truncated: Scrapy decodes as far as the stream goes; the spider saw that much, and that much
    # is stored, compressed here — the cut stream itself would not decode.
    truncated = site.articles[9].path
    seen = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(site.sent[truncated])
    assert 0 < len(seen) < len(site.pages[truncated])
    assert rows[9]["compression"] == "zlib"
    assert _load(db, site.url(9)) == seen
    # Junk after a whole member: the page decodes, but the bytes sent are not a clean gzip stream.
    assert rows[13]["compression"] == "zlib"
    assert _load(db, site.url(13)) == site.pages[site.articles[13].path]
    # Labelled gzip, not gzip: the fetch fails, nothing is stored for it, and the crawl went on.
    assert 14 not in rows
    errors = query(db, "SELECT url FROM fetch_errors")
    assert site.url(14) in {e["url"] for e in errors}
    stored = {r["url"] for r in query(db, "SELECT url FROM articles")}
    assert stored == {site.url(i) for i in site.articles if i != 14}


def test_archived_pages_are_parsed_again_on_304(crawled: tuple[EncodedSite, Path, list[str]]) -> None:
    """The refresh run revalidates every archived article; each 304 is answered from the archive,
    whatever its compression, and the article parsed from it is the one stored."""
    site, db, not_modified = crawled
    rows = _rows(site, db)
    assert not_modified == sorted(site.articles[i].path for i in rows)
    run = dict(query(db, "SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1")[0])
    stats = json.loads(str(run["stats"]))
    assert stats["newscrawl/http/not_modified/article"] == len(rows)
    assert run["articles_new"] == 0
    # The truncated page too: its archive holds what the spider saw the first time.
    assert run["articles_updated"] == 0
    assert run["articles_unchanged"] == len(query(db, "SELECT url FROM articles"))
