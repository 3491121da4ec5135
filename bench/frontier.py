"""Memory of the crawl state as it grows to 1,000,000 URLs, against Scrapy's in-memory state.

    .venv/bin/python bench/frontier.py [--urls 1000000] [--every 100000] [--scheduler 200000]

Two measurements, each implementation in a fresh child process of its own (so one's heap does not
hide in the other's figures), each fed the same generated article URLs (no network: nothing is
fetched, the requests only go through the components):

1. **seen set** — every URL once through the dupefilter, as the scheduler does for each new
   request: newscrawl's `FrontierDupeFilter` (SQLite `frontier_seen`, through the crawl session's
   batched writer on its own thread, under a running reactor, flushed every 5,000 URLs as a crawl's
   pace would) against Scrapy's `RFPDupeFilter` (a Python set of fingerprints);
2. **pending frontier** (`--scheduler N`, 0 to skip) — N requests enqueued and none yet fetched:
   newscrawl's `FrontierScheduler` (at most `NEWSCRAWL_FRONTIER_MEMORY` in memory, the rest in SQLite)
   against Scrapy's default `Scheduler` (memory queues).

Printed: resident memory (RSS, after a garbage collection) every `--every` URLs, the growth per
million URLs, the time per URL, and the ratio of the two growths. Target (issue 6): the seen set
grows less than 20 MB per million URLs.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MB = 1024 * 1024
SITES = ("hnfz", "voc", "rednet", "hunan-court", "hnjcy", "hnga", "hnsft", "fzzb")


def url(i: int) -> str:
    """A plausible article URL; 100 per day per site, eight sites."""
    site = SITES[i % len(SITES)]
    day = i // 800
    return f"https://www.{site}.example.cn/fzxw/{2010 + day // 365}-{day % 12 + 1:02d}/{day % 28 + 1:02d}/content_{i}.html"


def rss() -> int:
    gc.collect()
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


def emit(**row: Any) -> None:
    print(json.dumps(row), flush=True)


# -- children -------------------------------------------------------------------------------------


def _crawler(db: Path, **overrides: Any) -> Any:
    from scrapy.utils.test import get_crawler

    from newscrawl.cli import project_settings
    from newscrawl.spiders.base import NewsSpider

    class BenchSpider(NewsSpider):
        name = "bench"
        listing_urls = ["https://www.hnfz.example.cn/fzxw/index.html"]  # noqa: RUF012

    settings = project_settings(str(db)).copy_to_dict()
    settings.update(overrides)
    crawler = get_crawler(BenchSpider, settings)
    crawler.spider = BenchSpider.from_crawler(crawler)
    return crawler


async def _measure(step: Any, urls: int, every: int, flush: Any = None) -> None:
    """Call `step(i)` for every URL, printing RSS every `every`; `flush()` (awaitable) every 5,000."""
    started = time.perf_counter()
    emit(n=0, rss=rss(), seconds=0.0)
    for i in range(urls):
        step(i)
        if flush is not None and (i + 1) % 5000 == 0:
            await flush()
        if (i + 1) % every == 0:
            emit(n=i + 1, rss=rss(), seconds=time.perf_counter() - started)


def _article_request(crawler: Any, i: int) -> Any:
    from scrapy import Request

    return Request(url(i), callback=crawler.spider.parse_article, meta={"newscrawl_kind": "article"})


async def child_rfp(urls: int, every: int, db: Path) -> None:
    from scrapy import Request
    from scrapy.dupefilters import RFPDupeFilter

    df = RFPDupeFilter.from_crawler(_crawler(db))
    await _measure(lambda i: df.request_seen(Request(url(i))), urls, every)


async def child_frontier_seen(urls: int, every: int, db: Path) -> None:
    from scrapy import Request
    from scrapy.utils.defer import maybe_deferred_to_future

    from newscrawl.extensions import CrawlSession
    from newscrawl.state.frontier import FrontierDupeFilter

    crawler = _crawler(db)
    df = FrontierDupeFilter.from_crawler(crawler)
    session = CrawlSession.of(crawler)
    flush = lambda: maybe_deferred_to_future(session.writer.flush())  # noqa: E731
    await _measure(lambda i: df.request_seen(Request(url(i))), urls, every, flush)
    await session.close()


async def child_scrapy_scheduler(urls: int, every: int, db: Path) -> None:
    from scrapy.core.scheduler import Scheduler

    # ScrapyPriorityQueue rather than the default downloader-aware one, which needs a running engine;
    # both hold every pending request in memory queues.
    crawler = _crawler(
        db,
        DUPEFILTER_CLASS="scrapy.dupefilters.RFPDupeFilter",
        SCHEDULER_PRIORITY_QUEUE="scrapy.pqueues.ScrapyPriorityQueue",
    )
    scheduler = Scheduler.from_crawler(crawler)
    scheduler.open(crawler.spider)
    await _measure(lambda i: scheduler.enqueue_request(_article_request(crawler, i)), urls, every)


async def child_frontier_scheduler(urls: int, every: int, db: Path) -> None:
    from scrapy.utils.defer import maybe_deferred_to_future

    from newscrawl.extensions import CrawlSession
    from newscrawl.state.frontier import FrontierScheduler

    crawler = _crawler(db)
    scheduler = FrontierScheduler.from_crawler(crawler)
    scheduler.open(crawler.spider)
    session = CrawlSession.of(crawler)
    flush = lambda: maybe_deferred_to_future(session.writer.flush())  # noqa: E731
    await _measure(lambda i: scheduler.enqueue_request(_article_request(crawler, i)), urls, every, flush)
    await session.close()


def _under_reactor(coro_fn: Any, *args: Any) -> None:
    """Run a child under Scrapy's reactor, as the crawler runs (every child alike)."""
    from twisted.internet import defer, task

    task.react(lambda _reactor: defer.Deferred.fromFuture(asyncio.ensure_future(coro_fn(*args))))


