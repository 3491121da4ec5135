"""The pure parts of politeness and of the content guard, without a crawler."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from scrapy.http import Request
from scrapy.robotstxt import ProtegoRobotParser
from scrapy.utils.test import get_crawler

from newscrawl.middlewares.content import ContentTypeMiddleware, binary_reason, is_text_type, media_type
from newscrawl.middlewares.failures import FetchRefused
from newscrawl.middlewares.identity import user_agent_for
from newscrawl.middlewares.politeness import backoff_delay, parse_retry_after, robots_delay

NOW = datetime(2024, 5, 20, 8, 0, 0, tzinfo=UTC)
UA = user_agent_for("mailto:research@example.org")


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        (b"5", 5.0),
        (" 7 ", 7.0),
        ("0", 0.0),
        ("Mon, 20 May 2024 08:00:30 GMT", 30.0),
        ("Mon, 20 May 2024 07:59:00 GMT", 0.0),  # already past: go ahead
        ("Monday, 20-May-24 08:01:00 GMT", 60.0),  # RFC 850 form, still allowed by RFC 9110
        ("Mon May 20 08:00:10 2024", 10.0),  # asctime form, zone-less, read as GMT
    ],
)
def test_retry_after_seconds_and_dates(header: str | bytes, seconds: float) -> None:
    assert parse_retry_after(header, NOW) == pytest.approx(seconds)


@pytest.mark.parametrize("header", [None, "", "soon", "-5", "1.5", "Mon, 99 Foo 2024"])
def test_unreadable_retry_after_is_none(header: str | None) -> None:
    assert parse_retry_after(header, NOW) is None


def test_backoff_doubles_up_to_its_cap() -> None:
    assert [backoff_delay(n, 2.0, 60.0) for n in range(1, 8)] == [2, 4, 8, 16, 32, 60, 60]
    assert backoff_delay(1, 0.0, 60.0) == 0.0


def parser(text: str) -> ProtegoRobotParser:
    return ProtegoRobotParser(text.encode(), None)


@pytest.mark.parametrize(
    ("robots", "delay"),
    [
        ("User-agent: *\nCrawl-delay: 10\n", 10.0),
        ("User-agent: *\nCrawl-delay: 0.5\n", 0.5),
        ("User-agent: *\nRequest-rate: 1/5\n", 5.0),
        ("User-agent: *\nCrawl-delay: 2\nRequest-rate: 1/5\n", 5.0),  # the stricter of the two
        ("User-agent: *\nRequest-rate: 10/1m\n", 6.0),
        ("User-agent: *\nCrawl-delay: 9\n\nUser-agent: newscrawl\nCrawl-delay: 3\n", 3.0),  # our group wins
        ("User-agent: Baiduspider\nCrawl-delay: 30\n", None),  # another crawler's group
        ("User-agent: *\nDisallow: /admin/\n", None),
        ("", None),
    ],
)
def test_robots_delay_for_our_user_agent(robots: str, delay: float | None) -> None:
    assert robots_delay(parser(robots), UA) == (pytest.approx(delay) if delay is not None else None)


def test_user_agent_carries_the_contact() -> None:
    assert UA.startswith("newscrawl/")
    assert UA.endswith("(+mailto:research@example.org)")


@pytest.mark.parametrize(
    ("header", "mtype"),
    [
        ("Text/HTML; charset=GBK", "text/html"),
        (b"application/pdf", "application/pdf"),
        (None, ""),
        ("", ""),
    ],
)
def test_media_type(header: str | bytes | None, mtype: str) -> None:
    assert media_type(header) == mtype


@pytest.mark.parametrize(
    ("mtype", "path", "text"),
    [
        ("text/html", "/a.html", True),
        ("application/xhtml+xml", "/a", True),
        ("application/xml", "/sitemap.xml", True),
        ("text/plain", "/robots.txt", True),
        ("", "/download.jsp", True),  # no type: the bytes decide
        ("application/pdf", "/a.html", False),
        ("image/jpeg", "/a.html", False),
        ("application/zip", "/a.html", False),
        ("application/octet-stream", "/a.html", False),
        ("application/msword", "/a.html", False),
        ("application/x-gzip", "/sitemap.xml.gz", True),  # a compressed sitemap
        ("application/octet-stream", "/sitemap_1.xml.gz", True),
        ("application/x-gzip", "/article.html", False),
    ],
)
def test_text_types(mtype: str, path: str, text: bool) -> None:
    assert is_text_type(mtype, path) is text


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"%PDF-1.4\n<html>", "PDF"),
        (b"\n\n  %PDF-1.7", "PDF"),
        (b"PK\x03\x04\x14\x00", "ZIP"),
        (b"\x89PNG\r\n\x1a\nIHDR", "PNG"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG"),
        (b"GIF89a\x01\x00", "GIF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", "Office"),
        (b"<html>\x00\x00\x00garbage", "NUL"),
    ],
)
def test_binary_bodies_are_recognised(body: bytes, reason: str) -> None:
    found = binary_reason(body)
    assert found is not None and reason in found


@pytest.mark.parametrize(
    "body",
    [
        "<html><head><title>法院</title></head><body><p>正文。</p></body></html>".encode(),
        "<html><body><p>正文。</p></body></html>".encode("gbk"),
        "<html><body><p>正文。</p></body></html>".encode("utf-16"),  # BOM-marked, NUL-rich, still text
        b"",
        b"   ",
        b"PKU news",  # starts like a ZIP signature, is not one
    ],
)
def test_text_bodies_pass(body: bytes) -> None:
    assert binary_reason(body) is None


def test_gzip_data_passes_only_at_a_gz_url() -> None:
    gz = b"\x1f\x8b\x08\x00\x00\x00\x00\x00"
    assert binary_reason(gz, "/sitemap.xml.gz") is None
    assert binary_reason(gz, "/news/1.html") == "gzip data"


def test_binary_sniffing_looks_at_the_head_only() -> None:
    page = b"<html><body>" + "新闻".encode() * 5000 + b"\x00"
    assert binary_reason(page) is None


def test_retry_after_is_relative_to_now_by_default() -> None:
    soon = (datetime.now(UTC) + timedelta(seconds=90)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    seconds = parse_retry_after(soon)
    assert seconds is not None and 80 <= seconds <= 90


def test_links_from_pages_to_local_files_are_never_fetched(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("password", encoding="utf-8")
    guard = ContentTypeMiddleware.from_crawler(get_crawler())
    for url in (secret.as_uri(), "ftp://127.0.0.1/pub/a.html", "data:text/html,<p>x</p>", "s3://bucket/key"):
        with pytest.raises(FetchRefused) as refused:
            guard.process_request(Request(url, meta={"depth": 1}))
        assert refused.value.kind == "bad_url"
    # What the user typed is theirs to fetch: `scrapy shell ./page.html`, a start URL.
    assert guard.process_request(Request(secret.as_uri())) is None
    assert guard.process_request(Request("http://127.0.0.1/a.html", meta={"depth": 3})) is None
