"""The `newscrawl` command. Argument parsing and output only; the work happens in the rooms."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrapy.settings import Settings

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

DEMO_PORT = 8642


def _key_value(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, value


def project_settings(db: str | None = None, overrides: Sequence[tuple[str, str]] = ()) -> Settings:
    """newscrawl's Scrapy settings, wherever the command runs from (no scrapy.cfg needed)."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "newscrawl.settings")
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    if db:
        settings.set("NEWSCRAWL_DB", db, priority="cmdline")
    for name, value in overrides:
        settings.set(name, value, priority="cmdline")
    return settings


# -- crawl -----------------------------------------------------------------------------------------


def run_crawls(settings: Settings, spiders: Sequence[tuple[str, dict[str, str]]]) -> int:
    """Run the named spiders side by side in this process; return an exit status."""
    from scrapy.crawler import AsyncCrawlerProcess
    from scrapy.spiderloader import get_spider_loader

    loader = get_spider_loader(settings)
    unknown = [name for name, _ in spiders if name not in set(loader.list())]
    if unknown:
        print(f"newscrawl: unknown spider(s): {', '.join(unknown)}; see `newscrawl list`", file=sys.stderr)
        return EXIT_USAGE
    process = AsyncCrawlerProcess(settings)
    for name, kwargs in spiders:
        process.crawl(name, **kwargs)
    process.start()
    return EXIT_FAILED if process.bootstrap_failed else EXIT_OK


def cmd_crawl(args: argparse.Namespace) -> int:
    settings = project_settings(args.db, args.set)
    if args.redis:
        settings.set("NEWSCRAWL_REDIS_URL", args.redis, priority="cmdline")
    if settings.get("NEWSCRAWL_REDIS_URL") and not check_redis(settings.get("NEWSCRAWL_REDIS_URL")):
        return EXIT_FAILED
    spider_args = dict(args.arg)
    return run_crawls(settings, [(name, spider_args) for name in args.spiders])


def check_redis(url: str) -> bool:
    """Whether the Redis of the distributed mode answers; says why not on stderr."""
    from newscrawl.distributed.connection import DistributedModeError, redis_client

    try:
        redis_client(url).close()
    except DistributedModeError as exc:
        print(f"newscrawl: {exc}", file=sys.stderr)
        return False
    return True


def cmd_store_worker(args: argparse.Namespace) -> int:
    from scrapy.crawler import AsyncCrawlerProcess

    from newscrawl.distributed.addon import STORE
    from newscrawl.distributed.storeworker import StoreWorkerSpider

    settings = project_settings(args.db, args.set)
    url = args.redis or settings.get("NEWSCRAWL_REDIS_URL")
    if not url:
        print("newscrawl: store-worker needs --redis URL (or NEWSCRAWL_REDIS_URL)", file=sys.stderr)
        return EXIT_USAGE
    if not check_redis(url):
        return EXIT_FAILED
    settings.set("NEWSCRAWL_REDIS_URL", url, priority="cmdline")
    settings.set("NEWSCRAWL_REDIS_ROLE", STORE, priority="cmdline")
    process = AsyncCrawlerProcess(settings)
    process.crawl(StoreWorkerSpider, exit_when_idle=args.exit_when_idle)
    process.start()
    return EXIT_FAILED if process.bootstrap_failed else EXIT_OK


# -- extract ---------------------------------------------------------------------------------------