CHILDREN = {
    "seen/scrapy-rfp": child_rfp,
    "seen/newscrawl": child_frontier_seen,
    "pending/scrapy-scheduler": child_scrapy_scheduler,
    "pending/newscrawl": child_frontier_scheduler,
}


# -- parent ---------------------------------------------------------------------------------------


def run_child(name: str, urls: int, every: int) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="newscrawl-bench-") as tmp:
        proc = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                name,
                "--urls",
                str(urls),
                "--every",
                str(every),
                "--db",
                f"{tmp}/b.db",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    if proc.returncode != 0:
        sys.exit(f"bench child {name} failed:\n{proc.stderr[-3000:]}")
    return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]


def report(title: str, ours: str, theirs: str, urls: int, every: int) -> None:
    print(f"\n{title}: {urls:,} URLs")
    rows = {name: run_child(name, urls, every) for name in (theirs, ours)}
    print(f"{'URLs':>10}  " + "  ".join(f"{name + ' RSS MB':>28}" for name in rows))
    for i in range(len(rows[ours])):
        n = rows[ours][i]["n"]
        print(f"{n:>10,}  " + "  ".join(f"{r[i]['rss'] / MB:>28.1f}" for r in rows.values()))
    growth = {}
    for name, series in rows.items():
        first, second, last = series[0], series[1], series[-1]
        growth[name] = (last["rss"] - first["rss"]) / MB * 1_000_000 / last["n"]
        # After the first step caches are warm (SQLite's page cache, the in-memory part of the
        # frontier): the slope from there on is what a longer crawl adds.
        slope = (last["rss"] - second["rss"]) / MB * 1_000_000 / max(1, last["n"] - second["n"])
        per_url = last["seconds"] / last["n"] * 1e6
        print(
            f"  {name:<26} growth {growth[name]:7.1f} MB per million URLs"
            f" (after the first step: {slope:6.1f}), {per_url:6.1f} µs per URL"
        )
    if growth[ours] > 0:
        print(f"  ratio: {theirs} grows {growth[theirs] / growth[ours]:.1f}x as much as {ours}")
    else:
        print(f"  ratio: {ours} did not grow measurably ({growth[ours]:.1f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--urls", type=int, default=1_000_000)
    parser.add_argument("--every", type=int, default=100_000)
    parser.add_argument("--scheduler", type=int, default=200_000, help="pending-frontier run size (0: skip)")
    parser.add_argument("--child", choices=sorted(CHILDREN))
    parser.add_argument("--db", type=Path)
    args = parser.parse_args()
    if args.child:
        from scrapy.utils.reactor import install_reactor

        # Scrapy's reactor, installed before anything imports twisted.internet.reactor.
        install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
        _under_reactor(CHILDREN[args.child], args.urls, args.every, args.db)
        return
    print(f"Python {sys.version.split()[0]}, one child process per implementation, RSS after gc")
    report("seen set", "seen/newscrawl", "seen/scrapy-rfp", args.urls, args.every)
    if args.scheduler:
        every = max(1, min(args.every, args.scheduler // 4))
        report("pending frontier", "pending/newscrawl", "pending/scrapy-scheduler", args.scheduler, every)


if __name__ == "__main__":
    main()
