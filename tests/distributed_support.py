"""Helpers of the distributed-mode tests: a private redis-server per test, and worker processes.

Each test gets its own `redis-server` on a free loopback port (stopped afterwards). Without
redis-server the tests skip, saying so — except when `NEWSCRAWL_REQUIRE_REDIS=1` (set by .ci/run,
which installs it), where its absence is a failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from newscrawl.demo import is_article_url
from newscrawl.distributed.testing import LocalRedis, RecordingServer, redis_server_binary
from newscrawl.paths import PROJECT_ROOT
from tests.conftest import FAST, subprocess_env

WORKER_SETTINGS = (
    *FAST,
    "NEWSCRAWL_MAX_LISTING_PAGES=200",
    # A dead worker is noticed within seconds, not the production 30 s.
    "NEWSCRAWL_REDIS_WORKER_TIMEOUT=3",
    "LOG_LEVEL=INFO",
)


@pytest.fixture
def redis_url() -> Iterator[str]:
    """URL of a fresh, empty Redis on 127.0.0.1 for this test only."""
    if redis_server_binary() is None:
        message = "redis-server not installed (apt-get install redis-server; .ci/run installs it)"
        if os.environ.get("NEWSCRAWL_REQUIRE_REDIS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    with LocalRedis() as server:
        yield server.url


def start_newscrawl(*args: str, log: Path) -> subprocess.Popen[bytes]:
    """`newscrawl ARGS…` in the background, stderr (the Scrapy log) to `log`."""
    with log.open("wb") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "newscrawl", *args],
            cwd=PROJECT_ROOT,
            env=subprocess_env(),
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )


def start_worker(
    redis_url: str, base_url: str, name: str, log_dir: Path, *settings: str
) -> subprocess.Popen[bytes]:
    """One `newscrawl crawl demo --redis …` worker whose requests carry User-Agent `name`."""
    args = ["crawl", "demo", "--redis", redis_url, "-a", f"base_url={base_url}"]
    for setting in (*WORKER_SETTINGS, f"USER_AGENT={name}", *settings):
        args += ["-s", setting]
    return start_newscrawl(*args, log=log_dir / f"{name}.log")


def start_store_worker(
    redis_url: str, db: Path, log: Path, exit_when_idle: float = 3.0
) -> subprocess.Popen[bytes]:
    return start_newscrawl(
        "store-worker",
        "--redis",
        redis_url,
        "--db",
        str(db),
        "--exit-when-idle",
        str(exit_when_idle),
        "-s",
        "LOG_LEVEL=INFO",
        log=log,
    )


def finish(process: subprocess.Popen[bytes], log: Path, timeout: float = 240) -> int:
    """Wait for a process; on a hang, kill it and fail with the end of its log."""
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail(f"{log.name} did not finish in {timeout} s:\n{log.read_text(errors='replace')[-3000:]}")


def log_tail(log: Path, chars: int = 3000) -> str:
    return log.read_text(errors="replace")[-chars:]


def articles_fetched(server: RecordingServer, agent: str) -> int:
    """How many article pages the worker with User-Agent `agent` has fetched so far."""
    paths = server.fetches_by_agent().get(agent, [])
    return sum(1 for path in paths if is_article_url(server.base_url + path))
