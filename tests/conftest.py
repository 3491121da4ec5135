"""Shared test fixtures: the loopback-only guard, the corpus, and running the real `newscrawl` command."""

from __future__ import annotations

import importlib.util
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from newscrawl.paths import PROJECT_ROOT, corpus_dir

GUARD_DIR = Path(__file__).parent / "guard"

_spec = importlib.util.spec_from_file_location("newscrawl_test_guard", GUARD_DIR / "sitecustomize.py")
assert _spec and _spec.loader
guard = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(guard)
guard.install()
os.environ[guard.ENV] = "1"

# Settings for crawling our own loopback servers quickly; politeness is tested on its own.
FAST = ("DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False", "CONCURRENT_REQUESTS_PER_DOMAIN=8", "RETRY_TIMES=1")


def subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for a child newscrawl process: the network guard and this checkout on the path."""
    env = dict(os.environ)
    paths = [str(GUARD_DIR), str(PROJECT_ROOT), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    env[guard.ENV] = "1"
    env.pop("NEWSCRAWL_DB", None)
    env.update(extra)
    return env


def run_python(
    *argv: str, cwd: Path | None = None, timeout: float = 300, **env: str
) -> subprocess.CompletedProcess[str]:
    """`python ARGV…` in a child process with `subprocess_env` (the network guard, this checkout),
    its output captured as text."""
    return subprocess.run(
        [sys.executable, *argv],
        cwd=cwd or PROJECT_ROOT,
        env=subprocess_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_newscrawl(
    *args: str, cwd: Path | None = None, timeout: float = 300, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run the real `newscrawl` command in a child process (a fresh reactor each time)."""
    return run_python("-m", "newscrawl", *args, cwd=cwd, timeout=timeout, **env)


def crawl_args(spider: str, db: Path, *spider_args: str, settings: tuple[str, ...] = ()) -> list[str]:
    """The arguments of `newscrawl crawl SPIDER --db DB -a … -s …` with the fast loopback settings."""
    args = ["crawl", spider, "--db", str(db)]
    for a in spider_args:
        args += ["-a", a]
    for s in FAST + settings:
        args += ["-s", s]
    return args


def crawl(
    spider: str, db: Path, *spider_args: str, settings: tuple[str, ...] = (), **env: str
) -> subprocess.CompletedProcess[str]:
    """`newscrawl crawl SPIDER --db DB -a … -s …` with the fast loopback settings (and extra environment)."""
    return run_newscrawl(*crawl_args(spider, db, *spider_args, settings=settings), **env)


def crawl_demo_logged(base_url: str, db: Path, *settings: str) -> str:
    """A short crawl of the demo site (two listing pages a section) at LOG_LEVEL=DEBUG, with
    `settings`; checks that it stored articles and returns its log."""
    proc = crawl(
        "demo",
        db,
        f"base_url={base_url}",
        settings=("LOG_LEVEL=DEBUG", "NEWSCRAWL_MAX_LISTING_PAGES=2", *settings),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert query(db, "SELECT count(*) FROM articles")[0][0] > 0
    return proc.stderr


def query(db: Path, sql: str, *params: object) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@pytest.fixture
def corpus() -> Path:
    """The shared corpus of real pages; tests using it skip when it is absent."""
    path = corpus_dir()
    if not path.is_dir():
        pytest.skip(f"shared corpus not found at {path} (set NEWSCRAWL_CORPUS to its location)")
    return path


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.db"
