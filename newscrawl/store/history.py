"""What the store remembers between runs: earlier versions of articles, which article URLs are
already stored (the revisit policy asks), the validators of stored pages (conditional GET), and the
per-run outcome counters of `crawl_runs` that the health rules read.

Plain sqlite3 over the connection of a `Store`; every write here runs inside a transaction the caller
holds (the crawl's batched writes), never one of its own.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from newscrawl.store.bloom import BloomFilter, text_key
from newscrawl.store.pages import pack_body, unpack_body

if TYPE_CHECKING:
    from newscrawl.items import Article
    from newscrawl.store import Store

OUTCOMES = ("new", "updated", "unchanged")
"""What storing an article can come to (`Store.write_article`); each has a `crawl_runs` counter."""


def keep_version(
    conn: sqlite3.Connection, canonical_url: str, *, superseded_by_run_id: int | None, at: str
) -> None:
    """Copy the current row of an article into `article_versions` before it is overwritten."""
    conn_row = conn.execute("SELECT * FROM articles WHERE canonical_url = ?", (canonical_url,))
    names = [d[0] for d in conn_row.description]
    values = conn_row.fetchone()
    if values is None:
        return
    record = dict(zip(names, values, strict=True))
    (latest,) = conn.execute(
        "SELECT COALESCE(MAX(version), 0) FROM article_versions WHERE canonical_url = ?", (canonical_url,)
    ).fetchone()
    conn.execute(
        "INSERT INTO article_versions (canonical_url, version, title, body, published_at, fetched_at,"
        " stored_at, superseded_at, superseded_by_run_id, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            canonical_url,
            int(latest) + 1,
            record["title"],
            record["body"],
            record.get("published_at"),
            record.get("fetched_at"),
            record["stored_at"],
            at,
            superseded_by_run_id,
            json.dumps(record, ensure_ascii=False, separators=(",", ":")),
        ),
    )


def record_article(store: Store, article: Article, run_id: int | None) -> str:
    """Store an article and count the outcome on its run, in the caller's transaction."""
    outcome = store.write_article(article, run_id)
    if run_id is not None:
        # The column name comes from OUTCOMES, never from input.
        store.conn.execute(
            f"UPDATE crawl_runs SET articles_{outcome} = articles_{outcome} + 1 WHERE id = ?", (run_id,)
        )
    return outcome


# -- already stored? ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredArticle:
    """The facts about a stored article that decide whether to fetch its page again."""

    canonical_url: str
    fetched_at: str | None
    """When its page was last fetched (ISO 8601 with offset)."""
    published_at: str | None
    last_run_id: int | None


class KnownUrls:
    """Every URL the store may know an article or a page by — the `url` and `canonical_url` of
    `articles`, the `alias_url` of `article_aliases`, the `url` of `pages` — as a Bloom filter, so
    that `find_stored` and `page_validators` answer "nothing" without a query for a URL it does not
    hold (most URLs of a crawl: nothing is stored under them yet).

    Exact by construction: `watch` puts temporary triggers on a connection that add every key it
    writes to the filter inside the write's own transaction (so before anyone can read it), and `fill`
    adds what the tables hold. The filter is `ready` only once every connection that writes has been
    watched and filled; until then, and on any URL it does hold, the lookups ask SQLite as before. A
    writer it does not watch (another process) must not write meanwhile: the crawl's database lock
    sees to that; see `newscrawl.middlewares.revisit` for the connections of one process.
    """

    _TRIGGERS = (
        # (table, trigger name, event, keys): an UPDATE of other columns adds no key.
        ("articles", "insert", "INSERT", "NEW.canonical_url), newscrawl_known_url(NEW.url"),
        (
            "articles",
            "update",
            "UPDATE OF canonical_url, url",
            "NEW.canonical_url), newscrawl_known_url(NEW.url",
        ),
        ("article_aliases", "insert", "INSERT", "NEW.alias_url"),
        ("article_aliases", "update", "UPDATE OF alias_url", "NEW.alias_url"),
        ("pages", "insert", "INSERT", "NEW.url"),
        ("pages", "update", "UPDATE OF url", "NEW.url"),
    )

    def __init__(self, bits_log2: int = 23) -> None:
        self._bloom = BloomFilter(bits_log2)
        self._lock = threading.Lock()
        """Both connections' triggers add (the writer thread's and the reactor's): setting a bit is a
        read-modify-write of its byte, and two at once could lose one."""
        self.ready = False

    def add(self, url: object) -> None:
        """Add a stored URL (what a trigger passes: anything not text, a NULL, is no URL)."""
        if isinstance(url, str):
            key = text_key(url)
            with self._lock:
                self._bloom.add(key)

    def may_know(self, url: str) -> bool:
        """False only if nothing is stored under `url`."""
        return not self.ready or text_key(url) in self._bloom

    def watch(self, conn: sqlite3.Connection) -> None:
        """From now on, every key `conn` writes goes into the filter before its transaction commits."""
        conn.create_function("newscrawl_known_url", 1, self.add)
        for table, name, event, keys in self._TRIGGERS:
            conn.execute(
                f"CREATE TEMP TRIGGER IF NOT EXISTS newscrawl_known_{table}_{name}"
                f" AFTER {event} ON main.{table} BEGIN SELECT newscrawl_known_url({keys}); END"
            )

    def fill(self, conn: sqlite3.Connection) -> None:
        """Add every key the tables hold, as `conn` sees them."""
        for sql in (
            "SELECT canonical_url FROM articles",
            "SELECT url FROM articles",
            "SELECT alias_url FROM article_aliases",
            "SELECT url FROM pages",
        ):
            for (url,) in conn.execute(sql):
                self.add(url)


