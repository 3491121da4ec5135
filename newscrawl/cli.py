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

from newscrawl.state.runs import EXIT_FAILED, EXIT_LOCKED, EXIT_OK, EXIT_USAGE

logger = logging.getLogger(__name__)

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
    """Run the named spiders side by side in this process; return an exit status (`newscrawl.state.runs`)."""
    from scrapy.crawler import AsyncCrawlerProcess
    from scrapy.spiderloader import get_spider_loader

    from newscrawl.state import lock
    from newscrawl.state.runs import SignalLog, outcome, uses_database

    loader = get_spider_loader(settings)
    unknown = [name for name, _ in spiders if name not in set(loader.list())]
    if unknown:
        print(f"newscrawl: unknown spider(s): {', '.join(unknown)}; see `newscrawl list`", file=sys.stderr)
        return EXIT_USAGE
    db = settings.get("NEWSCRAWL_DB")
    locking = uses_database(settings)
    try:
        if locking:
            lock.acquire(db)
    except lock.DatabaseLocked as exc:
        print(f"newscrawl: {exc}; not starting (exit status {EXIT_LOCKED})", file=sys.stderr)
        return EXIT_LOCKED
    try:
        process = AsyncCrawlerProcess(settings)
        crawlers = []
        for name, kwargs in spiders:
            crawler = process.create_crawler(name)
            crawlers.append(crawler)
            process.crawl(crawler, **kwargs)
        signal_log = SignalLog()
        signal_log.install_when_running()
        process.start()
    finally:
        if locking:
            lock.release(db)
    if process.bootstrap_failed:
        return EXIT_FAILED
    result = outcome(crawlers, signal_log.received)
    for message in result.messages:
        print(f"newscrawl: {message}", file=sys.stderr)
    return result.status


def cmd_crawl(args: argparse.Namespace) -> int:
    settings = project_settings(args.db, args.set)
    if args.refresh:
        settings.set("NEWSCRAWL_REFRESH", True, priority="cmdline")
    spider_args = dict(args.arg)
    names = list(args.spiders)
    if args.all == bool(names):
        print("newscrawl: name the spiders to run, or --all (not both)", file=sys.stderr)
        return EXIT_USAGE
    if args.all:
        from scrapy.spiderloader import get_spider_loader

        from newscrawl.state.runs import scheduled_spiders

        names, skipped = scheduled_spiders(get_spider_loader(settings))
        if skipped:
            print(f"newscrawl: --all skips {', '.join(skipped)}: they need -a arguments", file=sys.stderr)
        if not names:
            print("newscrawl: no spider has entry URLs of its own; nothing to run", file=sys.stderr)
            return EXIT_USAGE
    return run_crawls(settings, [(name, spider_args) for name in names])


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
            f"{stats.get('newscrawl/articles/unchanged', 0)} unchanged, "
            f"{run.get('articles_skipped', 0)} skipped (already stored), {run['articles_dropped']} dropped, "
            f"{run['errors']} errors"
        )
    print(f"{'site':<12}{'articles':>9}{'date':>8}{'authors':>9}{'source':>8}{'editor':>8}")
    for row in store.coverage():
        print(
            f"{row['site']:<12}{row['articles']:>9}{row['with_date']:>8.0%}{row['with_authors']:>9.0%}"
            f"{row['with_source']:>8.0%}{row['with_editor']:>8.0%}"
        )


# -- entry point -----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    from newscrawl.paths import default_db_path

    parser = argparse.ArgumentParser(prog="newscrawl", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "crawl",
        help="run spiders and store what they find",
        description="Run spiders and store what they find. Exit status: 0 ok, 1 failed, 2 usage, "
        "3 a health rule broken, 75 the database is in use by another crawl, 128+N stopped by signal N.",
    )
    p.add_argument("spiders", nargs="*", metavar="SPIDER")
    p.add_argument(
        "--all",
        action="store_true",
        help="every spider with entry URLs of its own (spiders that need -a arguments are skipped)",
    )
    p.add_argument(
        "--refresh",
        action="store_true",
        help="fetch stored articles again too (conditional GET where the site offers it)",
    )
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
    p.set_defaults(func=cmd_crawl)

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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
