"""newscrawl's HttpCompressionMiddleware against Scrapy's own as the oracle (issue 10).

Every body goes through both middlewares, each built from a crawler of its own: the response each
returns (class, body, headers, encoding), the exception each raises, the stats each counts and the
log lines each writes must be the same — for well-formed streams (the fast path) and for every odd
case that must reach Scrapy's decoder (truncated, corrupt, padded, oversized, raw deflate, layered
and unknown encodings). Every test runs with both inflaters of the fast path, python-isal's and
zlib's. The crawl through the real engine is tests/test_archive_encoded.py's.
"""

from __future__ import annotations

import gzip
import logging
import struct
import zlib
from types import ModuleType
from typing import Any

import brotli
import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware as ScrapyMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from newscrawl.middlewares import compression
from newscrawl.middlewares.compression import HttpCompressionMiddleware, gunzip_whole, inflate_whole

MAXSIZE = 300_000
WARNSIZE = 150_000
URL = "http://127.0.0.1/news/2024/05/01/123.html"


def _page(size: int, seed: int = 0) -> bytes:
    """An HTML page of about `size` bytes, Chinese text that compresses about as well as a real one."""
    words = ["法院", "检察院", "公安局", "司法局", "判决", "审理", "案件", "被告人", "依法", "调解"]
    parts = ['<html><head><meta charset="utf-8"><title>新闻</title></head><body><p>']
    n, length = seed, 0
    while length < size:
        n = (n * 1103515245 + 12345) % (1 << 31)
        part = words[n % len(words)] + ("。</p><p>" if n % 7 == 0 else "，")
        parts.append(part)
        length += len(part.encode("utf-8"))
    return "".join(parts).encode("utf-8")[:size]


def _zlib(data: bytes) -> bytes:
    return zlib.compress(data, 6)


def _raw_deflate(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def _gzip_named(data: bytes, *, header_crc: bool = True, bad_header_crc: bool = False) -> bytes:
    """A gzip member with FNAME (and FHCRC) set, as some servers write them."""
    flags = 0x08 | (0x02 if header_crc else 0)
    header = b"\x1f\x8b\x08" + bytes([flags]) + struct.pack("<I", 0) + b"\x00\x03" + b"page.html\x00"
    if header_crc:
        crc = zlib.crc32(header) & 0xFFFF
        header += struct.pack("<H", crc ^ 0xFFFF if bad_header_crc else crc)
    return header + _raw_deflate(data) + struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)


def _bad_crc(data: bytes) -> bytes:
    member = bytearray(gzip.compress(data, mtime=0))
    member[-8] ^= 0xFF
    return bytes(member)


def _bad_length(data: bytes) -> bytes:
    member = bytearray(gzip.compress(data, mtime=0))
    member[-1] ^= 0x01
    return bytes(member)


