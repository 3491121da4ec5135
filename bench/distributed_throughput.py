"""Crawl throughput of the distributed mode with 1 and 2 workers, against a single-machine crawl.

    .venv/bin/python bench/distributed_throughput.py [--articles N] [--latency MS ...] [--repeat R]

Everything runs on this machine and on loopback: a private redis-server, the demo site 潇湘法治网 grown
to N articles (`newscrawl.distributed.testing.scaled_site`) served by a recording server, and real
`newscrawl` processes. For each response latency it runs, in this order:

- `single`: the reference — `newscrawl crawl demo --db …`, the single-machine SQLite mode;
- `redis x1`: one `newscrawl crawl demo --redis …` worker + one `newscrawl store-worker`;
- `redis x2`: two workers + one store worker.

Per run it prints the pages fetched per second over the fetch window (first to last HTML request
seen by the server), and end to end (launch of the processes until every article is in SQLite,
start-up included), each also as a ratio to `single`; with `--repeat R`, the median of R runs
(runs of the three kinds alternate, so a noisy neighbour on a shared machine hits them alike).
All runs use the same crawl settings (no download delay, 8 concurrent requests per domain per
process).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newscrawl.distributed.testing import LocalRedis, RecordingServer, scaled_site
from newscrawl.paths import PROJECT_ROOT

SETTINGS = (
    "DOWNLOAD_DELAY=0",
    "AUTOTHROTTLE_ENABLED=False",
    "CONCURRENT_REQUESTS_PER_DOMAIN=8",
    "NEWSCRAWL_MAX_LISTING_PAGES=1000",
    "LOG_LEVEL=WARNING",
)


def newscrawl(*args: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH", "")) if p)
    return subprocess.Popen(
        [sys.executable, "-m", "newscrawl", *args],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def settings_args(*extra: str) -> list[str]:
    out: list[str] = []
    for setting in (*SETTINGS, *extra):
        out += ["-s", setting]
    return out


def stored(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(db, timeout=1)
        try:
            return int(conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return 0  # schema not created yet


def run_once(mode: str, workers: int, articles: int, latency_ms: float, work: Path) -> dict[str, float]:
    site = scaled_site(articles)
    db = Path(tempfile.mkstemp(suffix=".db", prefix=f"{mode}-{workers}-", dir=work)[1])
    db.unlink()  # a fresh database for every run: the clock stops when it holds every article
    latency = latency_ms / 1000
    with RecordingServer(site, latency=latency) as server:
        spider_args = ["-a", f"base_url={server.base_url}"]
        started = time.monotonic()
        if mode == "single":
            processes = [newscrawl("crawl", "demo", "--db", str(db), *spider_args, *settings_args())]
            redis = None
        else:
            redis = LocalRedis().start()
            processes = [
                newscrawl("store-worker", "--redis", redis.url, "--db", str(db), "--exit-when-idle", "1")
            ]
            processes += [
                newscrawl(
                    "crawl",
                    "demo",
                    "--redis",
                    redis.url,
                    *spider_args,
                    *settings_args(f"NEWSCRAWL_REDIS_MIN_WORKERS={workers}", f"USER_AGENT=worker-{n}"),
                )
                for n in range(workers)
            ]
        try:
            while stored(db) < articles:
                if all(p.poll() is not None for p in processes):
                    raise RuntimeError(
                        f"{mode} x{workers}: processes ended with {stored(db)}/{articles} stored"
                    )
                time.sleep(0.05)
            end_to_end = time.monotonic() - started
            for p in processes:
                p.wait(timeout=120)
        finally:
            for p in processes:
                if p.poll() is None:
                    p.kill()
                    p.wait()
            if redis is not None:
                redis.stop()
        html = [f for f in server.fetches if f.path.endswith(".html")]
    window = html[-1].at - html[0].at
    return {
        "pages": len(html),
        "window_pps": len(html) / window,
        "e2e_pps": len(html) / end_to_end,
        "e2e_s": end_to_end,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=640)
    parser.add_argument("--latency", type=float, nargs="+", default=[0.0, 20.0], metavar="MS")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each kind; the median is printed")
    args = parser.parse_args()
    cores = os.cpu_count()
    print(
        f"{args.articles} articles; {cores} cores; Python {sys.version.split()[0]}; median of {args.repeat}"
    )
    print(
        f"{'latency':>8} {'run':<9} {'pages':>6} {'pages/s (fetch)':>16} {'ratio':>6} {'pages/s (e2e)':>14} {'ratio':>6}"
    )
    with tempfile.TemporaryDirectory(prefix="newscrawl-bench-") as tmp:
        work = Path(tmp)
        for latency in args.latency:
            runs = (("single", 1), ("redis", 1), ("redis", 2))
            results: dict[tuple[str, int], list[dict[str, float]]] = {run: [] for run in runs}
            for _ in range(args.repeat):
                for mode, workers in runs:
                    results[(mode, workers)].append(run_once(mode, workers, args.articles, latency, work))
            median = {
                run: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for run, rs in results.items()
            }
            reference = median[runs[0]]
            for mode, workers in runs:
                result = median[(mode, workers)]
                label = "single" if mode == "single" else f"redis x{workers}"
                print(
                    f"{latency:>6g}ms {label:<9} {result['pages']:>6.0f} {result['window_pps']:>16.1f}"
                    f" {result['window_pps'] / reference['window_pps']:>6.2f} {result['e2e_pps']:>14.1f}"
                    f" {result['e2e_pps'] / reference['e2e_pps']:>6.2f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
