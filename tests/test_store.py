"""The SQLite store on a real file: schema, migrations, upserts, raw pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newscrawl.items import Article, Image, RelatedLink
from newscrawl.store import Store
from newscrawl.store.schema import MIGRATIONS
from tests.conftest import query


def make_article(n: int = 1, body: str = "正文第一段。\n正文第二段。") -> Article:
    return Article(
        url=f"http://127.0.0.1/court/202403/15/content_{n}.html?from=list",
        canonical_url=f"http://127.0.0.1/court/202403/15/content_{n}.html",
        site="demo",
        region="CN-HN",
        title=f"某区法院审结一起电信诈骗案{n}",
        published_at="2024-03-15T09:30:00+08:00",
        published_at_raw="2024-03-15 09:30",
        authors=["张三", "李四"],
        trainee_authors=["李四"],
        correspondents=["王五"],
        editor="赵六",
        source="潇湘法治报",
        body=body,
        images=[Image(url="http://127.0.0.1/images/1.jpg", caption="庭审现场", credit="法院供图")],
        related=[RelatedLink(title="另一篇", url="http://127.0.0.1/court/202403/16/content_9.html")],
        encoding="utf-8",
        script="Hans",
        http_status=200,
    )


def test_new_database_gets_every_migration_in_wal_mode(db_path: Path) -> None:
    with Store(db_path) as store:
        assert store.schema_version == MIGRATIONS[-1].version
        assert {"articles", "related_links", "crawl_runs", "pages"} <= set(store.db.table_names())
    assert query(db_path, "PRAGMA journal_mode")[0][0] == "wal"
    versions = [
        r["version"] for r in query(db_path, "SELECT version FROM schema_migrations ORDER BY version")
    ]
    assert versions == [m.version for m in MIGRATIONS]


def test_reopening_applies_nothing_twice(db_path: Path) -> None:
    Store(db_path).close()
    with Store(db_path) as store:
        assert store.migrate() == []


def test_article_columns_are_the_article_fields_with_lists_as_json(db_path: Path) -> None:
    with Store(db_path) as store:
        assert store.save_article(make_article(), run_id=None) == "new"
    row = query(db_path, "SELECT * FROM articles")[0]
    assert row["canonical_url"] == "http://127.0.0.1/court/202403/15/content_1.html"
    assert json.loads(row["authors"]) == ["张三", "李四"]
    assert json.loads(row["trainee_authors"]) == ["李四"]
    assert json.loads(row["images"]) == [
        {"url": "http://127.0.0.1/images/1.jpg", "caption": "庭审现场", "credit": "法院供图"}
    ]
    assert row["editor"] == "赵六" and row["source"] == "潇湘法治报"
    links = query(db_path, "SELECT title, url FROM related_links")
    assert [tuple(r) for r in links] == [("另一篇", "http://127.0.0.1/court/202403/16/content_9.html")]


def test_same_canonical_url_is_one_row_and_reports_unchanged_or_updated(db_path: Path) -> None:
    with Store(db_path) as store:
        run1 = store.start_run("demo")
        run2 = store.start_run("demo")
        assert store.save_article(make_article(), run1) == "new"
        assert store.save_article(make_article(), run2) == "unchanged"
        assert store.save_article(make_article(body="改过的正文。"), run2) == "updated"
        assert store.count_articles() == 1
        got = store.get_article("http://127.0.0.1/court/202403/15/content_1.html")
        assert got is not None and got.body == "改过的正文。"
    row = query(db_path, "SELECT first_run_id, last_run_id FROM articles")[0]
    assert (row["first_run_id"], row["last_run_id"]) == (run1, run2)
    assert len(query(db_path, "SELECT * FROM related_links")) == 1


def test_round_trip_keeps_every_field(db_path: Path) -> None:
    article = make_article()
    with Store(db_path) as store:
        store.save_article(article)
        assert store.get_article(article.canonical_url) == article


def test_raw_pages_are_compressed_and_come_back_identical(db_path: Path) -> None:
    body = "<html><body><p>长沙市公安局</p></body></html>".encode("gbk") * 50
    with Store(db_path) as store:
        store.save_page(
            "http://127.0.0.1/a.html",
            status=200,
            headers={"Content-Type": ["text/html; charset=gbk"]},
            body=body,
            fetched_at="2024-03-15T09:30:00+08:00",
        )
        page = store.load_page("http://127.0.0.1/a.html")
    assert page is not None and page["body"] == body
    assert page["headers"] == {"Content-Type": ["text/html; charset=gbk"]}
    stored = query(db_path, "SELECT length(body) AS n FROM pages")[0]["n"]
    assert stored < len(body) / 5


def test_crawl_run_row(db_path: Path) -> None:
    with Store(db_path) as store:
        run = store.start_run("demo")
        store.finish_run(
            run,
            finish_reason="finished",
            pages_fetched=10,
            articles_stored=7,
            articles_dropped=1,
            errors=2,
            stats={"x": 1},
        )
        row = store.run(run)
    assert row is not None
    assert (row["spider"], row["finish_reason"], row["pages_fetched"], row["articles_stored"]) == (
        "demo",
        "finished",
        10,
        7,
    )
    assert row["started_at"] <= row["finished_at"]


def test_a_database_of_an_older_schema_is_upgraded_in_place(db_path: Path) -> None:
    from newscrawl.store.schema import run_script
    from tests.old_schema import database_before

    # A version-1 database, as an older newscrawl left it, with one article in it.
    conn = database_before(db_path, 2)
    conn.execute("BEGIN")
    run_script(
        conn,
        "INSERT INTO articles (canonical_url, url, site, title, body, stored_at)"
        " VALUES ('http://127.0.0.1/a.html', 'http://127.0.0.1/a.html', 'demo', '旧标题', '旧正文。',"
        " '2024-01-01T00:00:00+08:00')",
    )
    conn.execute("COMMIT")
    conn.close()
    with Store(db_path) as store:
        assert store.schema_version == MIGRATIONS[-1].version
        old = store.get_article("http://127.0.0.1/a.html")
        assert old is not None and (old.title, old.body, old.story_id) == ("旧标题", "旧正文。", None)
        assert store.save_article(make_article()) == "new"
    assert query(db_path, "SELECT COUNT(*) FROM articles")[0][0] == 2
    assert query(db_path, "SELECT COUNT(*) FROM stories")[0][0] == 0


def test_a_migration_merged_later_is_still_applied(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Versions are applied by set: one numbered below the newest applied is not skipped."""
    from newscrawl import store as store_module
    from newscrawl.store.schema import Migration

    Store(db_path).close()
    late = Migration(5, "from a branch merged later", lambda c: c.execute("CREATE TABLE late (x INTEGER)"))
    monkeypatch.setattr(store_module, "MIGRATIONS", [MIGRATIONS[0], late, *MIGRATIONS[1:]])
    with Store(db_path) as store:
        assert "late" in store.db.table_names()
        assert store.migrate() == []
