"""Politeness, measured at the server: the loopback server records when each request arrives.

Crawl-delay and Retry-After are checked as gaps between arrival times (lower bounds on what the
crawler leaves the server, not the speed of the crawl). Each is shown next to a control run
without newscrawl's component, where plain Scrapy breaks the same bound: the measurement would
catch a regression.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import time
from collections.abc import Callable
from email.utils import formatdate
from pathlib import Path

import pytest

from tests.conftest import crawl, query, run_newscrawl
from tests.hostile.pages import Story, article_page, listing_page, story
from tests.hostile.server import Exchange, HostileServer

pytestmark = pytest.mark.slow

EPS = 0.05
"""Slack between the crawler deciding to send and the request arriving (same machine)."""
IN_FLIGHT = 0.25
"""Requests already on their way when an answer asked us to wait may arrive this long after it."""

STORIES = [story(40 + i, f"p-{i}") for i in range(8)]


def serve(server: HostileServer, stories: list[Story], robots: str = "User-agent: *\nDisallow:\n") -> None:
    server.route("/robots.txt", lambda ex: ex.send(200, robots.encode(), "text/plain"))
    server.route("/index.html", lambda ex: ex.send(200, listing_page([(s.path, s.title) for s in stories])))
    for s in stories:
        server.route(s.path, lambda ex, s=s: ex.send(200, article_page(s)))


def crawl_fast(
    server: HostileServer, db: Path, *settings: str, start: str = "/index.html"
) -> subprocess.CompletedProcess[str]:
    """The tests' loopback settings (no delay, no AutoThrottle, 8 per site) plus `settings`."""
    proc = crawl(
        "news",
        db,
        f"start_url={server.url(start)}",
        "article_pattern=/news/",
        settings=("NEWSCRAWL_RELATED_DEPTH=0", *settings),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def crawl_defaults(server: HostileServer, db: Path, *settings: str) -> subprocess.CompletedProcess[str]:
    """newscrawl's own politeness defaults (DOWNLOAD_DELAY, AutoThrottle, 2 per site)."""
    args = ["crawl", "news", "--db", str(db), "-a", f"start_url={server.url('/index.html')}"]
    args += ["-a", "article_pattern=/news/", "-s", "NEWSCRAWL_RELATED_DEPTH=0"]
    for s in settings:
        args += ["-s", s]
    proc = run_newscrawl(*args)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(times)]


def errors(db: Path) -> list[dict[str, object]]:
    return [dict(r) for r in query(db, "SELECT url, kind, status, message FROM fetch_errors ORDER BY id")]


def last_stats(db: Path) -> dict[str, object]:
    return json.loads(query(db, "SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1")[0]["stats"])


# -- Crawl-delay ------------------------------------------------------------------------------------


def test_crawl_delay_is_kept_between_every_two_requests(tmp_path: Path) -> None:
    delay = 1.0
    server = HostileServer()
    serve(server, STORIES[:4], robots=f"User-agent: *\nCrawl-delay: {delay}\n")
    with server:
        proc = crawl_fast(server, tmp_path / "a.db")
    times = server.arrivals()
    assert len(times) == 6  # robots.txt, the listing, 4 articles
    assert min(gaps(times)) >= delay - EPS, gaps(times)
    assert "robots.txt asks for 1.0 s between requests" in proc.stderr
    assert len(query(tmp_path / "a.db", "SELECT 1 FROM articles")) == 4


def test_without_it_scrapy_ignores_the_crawl_delay(tmp_path: Path) -> None:
    server = HostileServer()
    serve(server, STORIES[:4], robots="User-agent: *\nCrawl-delay: 1\n")
    with server:
        crawl_fast(server, tmp_path / "a.db", "NEWSCRAWL_OBEY_CRAWL_DELAY=False")
    assert min(gaps(server.arrivals())) < 0.5


def test_crawl_delay_for_our_user_agent_survives_autothrottle(tmp_path: Path) -> None:
    """With the default settings AutoThrottle sets each site's delay from its latency; on a fast
    server it would go below the Crawl-delay. The group for `newscrawl` applies, not the `*` one."""
    delay = 1.2
    robots = f"User-agent: *\nCrawl-delay: 0.1\n\nUser-agent: newscrawl\nCrawl-delay: {delay}\n"
    server = HostileServer()
    serve(server, STORIES[:4], robots=robots)
    with server:
        crawl_defaults(server, tmp_path / "a.db")
    times = server.arrivals()
    assert len(times) == 6
    assert min(gaps(times)) >= delay - EPS, gaps(times)
    assert all(agent.startswith("newscrawl/") for agent in server.agents)


