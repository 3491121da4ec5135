"""Failure classification and the fetch_errors store, on a real SQLite file (no crawler)."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import HtmlResponse, Request
from scrapy.spidermiddlewares.httperror import HttpError

from newscrawl.middlewares.failures import FetchRefused, describe, printable
from newscrawl.store import Store
from newscrawl.store.errors import FetchError, fetch_errors, mark_gone, record_fetch_error
from tests.conftest import query
from tests.test_store import make_article

URL = "http://127.0.0.1:8642/court/202403/15/content_1.html"


def http_error(status: int, url: str = URL) -> HttpError:
    request = Request(url)
    return HttpError(HtmlResponse(url, status=status, body=b"<html></html>", request=request), "x")


@pytest.mark.parametrize(
    ("exc", "kind", "status"),
    [
        (http_error(404), "gone", 404),
        (http_error(410), "gone", 410),
        (http_error(403), "http_error", 403),
        (http_error(503), "http_error", 503),
        (DownloadTimeoutError("took longer than 30.0 seconds"), "timeout", None),
        (ResponseDataLossError(), "truncated", None),
        (
            DownloadCancelledError("Received 9000000 bytes which is larger than download max size (8388608)"),
            "too_large",
            None,
        ),
        (DownloadCancelledError(), "too_large", None),
        (
            IgnoreRequest(
                "Ignored response because its body exceeded DOWNLOAD_MAXSIZE (8 B) during decompression."
            ),
            "too_large",
            None,
        ),
        (IgnoreRequest("max redirections reached"), "redirect_loop", None),
        (IgnoreRequest("Forbidden by robots.txt"), "robots_forbidden", None),
        (DownloadConnectionRefusedError("Connection was refused"), "connection", None),
        (CannotResolveHostError("no such host"), "connection", None),
        (FetchRefused("not_text", "Content-Type application/pdf", status=200), "not_text", 200),
        (ValueError("boom"), "error", None),
    ],
)
def test_each_failure_gets_its_kind(exc: BaseException, kind: str, status: int | None) -> None:
    error = describe(exc, Request(URL))
    assert error is not None
    assert (error.kind, error.status, error.url) == (kind, status, URL)
    assert error.message


def test_offsite_refusals_are_not_failures() -> None:
    assert describe(IgnoreRequest("Filtered offsite request to 'example.com'"), Request(URL)) is None


def test_the_original_url_of_a_redirect_chain_is_recorded_and_the_chain_named() -> None:
    request = Request(
        URL + "?n=20", meta={"redirect_urls": [URL + f"?n={i}" for i in range(20)], "retry_times": 1}
    )
    error = describe(IgnoreRequest("max redirections reached"), request)
    assert error is not None
    assert error.url == URL + "?n=0"
    assert "gave up after 20 redirects" in error.message and "?n=20" in error.message
    assert error.attempts == 2
    moved = describe(http_error(404, URL + "?moved"), Request(URL + "?moved", meta={"redirect_urls": [URL]}))
    assert moved is not None and moved.url == URL and "redirected to" in moved.message


def test_messages_from_a_server_cannot_forge_log_lines_or_recolour_a_terminal() -> None:
    text = printable("bad\r\n2024-01-01 [newscrawl] INFO: all fine\x1b[31m red \u202e evil")
    assert "\n" not in text and "\r" not in text
    assert "\x1b" not in text and "\\x1b" in text
    assert "\u202e" not in text
    assert len(printable("长" * 2000)) == 500


def test_unknown_kinds_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown fetch error kind"):
        FetchError(url=URL, kind="oops", status=None, message="")


def test_rows_are_stored_with_parameters_and_read_back(db_path: Path) -> None:
    hostile = "x'); DROP TABLE articles; --"
    with Store(db_path) as store:
        run = store.start_run("news")
        record_fetch_error(
            store,
            FetchError(url=URL + "?q=" + hostile, kind="gone", status=404, message=hostile, attempts=1),
            run,
            "2024-05-20T08:00:00+08:00",
        )
        record_fetch_error(
            store,
            FetchError(url=URL, kind="timeout", status=None, message="slow"),
            None,
            "2024-05-20T08:00:01+08:00",
        )
        assert [r["kind"] for r in fetch_errors(store)] == ["gone", "timeout"]
        assert [r["kind"] for r in fetch_errors(store, run_id=run)] == ["gone"]
        assert [r["kind"] for r in fetch_errors(store, kind="timeout")] == ["timeout"]
    assert query(db_path, "SELECT message FROM fetch_errors WHERE kind = 'gone'")[0][0] == hostile
    assert "articles" in {r[0] for r in query(db_path, "SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_gone_marks_an_article_by_url_canonical_url_or_alias_and_keeps_it(db_path: Path) -> None:
    with Store(db_path) as store:
        by_url, by_canonical, by_alias, untouched = (make_article(n) for n in (1, 2, 3, 4))
        for article in (by_url, by_canonical, by_alias, untouched):
            store.save_article(article)
        store.conn.execute(
            "INSERT INTO article_aliases (alias_url, canonical_url, first_seen_at) VALUES (?, ?, ?)",
            ("http://127.0.0.1/print/3.html", by_alias.canonical_url, "2024-05-20T08:00:00+08:00"),
        )
        assert mark_gone(store, [by_url.url], 404, "2024-05-21T08:00:00+08:00") == 1
        assert mark_gone(store, [by_canonical.canonical_url], 410, "2024-05-21T08:00:00+08:00") == 1
        assert mark_gone(store, ["http://127.0.0.1/print/3.html"], 404, "2024-05-21T08:00:00+08:00") == 1
        assert mark_gone(store, ["http://127.0.0.1/never-stored.html"], 404, "2024-05-21T08:00:00+08:00") == 0
        # Gone again later: the first time it went missing is kept.
        assert mark_gone(store, [by_url.url], 410, "2024-06-01T08:00:00+08:00") == 1
    rows = {r["canonical_url"]: r for r in query(db_path, "SELECT * FROM articles")}
    assert len(rows) == 4
    assert (rows[by_url.canonical_url]["gone_at"], rows[by_url.canonical_url]["gone_status"]) == (
        "2024-05-21T08:00:00+08:00",
        410,
    )
    assert rows[by_canonical.canonical_url]["gone_status"] == 410
    assert rows[by_alias.canonical_url]["gone_status"] == 404
    assert rows[untouched.canonical_url]["gone_at"] is None


def test_storing_an_article_again_clears_its_gone_mark(db_path: Path) -> None:
    with Store(db_path) as store:
        article = make_article(1)
        store.save_article(article)
        mark_gone(store, [article.url], 404, "2024-05-21T08:00:00+08:00")
        store.save_article(article)  # the page came back
    assert query(db_path, "SELECT gone_at, gone_status FROM articles")[0][:] == (None, None)
