"""The SQLite schema, as an ordered list of migrations.

Each migration runs once, inside a transaction, and is recorded in `schema_migrations`; a database
made by an older newscrawl is upgraded in place on open. Append new migrations at the end, never edit
an applied one. Versions need not be contiguous: each room owns a range (dedup 10-19, crawl state
20-29, fetch errors 30-39, search/export 40-49, sites 50-59, distributed 60-69) so parallel work
never reuses a number, and the runner applies whichever versions a database has not recorded.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

MIGRATIONS_TABLE_SQL = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)"
)
"""Where each applied migration is recorded (by `Store.migrate`, and by tests that build an old database)."""


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[sqlite3.Connection], None]


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run `;`-separated DDL statement by statement: `executescript` would commit the migration's
    transaction half-way, and a killed upgrade must leave the old schema intact."""
    for statement in script.split(";\n"):
        if statement.strip():
            conn.execute(statement)


def _v1_initial(conn: sqlite3.Connection) -> None:
    run_script(
        conn,
        """
        CREATE TABLE crawl_runs (
            id INTEGER PRIMARY KEY,
            spider TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            finish_reason TEXT,
            pages_fetched INTEGER NOT NULL DEFAULT 0,
            articles_stored INTEGER NOT NULL DEFAULT 0,
            articles_dropped INTEGER NOT NULL DEFAULT 0,
            errors INTEGER NOT NULL DEFAULT 0,
            stats TEXT
        );
        CREATE TABLE articles (
            canonical_url TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            site TEXT NOT NULL,
            region TEXT,
            title TEXT NOT NULL,
            published_at TEXT,
            published_at_raw TEXT,
            authors TEXT NOT NULL DEFAULT '[]',
            trainee_authors TEXT NOT NULL DEFAULT '[]',
            correspondents TEXT NOT NULL DEFAULT '[]',
            editor TEXT,
            source TEXT,
            outlet TEXT,
            body TEXT NOT NULL,
            images TEXT NOT NULL DEFAULT '[]',
            related TEXT NOT NULL DEFAULT '[]',
            encoding TEXT,
            script TEXT,
            title_simplified TEXT,
            body_simplified TEXT,
            fetched_at TEXT,
            http_status INTEGER,
            first_run_id INTEGER REFERENCES crawl_runs(id),
            last_run_id INTEGER REFERENCES crawl_runs(id),
            stored_at TEXT NOT NULL
        );
        CREATE INDEX articles_site_published ON articles(site, published_at);
        CREATE TABLE related_links (
            article_url TEXT NOT NULL REFERENCES articles(canonical_url) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            title TEXT NOT NULL,
            url TEXT,
            PRIMARY KEY (article_url, position)
        );
        CREATE INDEX related_links_url ON related_links(url);
        CREATE TABLE pages (
            url TEXT PRIMARY KEY,
            status INTEGER NOT NULL,
            headers TEXT NOT NULL,
            body BLOB NOT NULL,
            compression TEXT NOT NULL DEFAULT 'zlib',
            fetched_at TEXT NOT NULL,
            run_id INTEGER REFERENCES crawl_runs(id)
        );
        """,
    )


def _v10_stories(conn: sqlite3.Connection) -> None:
    run_script(
        conn,
        """
        ALTER TABLE articles ADD COLUMN text_fingerprint TEXT;
        ALTER TABLE articles ADD COLUMN story_id INTEGER;
        ALTER TABLE articles ADD COLUMN story_similarity REAL;
        CREATE INDEX articles_fingerprint ON articles(text_fingerprint);
        CREATE INDEX articles_story ON articles(story_id);
        CREATE TABLE article_aliases (
            alias_url TEXT PRIMARY KEY,
            canonical_url TEXT NOT NULL REFERENCES articles(canonical_url) ON DELETE CASCADE,
            first_seen_at TEXT NOT NULL
        );
        CREATE INDEX article_aliases_canonical ON article_aliases(canonical_url);
        CREATE VIEW stories AS
            SELECT story_id,
                   COUNT(*) AS copies,
                   COUNT(DISTINCT site) AS sites,
                   MIN(published_at) AS first_published_at,
                   MAX(published_at) AS last_published_at
            FROM articles WHERE story_id IS NOT NULL GROUP BY story_id;
        """,
    )


