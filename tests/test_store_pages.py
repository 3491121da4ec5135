"""How `pages.body` is stored and read back (`newscrawl.store.pages`), on a real SQLite file.

A body as sent is kept only when it decodes to the page; every other case stores the page as zlib.
The encoded inputs are made here with the standard library, the pages are fixed bytes.
"""

from __future__ import annotations

import gzip
import sqlite3
import zlib
from pathlib import Path

import pytest

from newscrawl.store import Store
from newscrawl.store.pages import PageDecodeError, pack_body, unpack_body
from tests.conftest import query

PAGE = "<html><head><meta charset=gbk></head><body><p>长沙市公安局通报</p></body></html>".encode("gbk") * 40
OTHER = PAGE.replace("长沙".encode("gbk"), "株洲".encode("gbk"))


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


def _save(store: Store, url: str, body: bytes, encoding: str | None, sent: bytes | None) -> None:
    store.save_page(
        url,
        status=200,
        headers={"Content-Type": ["text/html; charset=gbk"]},
        body=body,
        fetched_at="2024-03-15T09:30:00+08:00",
        content_encoding=encoding,
        sent_body=sent,
    )


@pytest.mark.parametrize(
    ("encoding", "sent", "compression"),
    [
        ("gzip", gzip.compress(PAGE), "gzip"),
        ("x-gzip", gzip.compress(PAGE), "gzip"),
        (" GZIP ", gzip.compress(PAGE), "gzip"),
        ("deflate", zlib.compress(PAGE), "deflate"),
        ("deflate", _raw_deflate(PAGE), "deflate"),
        ("deflate", zlib.compress(PAGE) + b"junk", "deflate"),  # decodes (zlib stops at its end)
        # …and never under a label the bytes do not decode by:
        ("gzip", zlib.compress(PAGE), "zlib"),
        ("deflate", gzip.compress(PAGE), "zlib"),
        ("gzip", gzip.compress(OTHER), "zlib"),
        ("deflate", zlib.compress(OTHER), "zlib"),
        ("deflate", _raw_deflate(OTHER), "zlib"),
        ("gzip", gzip.compress(PAGE)[:-1], "zlib"),
        ("gzip", gzip.compress(PAGE) + b"\0\0", "zlib"),
        ("gzip", gzip.compress(PAGE[:500]) + gzip.compress(PAGE[500:]), "zlib"),  # two members
        ("gzip", PAGE, "zlib"),
        ("br", b"\x1b\x03", "zlib"),  # not decodable with the standard library: never kept
        (None, None, "zlib"),
        ("gzip", None, "zlib"),
    ],
)
def test_a_body_is_kept_as_sent_only_when_it_decodes_to_the_page(
    db_path: Path, encoding: str | None, sent: bytes | None, compression: str
) -> None:
    with Store(db_path) as store:
        _save(store, "http://127.0.0.1/a.html", PAGE, encoding, sent)
        page = store.load_page("http://127.0.0.1/a.html")
    assert page is not None and page["body"] == PAGE
    row = query(db_path, "SELECT compression, body FROM pages")[0]
    assert row["compression"] == compression
    if compression != "zlib":
        assert row["body"] == sent


def test_rows_written_by_older_versions_still_read(db_path: Path) -> None:
    with Store(db_path):
        pass
    # What the archive wrote before it knew other compressions: the column left to its default.
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute(
            "INSERT INTO pages (url, status, headers, body, fetched_at) VALUES (?, 200, '{}', ?, ?)",
            ("http://127.0.0.1/old.html", zlib.compress(PAGE, 6), "2023-01-01T00:00:00+08:00"),
        )
    conn.close()
    with Store(db_path) as store:
        page = store.load_page("http://127.0.0.1/old.html")
    assert page is not None and page["body"] == PAGE
    assert query(db_path, "SELECT compression FROM pages")[0]["compression"] == "zlib"


def test_an_unknown_or_damaged_body_is_a_clear_error() -> None:
    with pytest.raises(PageDecodeError, match="unknown page compression 'br'"):
        unpack_body("br", b"\x1b\x03")
    with pytest.raises(PageDecodeError, match="does not decode as gzip"):
        unpack_body("gzip", gzip.compress(PAGE)[:-20])
    with pytest.raises(PageDecodeError, match="does not decode as deflate"):
        unpack_body("deflate", b"\xff" * 20)


def test_an_unencoded_page_is_compressed() -> None:
    compression, stored = pack_body(PAGE)
    assert compression == "zlib"
    assert len(stored) < len(PAGE) / 5
    assert zlib.decompress(stored) == PAGE