def find_stored(conn: sqlite3.Connection, url: str, known: KnownUrls | None = None) -> StoredArticle | None:
    """The stored article a URL leads to: as its canonical URL, its fetched URL, or a known alias.

    Each branch is an index lookup (primary key, `articles_url`, `article_aliases` primary key);
    none at all for a URL `known` (the store's `KnownUrls`) does not hold.
    """
    if known is not None and not known.may_know(url):
        return None
    row = conn.execute(
        """
        SELECT canonical_url, fetched_at, published_at, last_run_id FROM articles WHERE canonical_url = ?1
        UNION ALL
        SELECT canonical_url, fetched_at, published_at, last_run_id FROM articles WHERE url = ?1
        UNION ALL
        SELECT a.canonical_url, a.fetched_at, a.published_at, a.last_run_id
        FROM article_aliases AS al JOIN articles AS a ON a.canonical_url = al.canonical_url
        WHERE al.alias_url = ?1
        LIMIT 1
        """,
        (url,),
    ).fetchone()
    return StoredArticle(*row) if row else None


def page_validators(
    conn: sqlite3.Connection, url: str, known: KnownUrls | None = None
) -> tuple[str | None, str | None]:
    """(ETag, Last-Modified) the server sent with the stored copy of a page, when there is one."""
    if known is not None and not known.may_know(url):
        return None, None
    row = conn.execute("SELECT headers FROM pages WHERE url = ? AND status = 200", (url,)).fetchone()
    if row is None:
        return None, None
    headers = {k.lower(): v for k, v in json.loads(row[0]).items()}

    def first(name: str) -> str | None:
        value = headers.get(name)
        if isinstance(value, list):
            value = value[0] if value else None
        return str(value) if value else None

    return first("etag"), first("last-modified")


def listing_validators(conn: sqlite3.Connection, url: str) -> tuple[str | None, str | None]:
    """(ETag, Last-Modified) of the cached copy of a listing page, when there is one."""
    row = conn.execute("SELECT etag, last_modified FROM listing_cache WHERE url = ?", (url,)).fetchone()
    return (row[0], row[1]) if row else (None, None)


def read_listing(conn: sqlite3.Connection, url: str) -> dict[str, Any] | None:
    """The cached copy of a listing page (headers, body decoded), or None."""
    row = conn.execute(
        "SELECT headers, body, compression FROM listing_cache WHERE url = ?", (url,)
    ).fetchone()
    if row is None:
        return None
    return {"headers": json.loads(row[0]), "body": unpack_body(row[2], row[1])}


def write_listing(
    conn: sqlite3.Connection,
    url: str,
    *,
    etag: str | None,
    last_modified: str | None,
    headers: Mapping[str, Any],
    body: bytes,
    fetched_at: str,
    content_encoding: str | None = None,
    sent_body: bytes | None = None,
) -> None:
    """Keep the latest copy of a listing page that came with validators.

    `body` is the decoded page; `sent_body`, when given, the page as the server sent it with
    `Content-Encoding: content_encoding`, kept as it is when it decodes to `body` (as article
    pages are, `newscrawl.store.pages.pack_body`), so it is not compressed a second time."""
    compression, stored = pack_body(body, content_encoding=content_encoding, sent=sent_body)
    conn.execute(
        "INSERT OR REPLACE INTO listing_cache (url, etag, last_modified, headers, body, fetched_at, compression)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            url,
            etag,
            last_modified,
            json.dumps(dict(headers), ensure_ascii=False, separators=(",", ":")),
            stored,
            fetched_at,
            compression,
        ),
    )


