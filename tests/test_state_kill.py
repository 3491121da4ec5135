"""kill -9 at random moments (issue 6, point 1): a crawl of a 600-article loopback site is SIGKILLed
three times and restarted each time; in the end every article is stored exactly once, the database
passes `PRAGMA integrity_check`, and at most 5% of the pages were fetched twice.

The server answers each request after 20 ms, as a nearby real server would; per-domain concurrency
is the project's default (2). What a kill costs is the work in flight at that moment — the pages
being downloaded or processed, whose rows were not committed yet, at most `NEWSCRAWL_MAX_IN_FLIGHT`
(6), and a listing page finished in the last batch interval (20 ms) whose row's deletion was not
committed — plus robots.txt and the start page, which every new process fetches again. An article
page stored but not yet marked done is not fetched again (its row is dropped on resume).
"""

from __future__ import annotations

import os
import random
import signal
from pathlib import Path

import pytest

from tests.conftest import query
from tests.statesite import StateSite, start_crawl, wait_until

ARTICLES = 600
KILLS = 3


@pytest.mark.slow
def test_sigkill_three_times_loses_nothing_and_refetches_little(tmp_path: Path) -> None:
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    db = tmp_path / "killed.db"
    log = tmp_path / "crawl.log"
    with StateSite(articles=ARTICLES, delay=0.02) as site:
        pages = ARTICLES + len(site.listing_paths()) + 1
        # Kill moments: numbers of pages the server has answered, spread over the crawl.
        moments = sorted(rng.sample(range(pages // 20, pages * 9 // 10), KILLS))
        stored_before: list[int] = []
        for moment in moments:
            proc = start_crawl(db, site, log=log)
            wait_until(
                lambda m=moment, p=proc: len(site.hits()) >= m or p.poll() is not None, what="the kill moment"
            )
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            assert proc.returncode == -signal.SIGKILL, (
                f"seed {seed}: the crawl ended before the kill at {moment}"
            )
            stored = query(db, "SELECT COUNT(*) FROM articles")[0][0]
            assert not stored_before or stored >= stored_before[-1], (
                f"seed {seed}: stored articles went missing"
            )
            stored_before.append(stored)
        last = start_crawl(db, site, log=log)
        assert last.wait(timeout=300) == 0, log.read_text(errors="replace")[-3000:]
        fetches = site.fetch_counts()
        expected = {site.url(a.id) for a in site.articles.values()}

    context = f"seed {seed}, kills after {moments} pages, stored then {stored_before}"
    rows = query(db, "SELECT url, COUNT(*) AS n FROM articles GROUP BY url")
    assert {r["url"] for r in rows} == expected, context
    assert all(r["n"] == 1 for r in rows), context
    assert query(db, "SELECT COUNT(*) FROM articles")[0][0] == ARTICLES
    assert query(db, "PRAGMA integrity_check")[0][0] == "ok"
    twice = sorted(path for path, n in fetches.items() if n > 1)
    share = len(twice) / len(fetches)
    assert share <= 0.05, f"{context}: {len(twice)} of {len(fetches)} pages fetched twice: {twice}"
    # Every page was fetched; the runs are on record: three killed, one finished, one job, all done.
    assert len(fetches) == pages
    run_rows = query(db, "SELECT finish_reason, job_id, articles_new FROM crawl_runs ORDER BY id")
    assert [r["finish_reason"] for r in run_rows] == ["killed"] * KILLS + ["finished"]
    assert {r["job_id"] for r in run_rows} == {1}
    assert sum(r["articles_new"] for r in run_rows) == ARTICLES
    assert query(db, "SELECT COUNT(*) FROM frontier")[0][0] == 0
    assert query(db, "SELECT finish_reason FROM crawl_jobs")[0][0] == "finished"