def test_scrapys_own_autothrottle_would_undercut_the_crawl_delay(tmp_path: Path) -> None:
    delay = 1.2
    server = HostileServer()
    serve(server, STORIES[:4], robots=f"User-agent: *\nCrawl-delay: {delay}\n")
    extensions = json.dumps(
        {
            "newscrawl.extensions.CrawlRunRecorder": 100,
            "newscrawl.middlewares.politeness.PoliteAutoThrottle": None,
            "scrapy.extensions.throttle.AutoThrottle": 0,
        }
    )
    with server:
        crawl_defaults(server, tmp_path / "a.db", f"EXTENSIONS={extensions}")
    assert min(gaps(server.arrivals()[1:])) < delay - EPS


def test_a_crawl_delay_beyond_the_maximum_leaves_the_site_alone(tmp_path: Path) -> None:
    server = HostileServer()
    serve(server, STORIES[:3], robots="User-agent: *\nCrawl-delay: 3600\n")
    db = tmp_path / "a.db"
    with server:
        proc = crawl_fast(server, db)
    assert [r.path for r in server.requests] == ["/robots.txt"]
    rows = errors(db)
    assert [(r["kind"], r["url"]) for r in rows] == [("host_closed", server.url("/index.html"))]
    assert "NEWSCRAWL_MAX_CRAWL_DELAY" in str(rows[0]["message"])
    assert "not crawled this run" in proc.stderr


def test_a_robots_txt_the_server_fails_to_deliver_means_keep_out(tmp_path: Path) -> None:
    server = HostileServer()
    serve(server, STORIES[:3])
    server.route("/robots.txt", lambda ex: ex.send(503, b"<h1>503</h1>"))
    db = tmp_path / "a.db"
    with server:
        crawl_fast(server, db, "NEWSCRAWL_RETRY_BACKOFF=0.1")
    assert {r.path for r in server.requests} == {"/robots.txt"}
    assert server.hits("/robots.txt") == 2  # retried once (RETRY_TIMES=1), then believed
    rows = errors(db)
    assert [r["kind"] for r in rows] == ["host_closed"]
    assert "RFC 9309" in str(rows[0]["message"])


def test_a_robots_txt_that_fails_once_then_answers_is_read_normally(tmp_path: Path) -> None:
    server = HostileServer()
    serve(server, STORIES[:3])
    server.route(
        "/robots.txt",
        lambda ex: (
            ex.send(503, b"busy")
            if ex.hit == 1
            else ex.send(200, b"User-agent: *\nDisallow:\n", "text/plain")
        ),
    )
    db = tmp_path / "a.db"
    with server:
        crawl_fast(server, db, "NEWSCRAWL_RETRY_BACKOFF=0.1")
    assert len(query(db, "SELECT 1 FROM articles")) == 3
    assert errors(db) == []


# -- concurrency -----------------------------------------------------------------------------------


def slow_site(server: HostileServer, n: int) -> None:
    """`n` articles, each answered after 0.2 s, so that parallel requests overlap at the server."""
    stories = [story(60 + i, f"slow-{i}") for i in range(n)]
    serve(server, stories)
    for s in stories:

        def answer(ex: Exchange, s: Story = s) -> None:
            time.sleep(0.2)
            ex.send(200, article_page(s))

        server.route(s.path, answer)


SCRAPY_DOWNLOADER = "DOWNLOADER=scrapy.core.downloader.Downloader"
WITHOUT_POLITENESS = "DOWNLOADER_MIDDLEWARES=" + json.dumps(
    {"newscrawl.middlewares.politeness.PolitenessMiddleware": None}
)


