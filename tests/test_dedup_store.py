"""The store side of deduplication: rows that point at an article survive its re-save; the SQL
of the story index only ever searches indexes."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from newscrawl.store import Store
from newscrawl.store.stories import LOOKUP_STATEMENTS, StoryTables
from tests.conftest import query
from tests.test_store import make_article


def test_an_alias_survives_the_article_being_saved_again(db_path: Path) -> None:
    article = make_article()
    with Store(db_path) as store:
        store.save_article(article, run_id=None)
        rowid = store.conn.execute("SELECT rowid FROM articles").fetchone()[0]
        with store.transaction():
            StoryTables(store.conn).add_alias(
                "http://127.0.0.1/m/court/content_1.html", article.canonical_url, "2024-03-15T10:00:00+08:00"
            )
        article.body = "正文第一段，改过了。\n正文第二段。"
        assert store.save_article(article, run_id=None) == "updated"
        assert store.save_article(article, run_id=None) == "unchanged"
        # Updated in place: same row, so nothing referencing it was deleted on the way.
        assert store.conn.execute("SELECT rowid FROM articles").fetchone()[0] == rowid
    rows = query(db_path, "SELECT alias_url, canonical_url FROM article_aliases")
    assert [tuple(r) for r in rows] == [("http://127.0.0.1/m/court/content_1.html", article.canonical_url)]
    assert len(query(db_path, "SELECT * FROM related_links")) == 1


def test_an_alias_must_point_at_a_stored_article(db_path: Path) -> None:
    with Store(db_path) as store, pytest.raises(sqlite3.IntegrityError), store.transaction():
        StoryTables(store.conn).add_alias("http://127.0.0.1/x", "http://127.0.0.1/missing", "2024-01-01")


def _plan(conn: sqlite3.Connection, sql: str) -> list[str]:
    params = [0] * sql.count("?")
    return [str(row[3]) for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]


@pytest.mark.parametrize("name", sorted(LOOKUP_STATEMENTS))
def test_every_lookup_statement_searches_an_index(db_path: Path, name: str) -> None:
    """ "Lookups use an index, never a scan of all articles": SQLite's own plan says so."""
    with Store(db_path) as store:
        plan = _plan(store.conn, LOOKUP_STATEMENTS[name])
    assert plan, name
    for step in plan:
        assert not re.match(r"SCAN (?!CONSTANT)", step), f"{name}: {step}"
    assert any(step.startswith("SEARCH") for step in plan), plan
