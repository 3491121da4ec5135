"""The rules of scheduled runs as plain functions: the revisit policy, the health rules, the lock,
and what identifies a crawl across runs."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from newscrawl.extensions import job_key
from newscrawl.spiders.base import NewsSpider
from newscrawl.spiders.demo import DemoSpider
from newscrawl.spiders.news import GenericNewsSpider
from newscrawl.state import lock
from newscrawl.state.health import HealthRules, failure_counts, judge
from newscrawl.state.revisit import RevisitPolicy
from newscrawl.state.runs import has_entry_urls, uses_database
from newscrawl.store.history import RunCounts, StoredArticle
from tests.conftest import subprocess_env

CST = timezone(timedelta(hours=8))
NOW = datetime(2024, 5, 20, 12, 0, tzinfo=CST)


def stored(fetched_hours_ago: float, published_days_ago: float | None) -> StoredArticle:
    published = None if published_days_ago is None else (NOW - timedelta(days=published_days_ago)).isoformat()
    return StoredArticle("u", (NOW - timedelta(hours=fetched_hours_ago)).isoformat(), published, 1)


@pytest.mark.parametrize(
    ("policy", "article", "due"),
    [
        (RevisitPolicy(), stored(1000, 1), False),  # default: stored pages are not fetched again
        (RevisitPolicy(refresh=True), stored(0, 1000), True),
        (RevisitPolicy(after_hours=24), stored(23, None), False),  # fetched too recently
        (RevisitPolicy(after_hours=24), stored(25, None), True),
        (RevisitPolicy(after_hours=24, within_days=7), stored(25, 3), True),
        (RevisitPolicy(after_hours=24, within_days=7), stored(25, 30), False),  # too old to change
        (RevisitPolicy(after_hours=24, within_days=7), stored(25, None), False),  # age unknown
    ],
)
def test_revisit_policy(policy: RevisitPolicy, article: StoredArticle, due: bool) -> None:
    assert policy.due(article, NOW) is due


def run(new: int = 0, skipped: int = 0, failed: int = 0, fetched: int = 10) -> RunCounts:
    return RunCounts(1, "voc", "finished", new, 0, 0, skipped, fetched, failed)


RULES = HealthRules(max_error_rate=0.2, history=5, min_history=3)


def test_error_rate_rule() -> None:
    assert judge(run(new=5, failed=2), [], RULES, pages_tried=10) == []
    problems = judge(run(new=5, failed=3), [], RULES, pages_tried=10)
    assert problems == ["error rate 30% (3 of 10 pages failed) is above NEWSCRAWL_MAX_ERROR_RATE=0.2"]


def test_no_articles_rule_needs_a_history_that_usually_found_some() -> None:
    usual = [run(new=3), run(skipped=20), run(new=1, skipped=19)]
    assert judge(run(), usual, RULES, pages_tried=5) == [
        "no articles found; the last 3 completed runs found 3, 20, 20"
    ]
    assert judge(run(skipped=20), usual, RULES, pages_tried=5) == []  # a quiet hour is healthy
    assert judge(run(), usual[:2], RULES, pages_tried=5) == []  # too little history to tell
    mostly_empty = [run(), run(), run(new=4)]
    assert judge(run(), mostly_empty, RULES, pages_tried=5) == []


def test_failure_counts_leave_out_policy_refusals_and_count_each_page_once() -> None:
    stats = {
        "downloader/request_count": 50,  # robots.txt, 40 pages answered, 3 timed out; 6 retries
        "retry/count": 6,
        "newscrawl/errors": 13,  # 5 failed fetches, 1 extraction error, 7 robots.txt refusals
        "newscrawl/fetch_error/IgnoreRequest": 7,
    }
    assert failure_counts(stats) == (6, 44)


def test_the_lock_is_counted_in_the_process_and_exclusive_between_processes(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    other = [
        sys.executable,
        "-c",
        f"from newscrawl.state import lock; lock.acquire({str(db)!r}); print('got it')",
    ]
    assert lock.acquire(db) is True
    assert lock.acquire(db) is False  # the process holds it already
    try:
        proc = subprocess.run(other, capture_output=True, text=True, env=subprocess_env(), check=False)
        assert proc.returncode != 0
        assert "is in use by another crawl" in proc.stderr
        lock.release(db)
        assert lock.held(db)  # one hold left
    finally:
        lock.release(db)
    assert not lock.held(db)
    proc = subprocess.run(other, capture_output=True, text=True, env=subprocess_env(), check=False)
    assert proc.stdout.strip() == "got it", proc.stderr


def test_job_keys_tell_crawls_chosen_by_arguments_apart() -> None:
    a = GenericNewsSpider(start_url="http://127.0.0.1:1/a/")
    b = GenericNewsSpider(start_url="http://127.0.0.1:1/b/")
    assert job_key(a).startswith("news:") and job_key(a) != job_key(b)
    assert job_key(a) == job_key(GenericNewsSpider(start_url="http://127.0.0.1:1/a/"))
    assert job_key(DemoSpider(base_url="http://127.0.0.1:8642")).startswith("demo:")


def test_only_crawls_that_write_the_database_take_its_lock() -> None:
    from scrapy.settings import Settings

    assert uses_database(Settings())
    assert not uses_database(Settings({"NEWSCRAWL_REDIS_URL": "redis://127.0.0.1:6379/0"}))
    assert uses_database(
        Settings({"NEWSCRAWL_REDIS_URL": "redis://127.0.0.1:6379/0", "NEWSCRAWL_REDIS_ROLE": "store"})
    )


def test_spiders_that_need_arguments_have_no_entry_urls_of_their_own() -> None:
    class SiteSpider(NewsSpider):
        name = "site"
        listing_urls = ["http://127.0.0.1:1/fzxw/index.html"]  # noqa: RUF012

    assert not has_entry_urls(GenericNewsSpider)
    assert not has_entry_urls(DemoSpider)
    assert has_entry_urls(SiteSpider)
