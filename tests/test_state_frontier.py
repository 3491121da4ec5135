"""The SQLite frontier in real crawls: more pending requests than the memory queue holds, retries
and redirects (Scrapy's copies of a request in flight), and the engine hook that tells the frontier
when a page is done — if a Scrapy upgrade moves that hook, `frontier/done` stops matching here.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import query
from tests.statesite import StateSite, crawl_site


def last_stats(db: Path) -> dict[str, object]:
    return json.loads(query(db, "SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1")[0][0])


def test_a_crawl_bigger_than_the_memory_queue_reads_the_rest_back_in_order(tmp_path: Path) -> None:
    db = tmp_path / "spill.db"
    with StateSite(articles=120) as site:
        proc = crawl_site(db, site, "NEWSCRAWL_FRONTIER_MEMORY=5")
        fetches = site.fetch_counts()
        order = [h.path for h in site.hits() if "/content_" in h.path]
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert query(db, "SELECT COUNT(*) FROM articles")[0][0] == 120
    assert max(fetches.values()) == 1
    stats = last_stats(db)
    # Every request the frontier took was finished through the engine hook, none left behind.
    assert stats["newscrawl/frontier/enqueued"] == stats["newscrawl/frontier/done"] == 126
    assert query(db, "SELECT COUNT(*) FROM frontier")[0][0] == 0
    # First in, first out: the articles of listing page 1 (ids 120..101) come before page 2's.
    first_page = {site.articles[i].path for i in range(101, 121)}
    assert set(order[:20]) == first_page


def test_retries_and_redirects_stay_one_row_and_finish_once(tmp_path: Path) -> None:
    db = tmp_path / "copies.db"
    with StateSite(articles=30, related=False) as site:
        retried = site.articles[7].path
        site.fail_once.add(retried)
        moved, target = "/fzxw/old/content_9001.html", site.articles[29].path
        site.redirects[moved] = target
        site.extra_links.append(moved)
        proc = crawl_site(db, site)
        fetches = site.fetch_counts()
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert fetches[retried] == 2  # 503, then the page
    assert fetches[moved] == 1
    assert query(db, "SELECT COUNT(*) FROM articles")[0][0] == 30
    stats = last_stats(db)
    assert stats["retry/count"] == 1
    assert stats["newscrawl/frontier/requeued"] >= 1
    assert stats["newscrawl/frontier/enqueued"] == stats["newscrawl/frontier/done"]
    assert query(db, "SELECT COUNT(*) FROM frontier")[0][0] == 0


def test_a_finished_job_leaves_no_state_and_the_next_run_starts_a_new_one(tmp_path: Path) -> None:
    db = tmp_path / "jobs.db"
    with StateSite(articles=10) as site:
        assert crawl_site(db, site).returncode == 0
        assert crawl_site(db, site).returncode == 0
    jobs = query(db, "SELECT id, finish_reason, first_run_id FROM crawl_jobs ORDER BY id")
    assert [(j["id"], j["finish_reason"], j["first_run_id"]) for j in jobs] == [
        (1, "finished", 1),
        (2, "finished", 2),
    ]
    assert query(db, "SELECT COUNT(*) FROM frontier_seen")[0][0] == 0
    assert query(db, "SELECT COUNT(*) FROM frontier")[0][0] == 0


def test_a_crawl_that_records_no_run_keeps_its_frontier_in_memory_and_opens_no_database(
    tmp_path: Path,
) -> None:
    # As `newscrawl savefixture` or a distributed worker configure theirs: nothing stored here.
    db = tmp_path / "never.db"
    with StateSite(articles=25) as site:
        proc = crawl_site(
            db,
            site,
            'EXTENSIONS={"newscrawl.extensions.CrawlRunRecorder": null}',
            "ITEM_PIPELINES={}",
            'SPIDER_MIDDLEWARES={"newscrawl.middlewares.PageArchiveMiddleware": null}',
        )
        fetches = site.fetch_counts()
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert not db.exists()
    assert len(fetches) == 25 + len(site.listing_paths()) + 1 and max(fetches.values()) == 1


def test_the_in_flight_cap_follows_the_per_domain_concurrency_unless_set() -> None:
    from scrapy.settings import Settings

    from newscrawl import settings as project_settings
    from newscrawl.state.frontier import max_in_flight

    def cap(**overrides: object) -> int:
        settings = Settings()
        settings.setmodule(project_settings)
        settings.update(overrides)
        return max_in_flight(settings)

    # The project's defaults: 2 per domain, so the kill -9 bound of the README (6) holds.
    assert cap() == 6
    assert cap(CONCURRENT_REQUESTS_PER_DOMAIN=16) == 32
    assert cap(CONCURRENT_REQUESTS_PER_DOMAIN=1) == 6
    assert cap(NEWSCRAWL_MAX_IN_FLIGHT=3, CONCURRENT_REQUESTS_PER_DOMAIN=16) == 3
    assert cap(NEWSCRAWL_MAX_IN_FLIGHT=0) == 0
