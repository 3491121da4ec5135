"""The garbage collector set for a long crawl (newscrawl.gctune): in a child process of its own each
time, since tuning is once per process and would change the test process's collector."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path

from newscrawl.demo import DemoServer, build_site
from newscrawl.workers import ExtractionPool
from tests.conftest import crawl_demo_logged, run_python

PROBE = """
import gc, sys
from newscrawl import gctune
default = gc.get_threshold()[0]
first = gctune.tune(int(sys.argv[1]))
after_first = gc.get_threshold()[0], gc.get_freeze_count() > 0
second = gctune.tune(int(sys.argv[2]))
print(default, first, *after_first, second, gc.get_threshold()[0])
"""


def probe(first: int, second: int) -> list[str]:
    """In a fresh process: tune(first), then tune(second)."""
    out = run_python("-c", PROBE, str(first), str(second))
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_tune_freezes_and_raises_the_threshold_once_per_process() -> None:
    default, first, threshold, frozen, second, still = probe(5000, 6000)
    assert default == "700"  # Python's own, so the test sees a change
    assert (first, threshold, frozen) == ("True", "5000", "True")
    assert (second, still) == ("False", "5000")  # a second call changes nothing


def test_a_threshold_of_zero_leaves_the_collector_alone() -> None:
    default, first, threshold, frozen, second, still = probe(0, 0)
    assert (first, threshold, frozen, second, still) == ("False", default, "False", "False", default)


def test_a_worker_tunes_its_collector_once_warmed_up() -> None:
    async def scenario(threshold: int) -> tuple[tuple[int, int, int], int]:
        pool = ExtractionPool(1, gc_threshold=threshold)
        try:
            return await pool.call(gc.get_threshold), await pool.call(gc.get_freeze_count)
        finally:
            pool.close()

    (tuned, frozen) = asyncio.run(asyncio.wait_for(scenario(4321), 120))
    (untouched, none_frozen) = asyncio.run(asyncio.wait_for(scenario(0), 120))
    # The worker's warm-up page built the engine's tables: the collector is set before the first task.
    assert tuned[0] == 4321 and frozen > 0
    # Python's own collector when told not to, so the test sees a change.
    assert untouched[0] == 700 and none_frozen == 0
    assert tuned[1:] == untouched[1:]


def test_a_crawl_tunes_its_collector_unless_told_not_to(tmp_path: Path) -> None:
    site = build_site()
    with DemoServer(site) as server:
        runs = {}
        for threshold in ("10000", "0"):
            db = tmp_path / f"gc-{threshold}.db"
            runs[threshold] = crawl_demo_logged(server.base_url, db, f"NEWSCRAWL_GC_THRESHOLD={threshold}")
    assert "young threshold 10000" in runs["10000"]
    assert "Garbage collector:" not in runs["0"]
