"""Failed and refused fetches (`fetch_errors`), and stored articles whose pages have gone (404/410).

Plain functions over an open `Store`; no Scrapy here. The crawl writes through
`newscrawl.middlewares.failures.FetchErrorLog`, users read the table with SQL or `fetch_errors()`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from newscrawl.store import Store

logger = logging.getLogger(__name__)

KINDS: dict[str, str] = {
    "gone": "the page answered 404 or 410; a stored copy of it is marked gone",
    "http_error": "any other 4xx/5xx status, after the retries",
    "timeout": "no complete answer within DOWNLOAD_TIMEOUT, after the retries",
    "connection": "refused, reset, or the host name did not resolve, after the retries",
    "truncated": "the connection closed before the announced Content-Length arrived",
    "too_large": "the body is larger than DOWNLOAD_MAXSIZE (announced, received or decompressed)",
    "not_text": "a PDF, image, archive or other binary body, by Content-Type or by its bytes",
    "redirect_loop": "a redirect or <meta refresh> chain that comes back to itself or never ends",
    "robots_forbidden": "robots.txt disallows the URL for our User-Agent",
    "budget_exhausted": "the site's page budget for this run was spent (NEWSCRAWL_SITE_PAGE_BUDGET)",
    "depth_limit": "the link is deeper than DEPTH_LIMIT (a crawler trap, or a cap set too low)",
    "host_closed": "the site asked us to stay away longer than we wait in one run",
    "bad_url": "a page linked to a non-web address (file:, ftp:, data:, s3:), never fetched",
    "error": "anything else; the message names the exception",
}
"""The `kind` values of `fetch_errors`, with what each means."""

POLICY_KINDS = frozenset({"robots_forbidden", "budget_exhausted", "depth_limit", "host_closed", "bad_url"})
"""Kinds that are the crawler's own choice to hold back, not failures of the site: recorded and
logged, but not counted in `crawl_runs.errors`."""

GONE_STATUSES = frozenset({404, 410})


@dataclass(frozen=True)
class FetchError:
    """One failed or refused fetch."""

    url: str
    """The URL the crawl asked for (the first of a redirect chain)."""
    kind: str
    """One of `KINDS`."""
    status: int | None
    """HTTP status of the last response, when there was one."""
    message: str
    """What happened, for a person: the reason, the redirect chain, the limit that was hit."""
    attempts: int = 1
    """How many times the URL was requested (1 + retries)."""
    referer: str | None = None
    """The page that linked to the URL, when known."""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fetch error kind {self.kind!r}; one of {', '.join(KINDS)}")


def record_fetch_error(store: Store, error: FetchError, run_id: int | None, occurred_at: str) -> int:
    """Insert one `fetch_errors` row; return its id."""
    with store.transaction():
        cur = store.conn.execute(
            "INSERT INTO fetch_errors (run_id, url, kind, status, message, attempts, referer, occurred_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                run_id,
                error.url,
                error.kind,
                error.status,
                error.message,
                error.attempts,
                error.referer,
                occurred_at,
            ),
        )
    return int(cur.lastrowid or 0)


def mark_gone(store: Store, urls: Iterable[str], status: int, gone_at: str) -> int:
    """Mark the stored articles fetched from, or known under, any of `urls` as gone.

    An article is matched by its `url`, its `canonical_url`, or an `article_aliases` row. The first
    time it went missing is kept (`gone_at`); the status is the latest. Returns how many were marked.
    """
    marked = 0
    with store.transaction():
        for url in dict.fromkeys(urls):
            cur = store.conn.execute(
                "UPDATE articles SET gone_at = COALESCE(gone_at, ?), gone_status = ?"
                " WHERE url = ? OR canonical_url = ?"
                " OR canonical_url IN (SELECT canonical_url FROM article_aliases WHERE alias_url = ?)",
                (gone_at, status, url, url, url),
            )
            marked += cur.rowcount
    if marked:
        logger.info("Marked %d stored article(s) gone (HTTP %d)", marked, status)
    return marked


def fetch_errors(store: Store, run_id: int | None = None, kind: str | None = None) -> list[dict[str, Any]]:
    """The `fetch_errors` rows, oldest first, optionally of one run and/or one kind."""
    clauses: list[str] = []
    params: list[object] = []
    if run_id is not None:
        clauses.append("run_id = ?")
        params.append(run_id)
    if kind is not None:
        clauses.append("kind = ?")
        params.append(kind)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    return list(store.db.query(f"SELECT * FROM fetch_errors{where} ORDER BY id", params))