def cmd_extract(args: argparse.Namespace) -> int:
    from newscrawl.clean import clean_article
    from newscrawl.extract import extract, extract_plain_text

    status = EXIT_OK
    for name in args.files:
        path = Path(name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            print(f"newscrawl: cannot read {name}: {exc.strerror}", file=sys.stderr)
            status = EXIT_FAILED
            continue
        url = args.url or path.resolve().as_uri()
        if path.suffix.lower() == ".txt":
            result = extract_plain_text(data, url)
        else:
            result = extract(data, url)
        if result.article is None:
            out: dict[str, Any] = {"file": name, "article": None, "reason": result.reason}
            status = EXIT_FAILED
        else:
            article = clean_article(result.article)
            if not article.site:
                article.site = (url.split("/")[2] if "://" in url else "") or "file"
            out = article.to_dict()
            if args.explain:
                out["provenance"] = result.provenance
        print(json.dumps(out, ensure_ascii=False))
    return status


# -- list ------------------------------------------------------------------------------------------


def cmd_list(args: argparse.Namespace) -> int:
    from scrapy.spiderloader import get_spider_loader

    settings = project_settings()
    loader = get_spider_loader(settings)
    for name in sorted(loader.list()):
        cls = loader.load(name)
        doc = (cls.__doc__ or sys.modules[cls.__module__].__doc__ or "").strip().splitlines()
        print(f"{name:<12} {getattr(cls, 'region', None) or '-':<6} {doc[0] if doc else ''}")
    return EXIT_OK


# -- demo ------------------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    from newscrawl.demo import DemoServer
    from newscrawl.store import Store
    from newscrawl.store.export import export_csv

    # The demo server is our own loopback server: no need for politeness delays.
    overrides = [
        ("DOWNLOAD_DELAY", "0"),
        ("AUTOTHROTTLE_ENABLED", "False"),
        ("CONCURRENT_REQUESTS_PER_DOMAIN", "8"),
        ("NEWSCRAWL_MAX_LISTING_PAGES", "100"),
        ("LOG_LEVEL", args.loglevel),
    ]
    settings = project_settings(args.db, overrides)
    try:
        server = DemoServer(port=args.port)
        server.start()
    except OSError as exc:
        print(
            f"newscrawl: cannot serve the demo on 127.0.0.1:{args.port} ({exc.strerror}); try --port",
            file=sys.stderr,
        )
        return EXIT_FAILED
    try:
        print(f"Demo site 潇湘法治网 serving at {server.base_url}")
        status = run_crawls(settings, [("demo", {"base_url": server.base_url})])
    finally:
        server.stop()
    with Store(args.db) as store:
        run = store.conn.execute("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
        print_summary(store, run_id=run[0] if run else None)
        rows = export_csv(store, args.csv)
    print(f"Exported {rows} articles to {args.csv}")
    return status


def print_summary(store: Any, run_id: int | None = None) -> None:
    if run_id is not None:
        run = store.run(run_id)
        stats = json.loads(run["stats"] or "{}")
        print(
            f"Run {run_id} ({run['spider']}): {run['finish_reason']}, {run['pages_fetched']} pages fetched, "
            f"{stats.get('newscrawl/articles/new', 0)} new, {stats.get('newscrawl/articles/updated', 0)} updated, "
            f"{stats.get('newscrawl/articles/unchanged', 0)} unchanged, {run['articles_dropped']} dropped, "
            f"{run['errors']} errors"
        )
    print(f"{'site':<12}{'articles':>9}{'date':>8}{'authors':>9}{'source':>8}{'editor':>8}")
    for row in store.coverage():
        print(
            f"{row['site']:<12}{row['articles']:>9}{row['with_date']:>8.0%}{row['with_authors']:>9.0%}"
            f"{row['with_source']:>8.0%}{row['with_editor']:>8.0%}"
        )


# -- sites -----------------------------------------------------------------------------------------


def cmd_sites(args: argparse.Namespace) -> int:
    from newscrawl.sites import site_infos

    try:
        infos = site_infos(project_settings(), args.sites)
    except KeyError as exc:
        print(f"newscrawl: unknown site(s): {exc.args[0]}; see `newscrawl sites`", file=sys.stderr)
        return EXIT_USAGE
    for info in infos:
        if args.json:
            print(json.dumps(info.to_dict(), ensure_ascii=False))
            continue
        print(f"{info.name:<12}{info.region or '-':<7}{info.outlet}  ({', '.join(info.domains)})")
        for url in info.listing_urls + info.sitemap_urls + info.feed_urls:
            print(f"{'':<19}{url}")
    return EXIT_OK


def cmd_check_sites(args: argparse.Namespace) -> int:
    import tempfile

    from newscrawl.sites import site_infos
    from newscrawl.sites.check import REPORTED_FIELDS, check_sites

    settings = project_settings(None, [*args.set, ("LOG_LEVEL", args.loglevel)])
    try:
        names = [info.name for info in site_infos(settings, args.sites)]
    except KeyError as exc:
        print(f"newscrawl: unknown site(s): {exc.args[0]}; see `newscrawl sites`", file=sys.stderr)
        return EXIT_USAGE
    with tempfile.TemporaryDirectory(prefix="newscrawl-check-") as tmp:
        # The checked articles go to a scratch database unless --db asks to keep them.
        settings.set("NEWSCRAWL_DB", args.db or str(Path(tmp) / "check.db"), priority="cmdline")
        reports = check_sites(settings, names, args.articles)
    if args.json:
        for report in reports:
            print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        labels = {"published_at": "date"}
        header = "".join(f"{labels.get(f, f):>8}" for f in REPORTED_FIELDS)
        print(f"{'site':<12}{'result':<8}{'links':>6}{'articles':>9}{header}")
        for r in reports:
            cells = "".join(f"{r.coverage[f]:>8.0%}" if r.coverage else f"{'-':>8}" for f in REPORTED_FIELDS)
            result = "ok" if r.ok else "BROKEN"
            print(
                f"{r.site:<12}{result:<8}{r.links_found:>6}{f'{r.articles_ok}/{r.articles_tried}':>9}{cells}"
            )
        for r in reports:
            for line in r.problems:
                print(f"BROKEN  {r.site}: {line}")
            for line in r.warnings:
                print(f"warning {r.site}: {line}")
    return EXIT_OK if all(r.ok for r in reports) else EXIT_FAILED


def cmd_savefixture(args: argparse.Namespace) -> int:
    from newscrawl.sites.fixture import FixtureError, record_page, save_fixture

    settings = project_settings(None, [*args.set, ("LOG_LEVEL", args.loglevel)])
    try:
        page = record_page(settings, args.url)
        path = save_fixture(page, Path(args.out), args.name)
    except FixtureError as exc:
        print(f"newscrawl: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(
        f"Saved {path} ({len(page.body)} bytes, HTTP {page.status}, {page.final_url}) and {path.with_suffix('.json')}"
    )
    return EXIT_OK


# -- entry point -----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    from newscrawl.paths import default_db_path

    parser = argparse.ArgumentParser(prog="newscrawl", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("crawl", help="run spiders and store what they find")
    p.add_argument("spiders", nargs="+", metavar="SPIDER")
    p.add_argument("--db", help=f"SQLite file (default: $NEWSCRAWL_DB or {default_db_path()})")
    p.add_argument(
        "-a",
        dest="arg",
        action="append",
        type=_key_value,
        default=[],
        metavar="NAME=VALUE",
        help="spider argument",
    )
    p.add_argument(
        "-s",
        dest="set",
        action="append",
        type=_key_value,
        default=[],
        metavar="NAME=VALUE",
        help="Scrapy setting",
    )
    p.add_argument(
        "--redis",
        metavar="URL",
        help="run as one worker of a distributed crawl sharing this Redis (redis://host:6379/0); "
        "items go to `newscrawl store-worker`, not to --db",
    )
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser(
        "store-worker", help="write what distributed workers push to Redis into the SQLite store"
    )
    p.add_argument("--redis", metavar="URL", help="the workers' Redis (default: $NEWSCRAWL_REDIS_URL)")
    p.add_argument("--db", help=f"SQLite file (default: $NEWSCRAWL_DB or {default_db_path()})")
    p.add_argument(
        "--exit-when-idle",
        type=float,
        metavar="SECONDS",
        help="stop once no worker is registered and no record is waiting for this long "
        "(default: run until interrupted)",
    )
    p.add_argument(
        "-s",
        dest="set",
        action="append",
        type=_key_value,
        default=[],
        metavar="NAME=VALUE",
        help="Scrapy setting",
    )
    p.set_defaults(func=cmd_store_worker)

    p = sub.add_parser("extract", help="extract articles from saved pages and print them as JSON lines")
    p.add_argument("files", nargs="+", metavar="FILE", help="HTML page, or .txt (one paragraph per line)")
    p.add_argument("--url", help="URL the page came from (resolves relative links)")
    p.add_argument("--explain", action="store_true", help="add which layer gave each field")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("list", help="list the spiders")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("demo", help="serve the bundled offline demo site and crawl it")
    p.add_argument("--db", default="data/demo.db")
    p.add_argument("--csv", default="data/demo.csv")
    p.add_argument(
        "--port",
        type=int,
        default=DEMO_PORT,
        help=f"loopback port for the demo site (default {DEMO_PORT}; article URLs include it, so a "
        "second run on the same port finds the same articles)",
    )
    p.add_argument("--loglevel", default="WARNING")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("sites", help="list the real sites: name, region, outlet, domains, entry pages")
    p.add_argument("sites", nargs="*", metavar="SITE")
    p.add_argument("--json", action="store_true", help="one JSON object per site")
    p.set_defaults(func=cmd_sites)

    p = sub.add_parser(
        "check-sites",
        help="fetch one listing page and a few articles per site (needs internet); exit 1 if a site broke",
    )
    p.add_argument("sites", nargs="*", metavar="SITE", help="default: every site")
    p.add_argument("--articles", type=int, default=3, metavar="N", help="article pages per site (default 3)")
    p.add_argument("--db", help="keep the checked articles in this SQLite file (default: a scratch file)")
    p.add_argument("--json", action="store_true", help="one JSON report per site")
    p.add_argument("--loglevel", default="WARNING")
    p.add_argument("-s", dest="set", action="append", type=_key_value, default=[], metavar="NAME=VALUE")
    p.set_defaults(func=cmd_check_sites)

    p = sub.add_parser("savefixture", help="record a live page (bytes, URL, headers, fetch time) for a test")
    p.add_argument("url", metavar="URL")
    p.add_argument(
        "--out", default="data/fixtures", help="folder for NAME.html and NAME.json (default data/fixtures)"
    )
    p.add_argument("--name", help="file name without extension (default: from the URL)")
    p.add_argument("--loglevel", default="WARNING")
    p.add_argument("-s", dest="set", action="append", type=_key_value, default=[], metavar="NAME=VALUE")
    p.set_defaults(func=cmd_savefixture)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