@pytest.mark.parametrize("downloader", [(), (SCRAPY_DOWNLOADER,)], ids=["PoliteDownloader", "Scrapy's"])
@pytest.mark.parametrize("per_site", [1, 2])
def test_no_more_than_the_per_site_concurrency_reaches_the_site(
    tmp_path: Path, per_site: int, downloader: tuple[str, ...]
) -> None:
    """With newscrawl's downloader, or with Scrapy's and the middleware's 1 ms slot delay."""
    server = HostileServer()
    slow_site(server, 6)
    with server:
        crawl_fast(server, tmp_path / "a.db", f"CONCURRENT_REQUESTS_PER_DOMAIN={per_site}", *downloader)
    assert server.max_in_flight == per_site
    assert len(query(tmp_path / "a.db", "SELECT 1 FROM articles")) == 6


def test_scrapys_downloader_lets_every_queued_request_through_at_once_with_a_zero_delay(
    tmp_path: Path,
) -> None:
    """Scrapy 2.19 with DOWNLOAD_DELAY = 0: the per-site limit does not hold (see PoliteDownloader
    and PolitenessMiddleware._keep_concurrency)."""
    server = HostileServer()
    slow_site(server, 6)
    with server:
        crawl_fast(
            server,
            tmp_path / "a.db",
            "CONCURRENT_REQUESTS_PER_DOMAIN=2",
            SCRAPY_DOWNLOADER,
            WITHOUT_POLITENESS,
        )
    assert server.max_in_flight > 2


def test_newscrawls_downloader_keeps_the_per_site_limit_with_no_delay_at_all(tmp_path: Path) -> None:
    """Without the middleware, so without its 1 ms slot delay: the downloader alone holds the limit."""
    server = HostileServer()
    slow_site(server, 6)
    with server:
        crawl_fast(server, tmp_path / "a.db", "CONCURRENT_REQUESTS_PER_DOMAIN=2", WITHOUT_POLITENESS)
    assert server.max_in_flight == 2
    assert len(query(tmp_path / "a.db", "SELECT 1 FROM articles")) == 6


def test_the_default_settings_send_one_or_two_requests_at_a_time(tmp_path: Path) -> None:
    server = HostileServer()
    slow_site(server, 4)
    with server:
        crawl_defaults(server, tmp_path / "a.db")
    assert 1 <= server.max_in_flight <= 2
    assert min(gaps(server.arrivals())) >= 0.25 - EPS  # DOWNLOAD_DELAY 0.5 with ±50 % jitter


# -- Retry-After ------------------------------------------------------------------------------------


class BusyOnce:
    """Seven articles; the first article request to arrive, whichever it is, is answered `status`
    with `Retry-After`, every later one normally (the crawl order is the scheduler's). The normal
    answers take 0.1 s, as a real server's do, so that requests are still queued when the busy
    answer comes back."""

    def __init__(self, server: HostileServer, status: int, retry_after: str | Callable[[], str]) -> None:
        self.path: str | None = None
        serve(server, STORIES[:7])
        for s in STORIES[:7]:
            server.route(s.path, self.route(s, status, retry_after))

    def route(
        self, s: Story, status: int, retry_after: str | Callable[[], str]
    ) -> Callable[[Exchange], None]:
        def answer(ex: Exchange) -> None:
            if self.path is None:
                self.path = ex.path
                value = retry_after() if callable(retry_after) else retry_after
                ex.send(status, b"busy", "text/plain", {"Retry-After": value})
            else:
                time.sleep(0.1)
                ex.send(200, article_page(s))

        return answer


def test_retry_after_pauses_the_whole_site(tmp_path: Path) -> None:
    wait = 2.0
    server = HostileServer()
    busy = BusyOnce(server, 503, "2")
    db = tmp_path / "a.db"
    with server:
        proc = crawl_fast(server, db, "CONCURRENT_REQUESTS_PER_DOMAIN=2")
    answered = server.arrivals(busy.path)
    assert len(answered) == 2
    t = answered[0]
    assert answered[1] - t >= wait - EPS
    during = [a for a in server.arrivals() if t + IN_FLIGHT < a < t + wait - EPS]
    assert during == [], "requests reached the site while it had asked for a pause"
    in_flight = [a for a in server.arrivals() if t < a <= t + IN_FLIGHT]
    assert len(in_flight) <= 2  # at most the site's concurrency was already on its way
    assert len(query(db, "SELECT 1 FROM articles")) == 7
    assert errors(db) == []
    assert "answered 503 with Retry-After: no request to it for 2.0 s" in proc.stderr


