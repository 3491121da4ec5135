"""The SQLite store: schema migrations, upserts, and the queries the CLI needs.

One `Store` wraps one database file (WAL mode). No Scrapy and no extraction here: the pipelines hand
in finished `Article` objects and raw page bytes.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import sqlite_utils

from newscrawl.items import ARTICLE_FIELDS, Article
from newscrawl.store.history import keep_version, read_page
from newscrawl.store.pages import ZLIB, pack_body
from newscrawl.store.schema import MIGRATIONS, MIGRATIONS_TABLE_SQL

logger = logging.getLogger(__name__)

CST = timezone(timedelta(hours=8))
LIST_FIELDS = frozenset({"authors", "trainee_authors", "correspondents", "images", "related"})
"""Article fields stored as JSON arrays."""


def now_iso() -> str:
    return datetime.now(CST).isoformat(timespec="seconds")


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
"""`json.dumps` with these options builds an encoder on every call; the store encodes six list
fields of every article it writes."""


def _dumps(value: Any) -> str:
    return _ENCODER.encode(value)


class Store:
    """One newscrawl database. Opening it creates or upgrades the schema."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we open transactions ourselves (`with self.transaction()`).
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=30000")
        self.conn = conn
        self.db = sqlite_utils.Database(conn)
        self._columns: list[str] | None = None
        self._upserts: dict[tuple[str, ...], str] = {}
        """The articles upsert of each column list written (one, in practice), built once."""
        self.migrate()

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def transaction(self) -> _Transaction:
        """`with store.transaction():` commits on success, rolls back on error."""
        return _Transaction(self.conn)

    @property
    def schema_version(self) -> int:
        if "schema_migrations" not in self.db.table_names():
            return 0
        row = self.conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0)

    def migrate(self) -> list[int]:
        """Apply the migrations this database has not seen; return their versions."""
        self.conn.execute(MIGRATIONS_TABLE_SQL)
        applied: list[int] = []
        # A set, not a high-water mark: migrations are developed on parallel branches and a
        # database may have seen a later version before an earlier one was merged.
        done = {int(r[0]) for r in self.conn.execute("SELECT version FROM schema_migrations")}
        for migration in MIGRATIONS:
            if migration.version in done:
                continue
            with self.transaction():
                migration.apply(self.conn)
                self.conn.execute(
                    "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
                    (migration.version, migration.description, now_iso()),
                )
            logger.info("Database %s migrated to schema version %d", self.path, migration.version)
            applied.append(migration.version)
        return applied

    # -- crawl runs --------------------------------------------------------------------------

    def start_run(self, spider: str, started_at: str | None = None) -> int:
        """A new `crawl_runs` row; `started_at` when the run began elsewhere (a distributed worker)."""
        with self.transaction():
            cur = self.conn.execute(
                "INSERT INTO crawl_runs (spider, started_at) VALUES (?, ?)", (spider, started_at or now_iso())
            )
        return int(cur.lastrowid or 0)

    def finish_run(
        self,
        run_id: int,
        *,
        finish_reason: str,
        pages_fetched: int,
        articles_stored: int,
        articles_dropped: int,
        errors: int,
        stats: Mapping[str, Any] | None = None,
        finished_at: str | None = None,
    ) -> None:
        with self.transaction():
            self.conn.execute(
                "UPDATE crawl_runs SET finished_at=?, finish_reason=?, pages_fetched=?, articles_stored=?,"
                " articles_dropped=?, errors=?, stats=? WHERE id=?",
                (
                    finished_at or now_iso(),
                    finish_reason,
                    pages_fetched,
                    articles_stored,
                    articles_dropped,
                    errors,
                    _dumps(dict(stats or {})),
                    run_id,
                ),
            )

    def run(self, run_id: int) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM crawl_runs WHERE id = ?", [run_id]))
        return rows[0] if rows else None

    # -- articles ----------------------------------------------------------------------------

    def save_article(self, article: Article, run_id: int | None = None) -> str:
        """Insert or update one article and its related links in one transaction.

        Returns `new`, `updated` (title or body changed) or `unchanged`.
        """
        with self.transaction():
            return self.write_article(article, run_id)

    def write_article(self, article: Article, run_id: int | None = None) -> str:
        """`save_article` inside a transaction the caller holds (the crawl's batched writes).

        When the text changed, the row it replaces is kept in `article_versions` first.
        """
        key = article.canonical_url or article.url
        row = article_to_row(article)
        row["canonical_url"] = key
        row["last_run_id"] = run_id
        row["stored_at"] = now_iso()
        old = self.conn.execute(
            "SELECT title, body, first_run_id FROM articles WHERE canonical_url = ?", (key,)
        ).fetchone()
        if old is None:
            outcome = "new"
            row["first_run_id"] = run_id
        else:
            outcome = "unchanged" if (old[0], old[1]) == (article.title, article.body) else "updated"
            row["first_run_id"] = old[2]
            if outcome == "updated":
                keep_version(self.conn, key, superseded_by_run_id=run_id, at=row["stored_at"])
        columns = tuple(row)
        upsert = self._upserts.get(columns)
        if upsert is None:
            # An upsert, not INSERT OR REPLACE: REPLACE deletes the old row first, and with foreign
            # keys on that delete cascades to the rows that point at the article (versions, aliases).
            # Every column is set, those this row does not name to their defaults (`excluded` holds
            # them), so the stored row is the new article and nothing of the old one, as with REPLACE.
            upsert = self._upserts[columns] = (
                f"INSERT INTO articles ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
                f" ON CONFLICT(canonical_url) DO UPDATE SET "
                + ", ".join(f"{c} = excluded.{c}" for c in self._article_columns() if c != "canonical_url")
            )
        self.conn.execute(upsert, list(row.values()))
        self.conn.execute("DELETE FROM related_links WHERE article_url = ?", (key,))
        self.conn.executemany(
            "INSERT INTO related_links (article_url, position, title, url) VALUES (?, ?, ?, ?)",
            [(key, i, link.title, link.url) for i, link in enumerate(article.related)],
        )
        return outcome

    def _article_columns(self) -> list[str]:
        """Every column of `articles`, including those other migrations added."""
        if self._columns is None:
            self._columns = [str(r[1]) for r in self.conn.execute("PRAGMA table_info(articles)")]
        return self._columns

    def get_article(self, canonical_url: str) -> Article | None:
        rows = list(self.db.query("SELECT * FROM articles WHERE canonical_url = ?", [canonical_url]))
        return row_to_article(rows[0]) if rows else None

    def iter_articles(self, site: str | None = None) -> Iterator[Article]:
        sql, params = "SELECT * FROM articles", []
        if site:
            sql, params = sql + " WHERE site = ?", [site]
        for row in self.db.query(sql + " ORDER BY site, published_at, canonical_url", params):
            yield row_to_article(row)

    def count_articles(self, site: str | None = None) -> int:
        if site:
            return int(
                self.conn.execute("SELECT COUNT(*) FROM articles WHERE site = ?", (site,)).fetchone()[0]
            )
        return int(self.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    def coverage(self) -> list[dict[str, Any]]:
        """Per site: articles, and the share of them with a date, authors, source and editor."""
        return list(
            self.db.query(
                """
                SELECT site, COUNT(*) AS articles,
                       AVG(published_at IS NOT NULL) AS with_date,
                       AVG(authors != '[]') AS with_authors,
                       AVG(source IS NOT NULL) AS with_source,
                       AVG(editor IS NOT NULL) AS with_editor
                FROM articles GROUP BY site ORDER BY site
                """
            )
        )

    # -- raw pages ---------------------------------------------------------------------------

    def save_page(self, url: str, **page: Any) -> None:
        """`write_page` in a transaction of its own: keep the raw bytes of a fetched page for later
        re-extraction."""
        with self.transaction():
            self.write_page(url, **page)

    def write_page(
        self,
        url: str,
        *,
        status: int,
        headers: Mapping[str, Any],
        body: bytes,
        fetched_at: str,
        run_id: int | None = None,
        content_encoding: str | None = None,
        sent_body: bytes | None = None,
    ) -> str:
        """Store a fetched page inside a transaction the caller holds; returns the `compression` stored.

        `body` is the decoded page; `sent_body`, when given, the same page as the server sent it
        with `Content-Encoding: content_encoding`, kept as it is when it decodes to `body`
        (`newscrawl.store.pages`), so the page need not be compressed again."""
        compression, stored = pack_body(body, content_encoding=content_encoding, sent=sent_body)
        if sent_body is not None and compression == ZLIB:
            logger.debug(
                "%s: the %s body as sent does not decode to the page; stored as zlib", url, content_encoding
            )
        self.conn.execute(
            "INSERT OR REPLACE INTO pages (url, status, headers, body, compression, fetched_at, run_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (url, status, _dumps(dict(headers)), stored, compression, fetched_at, run_id),
        )
        return compression

    def load_page(self, url: str) -> dict[str, Any] | None:
        """A stored page with its body decoded (the bytes the spider saw), or None."""
        return read_page(self.conn, url)


class _Transaction:
    """A transaction; inside one the caller already holds (a batch writer's operation), a savepoint,
    so the same code runs alone or as one write of a batch."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.nested = False

    def __enter__(self) -> sqlite3.Connection:
        self.nested = self.conn.in_transaction
        self.conn.execute("SAVEPOINT newscrawl_tx" if self.nested else "BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type: object, *_: object) -> None:
        if self.nested:
            if exc_type is not None:
                self.conn.execute("ROLLBACK TO newscrawl_tx")
            self.conn.execute("RELEASE newscrawl_tx")
        elif exc_type is None:
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")


def article_to_row(article: Article) -> dict[str, Any]:
    """The `articles` row for an article: the same names, list fields as JSON text (the JSON of
    `Article.to_dict()`'s values)."""
    row: dict[str, Any] = {}
    for name in ARTICLE_FIELDS:
        value = getattr(article, name)
        if name in LIST_FIELDS:
            # Read in place rather than through `to_dict()`, which copies every image and link
            # only for them to be encoded once.
            if value == []:
                value = "[]"
            else:
                value = _dumps([vars(v) for v in value] if name in _OBJECT_LISTS else value)
        row[name] = value
    return row


_OBJECT_LISTS = frozenset({"images", "related"})
"""List fields whose items are dataclasses (`Image`, `RelatedLink`), stored as JSON objects."""


def row_to_article(row: Mapping[str, Any]) -> Article:
    data = {name: row.get(name) for name in ARTICLE_FIELDS}
    for name in LIST_FIELDS:
        data[name] = json.loads(data[name] or "[]")
    return Article.from_dict(data)
