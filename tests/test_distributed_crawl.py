"""Three workers and one store worker crawl a 320-article loopback site over a real Redis."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from newscrawl.demo import is_article_url
from newscrawl.distributed.testing import RecordingServer, scaled_site
from tests.conftest import query
from tests.distributed_support import (
    finish,
    log_tail,
    redis_url,
    start_store_worker,
    start_worker,
)

__all__ = ["redis_url"]  # the fixture, imported for pytest

ARTICLES = 320
WORKERS = ("worker-a", "worker-b", "worker-c")


def is_html_page(path: str) -> bool:
    """Listing and article pages; robots.txt is fetched by every worker's robots middleware."""
    return path.endswith(".html")


@pytest.mark.slow
def test_three_workers_store_every_article_once_and_fetch_no_page_twice(
    redis_url: str, tmp_path: Path
) -> None:
    site = scaled_site(ARTICLES)
    db = tmp_path / "shared.db"
    with RecordingServer(site, latency=0.01) as server:
        store = start_store_worker(redis_url, db, tmp_path / "store.log")
        workers = [
            start_worker(
                redis_url, server.base_url, name, tmp_path, f"NEWSCRAWL_REDIS_MIN_WORKERS={len(WORKERS)}"
            )
            for name in WORKERS
        ]
        for name, process in zip(WORKERS, workers, strict=True):
            assert finish(process, tmp_path / f"{name}.log") == 0, log_tail(tmp_path / f"{name}.log")
        assert finish(store, tmp_path / "store.log") == 0, log_tail(tmp_path / "store.log")
        by_worker = server.fetches_by_agent()

    # Every article of the site is stored, once, with the fields its page shows.
    base_url = server.base_url
    expected = {article.url(base_url): article for article in site.articles}
    rows = query(db, "SELECT canonical_url, url, title, site, published_at FROM articles")
    stored = Counter(row["canonical_url"] for row in rows)
    assert len(expected) == ARTICLES
    assert set(stored) == set(expected)
    assert max(stored.values()) == 1
    for row in rows:
        truth = expected[row["canonical_url"]]
        assert row["site"] == "demo"
        assert row["title"] == truth.title
        assert row["published_at"] == truth.published_at
    # The raw pages reached the same store, for re-extraction.
    pages = {row["url"] for row in query(db, "SELECT url FROM pages")}
    assert pages == set(expected)

    # No page was fetched twice — by the same worker or by two.
    assert set(by_worker) == set(WORKERS)
    html = [path for paths in by_worker.values() for path in paths if is_html_page(path)]
    repeats = {path: n for path, n in Counter(html).items() if n > 1}
    assert repeats == {}
    article_paths = {path for path in html if is_article_url(base_url + path)}
    assert article_paths == {article.path for article in site.articles}

    # The work was spread: every worker fetched a fair share of the article pages.
    shares = {
        name: sum(1 for p in by_worker[name] if is_article_url(base_url + p)) / ARTICLES for name in WORKERS
    }
    assert all(share >= 0.10 for share in shares.values()), shares

    # One crawl_runs row per worker (from its run record) and one for the store worker.
    runs = query(db, "SELECT spider, finish_reason, pages_fetched, stats FROM crawl_runs")
    worker_runs = [r for r in runs if r["spider"].startswith("demo@")]
    assert len(worker_runs) == len(WORKERS)
    assert all(r["finish_reason"] == "finished" for r in runs)
    fetched = sum(json.loads(r["stats"]).get("newscrawl/redis/items_pushed", 0) for r in worker_runs)
    assert fetched == ARTICLES
    store_run = next(r for r in runs if r["spider"] == "store-worker")
    assert json.loads(store_run["stats"])["newscrawl/articles/new"] == ARTICLES
