"""Scheduled runs (issue 6, point 4): overlapping runs, SIGTERM, health-rule exit statuses, `--all`.

Each test runs the real `newscrawl` command in child processes against loopback test sites
(`tests/statesite.py`) and reads the real SQLite file.
"""

from __future__ import annotations

import signal
import socket
from pathlib import Path

import pytest

from newscrawl.state import lock
from newscrawl.state.runs import EXIT_LOCKED, EXIT_UNHEALTHY
from tests.conftest import query, run_newscrawl, run_python
from tests.statesite import LOOPBACK, StateSite, crawl_args, crawl_site, start_crawl, wait_until

LOOPBACK_ARGS = [arg for s in LOOPBACK for arg in ("-s", s)]


def article_paths_served(site: StateSite) -> set[str]:
    return {h.path for h in site.hits(status=200) if "/content_" in h.path}


def stored_paths(db: Path, site: StateSite) -> set[str]:
    return {r["url"].removeprefix(site.base_url) for r in query(db, "SELECT url FROM articles")}


# -- overlapping runs -----------------------------------------------------------------------------


def test_a_second_crawl_on_the_same_database_stops_at_once_with_its_own_status(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    log = tmp_path / "first.log"
    with StateSite(articles=150, delay=0.05) as site:
        first = start_crawl(db, site, log=log)
        try:
            wait_until(lambda: len(site.hits()) >= 5, what="the first crawl to be under way")
            second = run_newscrawl(*crawl_args(db, site))
            assert second.returncode == EXIT_LOCKED, second.stderr[-2000:]
            assert "is in use by another crawl" in second.stderr
            assert f"pid {first.pid}" in second.stderr
            # The second run did nothing: no run row of its own, and the first goes on.
            assert len(query(db, "SELECT id FROM crawl_runs")) == 1
            assert first.poll() is None
        finally:
            assert first.wait(timeout=120) == 0, log.read_text(errors="replace")[-3000:]
        # Once the first is done the database is free again.
        third = crawl_site(db, site)
        assert third.returncode == 0, third.stderr[-2000:]
    assert [r["finish_reason"] for r in query(db, "SELECT finish_reason FROM crawl_runs")] == ["finished"] * 2
    assert query(db, "SELECT COUNT(*) FROM articles")[0][0] == 150


def test_the_lock_of_a_killed_crawl_does_not_outlive_it(tmp_path: Path) -> None:
    db = tmp_path / "killed.db"
    with StateSite(articles=40, delay=0.05) as site:
        first = start_crawl(db, site)
        wait_until(lambda: len(site.hits()) >= 5, what="the crawl to be under way")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        assert Path(str(db) + ".lock").exists()  # the file stays; the kernel dropped the lock
        again = crawl_site(db, site)
        assert again.returncode == 0, again.stderr[-2000:]
    assert [r["finish_reason"] for r in query(db, "SELECT finish_reason FROM crawl_runs ORDER BY id")] == [
        "killed",
        "finished",
    ]


def test_scrapy_shell_works_while_a_crawl_holds_the_database(tmp_path: Path) -> None:
    db = tmp_path / "busy.db"
    lock.acquire(db)  # this test process plays the running crawl
    try:
        with StateSite(articles=3) as site:
            proc = run_python(
                "-m",
                "scrapy",
                "shell",
                site.url(1),
                "-s",
                f"NEWSCRAWL_DB={db}",
                "-c",
                "response.status",
                timeout=120,
            )
    finally:
        lock.release(db)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().endswith("200")


# -- SIGTERM --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_sigterm_finishes_what_is_in_flight_keeps_the_rest_and_the_next_run_resumes(tmp_path: Path) -> None:
    db = tmp_path / "term.db"
    log = tmp_path / "term.log"
    with StateSite(articles=200, delay=0.02) as site:
        proc = start_crawl(db, site, log=log)
        wait_until(lambda: len(site.hits()) >= 60, what="the crawl to be under way")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 128 + signal.SIGTERM, log.read_text(errors="replace")[-3000:]
        text = log.read_text(errors="replace")
        assert "stopped before the end; the next run resumes it" in text
        # Graceful: every article page the server sent before the stop is stored.
        served = article_paths_served(site)
        assert served and served == stored_paths(db, site)
        run = query(db, "SELECT * FROM crawl_runs")[0]
        assert run["finish_reason"] == "shutdown" and run["finished_at"]
        assert run["articles_new"] == len(served)
        pending = query(db, "SELECT COUNT(*) FROM frontier")[0][0]
        assert pending > 0
        assert query(db, "SELECT finished_at FROM crawl_jobs")[0][0] is None

        resumed = crawl_site(db, site)
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        fetches = site.fetch_counts()
    assert stored_paths(db, site) == {a.path for a in site.articles.values()}
    # Nothing was fetched twice but what every new process fetches: robots.txt and the start page.
    assert {path for path, n in fetches.items() if n > 1} <= {"/robots.txt", "/fzxw/index.html"}
    runs = query(db, "SELECT finish_reason, job_id FROM crawl_runs ORDER BY id")
    assert [(r["finish_reason"], r["job_id"]) for r in runs] == [("shutdown", 1), ("finished", 1)]
    assert query(db, "SELECT COUNT(*) FROM frontier")[0][0] == 0


def test_a_run_capped_by_closespider_timeout_exits_0_and_the_next_run_resumes(tmp_path: Path) -> None:
    db = tmp_path / "capped.db"
    with StateSite(articles=120, delay=0.05) as site:
        capped = crawl_site(db, site, "CLOSESPIDER_TIMEOUT=1.5")
        assert capped.returncode == 0, capped.stderr[-3000:]
        assert "ended early (closespider_timeout); the next run resumes it" in capped.stderr
        first = len(article_paths_served(site))
        assert 0 < first < 120
        rest = crawl_site(db, site)
        assert rest.returncode == 0, rest.stderr[-3000:]
    assert stored_paths(db, site) == {a.path for a in site.articles.values()}
    runs = query(db, "SELECT finish_reason, job_id, articles_new FROM crawl_runs ORDER BY id")
    assert [(r["finish_reason"], r["job_id"]) for r in runs] == [("closespider_timeout", 1), ("finished", 1)]
    assert runs[0]["articles_new"] + runs[1]["articles_new"] == 120


# -- health rules ---------------------------------------------------------------------------------


def test_error_rate_above_the_setting_exits_unhealthy_and_keeps_what_worked(tmp_path: Path) -> None:
    db = tmp_path / "errors.db"
    with StateSite(articles=30, related=False) as site:
        broken = [site.articles[i].path for i in range(1, 11)]
        for path in broken:
            site.status_override[path] = 500
        proc = crawl_site(db, site)
    assert proc.returncode == EXIT_UNHEALTHY, proc.stderr[-3000:]
    assert "unhealthy: error rate" in proc.stderr
    assert "NEWSCRAWL_MAX_ERROR_RATE=0.2" in proc.stderr
    run = query(db, "SELECT * FROM crawl_runs")[0]
    assert run["finish_reason"] == "finished"
    assert run["pages_failed"] == 10
    assert run["health"].startswith("error rate 30%")
    assert query(db, "SELECT COUNT(*) FROM articles")[0][0] == 20


def test_the_same_errors_under_a_looser_setting_are_healthy(tmp_path: Path) -> None:
    db = tmp_path / "loose.db"
    with StateSite(articles=30, related=False) as site:
        for i in range(1, 11):
            site.status_override[site.articles[i].path] = 500
        proc = crawl_site(db, site, "NEWSCRAWL_MAX_ERROR_RATE=0.5")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert query(db, "SELECT health FROM crawl_runs")[0][0] is None


@pytest.mark.slow
def test_a_site_that_usually_yields_articles_and_yields_none_exits_unhealthy(tmp_path: Path) -> None:
    db = tmp_path / "silent.db"
    with StateSite(articles=30, related=False) as site:
        for _ in range(3):  # one full run, then two quiet ones: already stored counts as found
            proc = crawl_site(db, site)
            assert proc.returncode == 0, proc.stderr[-3000:]
        site.listing_without_links = True  # a redesign: the listing no longer links any article
        broken = crawl_site(db, site)
        site.listing_without_links = False
        healthy_again = crawl_site(db, site)
    assert broken.returncode == EXIT_UNHEALTHY, broken.stderr[-3000:]
    assert "no articles found; the last 3 completed runs found 30, 30, 30" in broken.stderr
    assert healthy_again.returncode == 0, healthy_again.stderr[-3000:]
    health = [r["health"] for r in query(db, "SELECT health FROM crawl_runs ORDER BY id")]
    assert health[:3] == [None, None, None]
    assert health[3].startswith("no articles found")
    assert health[4] is None


def test_a_site_that_is_down_exits_unhealthy(tmp_path: Path) -> None:
    db = tmp_path / "down.db"
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = run_newscrawl(
        "crawl", "news", "--db", str(db), "-a", f"start_url=http://127.0.0.1:{port}/fzxw/", *LOOPBACK_ARGS
    )
    assert proc.returncode == EXIT_UNHEALTHY, proc.stderr[-3000:]
    assert "unhealthy: error rate" in proc.stderr


def test_a_new_site_without_history_is_not_judged_on_yield(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    with StateSite(articles=5, related=False) as site:
        site.listing_without_links = True
        proc = crawl_site(db, site)
    assert proc.returncode == 0, proc.stderr[-3000:]


# -- --all ----------------------------------------------------------------------------------------

SPIDERS = "SPIDER_MODULES=tests.state_spiders,newscrawl.spiders.news,newscrawl.spiders.demo"


def test_crawl_all_runs_every_spider_with_entry_urls_and_skips_the_ones_needing_arguments(
    tmp_path: Path,
) -> None:
    db = tmp_path / "all.db"
    with StateSite(articles=12) as site_a, StateSite(articles=7) as site_b:
        settings = [*LOOPBACK_ARGS, "-s", SPIDERS]
        proc = run_newscrawl(
            "crawl",
            "--all",
            "--db",
            str(db),
            *settings,
            NEWSCRAWL_TEST_SITE_A=site_a.base_url,
            NEWSCRAWL_TEST_SITE_B=site_b.base_url,
        )
        a_urls = {site_a.url(i) for i in site_a.articles}
        b_urls = {site_b.url(i) for i in site_b.articles}
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "--all skips demo, news: they need -a arguments" in proc.stderr
    runs = {r["spider"]: r for r in query(db, "SELECT * FROM crawl_runs")}
    assert set(runs) == {"state_a", "state_b"}
    assert (runs["state_a"]["articles_new"], runs["state_b"]["articles_new"]) == (12, 7)
    rows = query(db, "SELECT url, site FROM articles")
    assert {r["url"] for r in rows if r["site"] == "state_a"} == a_urls
    assert {r["url"] for r in rows if r["site"] == "state_b"} == b_urls


def test_crawl_all_with_nothing_to_run_or_with_names_is_a_usage_error(tmp_path: Path) -> None:
    db = str(tmp_path / "none.db")
    nothing = run_newscrawl("crawl", "--all", "--db", db, "-s", SPIDERS)  # test sites not set
    assert nothing.returncode == 2
    assert "no spider has entry URLs of its own" in nothing.stderr
    both = run_newscrawl("crawl", "--all", "news", "--db", db)
    assert both.returncode == 2
    neither = run_newscrawl("crawl", "--db", db)
    assert neither.returncode == 2
    assert not Path(db).exists()