def test_without_it_scrapy_retries_at_once(tmp_path: Path) -> None:
    server = HostileServer()
    busy = BusyOnce(server, 503, "2")
    middlewares = json.dumps({"newscrawl.middlewares.politeness.PolitenessMiddleware": None})
    with server:
        crawl_fast(server, tmp_path / "a.db", f"DOWNLOADER_MIDDLEWARES={middlewares}")
    answered = server.arrivals(busy.path)
    assert len(answered) == 2 and answered[1] - answered[0] < 0.5


def test_429_waits_out_retry_after_then_slows_down(tmp_path: Path) -> None:
    wait, slower = 1.0, 0.6
    server = HostileServer()
    busy = BusyOnce(server, 429, "1")
    db = tmp_path / "a.db"
    with server:
        crawl_fast(server, db, "CONCURRENT_REQUESTS_PER_DOMAIN=2", f"NEWSCRAWL_RATE_LIMITED_DELAY={slower}")
    answered = server.arrivals(busy.path)
    assert len(answered) == 2 and answered[1] - answered[0] >= wait - EPS
    after = [a for a in server.arrivals() if a > answered[0] + IN_FLIGHT]
    assert len(after) >= 3
    assert min(gaps(after)) >= slower - EPS, gaps(after)
    assert after[0] >= answered[0] + wait - EPS
    assert len(query(db, "SELECT 1 FROM articles")) == 7


def test_a_retry_after_beyond_the_maximum_ends_the_sites_run(tmp_path: Path) -> None:
    server = HostileServer()
    busy = BusyOnce(server, 503, "86400")
    db = tmp_path / "a.db"
    with server:
        proc = crawl_fast(server, db, "CONCURRENT_REQUESTS_PER_DOMAIN=1", "NEWSCRAWL_RETRY_AFTER_MAX=30")
    t = server.arrivals(busy.path)
    assert len(t) == 1  # not retried
    assert [a for a in server.arrivals() if a > t[0] + IN_FLIGHT] == []
    kinds = [(r["kind"], r["status"]) for r in errors(db)]
    assert ("http_error", 503) in kinds and ("host_closed", None) in kinds
    assert kinds.count(("host_closed", None)) == 1  # one row for the site, not one per page
    stats = last_stats(db)
    assert stats["newscrawl/politeness/site_closed_skipped"] >= 5
    assert "NEWSCRAWL_RETRY_AFTER_MAX" in proc.stderr


def test_retry_after_as_an_http_date(tmp_path: Path) -> None:
    server = HostileServer()
    # An HTTP-date has whole seconds: 3 s from now is more than 2 s away.
    busy = BusyOnce(server, 503, lambda: formatdate(time.time() + 3, usegmt=True))
    with server:
        crawl_fast(server, tmp_path / "a.db")
    answered = server.arrivals(busy.path)
    assert len(answered) == 2 and answered[1] - answered[0] >= 2 - EPS


# -- per-site caps: budget, depth, pagination ------------------------------------------------------


def test_the_page_budget_caps_a_site_and_says_so_once(tmp_path: Path) -> None:
    many = [story(100 + i, f"day-{i}") for i in range(30)]
    server = HostileServer()
    serve(server, many)
    db = tmp_path / "a.db"
    with server:
        proc = crawl_fast(server, db, "NEWSCRAWL_SITE_PAGE_BUDGET=10")
    pages = [r for r in server.requests if r.path != "/robots.txt"]
    assert len(pages) == 10  # the listing and 9 articles
    assert len(query(db, "SELECT 1 FROM articles")) == 9
    rows = errors(db)
    assert [r["kind"] for r in rows] == ["budget_exhausted"]
    assert "page budget of 10" in str(rows[0]["message"])
    assert last_stats(db)["newscrawl/budget/skipped"] == 21
    assert "Not fetched [budget_exhausted]" in proc.stderr
    run = query(db, "SELECT errors, finish_reason FROM crawl_runs")[0]
    assert (run["errors"], run["finish_reason"]) == (0, "finished")  # a cap, not a failure