def read_page(conn: sqlite3.Connection, url: str) -> dict[str, Any] | None:
    """A stored page with its body decoded (the bytes the spider saw), or None."""
    row = conn.execute(
        "SELECT url, status, headers, body, fetched_at, run_id, compression FROM pages WHERE url = ?", (url,)
    ).fetchone()
    if row is None:
        return None
    return {
        "url": row[0],
        "status": row[1],
        "headers": json.loads(row[2]),
        "body": unpack_body(row[6], row[3]),
        "fetched_at": row[4],
        "run_id": row[5],
    }


# -- crawl runs -----------------------------------------------------------------------------------


def update_run_progress(conn: sqlite3.Connection, run_id: int, counters: Mapping[str, int]) -> None:
    """Set the live counters of a running run (pages fetched, skipped, failed), so a run that gets
    killed still shows how far it came."""
    allowed = {"pages_fetched", "articles_skipped", "pages_failed", "job_id"}
    names = [n for n in counters if n in allowed]
    if not names:
        return
    conn.execute(
        f"UPDATE crawl_runs SET {', '.join(f'{n} = ?' for n in names)} WHERE id = ?",
        [*(int(counters[n]) for n in names), run_id],
    )


def mark_dead_runs(conn: sqlite3.Connection, spider: str, *, keep: Iterable[int]) -> int:
    """Close the rows of runs of `spider` that never finished (the process was killed).

    Only call this while holding the database lock: then no other process is running them. Runs in
    `keep` belong to this process. Returns how many were marked.
    """
    keep_ids = sorted(set(keep))
    marks = ",".join("?" for _ in keep_ids) or "NULL"
    cur = conn.execute(
        f"UPDATE crawl_runs SET finish_reason = 'killed' WHERE spider = ? AND finished_at IS NULL"
        f" AND finish_reason IS NULL AND id NOT IN ({marks})",
        [spider, *keep_ids],
    )
    return cur.rowcount


def set_run_health(conn: sqlite3.Connection, run_id: int, health: str | None) -> None:
    conn.execute("UPDATE crawl_runs SET health = ? WHERE id = ?", (health, run_id))


@dataclass(frozen=True)
class RunCounts:
    """The outcome counters of one run, as the health rules see them."""

    run_id: int
    spider: str
    finish_reason: str | None
    new: int
    updated: int
    unchanged: int
    skipped: int
    pages_fetched: int
    failed: int

    @property
    def articles_seen(self) -> int:
        """Articles the run found at all: stored, re-checked, or skipped because already stored."""
        return self.new + self.updated + self.unchanged + self.skipped


_RUN_COUNTS = (
    "SELECT id, spider, finish_reason, articles_new, articles_updated, articles_unchanged,"
    " articles_skipped, pages_fetched, pages_failed FROM crawl_runs"
)


def run_counts(conn: sqlite3.Connection, run_id: int) -> RunCounts | None:
    row = conn.execute(_RUN_COUNTS + " WHERE id = ?", (run_id,)).fetchone()
    return RunCounts(*row) if row else None


def earlier_runs(conn: sqlite3.Connection, spider: str, before_run_id: int, limit: int) -> list[RunCounts]:
    """The last `limit` completed runs of a spider before a given run, newest first.

    Only runs that ran to the end count: a killed or interrupted run says nothing about the site.
    """
    rows = conn.execute(
        _RUN_COUNTS + " WHERE spider = ? AND id < ? AND finish_reason = 'finished' ORDER BY id DESC LIMIT ?",
        (spider, before_run_id, limit),
    ).fetchall()
    return [RunCounts(*r) for r in rows]


def stored_in_runs(conn: sqlite3.Connection, url: str, run_ids: Iterable[int]) -> bool:
    """Whether the article a URL leads to was stored by one of these runs."""
    stored = find_stored(conn, url)
    return stored is not None and stored.last_run_id in set(run_ids)
