"""Whole-pipeline crawl throughput against bare Scrapy, on a loopback site of realistic pages.

    .venv/bin/python bench/crawl_throughput.py [--articles 2000] [--repeat 2] [--server auto|nginx|python]
                                               [--no-profile] [--keep DIR]

The site: the demo site's layout (newscrawl/demo) with N generated articles — bodies drawn from the
human-extracted texts of the shared corpus (so no two pages are the same story), bylines, images,
related lists, one section in GBK — each page padded with the inline CSS, scripts and link farms that
make real regional news pages ~100 KB. It is written to a temporary folder and served by nginx
(Debian's nginx-light; pre-gzipped files with `gzip_static`, so the server does no compression work
and is not the bottleneck). Without nginx it falls back to the project's Python DemoServer and says so.

In the same run, alternately, `--repeat` times each:

  (a) bench/bare_spider.py — bare Scrapy following links and running one XPath per page (reference);
  (b) `newscrawl crawl demo` — extraction, cleaning, dedup and SQLite, every pipeline on, a fresh DB.

Both get the same download settings (16 concurrent requests, no delay, robots.txt obeyed, gzip).
Printed: pages/second of each run (Scrapy's response count over its elapsed time), the ratio b/a,
CPU seconds per page, peak RSS of each crawler process, CPU per page by thread (the reactor, the
store's writer thread, the extraction worker processes: the two cores are shared among them, so
this says where the CPU goes better than a profile of one thread); then (unless --no-profile) one more newscrawl
run under cProfile with its CPU time per page by stage: every function's own time is charged to the
nearest newscrawl room on its call path (library time spent for the extractor counts as extraction),
and to "scrapy + twisted" when no newscrawl frame is on the path. That run extracts on the reactor
thread (`NEWSCRAWL_EXTRACT_WORKERS=0`), so the one thread cProfile sees does every stage but the
writer thread's SQLite work; its times are cProfile's clock on that thread, overhead included.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import pstats
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newscrawl.demo import DemoServer, build_site  # noqa: E402
from newscrawl.demo import site as demo_site  # noqa: E402
from newscrawl.paths import corpus_dir  # noqa: E402
from newscrawl.state.writer import WRITER_THREAD_NAME  # noqa: E402

SECTIONS = ("court", "procuratorate", "police", "justice")
LISTING_PAGE_SIZE = 20
TARGET_PAGE_BYTES = 100_000
FARM_LINKS = 170
FARM_LABELS = 120
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
NEWSCRAWL_EXTRA: tuple[str, ...] = ()
"""Further `-s` settings for newscrawl's runs only (`--newscrawl-setting`)."""
DOWNLOAD_SETTINGS = (
    "DOWNLOAD_DELAY=0",
    "AUTOTHROTTLE_ENABLED=False",
    "CONCURRENT_REQUESTS=16",
    "CONCURRENT_REQUESTS_PER_DOMAIN=16",
    "ROBOTSTXT_OBEY=True",
    "RETRY_TIMES=1",
    "LOG_LEVEL=WARNING",
    "TELNETCONSOLE_ENABLED=False",
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱覃武戴孔汤庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍申尤毕聂柴焦向柳邢岳齐沿梅莫庄辛管祝左涂谷祁时舒耿牟卜路詹关苗凌费纪靳盛童欧甄项曲成游阳裴席卫查屈鲍位覃霍翁隋植甘景薄单包司柏宁柯阮桂闵欧阳解强丛华车冉房边"
GIVEN = "晓建军娟敏静丽强磊洋艳勇杰涛明超秀兰霞平刚桂英华玲芳燕鹏飞宇浩然雅雯慧婷琳欣怡子轩思远文博志伟海峰俊辉倩雪梅红春林波宁鑫"
PLACES = ("湘源市", "麓川区", "云溪县", "石门镇", "岳江区", "临湘县", "桃源市", "望城区")
ORGANS = ("人民法院", "人民检察院", "公安局", "司法局", "中级人民法院", "交警支队", "派出所", "律师协会")
ACTIONS = ("审结", "办理", "破获", "公开宣判", "调解", "督办", "通报", "起诉")
CASES = (
    "电信诈骗案",
    "非法集资案",
    "盗窃案",
    "交通肇事案",
    "劳动争议案",
    "网络赌博案",
    "环境污染案",
    "借贷纠纷案",
)


# -- the site ---------------------------------------------------------------------------------------


def gbk_safe(text: str) -> bool:
    """Whether the text survives the GBK section (some corpus texts hold characters GBK lacks)."""
    try:
        text.encode("gbk")
    except UnicodeEncodeError:
        return False
    return not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in text)


