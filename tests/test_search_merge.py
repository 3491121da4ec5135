"""How the search index merges its segments (migration 41): set in the index itself for new and
upgraded databases, and searches stay right however many segments the writes left behind.
Expected hits are typed out from the texts below."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from newscrawl.store import Store
from newscrawl.store.filters import ArticleFilter
from newscrawl.store.search import search
from tests.old_schema import database_before
from tests.samples_export import article, save, url

# Two sentences per article: one only article n says, one every third article says.
PLACES = ["岳麓山", "橘子洲", "洞庭湖", "张家界", "凤凰城", "衡山", "韶山", "岳阳楼", "天门山", "崀山"]


def numbered(n: int) -> str:
    return f"第{n}号通报：民警在{PLACES[n % 10]}查获一起案件。" + (
        "法院依法审结了此案。" if n % 3 == 0 else ""
    )


def hits(db: Path, text: str) -> set[str]:
    with Store(db) as store:
        return {h.canonical_url for h in search(store, ArticleFilter(query=text), limit=100)}


def config(db: Path) -> dict[str, object]:
    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute("SELECT k, v FROM articles_fts_config"))
    finally:
        conn.close()


def integrity_check(db: Path) -> None:
    conn = sqlite3.connect(db)
    try:
        conn.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', 1)")
    finally:
        conn.close()


def segments(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT COUNT(DISTINCT segid) FROM articles_fts_idx").fetchone()[0])
    finally:
        conn.close()


def test_a_new_database_merges_sixteen_segments_at_a_time(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    Store(db).close()
    assert config(db)["automerge"] == 16


def test_an_older_database_is_upgraded_and_finds_what_it_found_before(tmp_path: Path) -> None:
    """A database made before migration 41 (segments merged four at a time) gets the setting on
    open, keeps answering as before, and stays right through many more small transactions."""
    db = tmp_path / "old.db"
    conn = database_before(db, 41)
    # One transaction per article, as an older newscrawl or another program would write them.
    for n in range(30):
        conn.execute(
            "INSERT INTO articles (canonical_url, url, site, title, body, stored_at)"
            " VALUES (?, ?, 'hn', ?, ?, '2024-01-01')",
            (url("hn", n), url("hn", n), f"通报{n}", numbered(n)),
        )
    conn.close()
    assert "automerge" not in config(db)

    with Store(db) as store:
        assert 41 in {int(r[0]) for r in store.conn.execute("SELECT version FROM schema_migrations")}
    assert config(db)["automerge"] == 16
    integrity_check(db)
    assert hits(db, "橘子洲") == {url("hn", n) for n in (1, 11, 21)}
    assert hits(db, "第17号通报") == {url("hn", 17)}

    # 170 more transactions of one article each: more segments than a merge of 16 takes.
    save(db, [article("hn", n, f"通报{n}", numbered(n)) for n in range(30, 200)])
    integrity_check(db)
    assert segments(db) < 170  # merged, not one segment per transaction
    assert hits(db, "橘子洲") == {url("hn", n) for n in range(1, 200, 10)}
    assert hits(db, "审结了此案") == {url("hn", n) for n in range(0, 200, 3)}
    assert hits(db, "第17号通报") == {url("hn", 17)}
    assert hits(db, "第170号通报") == {url("hn", 170)}
    # A two-character term, through the index vocabulary.
    assert hits(db, "衡山") == {url("hn", n) for n in range(5, 200, 10)}
