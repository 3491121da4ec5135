"""The `newscrawl` command. Argument parsing and output only; the work happens in the rooms."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from datetime import datetime
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
    if args.redis:
        settings.set("NEWSCRAWL_REDIS_URL", args.redis, priority="cmdline")
    if settings.get("NEWSCRAWL_REDIS_URL") and not check_redis(settings.get("NEWSCRAWL_REDIS_URL")):
        return EXIT_FAILED
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
    from newscrawl.store import CST

    status = EXIT_OK
    for name in args.files:
        path = Path(name)
        try:
            data = path.read_bytes()
            saved_at = datetime.fromtimestamp(path.stat().st_mtime, CST)
        except OSError as exc:
            print(f"newscrawl: cannot read {name}: {exc.strerror}", file=sys.stderr)
            status = EXIT_FAILED
            continue
        url = args.url or path.resolve().as_uri()
        # Relative and year-less dates resolve against the fetch time: the file was saved then.
        fetched_at = args.fetched_at or saved_at
        if path.suffix.lower() == ".txt":
            result = extract_plain_text(data, url, fetched_at=fetched_at)
        else:
            result = extract(data, url, fetched_at=fetched_at)
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
            out["warnings"] = result.warnings
        print(json.dumps(out, ensure_ascii=False))
    return status


def _aware_datetime(text: str) -> datetime:
    from newscrawl.store import CST

    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an ISO 8601 time (2021-08-05T17:24:00+08:00), got {text!r}"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=CST)


# -- errors ----------------------------------------------------------------------------------------


def cmd_errors(args: argparse.Namespace) -> int:
    from newscrawl.paths import default_db_path
    from newscrawl.store import Store
    from newscrawl.store.errors import KINDS, fetch_errors

    db = Path(args.db or default_db_path())
    if not db.is_file():
        print(f"newscrawl: no database at {db}", file=sys.stderr)
        return EXIT_FAILED
    if args.kind and args.kind not in KINDS:
        print(f"newscrawl: unknown kind {args.kind!r}; one of {', '.join(KINDS)}", file=sys.stderr)
        return EXIT_USAGE
    with Store(db) as store:
        run_id = args.run
        if run_id is None and not args.all:
            last = store.conn.execute("SELECT MAX(id) FROM crawl_runs").fetchone()[0]
            run_id = int(last) if last is not None else None
        rows = fetch_errors(store, run_id=run_id, kind=args.kind)
    where = "all runs" if args.all else f"run {run_id}"
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["kind"]] = counts.get(row["kind"], 0) + 1
    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    print(f"{len(rows)} fetch errors in {where}" + (f": {summary}" if summary else ""))
    for row in rows:
        status = "" if row["status"] is None else str(row["status"])
        print(f"{row['run_id'] or '-'}\t{row['kind']}\t{status}\t{row['url']}\t{row['message']}")
    return EXIT_OK


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


# -- export, search, stats -------------------------------------------------------------------------


class Progress:
    """Periodic counts on stderr when it is a terminal; nothing at all in cron or a pipe."""

    def __init__(self, label: str, total: int | None, enabled: bool | None = None) -> None:
        import time

        self.label, self.total = label, total
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.started = self.last = time.monotonic()
        self.shown = False

    def __call__(self, done: int) -> None:
        import time

        now = time.monotonic()
        if not self.enabled or (now - self.last < 0.2 and done != self.total):
            return
        self.last = now
        rate = done / (now - self.started) if now > self.started else 0.0
        of = f"/{self.total:,} ({done / self.total:.0%})" if self.total else ""
        sys.stderr.write(f"\r{self.label} {done:,}{of}, {rate:,.0f}/s ")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 up, got {text!r}")
    return int(text)


def _filters(args: argparse.Namespace, query: str | None) -> Any:
    from newscrawl.store.filters import ArticleFilter

    return ArticleFilter(sites=tuple(args.site or ()), since=args.since, until=args.until, query=query)


def _open_existing_store(db: str | None) -> Any:
    """The store at `db`, or None (with a message) when there is no database there yet."""
    from newscrawl.paths import default_db_path
    from newscrawl.store import Store

    path = Path(db or default_db_path())
    if not path.exists():
        print(f"newscrawl: no database at {path}; crawl first, or pass --db", file=sys.stderr)
        return None
    return Store(path)


def _export_format(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    if args.excel:
        return "csv"
    suffix = Path(args.output).suffix.lower().lstrip(".") if args.output else ""
    return suffix if suffix in ("csv", "json", "jsonl") else "jsonl"


def cmd_export(args: argparse.Namespace) -> int:
    from newscrawl.store.export import ExportError, count_records, export_articles
    from newscrawl.store.filters import FilterError
    from newscrawl.store.search import QueryError

    fmt = _export_format(args)
    store = _open_existing_store(args.db)
    if store is None:
        return EXIT_FAILED
    filters = _filters(args, args.query)
    encoding = "utf-8-sig" if args.excel else "utf-8"
    with store:
        try:
            total = count_records(store, filters)
        except (FilterError, QueryError, ExportError) as exc:
            print(f"newscrawl: {exc}", file=sys.stderr)
            return EXIT_USAGE
        # On stdout the counts would land among the rows when both go to the terminal.
        to_terminal = args.output is None and sys.stdout.isatty()
        progress = Progress("exported", total, enabled=False if to_terminal else args.progress)
        options: dict[str, Any] = {"filters": filters, "include": args.with_, "excel": args.excel}
        try:
            if args.output is None:
                out = open(sys.stdout.fileno(), "w", encoding=encoding, newline="", closefd=False)  # noqa: SIM115
                with out:
                    count = export_articles(store, out, fmt, progress=progress, **options)
            else:
                # Written beside the target and renamed at the end: a cron job reading FILE never
                # sees half an export, and an export that fails leaves the previous FILE in place.
                target = Path(args.output)
                target.parent.mkdir(parents=True, exist_ok=True)
                partial = target.with_name(target.name + ".part")
                try:
                    with partial.open("w", encoding=encoding, newline="") as out:
                        count = export_articles(store, out, fmt, progress=progress, **options)
                    os.replace(partial, target)
                finally:
                    partial.unlink(missing_ok=True)
        except ExportError as exc:
            print(f"newscrawl: {exc}", file=sys.stderr)
            return EXIT_USAGE
        except BrokenPipeError:
            # `newscrawl export | head`: the reader has what it wanted.
            return EXIT_OK
        finally:
            progress.close()
    # A closing line for a person at a terminal; cron mails whatever a job prints, so none there.
    if args.output is not None and not args.quiet and (args.progress or sys.stderr.isatty()):
        print(f"Exported {count:,} articles to {args.output}", file=sys.stderr)
    return EXIT_OK


def _highlight(text: str, spans: Sequence[Sequence[int]], color: bool) -> str:
    start_mark, end_mark = ("\x1b[1;31m", "\x1b[0m") if color else ("«", "»")
    out, last = [], 0
    for a, b in spans:
        out += [text[last:a], start_mark, text[a:b], end_mark]
        last = b
    out.append(text[last:])
    return "".join(out)


def cmd_search(args: argparse.Namespace) -> int:
    from newscrawl.store.filters import FilterError
    from newscrawl.store.search import QueryError, search

    store = _open_existing_store(args.db)
    if store is None:
        return EXIT_FAILED
    query = " ".join(args.query)
    with store:
        try:
            hits = search(store, _filters(args, query), limit=args.limit)
        except (FilterError, QueryError) as exc:
            print(f"newscrawl: {exc}", file=sys.stderr)
            return EXIT_USAGE
    if args.json:
        for hit in hits:
            print(json.dumps(hit.to_dict(), ensure_ascii=False))
        return EXIT_OK
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    for hit in hits:
        day = (hit.published_at or "")[:10] or "undated"
        print(f"{hit.rank:>3}. {_highlight(hit.title, hit.title_highlights, color)}")
        print(f"     {hit.site} · {day} · {hit.canonical_url}")
        if hit.snippet:
            print(f"     {_highlight(hit.snippet, hit.highlights, color)}")
    if not hits:
        print(f"No articles match {query!r}.", file=sys.stderr)
    return EXIT_OK


def _cell_width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> list[str]:
    """Columns padded to the widest cell (CJK counted double); the first `left` columns left-aligned."""
    widths = [max(_cell_width(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    lines = []
    for row in [headers, *rows]:
        cells = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - _cell_width(cell))
            cells.append(cell + pad if i < left else pad + cell)
        lines.append("  ".join(cells).rstrip())
    return lines


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def cmd_stats(args: argparse.Namespace) -> int:
    import dataclasses

    from newscrawl.store.stats import site_stats, totals

    store = _open_existing_store(args.db)
    if store is None:
        return EXIT_FAILED
    with store:
        sites = site_stats(store)
        overall = totals(store, sites)
    if args.json:
        out = {"sites": [dataclasses.asdict(s) for s in sites], "totals": dataclasses.asdict(overall)}
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return EXIT_OK
    headers = ["site", "articles", "stories", "dup", "shared", "date", "authors", "source", "editor"]
    headers += ["last run", "added", "errors"]
    rows = []
    for s in sites:
        if s.last_run_id is None:
            last = "–"
        else:
            when = (s.last_run_started_at or "")[:16].replace("T", " ")
            last = f"#{s.last_run_id} {when} {s.last_run_finish_reason or 'unfinished'}"
        rows.append(
            [
                s.site,
                f"{s.articles:,}",
                "–" if s.stories is None else f"{s.stories:,}",
                _pct(s.duplicate_ratio),
                _pct(s.shared_ratio),
                _pct(s.with_date),
                _pct(s.with_authors),
                _pct(s.with_source),
                _pct(s.with_editor),
                last,
                "–" if s.last_run_added is None else f"{s.last_run_added:,}",
                "–" if s.last_run_errors is None else f"{s.last_run_errors:,}",
            ]
        )
    rows.append(
        [
            "all",
            f"{overall.articles:,}",
            "–" if overall.stories is None else f"{overall.stories:,}",
            _pct(overall.duplicate_ratio),
            *[""] * 5,
            f"{overall.runs:,} run{'' if overall.runs == 1 else 's'}",
            "",
            f"{overall.errors_total:,}",
        ]
    )
    for line in _table(headers, rows):
        print(line)
    print()
    print("dup: share of a site's articles repeating a story it already has (all: a story stored anywhere)")
    print("shared: share whose story is also on another site; errors: of the last run (all: of every run)")
    return EXIT_OK


# -- entry point -----------------------------------------------------------------------------------


def add_setting_option(p: argparse.ArgumentParser) -> None:
    """`-s NAME=VALUE`, repeatable: a Scrapy or newscrawl setting for this command."""
    p.add_argument(
        "-s",
        dest="set",
        action="append",
        type=_key_value,
        default=[],
        metavar="NAME=VALUE",
        help="Scrapy setting",
    )


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
    add_setting_option(p)
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
    add_setting_option(p)
    p.set_defaults(func=cmd_store_worker)

    p = sub.add_parser("extract", help="extract articles from saved pages and print them as JSON lines")
    p.add_argument("files", nargs="+", metavar="FILE", help="HTML page, or .txt (one paragraph per line)")
    p.add_argument("--url", help="URL the page came from (resolves relative links)")
    p.add_argument(
        "--explain",
        action="store_true",
        help="add which layer gave each field, and what had to be worked around",
    )
    p.add_argument(
        "--fetched-at",
        type=_aware_datetime,
        metavar="TIME",
        help="when the page was fetched (ISO 8601; default: the file's modification time); "
        "relative and year-less dates resolve against it, later dates are rejected",
    )
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser(
        "errors",
        help="what a run could not fetch, and why (the fetch_errors table), one tab-separated line each",
    )
    p.add_argument("--db", help=f"SQLite file (default: $NEWSCRAWL_DB or {default_db_path()})")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--run", type=int, help="this run's errors (default: the latest run)")
    which.add_argument("--all", action="store_true", help="the errors of every run")
    p.add_argument("--kind", help="only this kind: gone, http_error, timeout, not_text, redirect_loop, …")
    p.set_defaults(func=cmd_errors)

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
    add_setting_option(p)
    p.set_defaults(func=cmd_check_sites)

    p = sub.add_parser("savefixture", help="record a live page (bytes, URL, headers, fetch time) for a test")
    p.add_argument("url", metavar="URL")
    p.add_argument(
        "--out", default="data/fixtures", help="folder for NAME.html and NAME.json (default data/fixtures)"
    )
    p.add_argument("--name", help="file name without extension (default: from the URL)")
    p.add_argument("--loglevel", default="WARNING")
    add_setting_option(p)
    p.set_defaults(func=cmd_savefixture)
    db_help = f"SQLite file (default: $NEWSCRAWL_DB or {default_db_path()})"

    def add_filters(p: argparse.ArgumentParser) -> None:
        p.add_argument("--site", action="append", metavar="SITE", help="only this site (repeatable)")
        p.add_argument(
            "--since", metavar="DATE", help="published on or after DATE (2024, 2024-03, 2024-03-15)"
        )
        p.add_argument(
            "--until", metavar="DATE", help="published on or before DATE (the whole day/month/year)"
        )
        p.add_argument("--db", help=db_help)

    p = sub.add_parser("export", help="write stored articles as CSV, JSON or JSON Lines")
    p.add_argument(
        "--format",
        choices=("csv", "json", "jsonl"),
        help="default: from -o's suffix, else jsonl (csv with --excel)",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write here (default: standard output)")
    p.add_argument("--excel", action="store_true", help="CSV for spreadsheets: BOM, formulas neutralised")
    p.add_argument(
        "--with",
        dest="with_",
        action="append",
        choices=("related", "stories"),
        default=[],
        help="extra columns: related (link graph), stories (story counts); repeatable",
    )
    p.add_argument("--query", metavar="TEXT", help="only articles matching this full-text query")
    add_filters(p)
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show counts while writing (default: when stderr is a terminal)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no closing line on the terminal")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "search", help="full-text search (Simplified or Traditional) with highlighted snippets"
    )
    p.add_argument(
        "query", nargs="+", metavar="TERM", help='all terms must occur; "…" keeps spaces in a term'
    )
    p.add_argument("--limit", type=_positive_int, default=20, help="most hits to show (default 20)")
    p.add_argument("--json", action="store_true", help="one JSON object per hit, for scripts")
    add_filters(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("stats", help="per site: articles, stories, duplicates, field coverage, last run")
    p.add_argument("--json", action="store_true", help="the same figures as JSON")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_stats)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