def paragraph_pool() -> tuple[list[str], str]:
    """Paragraphs to build bodies from: the corpus's human-extracted texts, else the demo's own."""
    paragraphs: list[str] = []
    for truth in sorted((corpus_dir() / "pages").glob("*/*.truth.json")):
        for line in json.loads(truth.read_text(encoding="utf-8"))["body"].splitlines():
            line = line.strip()
            if 40 <= len(line) <= 500 and "。" in line and gbk_safe(line):
                paragraphs.append(line)
    if len(paragraphs) >= 300:
        return paragraphs, f"{len(paragraphs)} corpus paragraphs"
    demo = demo_site.load_document()
    paragraphs = [p for a in demo["articles"] for p in a["paragraphs"][1:]]
    return paragraphs, f"{len(paragraphs)} demo paragraphs (shared corpus absent: bodies repeat more)"


def name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def site_document(n: int, pool: list[str], seed: int = 20261201) -> dict[str, Any]:
    """A demo-site document (the shape of newscrawl/demo/articles.json) with `n` generated articles."""
    rng = random.Random(seed)
    base = demo_site.load_document()
    articles = []
    ids = list(range(100_000, 100_000 + n))
    for i, article_id in enumerate(ids):
        section = SECTIONS[i % len(SECTIONS)]
        month, day = 1 + (i * 7) % 12, 1 + (i * 13) % 28
        hour, minute = (i * 5) % 24, (i * 11) % 60
        reporter, correspondents = name(rng), [name(rng) for _ in range(rng.choice((1, 2)))]
        byline = f"本报讯（记者 {reporter} 通讯员 {' '.join(correspondents)}）"
        body = rng.sample(pool, rng.randint(6, 10))
        paragraphs = [byline + body[0], *body[1:]]
        title = (
            f"{rng.choice(PLACES)}{rng.choice(ORGANS)}{rng.choice(ACTIONS)}一起{rng.choice(CASES)}"
            f"（第{i + 1}号）"
        )
        articles.append(
            {
                "id": article_id,
                "section": section,
                "title": title,
                "published_at": f"2024-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:00+08:00",
                "published_at_raw": f"2024-{month:02d}-{day:02d} {hour:02d}:{minute:02d}",
                "meta_tags": i % 2 == 0,
                "byline": byline,
                "outlet": None,
                "authors": [reporter],
                "trainee_authors": [],
                "correspondents": correspondents,
                "editor": name(rng),
                "source": "潇湘法治报",
                "paragraphs": paragraphs,
                "images": [
                    {
                        "src": f"/images/2024{month:02d}/{article_id}_1.jpg",
                        "caption": f"{rng.choice(PLACES)}{rng.choice(ORGANS)}工作现场",
                        "credit": f"{reporter} 摄",
                        "after": 1,
                    }
                ],
                "related": [x for x in rng.sample(ids, 4) if x != article_id][:3],
            }
        )
    return {**base, "articles": articles, "hot": ids[:8], "specials": []}