# What the search index holds for an article: the Simplified, pinyin-free text (the page's own text
# when a writer left the Simplified columns empty), each column closed by one newline. The newline
# makes every occurrence of a one- or two-character term the start of a trigram — also at the very
# end of a title — so `newscrawl.store.search` can find short terms through the index's vocabulary.
_FTS_TITLE = "COALESCE(NEW.title_simplified, NEW.title) || char(10)"
_FTS_BODY = "COALESCE(NEW.body_simplified, NEW.body) || char(10)"


def _v40_search(conn: sqlite3.Connection) -> None:
    # A table that keeps its own copy of the text, rather than an external-content table over
    # `articles`: `Store.save_article` writes with INSERT OR REPLACE, whose implicit delete fires the
    # delete trigger only under PRAGMA recursive_triggers (on in sqlite-utils connections, off in the
    # sqlite3 shell). An external-content index must be told the exact old values once and only once;
    # deleting a row of this table by rowid is idempotent, so the triggers below stay right whichever
    # way a writer's connection is set — and users get snippet()/highlight() in plain SQL and Datasette.
    index_new = f"INSERT OR REPLACE INTO articles_fts (rowid, title, body) VALUES (NEW.rowid, {_FTS_TITLE}, {_FTS_BODY})"
    statements = [
        "CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, tokenize='trigram')",
        "CREATE VIRTUAL TABLE articles_fts_vocab USING fts5vocab(articles_fts, 'row')",
        # INSERT OR REPLACE without recursive triggers deletes the old row silently: drop its entry
        # while the row is still there to be found.
        """CREATE TRIGGER articles_fts_before_insert BEFORE INSERT ON articles BEGIN
            DELETE FROM articles_fts
            WHERE rowid IN (SELECT rowid FROM articles WHERE canonical_url = NEW.canonical_url);
        END""",
        f"CREATE TRIGGER articles_fts_after_insert AFTER INSERT ON articles BEGIN {index_new}; END",
        """CREATE TRIGGER articles_fts_after_delete AFTER DELETE ON articles BEGIN
            DELETE FROM articles_fts WHERE rowid = OLD.rowid;
        END""",
        # Any update that changes the text, and any update of a row the index lacks: an upsert
        # (INSERT … ON CONFLICT DO UPDATE) has passed through the BEFORE INSERT trigger above. An
        # update of other columns only (story_id, …) leaves the index alone.
        f"""CREATE TRIGGER articles_fts_after_update AFTER UPDATE ON articles
        WHEN OLD.title IS NOT NEW.title OR OLD.body IS NOT NEW.body
            OR OLD.title_simplified IS NOT NEW.title_simplified
            OR OLD.body_simplified IS NOT NEW.body_simplified
            OR OLD.rowid IS NOT NEW.rowid
            OR NOT EXISTS (SELECT 1 FROM articles_fts WHERE rowid = NEW.rowid)
        BEGIN
            DELETE FROM articles_fts WHERE rowid = OLD.rowid;
            {index_new};
        END""",
        "INSERT INTO articles_fts (rowid, title, body) SELECT rowid, "
        + f"{_FTS_TITLE}, {_FTS_BODY} FROM articles".replace("NEW.", ""),
    ]
    # One statement at a time, not `run_script`: trigger bodies hold `;` line ends of their own.
    for statement in statements:
        conn.execute(statement)


