"""How a crawl's extraction workers start (newscrawl.workers, newscrawl.worker_process): without
Scrapy or Twisted, before the spider opens, and never running the crawler's main script again."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from newscrawl.demo import DemoServer, build_site
from newscrawl.workers import ExtractionPool
from tests.conftest import crawl_args, crawl_demo_logged, query, run_python
from tests.worker_probe import loaded_modules


def run_stats(db: Path) -> dict[str, int]:
    return json.loads(str(query(db, "SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1")[0]["stats"]))


def test_a_worker_imports_neither_scrapy_nor_twisted() -> None:
    async def scenario() -> list[str]:
        pool = ExtractionPool(1)
        try:
            modules: list[str] = await pool.call(loaded_modules)
            return modules
        finally:
            pool.close()

    modules = asyncio.run(asyncio.wait_for(scenario(), 120))
    assert "newscrawl.extract" in modules and "newscrawl.clean" in modules  # a real worker
    crawler_side = [m for m in modules if m.split(".")[0] in ("scrapy", "twisted")]
    assert crawler_side == []
    assert "newscrawl.workers" not in modules and "newscrawl.cli" not in modules
    # Nor the story index's database and URL code: the worker's sketch is `newscrawl.dedup.sketch`.
    assert "newscrawl.dedup.sketch" in modules
    index_side = [m for m in modules if m.split(".")[0] in ("tldextract", "requests", "sqlite_utils")]
    assert index_side == [] and "newscrawl.dedup.index" not in modules and "newscrawl.store" not in modules


def test_a_crawl_starts_its_workers_before_the_spider_opens(tmp_path: Path) -> None:
    with DemoServer(build_site()) as server:
        logs = {}
        for workers in ("1", "0"):
            db = tmp_path / f"w{workers}.db"
            log = crawl_demo_logged(server.base_url, db, f"NEWSCRAWL_EXTRACT_WORKERS={workers}")
            logs[workers] = (log, run_stats(db))
    log, stats = logs["1"]
    # Started while the crawl was set up: before the store opened the run and the spider opened.
    assert log.index("Started 1 extraction worker(s)") < log.index("Spider opened")
    assert "warm-up done" in log
    assert stats["newscrawl/workers/started"] == 1
    assert stats["newscrawl/workers/ready_seconds"] > 0
    assert stats["newscrawl/workers/prepared"] > 0
    log, stats = logs["0"]
    assert "extraction worker" not in log
    assert "newscrawl/workers/started" not in stats and "newscrawl/workers/prepared" not in stats


SCRIPT = """
import sys
from pathlib import Path

with Path(sys.argv[1]).open("a") as runs:  # once per time this script runs, in any process
    runs.write("ran\\n")

from newscrawl.cli import main

main(sys.argv[2:])  # at module level, with no `if __name__ == "__main__":` guard
"""


def test_a_script_that_crawls_at_module_level_runs_once_with_workers(tmp_path: Path) -> None:
    script = tmp_path / "my_crawl.py"
    script.write_text(SCRIPT)
    runs, db = tmp_path / "runs.txt", tmp_path / "script.db"
    with DemoServer(build_site()) as server:
        args = crawl_args(
            "demo",
            db,
            f"base_url={server.base_url}",
            settings=("NEWSCRAWL_EXTRACT_WORKERS=1", "NEWSCRAWL_MAX_LISTING_PAGES=2"),
        )
        proc = run_python(str(script), str(runs), *args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert runs.read_text() == "ran\n"  # the worker did not run the script again
    assert run_stats(db)["newscrawl/workers/prepared"] > 0
