"""SQL of deduplication: the near-duplicate index, stories, URL aliases (migrations 10 and 11).

Tables (the dedup room, `newscrawl.dedup`, decides what goes in them; this module only reads and
writes):

- `dedup_docs`: one row per indexed copy, keyed by its canonical URL: text fingerprint, story,
  similarity to the story's reference copy, publication time (UTC seconds), shingle count and
  MinHash sketch (None when the text is too short to compare).
- `dedup_bands`: (band key, doc) pairs, the LSH buckets. Clustered on the key (WITHOUT ROWID), so a
  lookup is one B-tree search per band. Keys are random, so each of a copy's 32 rows dirties a page
  of its own at commit; no other layout writes fewer or costs less (a rowid table with a covering
  index, doc first with an index on the key, band number first: bench/dedup_bands.py, at 2,000 and
  100,000 copies), since a lookup by key needs a B-tree in key order, which random keys hit at random.
- `dedup_stories`: story ids and each story's reference copy (its first-published one).
- `dedup_meta`: the index layout it was built with.
- `article_aliases` (migration 10): other URLs of stored articles.

Every statement a lookup runs is a search of a primary key or an index, never a scan; the tests
check that with EXPLAIN QUERY PLAN on the statements named in `LOOKUP_STATEMENTS`.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

MAX_CANDIDATES = 2000
"""At most this many candidate rows per lookup: a bucket grown huge (thousands of copies of one
text) must not make one lookup read all of them."""

DOC_COLUMNS = (
    "fingerprint",
    "story_id",
    "similarity",
    "published_ts",
    "shingles",
    "sketch",
    "indexed_at",
    "doc_id",
    "canonical_url",
)
"""The `dedup_docs` columns in `DocRow` order."""
_DOC = ", ".join(DOC_COLUMNS)
_DOC_ID = DOC_COLUMNS.index("doc_id")

CANDIDATES_SQL = (
    f"SELECT DISTINCT {', '.join('d.' + c for c in DOC_COLUMNS)}"
    " FROM dedup_bands AS b JOIN dedup_docs AS d ON d.doc_id = b.doc_id"
    " WHERE b.band_key IN ({keys}) LIMIT {limit}"
)
DOC_BY_URL_SQL = f"SELECT {_DOC} FROM dedup_docs WHERE canonical_url = ?"
DOC_BY_ID_SQL = f"SELECT {_DOC} FROM dedup_docs WHERE doc_id = ?"
STORY_DOCS_SQL = f"SELECT {_DOC} FROM dedup_docs WHERE story_id = ?"
STORY_REFERENCE_SQL = "SELECT reference_doc FROM dedup_stories WHERE story_id = ?"
ARTICLE_TEXT_SQL = "SELECT COALESCE(body_simplified, body) FROM articles WHERE canonical_url = ?"
SAME_TEXT_SQL = "SELECT canonical_url, story_id FROM articles WHERE text_fingerprint = ?"
ALIAS_TARGET_SQL = "SELECT canonical_url FROM article_aliases WHERE alias_url = ?"
ARTICLE_EXISTS_SQL = "SELECT 1 FROM articles WHERE canonical_url = ?"

LOOKUP_STATEMENTS: dict[str, str] = {
    "candidates": CANDIDATES_SQL.format(keys=", ".join("?" * 32), limit=MAX_CANDIDATES),
    "doc_by_url": DOC_BY_URL_SQL,
    "doc_by_id": DOC_BY_ID_SQL,
    "story_docs": STORY_DOCS_SQL,
    "story_reference": STORY_REFERENCE_SQL,
    "article_text": ARTICLE_TEXT_SQL,
    "same_text": SAME_TEXT_SQL,
    "alias_target": ALIAS_TARGET_SQL,
    "article_exists": ARTICLE_EXISTS_SQL,
}
"""The statements run per article, for the index-use check."""

INDEX_TABLES = ("dedup_docs", "dedup_bands", "dedup_stories", "dedup_meta")


@functools.cache
def _candidates_sql(keys: int) -> str:
    return CANDIDATES_SQL.format(keys=", ".join("?" * keys), limit=MAX_CANDIDATES)


@functools.cache
def _add_bands_sql(rows: int) -> str:
    return "INSERT OR IGNORE INTO dedup_bands (band_key, doc_id) VALUES " + ", ".join(["(?, ?)"] * rows)


@dataclass(frozen=True)
class DocFields:
    """What is written for an indexed copy."""

    fingerprint: str
    story_id: int
    similarity: float
    published_ts: int | None
    shingles: int
    sketch: bytes | None
    indexed_at: str


@dataclass(frozen=True)
class DocRow(DocFields):
    """One indexed copy as read back."""

    doc_id: int
    canonical_url: str


class StoryTables:
    """The dedup tables of one open database. Transactions are the caller's (`Store.transaction()`)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    # -- layout ------------------------------------------------------------------------------

    def meta(self, name: str) -> str | None:
        row = self.conn.execute("SELECT value FROM dedup_meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, name: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO dedup_meta (name, value) VALUES (?, ?)"
            " ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            (name, value),
        )

    def has_docs(self) -> bool:
        return self.conn.execute("SELECT 1 FROM dedup_docs LIMIT 1").fetchone() is not None

    def clear_index(self) -> None:
        """Empty the index (docs and bands); story ids already given out are never reused."""
        self.conn.execute("DELETE FROM dedup_bands")
        self.conn.execute("DELETE FROM dedup_docs")
        self.conn.execute("UPDATE dedup_stories SET reference_doc = NULL")

    # -- docs and bands ----------------------------------------------------------------------

    def doc_by_url(self, canonical_url: str) -> DocRow | None:
        row = self.conn.execute(DOC_BY_URL_SQL, (canonical_url,)).fetchone()
        return None if row is None else DocRow(*row)

    def doc_by_id(self, doc_id: int) -> DocRow | None:
        row = self.conn.execute(DOC_BY_ID_SQL, (doc_id,)).fetchone()
        return None if row is None else DocRow(*row)

    def candidates(self, keys: Sequence[int], exclude_doc: int | None = None) -> list[DocRow]:
        """The copies sharing at least one band key."""
        if not keys:
            return []
        sql = _candidates_sql(len(keys))
        return [DocRow(*r) for r in self.conn.execute(sql, list(keys)) if r[_DOC_ID] != exclude_doc]

    def write_doc(self, canonical_url: str, fields: DocFields, doc_id: int | None = None) -> int:
        """Insert the copy (`doc_id` None) or update it; returns its doc id."""
        values = (
            fields.fingerprint,
            fields.story_id,
            fields.similarity,
            fields.published_ts,
            fields.shingles,
            fields.sketch,
            fields.indexed_at,
        )
        if doc_id is None:
            cur = self.conn.execute(
                "INSERT INTO dedup_docs (fingerprint, story_id, similarity, published_ts, shingles, sketch,"
                " indexed_at, canonical_url) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (*values, canonical_url),
            )
            return int(cur.lastrowid or 0)
        self.conn.execute(
            "UPDATE dedup_docs SET fingerprint = ?, story_id = ?, similarity = ?, published_ts = ?,"
            " shingles = ?, sketch = ?, indexed_at = ? WHERE doc_id = ?",
            (*values, doc_id),
        )
        return doc_id

    def set_doc_similarity(self, doc_id: int, similarity: float) -> None:
        self.conn.execute("UPDATE dedup_docs SET similarity = ? WHERE doc_id = ?", (similarity, doc_id))

    def add_bands(self, doc_id: int, keys: Iterable[int]) -> None:
        # One statement of many rows rather than `executemany` of one row each (a copy's 32 bands:
        # 41 -> 33 us, micro-benchmarked on the crawl bench's copies).
        params = [value for key in keys for value in (key, doc_id)]
        if params:
            self.conn.execute(_add_bands_sql(len(params) // 2), params)

    def remove_bands(self, doc_id: int, keys: Iterable[int]) -> None:
        self.conn.executemany(
            "DELETE FROM dedup_bands WHERE band_key = ? AND doc_id = ?", [(k, doc_id) for k in keys]
        )

    # -- stories -----------------------------------------------------------------------------

    def new_story(self, created_at: str) -> int:
        cur = self.conn.execute("INSERT INTO dedup_stories (created_at) VALUES (?)", (created_at,))
        return int(cur.lastrowid or 0)

    def story_reference(self, story_id: int) -> int | None:
        row = self.conn.execute(STORY_REFERENCE_SQL, (story_id,)).fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def set_story_reference(self, story_id: int, doc_id: int | None) -> None:
        self.conn.execute("UPDATE dedup_stories SET reference_doc = ? WHERE story_id = ?", (doc_id, story_id))

    def story_docs(self, story_id: int) -> list[DocRow]:
        return [DocRow(*r) for r in self.conn.execute(STORY_DOCS_SQL, (story_id,))]

    # -- articles ----------------------------------------------------------------------------

    def article_text(self, canonical_url: str) -> str | None:
        """A stored article's Simplified body (its own body when it was never cleaned)."""
        row = self.conn.execute(ARTICLE_TEXT_SQL, (canonical_url,)).fetchone()
        return None if row is None or row[0] is None else str(row[0])

    def article_exists(self, canonical_url: str) -> bool:
        return self.conn.execute(ARTICLE_EXISTS_SQL, (canonical_url,)).fetchone() is not None

    def articles_with_fingerprint(self, fingerprint: str) -> list[tuple[str, int | None]]:
        """(canonical URL, story) of the stored articles with this text fingerprint."""
        return [(str(r[0]), r[1]) for r in self.conn.execute(SAME_TEXT_SQL, (fingerprint,))]

    def set_article_story(self, canonical_url: str, story_id: int, similarity: float) -> None:
        self.conn.execute(
            "UPDATE articles SET story_id = ?, story_similarity = ? WHERE canonical_url = ?",
            (story_id, similarity, canonical_url),
        )

    def set_article_dedup(
        self, canonical_url: str, fingerprint: str, story_id: int, similarity: float
    ) -> None:
        self.conn.execute(
            "UPDATE articles SET text_fingerprint = ?, story_id = ?, story_similarity = ? WHERE canonical_url = ?",
            (fingerprint, story_id, similarity, canonical_url),
        )

    def unindexed_articles(self) -> list[str]:
        """Canonical URLs of stored articles the index does not hold, first-published first (a
        database from before the index, or rows written by other tools). Run once per crawl."""
        return [
            str(r[0])
            for r in self.conn.execute(
                "SELECT a.canonical_url FROM articles AS a WHERE NOT EXISTS"
                " (SELECT 1 FROM dedup_docs AS d WHERE d.canonical_url = a.canonical_url)"
                " ORDER BY a.published_at IS NULL, a.published_at, a.canonical_url"
            )
        ]

    def article_for_index(self, canonical_url: str) -> dict[str, Any] | None:
        cur = self.conn.execute(
            "SELECT canonical_url, url, site, title, title_simplified, body, body_simplified, published_at"
            " FROM articles WHERE canonical_url = ?",
            (canonical_url,),
        )
        row = cur.fetchone()
        if row is None:
            return None
        return dict(zip([c[0] for c in cur.description], row, strict=True))

    # -- aliases -----------------------------------------------------------------------------

    def alias_target(self, url: str) -> str | None:
        row = self.conn.execute(ALIAS_TARGET_SQL, (url,)).fetchone()
        return None if row is None else str(row[0])

    def add_alias(self, alias_url: str, canonical_url: str, seen_at: str) -> bool:
        """Record `alias_url` as another URL of the stored article `canonical_url`; an alias that
        pointed elsewhere is moved. Returns whether anything changed."""
        cur = self.conn.execute(
            "INSERT INTO article_aliases (alias_url, canonical_url, first_seen_at) VALUES (?, ?, ?)"
            " ON CONFLICT(alias_url) DO UPDATE SET canonical_url = excluded.canonical_url"
            " WHERE article_aliases.canonical_url != excluded.canonical_url",
            (alias_url, canonical_url, seen_at),
        )
        return cur.rowcount > 0

    def remove_alias(self, alias_url: str) -> None:
        self.conn.execute("DELETE FROM article_aliases WHERE alias_url = ?", (alias_url,))

    def aliases_of(self, canonical_url: str) -> list[str]:
        return [
            str(r[0])
            for r in self.conn.execute(
                "SELECT alias_url FROM article_aliases WHERE canonical_url = ? ORDER BY alias_url",
                (canonical_url,),
            )
        ]

    # -- figures -----------------------------------------------------------------------------

    def site_story_counts(self) -> list[dict[str, Any]]:
        """Per site: articles, distinct stories, and the duplicate ratio (share of its articles
        that are a further copy of a story already counted for that site)."""
        cur = self.conn.execute(
            "SELECT site, COUNT(*) AS articles, COUNT(DISTINCT story_id) AS stories,"
            " 1.0 - COUNT(DISTINCT story_id) * 1.0 / COUNT(*) AS duplicate_ratio"
            " FROM articles WHERE story_id IS NOT NULL GROUP BY site ORDER BY site"
        )
        names = [c[0] for c in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur]

    def index_size(self) -> dict[str, int] | None:
        """Bytes on disk of each dedup table and index (None when SQLite lacks the dbstat table)."""
        try:
            rows = self.conn.execute(
                "SELECT name, SUM(pgsize) FROM dbstat WHERE name LIKE 'dedup%'"
                " OR name LIKE 'sqlite_autoindex_dedup%' GROUP BY name"
            ).fetchall()
        except sqlite3.OperationalError:
            return None
        return {str(name): int(size) for name, size in rows}
