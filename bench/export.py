"""Export throughput and peak memory: `newscrawl export` over 100,000 articles, against reference tools.

    .venv/bin/python bench/export.py [--articles 100000] [--db /tmp/newscrawl-bench.db] [--rebuild]

The database is built once through the real `Store.save_article` (so the search triggers run too)
and reused while it holds the asked-for number of articles. Bodies are 4-8 paragraphs drawn at
random (fixed seed) from the demo site's hand-written articles and, when the shared corpus is
present, from its human-extracted bodies; a tenth are stored in Traditional script; ten sites of
equal size; about a third of the articles share a story with another.

Each export runs in a child process of its own (`python -m newscrawl export …`), timed by wall
clock; its peak memory is the child's maximum resident set size (`wait4`). Printed per run: rows,
seconds, rows/second, MB written, peak RSS. References, in the same run and on the same file:
`sqlite-utils rows --csv/--nl` (the library newscrawl uses to open databases; Python, streaming) and,
when installed, the sqlite3 shell (`-csv`, C) and pandas (`read_sql` + `to_csv`, all in memory).
A ratio is newscrawl's rows/second over the reference's. "Flat memory" is checked by exporting one
site (a tenth of the rows) and all of them: the two peaks should be about equal.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newscrawl.items import Article, Image, RelatedLink
from newscrawl.paths import PROJECT_ROOT, corpus_dir
from newscrawl.store import Store

SITES = [f"site{n:02d}" for n in range(10)]


def paragraph_pool() -> tuple[list[str], str]:
    from newscrawl.demo import build_site

    site = build_site()
    paragraphs = [p for a in site.articles for p in a.body.split("\n") if len(p) > 20]
    origin = f"{len(site.articles)} demo articles"
    truth = sorted((corpus_dir() / "pages").glob("*/*.truth.json"))
    if truth:
        for path in truth:
            body = json.loads(path.read_text(encoding="utf-8"))["body"]
            paragraphs += [p.strip() for p in body.split("\n") if len(p.strip()) > 20]
        origin += f" + {len(truth)} corpus bodies"
    return paragraphs, origin


def build(db: Path, n: int) -> str:
    from newscrawl.clean import to_simplified
    from newscrawl.clean.script import _converter

    paragraphs, origin = paragraph_pool()
    rng = random.Random(8)
    s2t = _converter("s2t")
    traditional = [s2t.convert(p) for p in paragraphs]
    started = time.perf_counter()
    with Store(db) as store:
        run = store.start_run("bench")
        for i in range(n):
            picks = rng.sample(range(len(paragraphs)), rng.randint(4, 8))
            hant = i % 10 == 9
            body = "\n".join((traditional if hant else paragraphs)[p] for p in picks)
            body_s = "\n".join(paragraphs[p] for p in picks)
            title_s = paragraphs[picks[0]][:24] + f"（{i}）"
            site = SITES[i % len(SITES)]
            canonical = f"http://127.0.0.1:9/{site}/{i // 1000:03d}/content_{i}.html"
            day = 1 + i % 28
            article = Article(
                url=canonical + "?from=list",
                canonical_url=canonical,
                site=site,
                region="CN-HN",
                title=to_simplified(title_s) if not hant else s2t.convert(title_s),
                published_at=None
                if i % 50 == 0
                else f"2024-{1 + i % 12:02d}-{day:02d}T09:{i % 60:02d}:00+08:00",
                published_at_raw=f"2024-{1 + i % 12:02d}-{day:02d}",
                authors=["张晓明", "李静"][: 1 + i % 2],
                correspondents=["王芳"] if i % 3 else [],
                editor="赵六" if i % 4 else None,
                source="潇湘法治报",
                body=body,
                images=[Image(url=f"http://127.0.0.1:9/img/{i}.jpg", caption="现场", credit="供图")]
                if i % 5 == 0
                else [],
                related=[
                    RelatedLink(
                        title="相关",
                        url=f"http://127.0.0.1:9/{SITES[(i + 1) % 10]}/{(i + 1) // 1000:03d}/content_{i + 1}.html",
                    )
                ],
                encoding="utf-8",
                script="Hant" if hant else "Hans",
                title_simplified=title_s,
                body_simplified=body_s,
                fetched_at="2024-12-01T10:00:00+08:00",
                http_status=200,
                text_fingerprint=f"{i:016x}",
                # A third of the articles are a copy of the one before them (on the next site).
                story_id=i - 1 if i % 3 == 2 else i,
                story_similarity=0.9 if i % 3 == 2 else 1.0,
            )
            store.save_article(article, run)
            if (i + 1) % 10000 == 0:
                print(f"  built {i + 1:,} articles ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
        store.finish_run(
            run, finish_reason="finished", pages_fetched=n, articles_stored=n, articles_dropped=0, errors=0
        )
    return origin


def mb(path: Path) -> float:
    return path.stat().st_size / 1e6 if path.exists() else 0.0


# Runs one command and prints its wall time and peak RSS. A child's ru_maxrss includes what its
# parent had resident when it forked, so the command is started from this small interpreter (a few
# MB), not from the bench process with its imports and its build of the database.
LAUNCHER = """
import os, subprocess, sys, time
out = open(sys.argv[1], "wb") if sys.argv[1] != "-" else subprocess.DEVNULL
started = time.perf_counter()
proc = subprocess.Popen(sys.argv[2:], stdout=out, stderr=subprocess.PIPE)
err = proc.stderr.read()
_, status, usage = os.wait4(proc.pid, 0)
seconds = time.perf_counter() - started
sys.stderr.buffer.write(err)
print(os.waitstatus_to_exitcode(status), seconds, usage.ru_maxrss)
"""


def run_child(argv: list[str], stdout_path: Path | None) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one run of a command."""
    proc = subprocess.run(
        [sys.executable, "-I", "-S", "-c", LAUNCHER, str(stdout_path or "-"), *argv],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        check=False,
    )
    status, seconds, peak_kb = proc.stdout.split()
    if int(status) != 0:
        raise SystemExit(f"{' '.join(argv[:4])}… failed ({status}): {proc.stderr[-2000:]}")
    return float(seconds), int(peak_kb) / 1024