def trap(server: HostileServer) -> None:
    """An endless listing (下一页 forever) whose pages each link two articles, each article linking
    the next day's article in 相关新闻: a calendar with no last day."""

    def listing(ex: Exchange) -> None:
        n = int(ex.path.rsplit("-", 1)[1].split(".")[0])
        links = [(f"/news/day-{2 * n}.html", "当日新闻"), (f"/news/day-{2 * n + 1}.html", "当日新闻")]
        ex.send(200, listing_page(links, next_href=f"/list/page-{n + 1}.html"))

    def day(ex: Exchange) -> None:
        n = int(ex.path.rsplit("-", 1)[1].split(".")[0])
        page = article_page(story(n, f"day-{n}"), related=((f"/news/day-{n + 1000}.html", "次日新闻"),))
        ex.send(200, page)

    server.route_prefix("/list/page-", listing)
    server.route_prefix("/news/day-", day)
    server.route("/robots.txt", lambda ex: ex.send(200, b"User-agent: *\nDisallow:\n", "text/plain"))


def test_an_endless_listing_stops_at_the_listing_page_cap(tmp_path: Path) -> None:
    server = HostileServer()
    trap(server)
    with server:
        crawl_fast(
            server,
            tmp_path / "a.db",
            "NEWSCRAWL_MAX_LISTING_PAGES=4",
            "NEWSCRAWL_RELATED_DEPTH=0",
            start="/list/page-1.html",
        )
    listings = [r.path for r in server.requests if r.path.startswith("/list/")]
    assert sorted(listings) == [f"/list/page-{n}.html" for n in range(1, 5)]
    assert len(query(tmp_path / "a.db", "SELECT 1 FROM articles")) == 8


def test_an_endless_related_chain_stops_at_depth_limit_and_says_so(tmp_path: Path) -> None:
    server = HostileServer()
    trap(server)
    db = tmp_path / "a.db"
    with server:
        proc = crawl_fast(
            server,
            db,
            "NEWSCRAWL_MAX_LISTING_PAGES=1",
            "NEWSCRAWL_RELATED_DEPTH=1000",
            "DEPTH_LIMIT=4",
            start="/list/page-1.html",
        )
    # listing (depth 0) → 2 articles (1) → their next days (2, 3, 4): 2 chains of 4 articles.
    days = [r.path for r in server.requests if r.path.startswith("/news/")]
    assert len(days) == 8
    rows = errors(db)
    assert [r["kind"] for r in rows] == ["depth_limit"]
    assert "DEPTH_LIMIT = 4" in str(rows[0]["message"])
    assert last_stats(db)["depth/request_ignored_count"] == 2
    assert "Not fetched [depth_limit]" in proc.stderr


def test_an_endless_calendar_stops_at_the_site_budget(tmp_path: Path) -> None:
    server = HostileServer()
    trap(server)
    db = tmp_path / "a.db"
    with server:
        crawl_fast(
            server,
            db,
            "NEWSCRAWL_MAX_LISTING_PAGES=1000",
            "NEWSCRAWL_RELATED_DEPTH=1000",
            "DEPTH_LIMIT=0",
            "NEWSCRAWL_SITE_PAGE_BUDGET=25",
            start="/list/page-1.html",
        )
    assert len([r for r in server.requests if r.path != "/robots.txt"]) == 25
    assert [r["kind"] for r in errors(db)] == ["budget_exhausted"]


# -- identity ---------------------------------------------------------------------------------------


def test_the_user_agent_names_newscrawl_and_the_contact_setting(tmp_path: Path) -> None:
    server = HostileServer()
    serve(server, STORIES[:1])
    with server:
        crawl_fast(server, tmp_path / "a.db", "NEWSCRAWL_CONTACT=mailto:research@example.org")
    assert len(server.agents) == 3
    assert set(server.agents) == {server.agents[0]}
    assert server.agents[0].startswith("newscrawl/")
    assert server.agents[0].endswith("(+mailto:research@example.org)")


def test_an_explicit_user_agent_wins_but_one_without_contact_is_warned_about(tmp_path: Path) -> None:
    server = HostileServer()
    serve(server, STORIES[:1])
    with server:
        proc = crawl_fast(server, tmp_path / "a.db", "USER_AGENT=lab-crawler/2")
    assert set(server.agents) == {"lab-crawler/2"}
    assert "names no contact" in proc.stderr
