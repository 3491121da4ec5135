"""A distributed crawl loses nothing when a worker or the store worker is killed with `kill -9`."""

from __future__ import annotations

import json
import signal
import sqlite3
from collections import Counter
from pathlib import Path

import pytest
import redis

from newscrawl.distributed.connection import RedisKeys
from newscrawl.distributed.testing import RecordingServer, scaled_site, wait_for
from tests.conftest import query
from tests.distributed_support import (
    articles_fetched,
    finish,
    log_tail,
    redis_url,
    start_store_worker,
    start_worker,
)

__all__ = ["redis_url"]  # the fixture, imported for pytest

WORKERS = ("worker-a", "worker-b", "worker-c")
VICTIM = "worker-b"


def article_latency(path: str) -> float:
    """Slow article pages, quick listings: the queue fills up and every worker has requests in flight."""
    return 0.15 if "/content_" in path else 0.0


@pytest.mark.slow
def test_killing_a_worker_mid_crawl_loses_no_article(redis_url: str, tmp_path: Path) -> None:
    articles = 320
    site = scaled_site(articles)
    db = tmp_path / "shared.db"
    with RecordingServer(site, latency=article_latency) as server:
        base_url = server.base_url

        store = start_store_worker(redis_url, db, tmp_path / "store.log")
        workers = {
            name: start_worker(
                redis_url,
                base_url,
                name,
                tmp_path,
                f"NEWSCRAWL_REDIS_MIN_WORKERS={len(WORKERS)}",
                "CONCURRENT_REQUESTS=8",
            )
            for name in WORKERS
        }
        assert wait_for(lambda: articles_fetched(server, VICTIM) >= 16, timeout=120), log_tail(
            tmp_path / f"{VICTIM}.log"
        )
        total_at_kill = sum(1 for f in server.fetches if "/content_" in f.path)
        workers[VICTIM].send_signal(signal.SIGKILL)
        assert workers[VICTIM].wait(timeout=30) == -signal.SIGKILL
        for name, process in workers.items():
            if name != VICTIM:
                assert finish(process, tmp_path / f"{name}.log") == 0, log_tail(tmp_path / f"{name}.log")
        assert finish(store, tmp_path / "store.log") == 0, log_tail(tmp_path / "store.log")
        by_worker = server.fetches_by_agent()

    assert total_at_kill < articles, "the kill came after the crawl had fetched everything"

    # Not one article is missing, and none is stored twice.
    stored = Counter(row["canonical_url"] for row in query(db, "SELECT canonical_url FROM articles"))
    assert set(stored) == {article.url(base_url) for article in site.articles}
    assert max(stored.values()) == 1

    # The victim died holding leases, and a survivor or the store worker put them back.
    runs = query(db, "SELECT spider, stats FROM crawl_runs")
    requeued = sum(json.loads(r["stats"]).get("newscrawl/redis/requeued", 0) for r in runs)
    assert requeued > 0
    assert not any(VICTIM in r["spider"] for r in runs)  # it never got to report its run

    # Only pages the victim had in flight were fetched again; nothing else twice.
    html = Counter(p for paths in by_worker.values() for p in paths if p.endswith(".html"))
    refetched = {p for p, n in html.items() if n > 1}
    assert refetched <= set(by_worker[VICTIM])
    assert len(refetched) <= requeued


@pytest.mark.slow
def test_killing_the_store_worker_loses_no_record(redis_url: str, tmp_path: Path) -> None:
    articles = 120
    site = scaled_site(articles)
    db = tmp_path / "shared.db"
    client = redis.Redis.from_url(redis_url)
    keys = RedisKeys()
    with RecordingServer(site) as server:
        # The worker crawls first, so every record waits in Redis when the store worker starts.
        worker = start_worker(redis_url, server.base_url, "worker-a", tmp_path)
        assert finish(worker, tmp_path / "worker-a.log") == 0, log_tail(tmp_path / "worker-a.log")
    # One record per article and per raw page, plus the worker's run record.
    assert client.llen(keys.items) == 2 * articles + 1

    first = start_store_worker(redis_url, db, tmp_path / "store-1.log")

    def stored() -> int:
        # The file exists a moment before the store worker's migrations have made the tables.
        try:
            return int(query(db, "SELECT COUNT(*) AS n FROM articles")[0]["n"]) if db.exists() else 0
        except sqlite3.OperationalError:
            return 0

    assert wait_for(lambda: stored() >= 20, timeout=120), log_tail(tmp_path / "store-1.log")
    first.send_signal(signal.SIGKILL)
    assert first.wait(timeout=30) == -signal.SIGKILL
    assert stored() < articles, "the kill came after everything was stored"
    # Records taken but not yet written are still in Redis, on the storing list.
    assert client.llen(keys.storing) > 0

    second = start_store_worker(redis_url, db, tmp_path / "store-2.log")
    assert finish(second, tmp_path / "store-2.log") == 0, log_tail(tmp_path / "store-2.log")

    urls = Counter(row["canonical_url"] for row in query(db, "SELECT canonical_url FROM articles"))
    assert set(urls) == {article.url(server.base_url) for article in site.articles}
    assert max(urls.values()) == 1
    assert int(query(db, "SELECT COUNT(*) AS n FROM pages")[0]["n"]) == articles
    assert client.llen(keys.items) == 0
    assert client.llen(keys.storing) == 0
    assert client.llen(keys.failed) == 0


@pytest.mark.slow
def test_a_worker_stopped_with_ctrl_c_hands_its_work_to_the_next(redis_url: str, tmp_path: Path) -> None:
    articles = 60
    site = scaled_site(articles)
    db = tmp_path / "shared.db"
    with RecordingServer(site, latency=article_latency) as server:
        base_url = server.base_url

        store = start_store_worker(redis_url, db, tmp_path / "store.log", exit_when_idle=5)
        first = start_worker(redis_url, base_url, "worker-a", tmp_path, "CONCURRENT_REQUESTS=4")
        assert wait_for(lambda: articles_fetched(server, "worker-a") >= 8, timeout=120), log_tail(
            tmp_path / "worker-a.log"
        )
        first.send_signal(signal.SIGINT)
        # 130: stopped by Ctrl-C (128 + SIGINT), as `newscrawl crawl` reports an interrupted run.
        assert finish(first, tmp_path / "worker-a.log") == 130, log_tail(tmp_path / "worker-a.log")
        assert articles_fetched(server, "worker-a") < articles, (
            "worker-a finished the crawl before it was stopped"
        )
        second = start_worker(redis_url, base_url, "worker-b", tmp_path, "CONCURRENT_REQUESTS=4")
        assert finish(second, tmp_path / "worker-b.log") == 0, log_tail(tmp_path / "worker-b.log")
        assert finish(store, tmp_path / "store.log") == 0, log_tail(tmp_path / "store.log")
        by_worker = server.fetches_by_agent()

    stored = Counter(row["canonical_url"] for row in query(db, "SELECT canonical_url FROM articles"))
    assert set(stored) == {article.url(base_url) for article in site.articles}
    assert max(stored.values()) == 1
    worker_runs = query(db, "SELECT finish_reason FROM crawl_runs WHERE spider LIKE 'demo@%' ORDER BY id")
    assert [r["finish_reason"] for r in worker_runs] == ["shutdown", "finished"]
    # worker-b did not start the crawl over: listing page 1 of each section was fetched once.
    html = Counter(p for paths in by_worker.values() for p in paths if p.endswith(".html"))
    assert all(html[f"/{key}/index.html"] == 1 for key in site.sections)