def padding(rng: random.Random, size: int) -> tuple[str, str]:
    """(head, tail) boilerplate of about `size` characters, shaped like the corpus's real pages of
    80-150 KB (median 193 links and 887 elements each): a link farm and a block of short labels,
    the rest inline CSS and script."""
    links = "".join(
        f'<li><a href="/zt/{rng.randrange(2015, 2024)}/{rng.randrange(10**6)}.html">'
        f"{rng.choice(PLACES)}{rng.choice(ORGANS)}专题{rng.randrange(999)}</a></li>\n"
        for _ in range(FARM_LINKS)
    )
    labels = "".join(
        f'<div class="tag"><span class="t{rng.randrange(99)}">{rng.choice(PLACES)}{rng.choice(CASES)}</span></div>\n'
        for _ in range(FARM_LABELS)
    )
    rest = max(0, size - len(links) - len(labels))
    css = "".join(
        f".c{rng.randrange(10**6)} .n{rng.randrange(999)}{{margin:{rng.randrange(20)}px;color:#{rng.randrange(16**6):06x}}}\n"
        for _ in range(rest // 3 // 60)
    )
    script = "".join(
        f"var v{rng.randrange(10**6)}=function(a,b){{return a.length>{rng.randrange(99)}?b:'{rng.randrange(10**9)}';}};\n"
        for _ in range(rest * 2 // 3 // 70)
    )
    head = f"<style>\n{css}</style>\n"
    tail = (
        f'<div class="footer-links"><ul>\n{links}</ul></div>\n<div class="tags">\n{labels}</div>\n'
        f"<script>\n{script}</script>\n"
    )
    return head, tail


def build(n: int) -> tuple[Any, str, int]:
    """The padded site, its paragraph source, and the mean size of an article page in bytes."""
    pool, source = paragraph_pool()
    demo_site.PAGE_SIZE = LISTING_PAGE_SIZE  # longer listings than the demo's 3, as real channels have
    site = build_site(site_document(n, pool))
    rng = random.Random(7)
    sizes = []
    for path, page in site.pages.items():
        if not page.content_type.startswith("text/html") or page.status != 200 or not page.body:
            continue
        charset = "gbk" if "gbk" in page.content_type else "utf-8"
        html = page.body.decode(charset)
        head, tail = padding(rng, max(0, TARGET_PAGE_BYTES - len(page.body)))
        html = html.replace("</head>", head + "</head>", 1).replace("</body>", tail + "</body>", 1)
        page.body = html.encode(charset)
        if "content_" in path:
            sizes.append(len(page.body))
    return site, source, int(statistics.mean(sizes))


# -- servers ----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


NGINX_CONF = """
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    types {{ text/html html; image/jpeg jpg; text/plain txt; application/xml xml; }}
    default_type application/octet-stream;
    sendfile on;
    keepalive_requests 100000;
    gzip_static on;
    charset utf-8;
    client_body_temp_path {work}/tmp-body;
    proxy_temp_path {work}/tmp-proxy;
    fastcgi_temp_path {work}/tmp-fastcgi;
    uwsgi_temp_path {work}/tmp-uwsgi;
    scgi_temp_path {work}/tmp-scgi;
    server {{
        listen 127.0.0.1:{port};
        root {work}/site;
        location /justice/ {{ charset gbk; }}
    }}
}}
"""


class NginxServer:
    def __init__(self, site: Any, work: Path) -> None:
        self.site, self.work, self.port = site, work, free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> NginxServer:
        root = self.work / "site"
        files = {
            path: page.body for path, page in self.site.pages.items() if page.status == 200 and page.body
        }
        files["/robots.txt"] = self.site.robots_txt(self.base_url).encode()
        files["/sitemap.xml"] = self.site.sitemap_xml(self.base_url).encode()
        for path, body in files.items():
            target = root / (path.lstrip("/") + ("index.html" if path.endswith("/") else ""))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
            if not path.endswith(".jpg"):
                target.with_name(target.name + ".gz").write_bytes(gzip.compress(body, 6))
        conf = self.work / "nginx.conf"
        conf.write_text(NGINX_CONF.format(work=self.work, port=self.port))
        self.proc = subprocess.Popen(["nginx", "-c", str(conf), "-g", "daemon off;"])
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nginx did not start; see {self.work}/nginx-error.log")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)


# -- crawls ------------------------------------------------------------------------------------------


def thread_cpu(pid: int) -> dict[tuple[int, int], tuple[str, float]]:
    """CPU seconds so far of every thread of process `pid` and of its descendants (the extraction
    workers), keyed by (process, thread), with the thread's name (Linux /proc; empty elsewhere)."""
    found: dict[tuple[int, int], tuple[str, float]] = {}
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            tids = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                stat = Path(f"/proc/{p}/task/{tid}/stat").read_text()
                children = Path(f"/proc/{p}/task/{tid}/children").read_text().split()
            except OSError:
                continue
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2 :].split()
            found[(p, int(tid))] = (name, (int(fields[11]) + int(fields[12])) / CLOCK_TICKS)
            todo += [int(c) for c in children]
    return found


def cpu_by_thread(pid: int, readings: dict[tuple[int, int], tuple[str, float]]) -> dict[str, float]:
    """The crawler's CPU seconds by role: its main (reactor) thread, the store's writer thread
    (named `WRITER_THREAD_NAME` by newscrawl), its other threads, and its child processes."""
    roles = dict.fromkeys(("reactor", "writer", "workers", "other threads"), 0.0)
    for (p, tid), (name, seconds) in readings.items():
        if p != pid:
            role = "workers"
        elif tid == pid:
            role = "reactor"
        else:
            # /proc shows the 15 bytes of the name the kernel keeps.
            role = "writer" if name == WRITER_THREAD_NAME[:15] else "other threads"
        roles[role] += seconds
    return roles


def run_child(
    cmd: list[str], cwd: Path, env: dict[str, str], log: Path
) -> tuple[float, float, dict[str, float]]:
    """Run a crawler process; return (CPU seconds, peak RSS in MB, CPU seconds by thread role).

    CPU time comes from the child's rusage. Its `ru_maxrss` would count this process's own pages
    (the site held in memory) shared at fork time, so the peak is read from the child's VmHWM in
    /proc while it runs instead (the last reading before it exits; VmHWM only grows). The CPU by
    thread is read from /proc every 0.1 s, so it misses at most the last tenth of a second."""
    peak_kb = 0
    readings: dict[tuple[int, int], tuple[str, float]] = {}
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        status_file = Path(f"/proc/{proc.pid}/status")
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            try:
                for line in status_file.read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peak_kb = max(peak_kb, int(line.split()[1]))
            except OSError:
                pass
            readings.update(thread_cpu(proc.pid))
            time.sleep(0.1)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.stderr.write(log.read_text(errors="replace")[-3000:])
        raise SystemExit(f"crawler failed ({proc.returncode}): {' '.join(cmd[:6])} …")
    return usage.ru_utime + usage.ru_stime, peak_kb / 1024, cpu_by_thread(proc.pid, readings)


def settings_args(extra: tuple[str, ...] = ()) -> list[str]:
    args: list[str] = []
    for setting in DOWNLOAD_SETTINGS + extra:
        args += ["-s", setting]
    return args


def bare_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    return env


def crawl_bare(base_url: str, work: Path, k: int) -> dict[str, float]:
    stats_file = work / f"bare-{k}.json"
    cmd = [sys.executable, "-m", "scrapy", "runspider", str(ROOT / "bench" / "bare_spider.py")]
    cmd += ["-a", f"base_url={base_url}", "-a", f"stats_file={stats_file}", *settings_args()]
    cpu, rss, threads = run_child(cmd, work, bare_env(), work / f"bare-{k}.log")
    return summarise(json.loads(stats_file.read_text()), cpu, rss, threads)


def newscrawl_cmd(base_url: str, db: Path) -> list[str]:
    return [
        "-m",
        "newscrawl",
        "crawl",
        "demo",
        "--db",
        str(db),
        "-a",
        f"base_url={base_url}",
        # The site is one host of 2,000+ pages: lift the per-site page budget (1,000 a run by default).
        *settings_args(
            ("NEWSCRAWL_MAX_LISTING_PAGES=100000", "NEWSCRAWL_SITE_PAGE_BUDGET=0", *NEWSCRAWL_EXTRA)
        ),
    ]


def newscrawl_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def last_run_stats(db: Path) -> dict[str, Any]:
    conn = sqlite3.connect(db)
    try:
        row = conn.execute("SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
        articles = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    finally:
        conn.close()
    stats: dict[str, Any] = json.loads(row[0])
    stats["_articles_stored"] = articles
    return stats


def crawl_newscrawl(base_url: str, work: Path, k: int) -> dict[str, float]:
    db = work / f"newscrawl-{k}.db"
    cpu, rss, threads = run_child(
        [sys.executable, *newscrawl_cmd(base_url, db)], ROOT, newscrawl_env(), work / f"newscrawl-{k}.log"
    )
    stats = last_run_stats(db)
    out = summarise(stats, cpu, rss, threads)
    out["articles"] = stats["_articles_stored"]
    return out


def summarise(stats: dict[str, Any], cpu: float, rss: float, threads: dict[str, float]) -> dict[str, float]:
    pages = int(stats.get("response_received_count", 0))
    elapsed = float(stats.get("elapsed_time_seconds", 0.0))
    return {
        **{f"thread:{role}": 1000 * seconds / pages if pages else 0.0 for role, seconds in threads.items()},
        "pages": pages,
        "elapsed": elapsed,
        "pages_per_s": pages / elapsed if elapsed else 0.0,
        "cpu_ms_per_page": 1000 * cpu / pages if pages else 0.0,
        "rss_mb": rss,
    }


# -- profile -----------------------------------------------------------------------------------------


def stage_of(filename: str) -> str | None:
    """The newscrawl room a source file belongs to, or None for code outside newscrawl."""
    marker = os.sep + "newscrawl" + os.sep
    if marker not in filename or os.sep + "bench" + os.sep in filename:
        return None
    rel = filename.rsplit(marker, 1)[1]
    return rel.split(os.sep, 1)[0].removesuffix(".py")


def profile_by_stage(prof: Path) -> tuple[dict[str, float], float]:
    """CPU seconds per stage: each function's own time charged to the nearest newscrawl room above it."""
    raw: dict[Any, Any] = pstats.Stats(str(prof)).stats  # type: ignore[attr-defined]
    memo: dict[Any, dict[str, float]] = {}
    active: set[Any] = set()

    def owners(key: Any) -> dict[str, float]:
        # Memoised depth-first walk up the callers; an edge back into the walk (recursion) is
        # ignored, which is exact for the acyclic call graphs the stages form.
        if key in memo:
            return memo[key]
        stage = stage_of(key[0])
        if stage is not None:
            memo[key] = {stage: 1.0}
            return memo[key]
        active.add(key)
        callers = raw[key][4] if key in raw else {}
        weights = {c: edge[3] for c, edge in callers.items() if c not in active and c in raw and edge[3] > 0}
        total = sum(weights.values())
        result: dict[str, float] = defaultdict(float)
        if not weights:
            result["scrapy + twisted"] = 1.0
        for caller, weight in weights.items():
            for owner, share in owners(caller).items():
                result[owner] += share * weight / total
        active.discard(key)
        memo[key] = dict(result)
        return memo[key]

    stages: dict[str, float] = defaultdict(float)
    for key, (_, _, own, _, _) in raw.items():
        for owner, share in owners(key).items():
            stages[owner] += own * share
    return dict(stages), sum(v[2] for v in raw.values())


def run_profile(base_url: str, work: Path) -> tuple[dict[str, float], float, int]:
    db, prof = work / "newscrawl-profile.db", work / "newscrawl.prof"
    # Extraction on the reactor thread, so that one profile sees every stage (cProfile sees one
    # thread: with workers, extraction would be a hand-off here). The runs above are the measure.
    cmd = [sys.executable, "-m", "cProfile", "-o", str(prof), *newscrawl_cmd(base_url, db)]
    cmd += ["-s", "NEWSCRAWL_EXTRACT_WORKERS=0"]
    run_child(cmd, ROOT, newscrawl_env(), work / "newscrawl-profile.log")
    stages, total = profile_by_stage(prof)
    pages = int(last_run_stats(db).get("response_received_count", 0))
    return stages, total, pages


# -- main --------------------------------------------------------------------------------------------


def main() -> int:
    sys.setrecursionlimit(20_000)  # the profile walk follows deep call chains
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--server", choices=("auto", "nginx", "python"), default="auto")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--keep", type=Path, help="keep the site, logs and databases in this folder")
    parser.add_argument(
        "--newscrawl-setting", action="append", default=[], metavar="NAME=VALUE", help="for (b) only"
    )
    args = parser.parse_args()
    global NEWSCRAWL_EXTRA
    NEWSCRAWL_EXTRA = tuple(args.newscrawl_setting)

    work = args.keep or Path(tempfile.mkdtemp(prefix="newscrawl-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    work.chmod(0o755)  # nginx's worker runs as an unprivileged user and must read the site
    t0 = time.perf_counter()
    site, source, mean_size = build(args.articles)
    listings = sum(len(site.listing_paths(k)) for k in site.sections)
    print(
        f"site: {len(site.articles)} articles + {listings} listing pages, article page mean "
        f"{mean_size / 1000:.0f} KB, bodies from {source} (built in {time.perf_counter() - t0:.1f} s)"
    )
    use_nginx = args.server == "nginx" or (args.server == "auto" and shutil.which("nginx"))
    if args.server == "nginx" and not shutil.which("nginx"):
        raise SystemExit("nginx not found: apt-get install nginx-light (or use --server python)")
    server: Any = NginxServer(site, work) if use_nginx else DemoServer(site)
    if not use_nginx:
        print("server: Python DemoServer (nginx not found): the server may limit both crawlers")
    with server:
        print(f"server: {'nginx, pre-gzipped pages' if use_nginx else 'DemoServer'} at {server.base_url}")
        runs: dict[str, list[dict[str, float]]] = {"bare": [], "newscrawl": []}
        for k in range(args.repeat):
            runs["bare"].append(crawl_bare(server.base_url, work, k))
            runs["newscrawl"].append(crawl_newscrawl(server.base_url, work, k))
        print()
        print(
            f"{'crawler':<28}{'run':>4}{'pages':>7}{'seconds':>9}{'pages/s':>9}{'CPU ms/page':>13}{'peak RSS MB':>13}"
        )
        for label, key in (
            ("(a) bare Scrapy + 1 XPath", "bare"),
            ("(b) newscrawl, all pipelines", "newscrawl"),
        ):
            for k, r in enumerate(runs[key]):
                print(
                    f"{label:<28}{k + 1:>4}{r['pages']:>7}{r['elapsed']:>9.2f}{r['pages_per_s']:>9.1f}"
                    f"{r['cpu_ms_per_page']:>13.2f}{r['rss_mb']:>13.0f}"
                )
        print("\nCPU ms/page by thread (read from /proc every 0.1 s):")
        roles = ("reactor", "writer", "workers", "other threads")
        print(f"{'crawler':<28}{'run':>4}" + "".join(f"{role:>15}" for role in roles))
        for label, key in (("(a) bare Scrapy", "bare"), ("(b) newscrawl", "newscrawl")):
            for k, r in enumerate(runs[key]):
                print(f"{label:<28}{k + 1:>4}" + "".join(f"{r['thread:' + role]:>15.2f}" for role in roles))
        expected = 1 + listings + len(site.articles)  # robots.txt, listings, articles
        short = [(key, r["pages"]) for key, rs in runs.items() for r in rs if r["pages"] < expected]
        if short:
            raise SystemExit(f"a crawl fetched fewer than the site's {expected} pages: {short}; see {work}")
        ratios = [
            b["pages_per_s"] / a["pages_per_s"] for a, b in zip(runs["bare"], runs["newscrawl"], strict=True)
        ]
        stored = runs["newscrawl"][-1]["articles"]
        print(
            f"\nratio b/a (pages/s), per pair: {', '.join(f'{r:.2f}' for r in ratios)}; "
            f"median {statistics.median(ratios):.2f}"
        )
        print(f"newscrawl stored {stored:.0f} of {len(site.articles)} articles in its last run")
        if not args.no_profile:
            stages, total, pages = run_profile(server.base_url, work)
            print(
                f"\nnewscrawl under cProfile: {total:.1f} CPU s for {pages} pages ({1000 * total / pages:.2f} ms/page)"
            )
            print(f"{'stage':<22}{'CPU s':>8}{'ms/page':>9}{'share':>8}")
            for stage, seconds in sorted(stages.items(), key=lambda kv: -kv[1]):
                print(f"{stage:<22}{seconds:>8.2f}{1000 * seconds / pages:>9.2f}{seconds / total:>8.0%}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