def _v11_story_index(conn: sqlite3.Connection) -> None:
    # The near-duplicate index (newscrawl.dedup, SQL in newscrawl.store.stories). It lives beside
    # `articles` rather than in it because a copy is indexed before its row is stored (the dedup
    # pipeline runs ahead of the store) and because rebuilding it must not touch stored articles.
    run_script(
        conn,
        """
        CREATE TABLE dedup_meta (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE dedup_stories (
            story_id INTEGER PRIMARY KEY AUTOINCREMENT,
            reference_doc INTEGER,
            created_at TEXT NOT NULL
        );
        CREATE TABLE dedup_docs (
            doc_id INTEGER PRIMARY KEY,
            canonical_url TEXT NOT NULL UNIQUE,
            fingerprint TEXT NOT NULL,
            story_id INTEGER NOT NULL,
            similarity REAL NOT NULL,
            published_ts INTEGER,
            shingles INTEGER NOT NULL,
            sketch BLOB,
            indexed_at TEXT NOT NULL
        );
        CREATE INDEX dedup_docs_story ON dedup_docs(story_id);
        CREATE TABLE dedup_bands (
            band_key INTEGER NOT NULL,
            doc_id INTEGER NOT NULL,
            PRIMARY KEY (band_key, doc_id)
        ) WITHOUT ROWID;
        """,
    )


def _v20_crawl_state(conn: sqlite3.Connection) -> None:
    # Crawl state (newscrawl.state): jobs, the persistent frontier and seen set, per-run outcome
    # counters, and the earlier versions of articles whose text changed.
    run_script(
        conn,
        """
        ALTER TABLE crawl_runs ADD COLUMN job_id INTEGER;
        ALTER TABLE crawl_runs ADD COLUMN articles_new INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE crawl_runs ADD COLUMN articles_updated INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE crawl_runs ADD COLUMN articles_unchanged INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE crawl_runs ADD COLUMN articles_skipped INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE crawl_runs ADD COLUMN pages_failed INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE crawl_runs ADD COLUMN health TEXT;
        CREATE INDEX crawl_runs_spider ON crawl_runs(spider, id);
        CREATE TABLE crawl_jobs (
            id INTEGER PRIMARY KEY,
            job_key TEXT NOT NULL,
            spider TEXT NOT NULL,
            started_at TEXT NOT NULL,
            first_run_id INTEGER REFERENCES crawl_runs(id),
            finished_at TEXT,
            finish_reason TEXT
        );
        CREATE UNIQUE INDEX crawl_jobs_open ON crawl_jobs(job_key) WHERE finished_at IS NULL;
        CREATE TABLE frontier (
            job_id INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            priority INTEGER NOT NULL,
            depth INTEGER NOT NULL,
            url TEXT NOT NULL,
            request BLOB NOT NULL,
            run_id INTEGER,
            PRIMARY KEY (job_id, seq)
        ) WITHOUT ROWID;
        CREATE INDEX frontier_next ON frontier(job_id, priority DESC, seq);
        CREATE TABLE frontier_seen (
            job_id INTEGER NOT NULL,
            fingerprint INTEGER NOT NULL,
            PRIMARY KEY (job_id, fingerprint)
        ) WITHOUT ROWID;
        CREATE INDEX articles_url ON articles(url);
        CREATE TABLE article_versions (
            id INTEGER PRIMARY KEY,
            canonical_url TEXT NOT NULL REFERENCES articles(canonical_url) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            title TEXT NOT NULL,
            body TEXT NOT NULL,
            published_at TEXT,
            fetched_at TEXT,
            stored_at TEXT NOT NULL,
            superseded_at TEXT NOT NULL,
            superseded_by_run_id INTEGER REFERENCES crawl_runs(id),
            record TEXT NOT NULL,
            UNIQUE (canonical_url, version)
        );
        """,
    )


def _v21_listing_cache(conn: sqlite3.Connection) -> None:
    # The last copy of each listing page that came with validators, so a `304 Not Modified`
    # answer can be parsed like the page it stands for.
    run_script(
        conn,
        """
        CREATE TABLE listing_cache (
            url TEXT PRIMARY KEY,
            etag TEXT,
            last_modified TEXT,
            headers TEXT NOT NULL,
            body BLOB NOT NULL,
            fetched_at TEXT NOT NULL
        );
        """,
    )


