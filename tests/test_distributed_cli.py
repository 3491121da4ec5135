"""The switch into distributed mode: `--redis`, `$NEWSCRAWL_REDIS_URL`, and what stays as it was."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from newscrawl.cli import project_settings
from newscrawl.demo import DemoServer
from newscrawl.distributed import RedisAddon
from newscrawl.distributed.testing import free_port
from tests.conftest import FAST, query, run_newscrawl
from tests.distributed_support import finish, log_tail, redis_url, start_store_worker

__all__ = ["redis_url"]  # the fixture, imported for pytest


if TYPE_CHECKING:
    from scrapy.settings import Settings


def applied(overrides: list[tuple[str, str]]) -> Settings:
    """newscrawl's settings (with `-s` overrides) as the add-on leaves them."""
    settings = project_settings(overrides=overrides)
    assert "newscrawl.distributed.RedisAddon" in settings.getdict("ADDONS")
    RedisAddon().update_settings(settings)
    return settings


def test_without_a_redis_url_nothing_changes() -> None:
    settings = applied([])
    assert settings["SCHEDULER"] == "newscrawl.state.frontier.FrontierScheduler"
    assert settings["DUPEFILTER_CLASS"] == "newscrawl.state.frontier.FrontierDupeFilter"
    assert "newscrawl.pipelines.StorePipeline" in settings.getdict("ITEM_PIPELINES")
    assert settings.getdict("EXTENSIONS")["newscrawl.extensions.CrawlRunRecorder"] == 100


def test_a_redis_url_makes_the_crawl_a_worker_by_settings_alone() -> None:
    settings = applied([("NEWSCRAWL_REDIS_URL", "redis://127.0.0.1:6379/0")])
    assert settings["SCHEDULER"] == "newscrawl.distributed.scheduler.RedisScheduler"
    assert settings["DUPEFILTER_CLASS"] == "newscrawl.distributed.dupefilter.SharedDupeFilter"
    assert settings.getdict("ITEM_PIPELINES") == {"newscrawl.distributed.pipelines.RedisItemPipeline": 900}
    middlewares = settings.getdict("SPIDER_MIDDLEWARES")
    assert middlewares["newscrawl.middlewares.PageArchiveMiddleware"] is None
    assert "newscrawl.distributed.middlewares.SeedOnceMiddleware" in middlewares
    assert settings.getdict("EXTENSIONS")["newscrawl.extensions.CrawlRunRecorder"] is None


def test_crawl_with_an_unreachable_redis_fails_clearly(tmp_path: Path) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    result = run_newscrawl("crawl", "demo", "--redis", url, "-a", "base_url=http://127.0.0.1:1")
    assert result.returncode == 1
    assert f"cannot reach Redis at {url}" in result.stderr
    assert "Traceback" not in result.stderr


def test_store_worker_needs_a_redis_url() -> None:
    result = run_newscrawl("store-worker", "--db", "unused.db")
    assert result.returncode == 2
    assert "store-worker needs --redis URL" in result.stderr


def test_the_environment_variable_switches_a_worker_on_and_it_never_writes_sqlite(
    redis_url: str, tmp_path: Path
) -> None:
    worker_db = tmp_path / "worker.db"
    store_db = tmp_path / "store.db"
    with DemoServer() as server:
        args = ["crawl", "demo", "--db", str(worker_db), "-a", f"base_url={server.base_url}"]
        for setting in (*FAST, "NEWSCRAWL_MAX_LISTING_PAGES=100"):
            args += ["-s", setting]
        result = run_newscrawl(*args, NEWSCRAWL_REDIS_URL=redis_url)
        assert result.returncode == 0, result.stderr[-3000:]
        expected = {article.url(server.base_url) for article in server.site.articles}
    assert not worker_db.exists()

    store = start_store_worker(redis_url, store_db, tmp_path / "store.log", exit_when_idle=1)
    assert finish(store, tmp_path / "store.log") == 0, log_tail(tmp_path / "store.log")
    assert {row["canonical_url"] for row in query(store_db, "SELECT canonical_url FROM articles")} == expected