def _half(blob: bytes) -> bytes:
    return blob[: len(blob) // 2]


def _corrupt_middle(blob: bytes) -> bytes:
    mutable = bytearray(blob)
    for i in range(len(blob) // 2, len(blob) // 2 + 16):
        mutable[i] ^= 0x5A
    return bytes(mutable)


SMALL = _page(20_000)
PAGE = _page(95_000, seed=1)
OTHER = _page(40_000, seed=2)
BIG = _page(400_000, seed=3)  # over MAXSIZE
WARN = _page(200_000, seed=4)  # over WARNSIZE, under MAXSIZE
EXACT = _page(MAXSIZE, seed=5)
OVER_BY_ONE = _page(MAXSIZE + 1, seed=6)
BOMB = gzip.compress(b"\x00" * (20 * MAXSIZE), mtime=0)

CASES: dict[str, tuple[list[bytes], bytes]] = {
    # (Content-Encoding values, body as sent)
    "gzip": ([b"gzip"], gzip.compress(PAGE, mtime=0)),
    "x-gzip": ([b"x-gzip"], gzip.compress(PAGE, mtime=0)),
    "gzip upper case": ([b" GZIP "], gzip.compress(PAGE, mtime=0)),
    "gzip small": ([b"gzip"], gzip.compress(SMALL, mtime=0)),
    "gzip empty page": ([b"gzip"], gzip.compress(b"", mtime=0)),
    "gzip level 1": ([b"gzip"], gzip.compress(PAGE, compresslevel=1, mtime=0)),
    "gzip named member": ([b"gzip"], _gzip_named(PAGE)),
    "gzip named, no header crc": ([b"gzip"], _gzip_named(PAGE, header_crc=False)),
    "gzip bad header crc": ([b"gzip"], _gzip_named(PAGE, bad_header_crc=True)),
    "multi-member gzip": ([b"gzip"], gzip.compress(PAGE, mtime=0) + gzip.compress(OTHER, mtime=0)),
    "three members": ([b"gzip"], b"".join(gzip.compress(p, mtime=0) for p in (SMALL, OTHER, PAGE))),
    "member then empty member": ([b"gzip"], gzip.compress(PAGE, mtime=0) + gzip.compress(b"", mtime=0)),
    "gzip trailing junk": ([b"gzip"], gzip.compress(PAGE, mtime=0) + b"<!-- cache -->"),
    "gzip zero padding": ([b"gzip"], gzip.compress(PAGE, mtime=0) + b"\x00" * 32),
    "gzip then truncated member": (
        [b"gzip"],
        gzip.compress(PAGE, mtime=0) + gzip.compress(OTHER, mtime=0)[:500],
    ),
    "truncated gzip": ([b"gzip"], _half(gzip.compress(PAGE, mtime=0))),
    "gzip without trailer": ([b"gzip"], gzip.compress(PAGE, mtime=0)[:-8]),
    "gzip cut in trailer": ([b"gzip"], gzip.compress(PAGE, mtime=0)[:-3]),
    "gzip header only": ([b"gzip"], gzip.compress(PAGE, mtime=0)[:10]),
    "gzip cut in header": ([b"gzip"], gzip.compress(PAGE, mtime=0)[:5]),
    "gzip bad crc": ([b"gzip"], _bad_crc(PAGE)),
    "gzip bad length": ([b"gzip"], _bad_length(PAGE)),
    "gzip corrupt middle": ([b"gzip"], _corrupt_middle(gzip.compress(PAGE, mtime=0))),
    "gzip label, plain body": ([b"gzip"], PAGE),
    "gzip label, empty body": ([b"gzip"], b""),
    "deflate (zlib)": ([b"deflate"], _zlib(PAGE)),
    "deflate small": ([b"deflate"], _zlib(SMALL)),
    "raw deflate": ([b"deflate"], _raw_deflate(PAGE)),
    "raw deflate small": ([b"deflate"], _raw_deflate(SMALL)),
    "deflate trailing junk": ([b"deflate"], _zlib(PAGE) + b"junk"),
    "truncated deflate": ([b"deflate"], _half(_zlib(PAGE))),
    "truncated raw deflate": ([b"deflate"], _half(_raw_deflate(PAGE))),
    "deflate bad adler": ([b"deflate"], _zlib(PAGE)[:-1] + bytes([_zlib(PAGE)[-1] ^ 1])),
    "deflate corrupt middle": ([b"deflate"], _corrupt_middle(_zlib(PAGE))),
    "deflate label, plain body": ([b"deflate"], PAGE),
    "gzip over maxsize": ([b"gzip"], gzip.compress(BIG, mtime=0)),
    "gzip bomb": ([b"gzip"], BOMB),
    "gzip exactly maxsize": ([b"gzip"], gzip.compress(EXACT, mtime=0)),
    "gzip maxsize + 1": ([b"gzip"], gzip.compress(OVER_BY_ONE, mtime=0)),
    "members over maxsize together": (
        [b"gzip"],
        gzip.compress(WARN, mtime=0) + gzip.compress(WARN, mtime=0),
    ),
    "deflate over maxsize": ([b"deflate"], _zlib(BIG)),
    "deflate maxsize + 1": ([b"deflate"], _zlib(OVER_BY_ONE)),
    "raw deflate over maxsize": ([b"deflate"], _raw_deflate(BIG)),
    "gzip over warnsize": ([b"gzip"], gzip.compress(WARN, mtime=0)),
    "deflate over warnsize": ([b"deflate"], _zlib(WARN)),
    "gzip, deflate": ([b"gzip, deflate"], _zlib(gzip.compress(PAGE, mtime=0))),
    "gzip then deflate headers": ([b"gzip", b"deflate"], _zlib(gzip.compress(PAGE, mtime=0))),
    "deflate, gzip": ([b"deflate, gzip"], gzip.compress(_zlib(PAGE), mtime=0)),
    "gzip, br": ([b"gzip, br"], brotli.compress(gzip.compress(PAGE, mtime=0))),
    "br": ([b"br"], brotli.compress(PAGE)),
    "unknown": ([b"compress"], PAGE),
    "unknown under gzip": ([b"compress, gzip"], gzip.compress(PAGE, mtime=0)),
    "gzip under unknown": ([b"gzip, compress"], gzip.compress(PAGE, mtime=0)),
    "identity": ([b"identity"], PAGE),
}


def _isal() -> ModuleType:
    isal = pytest.importorskip("isal.isal_zlib", reason="python-isal is not installed (no wheel here)")
    return isal


@pytest.fixture(autouse=True, params=["isal", "zlib"])
def inflater(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The fast path's inflater for the test: the oracle holds each to Scrapy."""
    module = _isal() if request.param == "isal" else zlib
    monkeypatch.setattr(compression, "INFLATER", module)
    return module


def _run(middleware_cls: type[ScrapyMiddleware], encodings: list[bytes], body: bytes, **meta: Any) -> Any:
    """What a middleware makes of one response: its result or exception, stats, and log lines."""
    crawler = get_crawler(settings_dict={"DOWNLOAD_MAXSIZE": MAXSIZE, "DOWNLOAD_WARNSIZE": WARNSIZE})
    assert crawler.stats is not None
    middleware = middleware_cls.from_crawler(crawler)
    request = Request(URL, meta=meta)
    headers = {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": encodings}
    response = Response(URL, status=200, headers=headers, body=body, request=request)
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("scrapy.downloadermiddlewares.httpcompression")
    logger.addHandler(handler)
    try:
        result = middleware.process_response(request, response)
        outcome: tuple[Any, ...] = (
            "response",
            type(result),
            result.body,
            result.headers.to_unicode_dict(),
            getattr(result, "encoding", None),
        )
    except Exception as exc:
        outcome = ("raised", type(exc), str(exc))
    finally:
        logger.removeHandler(handler)
    logged = [(r.levelno, r.getMessage()) for r in records]
    return outcome, crawler.stats.get_stats(), logged


@pytest.mark.parametrize("case", list(CASES))
def test_same_as_scrapy(case: str) -> None:
    encodings, body = CASES[case]
    ours = _run(HttpCompressionMiddleware, encodings, body)
    scrapys = _run(ScrapyMiddleware, encodings, body)
    assert ours == scrapys


@pytest.mark.parametrize("maxsize", [0, 50_000, len(PAGE), len(PAGE) + 1])
@pytest.mark.parametrize("encoding", [b"gzip", b"deflate"])
def test_same_as_scrapy_with_request_maxsize(maxsize: int, encoding: bytes) -> None:
    """`download_maxsize` in a request's meta, 0 meaning no limit."""
    body = gzip.compress(PAGE, mtime=0) if encoding == b"gzip" else _zlib(PAGE)
    ours = _run(HttpCompressionMiddleware, [encoding], body, download_maxsize=maxsize)
    assert ours == _run(ScrapyMiddleware, [encoding], body, download_maxsize=maxsize)


def test_the_cases_cover_what_they_claim() -> None:
    """The oracle cases reach both outcomes: decoded pages, refused bombs and decode errors."""
    outcomes = {case: _run(ScrapyMiddleware, *CASES[case])[0] for case in CASES}
    assert outcomes["gzip"][:3] == ("response", HtmlResponse, PAGE)
    assert outcomes["multi-member gzip"][2] == PAGE + OTHER
    assert outcomes["gzip trailing junk"][2] == PAGE
    assert outcomes["gzip, deflate"][2] == PAGE
    assert outcomes["gzip bomb"][:2] == ("raised", IgnoreRequest)
    assert outcomes["gzip maxsize + 1"][:2] == ("raised", IgnoreRequest)
    assert outcomes["gzip exactly maxsize"][2] == EXACT
    assert len(EXACT) == MAXSIZE and len(OVER_BY_ONE) == MAXSIZE + 1
    assert outcomes["gzip label, plain body"][0] == "raised"
    for case in ("truncated gzip", "truncated deflate", "truncated raw deflate"):
        truncated = outcomes[case]
        assert truncated[0] == "response" and 0 < len(truncated[2]) < len(PAGE), case
        assert PAGE.startswith(truncated[2]), case


def test_the_fast_path_decodes_whole_streams_only() -> None:
    """Well-formed streams are decoded here; what needs Scrapy's judgement is handed back (None)."""
    assert gunzip_whole(gzip.compress(PAGE, mtime=0), MAXSIZE) == PAGE
    assert gunzip_whole(gzip.compress(PAGE, mtime=0) + gzip.compress(OTHER, mtime=0), 0) == PAGE + OTHER
    assert inflate_whole(_zlib(PAGE), 0) == PAGE
    for blob in (
        _half(gzip.compress(PAGE, mtime=0)),
        gzip.compress(PAGE, mtime=0) + b"junk",
        gzip.compress(PAGE, mtime=0) + b"\x00",
        _bad_crc(PAGE),
        _bad_length(PAGE),
        _gzip_named(PAGE, bad_header_crc=True),
        gzip.compress(OVER_BY_ONE, mtime=0),
        BOMB,
        b"",
        PAGE,
    ):
        assert gunzip_whole(blob, MAXSIZE) is None
    for blob in (_raw_deflate(PAGE), _half(_zlib(PAGE)), _zlib(OVER_BY_ONE), _corrupt_middle(_zlib(PAGE))):
        assert inflate_whole(blob, MAXSIZE) is None


def test_the_crawl_uses_newscrawls_middlewares_in_place_of_scrapys() -> None:
    """The project's settings swap both built-ins for newscrawl's, at Scrapy's own places in the chain."""
    from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware as ScrapyRefresh
    from scrapy.settings import Settings
    from scrapy.utils.conf import build_component_list
    from scrapy.utils.misc import load_object

    from newscrawl import settings as project_settings
    from newscrawl.middlewares.archive import SentBodyMiddleware
    from newscrawl.middlewares.content import ContentTypeMiddleware
    from newscrawl.middlewares.refresh import MetaRefreshMiddleware

    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    chain = [
        load_object(path) for path in build_component_list(settings.getwithbase("DOWNLOADER_MIDDLEWARES"))
    ]
    assert ScrapyMiddleware not in chain and ScrapyRefresh not in chain
    # Requests go down the list, responses come back up: the archive's copy of the sent bytes is
    # taken before decompression, and the content checks see decoded bodies.
    order = [
        chain.index(c) for c in (ContentTypeMiddleware, MetaRefreshMiddleware, HttpCompressionMiddleware)
    ]
    assert order == sorted(order)
    assert chain.index(HttpCompressionMiddleware) < chain.index(SentBodyMiddleware)