def _v22_listing_compression(conn: sqlite3.Connection) -> None:
    # How `listing_cache.body` is kept, as `pages.compression` (newscrawl.store.pages): a listing
    # page that came gzip/deflate-encoded is kept as sent instead of compressed again. Every row
    # written before was compressed here.
    conn.execute("ALTER TABLE listing_cache ADD COLUMN compression TEXT NOT NULL DEFAULT 'zlib'")


def _v30_fetch_errors(conn: sqlite3.Connection) -> None:
    # One row per failed or refused fetch, so a user can see after the fact what a run could not
    # get and why; `kind` is a small vocabulary (see newscrawl.store.errors.KINDS), `status` the
    # HTTP status where there was one.
    run_script(
        conn,
        """
        CREATE TABLE fetch_errors (
            id INTEGER PRIMARY KEY,
            run_id INTEGER REFERENCES crawl_runs(id),
            url TEXT NOT NULL,
            kind TEXT NOT NULL,
            status INTEGER,
            message TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 1,
            referer TEXT,
            occurred_at TEXT NOT NULL
        );
        CREATE INDEX fetch_errors_run_kind ON fetch_errors(run_id, kind);
        CREATE INDEX fetch_errors_url ON fetch_errors(url);
        """,
    )


def _v31_gone_articles(conn: sqlite3.Connection) -> None:
    # A stored article whose page later answers 404/410 stays stored (it was real) but is marked,
    # so analyses can tell withdrawn articles apart. Storing the article again clears the mark.
    run_script(
        conn,
        """
        ALTER TABLE articles ADD COLUMN gone_at TEXT;
        ALTER TABLE articles ADD COLUMN gone_status INTEGER;
        """,
    )


FTS_AUTOMERGE = 16
"""FTS5's `automerge` for `articles_fts`: how many segments of one level are merged into one.

Each transaction that writes articles adds a segment of its own to the index, and FTS5 merges
segments as they pile up (its default: whenever a level holds 4). A crawl commits a few articles
per transaction (the batch writer's group commit: about 4 on the crawl bench), so with the default
the writer thread spent about as much time merging segments as tokenizing the text. Merging 16 at
a time writes every entry fewer times on its way up the levels: on the crawl bench's 2,000
articles at 4 per transaction the trigger cost 0.63-0.65 ms an article instead of 0.88. A search
then visits more segments (at most 15 a level instead of 3), which bench/search.py measures."""


def _v41_search_automerge(conn: sqlite3.Connection) -> None:
    # A value of the index's own configuration (`articles_fts_config`), so it holds for every
    # connection that writes — the crawl's, the sqlite3 shell's, another program's — and a later
    # `newscrawl` needs nothing set per connection. An older database keeps its segments as they
    # are; merging follows the new setting from its next write on.
    conn.execute(f"INSERT INTO articles_fts (articles_fts, rank) VALUES ('automerge', {FTS_AUTOMERGE})")


MIGRATIONS: list[Migration] = [
    Migration(1, "articles, related_links, crawl_runs, pages", _v1_initial),
    Migration(10, "text fingerprints, stories, URL aliases", _v10_stories),
    Migration(
        11, "near-duplicate index: MinHash bands, indexed copies, stories' reference copies", _v11_story_index
    ),
    Migration(20, "crawl state: jobs, frontier, seen set, run counters, article versions", _v20_crawl_state),
    Migration(21, "listing pages kept for conditional GET", _v21_listing_cache),
    Migration(22, "listing_cache.compression: listing pages kept as sent", _v22_listing_compression),
    Migration(30, "fetch_errors: every failed or refused fetch of a run", _v30_fetch_errors),
    Migration(31, "articles.gone_at / gone_status: pages that answered 404 or 410", _v31_gone_articles),
    Migration(
        40, "full-text search: articles_fts (trigram over the Simplified text), kept by triggers", _v40_search
    ),
    Migration(
        41, f"full-text search: articles_fts merges {FTS_AUTOMERGE} segments at a time", _v41_search_automerge
    ),
]
