"""The crawl-state SQL on a real file: article versions, the upsert that keeps rows pointing at an
article, "already stored?" lookups, jobs, the frontier order, dead runs."""

from __future__ import annotations

from pathlib import Path

from newscrawl.store import Store
from newscrawl.store.frontier import (
    add_request,
    add_seen,
    finish_job,
    is_seen,
    next_seq,
    open_job,
    pending_requests,
    remove_request,
)
from newscrawl.store.history import (
    find_stored,
    listing_validators,
    mark_dead_runs,
    page_validators,
    read_listing,
    record_article,
    write_listing,
)
from tests.conftest import query
from tests.test_store import make_article


def add_alias(store: Store, alias: str, canonical_url: str) -> None:
    store.conn.execute(
        "INSERT INTO article_aliases (alias_url, canonical_url, first_seen_at) VALUES (?, ?, ?)",
        (alias, canonical_url, "2024-03-15T09:30:00+08:00"),
    )


def test_each_change_of_text_keeps_the_replaced_version(db_path: Path) -> None:
    with Store(db_path) as store:
        runs = [store.start_run("demo") for _ in range(4)]
        assert store.save_article(make_article(body="第一版正文。"), runs[0]) == "new"
        assert store.save_article(make_article(body="第一版正文。"), runs[1]) == "unchanged"
        assert store.save_article(make_article(body="第二版正文。"), runs[2]) == "updated"
        assert store.save_article(make_article(body="第三版正文。"), runs[3]) == "updated"
    versions = query(
        db_path, "SELECT version, body, superseded_by_run_id FROM article_versions ORDER BY version"
    )
    assert [tuple(v) for v in versions] == [(1, "第一版正文。", runs[2]), (2, "第二版正文。", runs[3])]
    assert query(db_path, "SELECT body, first_run_id, last_run_id FROM articles")[0][:] == (
        "第三版正文。",
        runs[0],
        runs[3],
    )


def test_updating_an_article_keeps_its_aliases_and_versions(db_path: Path) -> None:
    # INSERT OR REPLACE deletes the old row first, and the delete cascades to the rows that point at
    # the article; the upsert must not.
    article = make_article()
    with Store(db_path) as store:
        store.save_article(article)
        add_alias(store, "http://127.0.0.1/m/content_1.html", article.canonical_url)
        store.save_article(make_article(body="改过的正文。"))
        store.save_article(make_article(body="又改了。"))
    assert query(db_path, "SELECT COUNT(*) FROM article_aliases")[0][0] == 1
    assert query(db_path, "SELECT COUNT(*) FROM article_versions")[0][0] == 2


def test_storing_again_leaves_nothing_of_the_old_row_but_what_the_new_one_says(db_path: Path) -> None:
    # Columns no Article field names (another room's marks) go back to their defaults, as they did
    # when the row was replaced whole.
    with Store(db_path) as store:
        store.save_article(make_article())
        store.conn.execute("ALTER TABLE articles ADD COLUMN mark TEXT")
        store.conn.execute("UPDATE articles SET mark = 'x'")
    with Store(db_path) as store:
        store.save_article(make_article(body="改过的正文。"))
    assert query(db_path, "SELECT mark, body FROM articles")[0][:] == (None, "改过的正文。")


def test_record_article_counts_the_outcome_on_its_run(db_path: Path) -> None:
    with Store(db_path) as store:
        run = store.start_run("demo")
        with store.transaction():
            record_article(store, make_article(1), run)
            record_article(store, make_article(2), run)
            record_article(store, make_article(2), run)
            record_article(store, make_article(1, body="新的正文。"), run)
    row = query(db_path, "SELECT articles_new, articles_updated, articles_unchanged FROM crawl_runs")[0]
    assert tuple(row) == (2, 1, 1)


def test_a_stored_article_is_found_by_canonical_url_fetched_url_or_alias(db_path: Path) -> None:
    article = make_article()
    with Store(db_path) as store:
        store.save_article(article)
        add_alias(store, "http://127.0.0.1/m/content_1.html", article.canonical_url)
        for url in (article.canonical_url, article.url, "http://127.0.0.1/m/content_1.html"):
            found = find_stored(store.conn, url)
            assert found is not None and found.canonical_url == article.canonical_url
        assert find_stored(store.conn, "http://127.0.0.1/court/202403/15/content_2.html") is None
        plan = " ".join(
            r[3]
            for r in store.conn.execute("EXPLAIN QUERY PLAN SELECT * FROM articles WHERE url = ?", ("x",))
        )
        assert "articles_url" in plan