PANDAS = """
import sqlite3, sys, pandas as pd
conn = sqlite3.connect(sys.argv[1])
pd.read_sql("SELECT * FROM articles ORDER BY site, published_at, canonical_url", conn).to_csv(sys.argv[2], index=False)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/newscrawl-bench/export.db"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/newscrawl-bench/out"))
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command; the fastest counts")
    args = parser.parse_args()

    db: Path = args.db
    have = 0
    if db.exists() and not args.rebuild:
        with Store(db) as store:
            have = store.count_articles()
    if have != args.articles:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        print(f"building {args.articles:,} articles into {db} …", file=sys.stderr)
        started = time.perf_counter()
        origin = build(db, args.articles)
        print(f"built in {time.perf_counter() - started:.0f} s from paragraphs of {origin}")
    with Store(db) as store:
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        n = store.count_articles()
        text_mb = store.conn.execute(
            "SELECT (SUM(length(CAST(body AS BLOB))) + SUM(length(CAST(title AS BLOB)))) / 1e6 FROM articles"
        ).fetchone()[0]
    print(f"database: {n:,} articles, {mb(db):,.0f} MB on disk ({text_mb:,.0f} MB of title+body text)")

    args.out.mkdir(parents=True, exist_ok=True)
    py = sys.executable
    newscrawl = [py, "-m", "newscrawl", "export", "--db", str(db), "--no-progress"]
    runs: list[tuple[str, list[str], Path, int, str | None]] = [
        ("newscrawl csv", [*newscrawl, "--format", "csv", "-o"], args.out / "a.csv", n, "sqlite-utils csv"),
        ("newscrawl csv --excel", [*newscrawl, "--excel", "-o"], args.out / "x.csv", n, "sqlite-utils csv"),
        (
            "newscrawl jsonl",
            [*newscrawl, "--format", "jsonl", "-o"],
            args.out / "a.jsonl",
            n,
            "sqlite-utils jsonl",
        ),
        (
            "newscrawl json",
            [*newscrawl, "--format", "json", "-o"],
            args.out / "a.json",
            n,
            "sqlite-utils jsonl",
        ),
        (
            "newscrawl jsonl --with stories",
            [*newscrawl, "--format", "jsonl", "--with", "stories", "-o"],
            args.out / "s.jsonl",
            n,
            None,
        ),
        (
            "newscrawl jsonl --with related",
            [*newscrawl, "--format", "jsonl", "--with", "related", "-o"],
            args.out / "r.jsonl",
            n,
            None,
        ),
        (
            "newscrawl csv --site site03 (1/10)",
            [*newscrawl, "--site", "site03", "--format", "csv", "-o"],
            args.out / "one.csv",
            n // 10,
            None,
        ),
        (
            "newscrawl jsonl --query 诈骗",
            [*newscrawl, "--format", "jsonl", "--query", "诈骗", "-o"],
            args.out / "q.jsonl",
            -1,
            None,
        ),
    ]
    sqlite_utils = shutil.which("sqlite-utils", path=str(Path(py).parent)) or shutil.which("sqlite-utils")
    order = "site, published_at, canonical_url"
    references: dict[str, tuple[list[str], Path | None]] = {}
    if sqlite_utils:
        references["sqlite-utils csv"] = (
            [sqlite_utils, "rows", str(db), "articles", "--csv", "-o", order],
            args.out / "ref.csv",
        )
        references["sqlite-utils jsonl"] = (
            [sqlite_utils, "rows", str(db), "articles", "--nl", "-o", order],
            args.out / "ref.jsonl",
        )
    sqlite3_shell = shutil.which("sqlite3")
    if sqlite3_shell:
        references["sqlite3 shell csv"] = (
            [sqlite3_shell, "-csv", "-header", str(db), f"SELECT * FROM articles ORDER BY {order}"],
            args.out / "shell.csv",
        )
    try:
        import pandas  # noqa: F401

        references["pandas read_sql+to_csv"] = (
            [py, "-c", PANDAS, str(db), str(args.out / "pandas.csv")],
            None,
        )
    except ImportError:
        print("(pandas not installed: its reference run is skipped)")

    # Every command once per round, round after round: on a shared machine the load drifts, and
    # interleaving lets each command and its reference meet the same conditions. The fastest run of
    # each counts (the least disturbed), and the highest peak.
    commands: dict[str, tuple[list[str], Path | None]] = dict(references)
    for name, argv, path, _, _ in runs:
        commands[name] = ([*argv, str(path)], path)
    best: dict[str, float] = {}
    peaks: dict[str, float] = {}
    for round_no in range(args.repeat):
        print(f"  round {round_no + 1}/{args.repeat}", file=sys.stderr)
        for name, (argv, target) in commands.items():
            seconds, peak = run_child(argv, target)
            best[name] = min(best.get(name, seconds), seconds)
            peaks[name] = max(peaks.get(name, peak), peak)

    print(f"\n{'run':<36}{'rows':>9}{'s':>8}{'rows/s':>10}{'MB out':>9}{'peak MB':>9}  vs reference")
    for name, (_, ref_path) in references.items():
        out_path = ref_path or args.out / "pandas.csv"
        print(
            f"{name:<36}{n:>9,}{best[name]:>8.1f}{n / best[name]:>10,.0f}{mb(out_path):>9,.0f}"
            f"{peaks[name]:>9,.0f}  (reference)"
        )
    for name, _, path, rows, ref in runs:
        if rows < 0:
            rows = sum(1 for _ in path.open(encoding="utf-8"))
        rate = rows / best[name]
        ratio = f"{rate / (n / best[ref]):.2f}x {ref}" if ref and ref in best else ""
        print(
            f"{name:<36}{rows:>9,}{best[name]:>8.1f}{rate:>10,.0f}{mb(path):>9,.0f}{peaks[name]:>9,.0f}  {ratio}"
        )
    one, whole = peaks["newscrawl csv --site site03 (1/10)"], peaks["newscrawl csv"]
    print(f"\nflat memory: peak {one:,.0f} MB exporting {n // 10:,} rows, {whole:,.0f} MB exporting {n:,}")
    print(
        f"\nrows/s: fastest of {args.repeat} runs, wall clock, process start-up and imports included;"
        " peak MB: the highest maximum resident set of those runs."
    )


if __name__ == "__main__":
    main()
