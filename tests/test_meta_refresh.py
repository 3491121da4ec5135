"""newscrawl's MetaRefreshMiddleware against Scrapy's own as the oracle (issue 10).

It decodes only the head of a page: the first part checks that head against `response.text[0:4096]`
— what Scrapy's `get_meta_refresh` reads — over encodings, characters cut at every offset around the
bytes decoded, invalid bytes and BOMs; the second runs both middlewares over pages with and without
a refresh (in the head, past the first 4,096 characters, across them, in ignored tags, relative to a
`<base href>`, too slow to follow) and requires the same answer: the same response, or a redirect
request with the same URL, method, headers and meta.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware as ScrapyMiddleware
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.test import get_crawler

from newscrawl.middlewares.refresh import HEAD_BYTES, SCANNED_CHARS, MetaRefreshMiddleware, head_text

URL = "http://127.0.0.1/news/2024/05/01/123.html"

HEAD = '<!DOCTYPE html><html><head><meta charset="{charset}"><title>{title}</title>'
TEXT = "法院依法审理被告人案件，检察院提起公诉。公安局司法局调解€éß"


def _body(charset: str, encoding: str, *, pad: int, text: str = TEXT, head: str = HEAD) -> bytes:
    """A page in `encoding` whose text starts after `pad` ASCII bytes of markup."""
    start = head.format(charset=charset, title="新闻").encode(encoding, "replace")
    filler = b"<!--" + b"x" * max(0, pad - 7) + b"-->"
    return start + filler + (text * 3000).encode(encoding, "replace") + b"</body></html>"


ENCODINGS = [
    ("utf-8", "utf-8"),
    ("gbk", "gbk"),
    ("gb2312", "gb18030"),
    ("gb18030", "gb18030"),
    ("big5", "big5"),
    ("shift_jis", "shift_jis"),
    ("euc-kr", "euc_kr"),
    ("windows-1252", "cp1252"),
    ("iso-8859-1", "latin-1"),
]


@pytest.mark.parametrize(("charset", "encoding"), ENCODINGS)
def test_head_is_the_text_scrapy_scans(charset: str, encoding: str) -> None:
    # Shifting the text byte by byte puts every kind of cut through a character at HEAD_BYTES (text
    # from the start, or after ASCII markup that nearly fills the head) and at the 4,096th character
    # (after ASCII markup of about that length).
    for pad in (
        *range(60, 72),
        *range(SCANNED_CHARS - 80, SCANNED_CHARS - 60),
        *range(HEAD_BYTES - 80, HEAD_BYTES - 60),
    ):
        body = _body(charset, encoding, pad=pad)
        response = HtmlResponse(URL, body=body)
        assert len(body) > HEAD_BYTES
        assert head_text(response) == response.text[:SCANNED_CHARS], (charset, pad)


def test_head_of_broken_bytes_is_the_text_scrapy_scans() -> None:
    rng = random.Random(10)
    for _ in range(40):
        # Valid text with stray continuation bytes, lone lead bytes and 0x80 (GBK's euro) sprinkled in.
        chunks = [TEXT.encode("utf-8")] * 400
        for _ in range(60):
            chunks.insert(rng.randrange(len(chunks)), bytes([rng.choice([0x80, 0xBF, 0xE4, 0xF0, 0xFF])]))
        noise = b"".join(chunks)
        for charset in ("utf-8", "gbk", "big5"):
            body = HEAD.format(charset=charset, title="x").encode() + noise
            response = HtmlResponse(URL, body=body)
            assert head_text(response) == response.text[:SCANNED_CHARS], charset


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"\xef\xbb\xbf" + _body("utf-8", "utf-8", pad=50), {}),  # UTF-8 BOM
        (b"\xff\xfe" + _body("utf-16", "utf-16-le", pad=50), {}),  # UTF-16: decoded whole
        (_body("utf-7", "utf-7", pad=50), {}),  # shift states: decoded whole
        (_body("utf-8", "utf-8", pad=50), {"Content-Type": "text/html; charset=gbk"}),  # header wins
        (_body("", "utf-8", pad=50, head="<html><head><title>{title}</title>"), {}),  # nothing declared
        (_body("", "gbk", pad=50, head="<html><head><title>{title}</title>"), {}),  # inferred, not UTF-8
        (_body("utf-8", "utf-8", pad=50)[: HEAD_BYTES - 1], {}),  # short page: decoded whole
        (_body("utf-8", "utf-8", pad=50)[: HEAD_BYTES + 5], {}),  # just longer than the head
    ],
)
def test_head_in_other_cases(body: bytes, headers: dict[str, str]) -> None:
    response = HtmlResponse(URL, body=body, headers=headers)
    assert head_text(response) == response.text[:SCANNED_CHARS]


def _refresh_page(meta: str, *, before: int = 0, encoding: str = "utf-8", base: str = "") -> bytes:
    """An article-sized page with `meta` after `before` characters of Chinese text in its head."""
    head = f'<html><head><meta charset="{encoding}">{base}<title>新闻</title>'
    padding = "" if not before else "<!--" + ("法" * before) + "-->"
    return (head + padding + meta + "</head><body>" + "<p>" + TEXT * 1500 + "</p></body></html>").encode(
        encoding, "replace"
    )


REFRESH = '<meta http-equiv="refresh" content="0; url=/news/2024/05/02/456.html">'
PAGES: dict[str, tuple[bytes, dict[str, Any]]] = {
    "no refresh": (_refresh_page(""), {}),
    "refresh": (_refresh_page(REFRESH), {}),
    "refresh, gbk": (_refresh_page(REFRESH, encoding="gbk"), {}),
    "absolute refresh": (
        _refresh_page('<meta http-equiv="Refresh" content="5;URL=\'http://127.0.0.1/x\'">'),
        {},
    ),
    "refresh too slow": (_refresh_page('<meta http-equiv="refresh" content="600; url=/later">'), {}),
    "refresh without url": (_refresh_page('<meta http-equiv="refresh" content="30">'), {}),
    "refresh to javascript": (
        _refresh_page('<meta http-equiv="refresh" content="0; url=javascript:x()">'),
        {},
    ),
    "refresh with base": (_refresh_page(REFRESH, base='<base href="http://127.0.0.1/other/">'), {}),
    "refresh with entities": (
        _refresh_page('<meta http-equiv="refresh" content="0;url=/a?b=1&amp;c=2">'),
        {},
    ),
    "refresh in noscript": (_refresh_page("<noscript>" + REFRESH + "</noscript>"), {}),
    "refresh in script": (_refresh_page("<script>var s = '" + REFRESH + "';</script>"), {}),
    "refresh past 4096 characters": (_refresh_page(REFRESH, before=5000), {}),
    "refresh just inside": (_refresh_page(REFRESH, before=SCANNED_CHARS - 140), {}),
    "refresh across the cut": (_refresh_page(REFRESH, before=SCANNED_CHARS - 90), {}),
    "refresh after the cut": (_refresh_page(REFRESH, before=SCANNED_CHARS - 50), {}),
    "refresh, dont_redirect": (_refresh_page(REFRESH), {"dont_redirect": True}),
    "short page with refresh": (_refresh_page(REFRESH)[:3000], {}),
}


def _outcome(result: Request | Response, response: Response) -> Any:
    if result is response:
        return "the response itself"
    if isinstance(result, Request):
        return ("request", result.url, result.method, result.headers.to_unicode_dict(), result.meta)
    return ("another response", type(result), result.url, result.body)


def _both(make: Any) -> tuple[Any, Any]:
    outcomes = []
    for cls in (MetaRefreshMiddleware, ScrapyMiddleware):
        middleware = cls.from_crawler(get_crawler())
        request, response = make()
        try:
            outcomes.append(_outcome(middleware.process_response(request, response), response))
        except Exception as exc:  # Scrapy cannot make a request of a javascript: refresh
            outcomes.append(("raised", type(exc), str(exc)))
    return outcomes[0], outcomes[1]


@pytest.mark.parametrize("case", list(PAGES))
def test_same_as_scrapy(case: str) -> None:
    body, meta = PAGES[case]

    def make() -> tuple[Request, Response]:
        request = Request(URL, meta=dict(meta))
        return request, HtmlResponse(URL, body=body, request=request)

    ours, scrapys = _both(make)
    assert ours == scrapys


def test_same_as_scrapy_beyond_html() -> None:
    body = _refresh_page(REFRESH)
    makers = {
        "HEAD": lambda: (r := Request(URL, method="HEAD"), HtmlResponse(URL, body=body, request=r)),
        "plain text": lambda: (r := Request(URL), TextResponse(URL, body=body, request=r)),
        "not http": lambda: (
            r := Request("file:///tmp/a.html"),
            HtmlResponse("file:///tmp/a.html", body=body, request=r),
        ),
    }
    for name, make in makers.items():
        ours, scrapys = _both(make)
        assert ours == scrapys, name


def test_the_pages_cover_what_they_claim() -> None:
    """Scrapy's middleware follows the refreshes that should be followed, and only those."""
    followed = set()
    for case, (body, meta) in PAGES.items():
        request = Request(URL, meta=dict(meta))
        response = HtmlResponse(URL, body=body, request=request)
        try:
            result = ScrapyMiddleware.from_crawler(get_crawler()).process_response(request, response)
        except ValueError:
            result = None
            followed.add(f"{case} (raised)")
        if isinstance(result, Request):
            followed.add(case)
    assert followed == {
        "refresh",
        "refresh, gbk",
        "absolute refresh",
        "refresh with base",
        "refresh with entities",
        "refresh in script",
        "refresh just inside",
        "short page with refresh",
        "refresh to javascript (raised)",
    }