def test_validators_come_from_the_stored_copy_of_the_page(db_path: Path) -> None:
    with Store(db_path) as store:
        store.save_page(
            "http://127.0.0.1/a.html",
            status=200,
            headers={"ETag": ['"abc"'], "Last-Modified": ["Mon, 01 Jan 2024 09:00:00 GMT"]},
            body=b"<html></html>",
            fetched_at="2024-03-15T09:30:00+08:00",
        )
        assert page_validators(store.conn, "http://127.0.0.1/a.html") == (
            '"abc"',
            "Mon, 01 Jan 2024 09:00:00 GMT",
        )
        assert page_validators(store.conn, "http://127.0.0.1/b.html") == (None, None)


def test_a_listing_page_is_kept_with_its_validators(db_path: Path) -> None:
    body = "<ul><li><a href='/fzxw/2024-01/01/content_1.html'>某某</a></li></ul>".encode() * 20
    with Store(db_path) as store:
        assert listing_validators(store.conn, "http://127.0.0.1/fzxw/") == (None, None)
        write_listing(
            store.conn,
            "http://127.0.0.1/fzxw/",
            etag='"v1"',
            last_modified=None,
            headers={"Content-Type": ["text/html; charset=utf-8"]},
            body=body,
            fetched_at="2024-03-15T09:30:00+08:00",
        )
        assert listing_validators(store.conn, "http://127.0.0.1/fzxw/") == ('"v1"', None)
        kept = read_listing(store.conn, "http://127.0.0.1/fzxw/")
    assert kept == {"headers": {"Content-Type": ["text/html; charset=utf-8"]}, "body": body}


def test_jobs_resume_until_finished_and_stale_ones_are_abandoned(db_path: Path) -> None:
    with Store(db_path) as store:
        runs = [store.start_run("voc") for _ in range(4)]
        conn = store.conn
        first = open_job(conn, job_key="voc", spider="voc", run_id=runs[0], at="2024-05-01T08:00:00+08:00")
        assert not first.resumed
        add_seen(conn, first.id, 42)
        again = open_job(conn, job_key="voc", spider="voc", run_id=runs[1], at="2024-05-01T09:00:00+08:00")
        assert again.resumed and again.id == first.id and again.run_ids == {runs[0], runs[1]}
        # Three days later, with a 24-hour limit: a fresh job, the stale seen set gone.
        later = open_job(
            conn,
            job_key="voc",
            spider="voc",
            run_id=runs[2],
            at="2024-05-04T09:00:00+08:00",
            max_age_hours=24,
        )
        assert not later.resumed and later.id != first.id
        assert not is_seen(conn, first.id, 42)
        finish_job(conn, later.id, reason="finished", at="2024-05-04T10:00:00+08:00")
        fresh = open_job(conn, job_key="voc", spider="voc", run_id=runs[3], at="2024-05-04T11:00:00+08:00")
        assert not fresh.resumed
    reasons = [r[0] for r in query(db_path, "SELECT finish_reason FROM crawl_jobs ORDER BY id")]
    assert reasons == ["abandoned", "finished", None]


def test_pending_requests_come_back_by_priority_then_arrival(db_path: Path) -> None:
    with Store(db_path) as store:
        run = store.start_run("voc")
        job = open_job(store.conn, job_key="voc", spider="voc", run_id=run, at="2024-05-01T08:00:00+08:00")
        for seq, priority in [(1, 0), (2, 5), (3, 0), (4, 5), (5, -1)]:
            add_request(
                store.conn, job.id, seq, priority=priority, depth=0, url=f"u{seq}", request=b"r", run_id=run
            )
        remove_request(store.conn, job.id, 3)
        assert [r.seq for r in pending_requests(store.conn, job.id, 10)] == [2, 4, 1, 5]
        assert [r.seq for r in pending_requests(store.conn, job.id, 2)] == [2, 4]
        assert next_seq(store.conn, job.id) == 6


def test_unfinished_runs_of_a_dead_process_are_marked_killed(db_path: Path) -> None:
    with Store(db_path) as store:
        dead, alive, other = store.start_run("voc"), store.start_run("voc"), store.start_run("rednet")
        assert mark_dead_runs(store.conn, "voc", keep={alive}) == 1
    rows = {r["id"]: r["finish_reason"] for r in query(db_path, "SELECT id, finish_reason FROM crawl_runs")}
    assert rows == {dead: "killed", alive: None, other: None}
