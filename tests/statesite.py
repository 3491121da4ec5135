"""A mutable news site on 127.0.0.1 for the crawl-state tests: as many articles as a test wants,
articles that change and appear between runs, ETag / Last-Modified with real 304 answers, a delay
per response (so a kill lands mid-crawl), injected failures, and a log of every request.

    with StateSite(articles=600) as site:
        crawl("news", db, f"start_url={site.start_url}")
        site.change(17); site.add(2)
        fetched = site.hits()

Layout (what the generic `news` spider finds on its own): listing `/fzxw/index.html`,
`/fzxw/index_2.html`, … (`PAGE_SIZE` articles a page, newest first, pager link 下一页); article
`/fzxw/YYYY-MM/DD/content_{id}.html` with a 相关新闻 block linking two older articles.
Every text is generated here, from the article id and its revision.
"""

from __future__ import annotations

import hashlib
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import NamedTuple

from newscrawl.demo.server import serve_in_thread, stop_serving
from newscrawl.paths import PROJECT_ROOT
from tests.conftest import run_newscrawl, subprocess_env

PAGE_SIZE = 20
SECTION = "fzxw"
_BASE_DAY = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)

_PLACES = (
    "长沙",
    "株洲",
    "湘潭",
    "衡阳",
    "邵阳",
    "岳阳",
    "常德",
    "张家界",
    "益阳",
    "郴州",
    "永州",
    "怀化",
    "娄底",
)
_CASES = ("电信诈骗", "非法集资", "醉酒驾驶", "盗窃电动车", "拖欠工资", "网络赌博", "非法采砂", "冒充客服")
_BODY = (
    "本报讯 {place}市人民法院近日审结一起{case}案件，第{id}号判决书已于当日送达各方当事人。",
    "经审理查明，被告人在{year}年间多次实施{case}行为，涉案金额共计{amount}万元，造成恶劣社会影响。",
    "法院认为，被告人的行为已构成犯罪，依法判处有期徒刑{months}个月，并处罚金，追缴全部违法所得。",
    "承办法官提醒广大群众提高防范意识，遇到可疑情况及时向公安机关报告，共同维护良好的社会秩序。",
)


class Hit(NamedTuple):
    method: str
    path: str
    status: int


@dataclass
class SiteArticle:
    id: int
    revision: int = 1

    @property
    def published(self) -> datetime:
        return _BASE_DAY + timedelta(hours=6 * self.id)

    @property
    def path(self) -> str:
        day = self.published.astimezone(UTC)
        return f"/{SECTION}/{day:%Y-%m}/{day:%d}/content_{self.id}.html"

    @property
    def title(self) -> str:
        place = _PLACES[self.id % len(_PLACES)]
        case = _CASES[self.id % len(_CASES)]
        return f"{place}审结第{self.id}号{case}案"

    @property
    def paragraphs(self) -> list[str]:
        values = {
            "place": _PLACES[self.id % len(_PLACES)],
            "case": _CASES[self.id % len(_CASES)],
            "id": self.id,
            "year": 2015 + self.id % 9,
            "amount": 10 + self.id % 90,
            "months": 6 + self.id % 30,
        }
        lines = [p.format(**values) for p in _BODY]
        if self.revision > 1:
            lines.append(f"（本文于第{self.revision}次更新：补充了庭审后的最新进展。）")
        return lines

    @property
    def body(self) -> str:
        return "\n".join(self.paragraphs)

    @property
    def last_modified(self) -> datetime:
        return self.published + timedelta(days=self.revision - 1)

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(f"{self.id}-{self.revision}".encode()).hexdigest()[:16] + '"'


class StateSite:
    """The site and its loopback server (port chosen by the OS)."""

    def __init__(self, articles: int = 60, *, delay: float = 0.0, related: bool = True) -> None:
        self.articles: dict[int, SiteArticle] = {i: SiteArticle(i) for i in range(1, articles + 1)}
        self.delay = delay
        self.related = related
        self.status_override: dict[str, int] = {}
        """path -> status to answer instead of the page (500, 404, …)."""
        self.fail_once: set[str] = set()
        """Paths that answer 503 the first time they are asked for, then the page."""
        self.redirects: dict[str, str] = {}
        """path -> path it redirects to (301)."""
        self.extra_links: list[str] = []
        """Paths linked from the first listing page besides the articles (old or moved URLs)."""
        self.listing_without_links = False
        """Serve listing pages with no article links (a redesign the spider does not know)."""
        self.honour_validators = True
        self._hits: list[Hit] = []
        self._lock = threading.RLock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # -- the site -------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def start_url(self) -> str:
        return f"{self.base_url}/{SECTION}/index.html"

    def url(self, article_id: int) -> str:
        return self.base_url + self.articles[article_id].path

    def newest_first(self) -> list[SiteArticle]:
        with self._lock:
            return sorted(self.articles.values(), key=lambda a: a.id, reverse=True)

    def listing_paths(self) -> list[str]:
        pages = max(1, -(-len(self.articles) // PAGE_SIZE))
        return [self._listing_path(n) for n in range(1, pages + 1)]

    def article_paths(self) -> list[str]:
        with self._lock:
            return [a.path for a in self.articles.values()]

    def change(self, article_id: int) -> SiteArticle:
        """Publish a new revision of an article (its text, ETag and Last-Modified change)."""
        with self._lock:
            article = self.articles[article_id]
            article.revision += 1
            return article

    def add(self, count: int) -> list[SiteArticle]:
        """Publish `count` new articles; they appear at the top of the first listing page."""
        with self._lock:
            start = max(self.articles) + 1
            new = [SiteArticle(i) for i in range(start, start + count)]
            for article in new:
                self.articles[article.id] = article
            return new

    @staticmethod
    def _listing_path(page: int) -> str:
        return f"/{SECTION}/index.html" if page == 1 else f"/{SECTION}/index_{page}.html"

    def _listing(self, page: int) -> bytes | None:
        ordered = self.newest_first()
        pages = max(1, -(-len(ordered) // PAGE_SIZE))
        if not 1 <= page <= pages:
            return None
        chunk = ordered[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        items = (
            ""
            if self.listing_without_links
            else "".join(
                f'<li><a href="{a.path}">{a.title}</a><span>{a.published:%Y-%m-%d}</span></li>\n'
                for a in chunk
            )
        )
        if page == 1 and not self.listing_without_links:
            items += "".join(f'<li><a href="{path}">旧链接</a></li>\n' for path in self.extra_links)
        pager = f'<a href="{self._listing_path(page + 1)}">下一页</a>' if page < pages else ""
        html = (
            '<!DOCTYPE html><html><head><meta charset="utf-8"><title>法治新闻_湖南法治在线</title></head>'
            f'<body><div class="nav"><a href="/">首页</a></div><h2>法治新闻</h2><ul class="list">\n{items}</ul>'
            f'<div class="pager">第{page}页 {pager}</div></body></html>'
        )
        return html.encode("utf-8")

    def _article(self, article: SiteArticle) -> bytes:
        paragraphs = "".join(f"<p>{p}</p>\n" for p in article.paragraphs)
        related = ""
        if self.related:
            older = [self.articles[i] for i in (article.id - 1, article.id - 2) if i in self.articles]
            if older:
                links = "".join(f'<li><a href="{o.path}">{o.title}</a></li>' for o in older)
                related = f'<div class="related"><h3>相关新闻</h3><ul>{links}</ul></div>'
        html = (
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{article.title}_湖南法治在线</title></head>'
            f'<body><div class="nav"><a href="/">首页</a> <a href="/{SECTION}/index.html">法治新闻</a></div>'
            f'<h1>{article.title}</h1><div class="info">发布时间：{article.published.astimezone(UTC):%Y-%m-%d %H:%M}'
            f" 来源：湖南法治报</div>\n"
            f'<div class="article-content">\n{paragraphs}</div><p class="editor">责任编辑：周敏</p>'
            f"{related}</body></html>"
        )
        return html.encode("utf-8")

    def respond(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) for a GET of `path` with these request headers."""
        with self._lock:
            if path in self.status_override:
                return (
                    self.status_override[path],
                    {"Content-Type": "text/html; charset=utf-8"},
                    b"<h1>error</h1>",
                )
            if path in self.fail_once:
                self.fail_once.discard(path)
                return 503, {"Content-Type": "text/html; charset=utf-8"}, b"<h1>busy</h1>"
            if path in self.redirects:
                return 301, {"Location": self.redirects[path]}, b""
            if path == "/robots.txt":
                return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"
            html_type = {"Content-Type": "text/html; charset=utf-8"}
            for page in range(1, len(self.articles) // PAGE_SIZE + 2):
                if path == self._listing_path(page):
                    body = self._listing(page)
                    if body is not None:
                        # Listing pages are static files too: nginx gives them an ETag.
                        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                        if self.honour_validators and etag in headers.get("if-none-match", ""):
                            return 304, {"ETag": etag}, b""
                        return 200, {**html_type, "ETag": etag}, body
            article = next((a for a in self.articles.values() if a.path == path), None)
            if article is None:
                return 404, html_type, b"<h1>404</h1>"
            validators = {
                "ETag": article.etag,
                "Last-Modified": format_datetime(article.last_modified, usegmt=True),
            }
            if self.honour_validators and _not_modified(headers, article):
                return 304, validators, b""
            return 200, {**html_type, **validators}, self._article(article)

    # -- the log --------------------------------------------------------------------------------

    def hits(self, *, status: int | None = None) -> list[Hit]:
        with self._lock:
            return [h for h in self._hits if status is None or h.status == status]

    def fetch_counts(self) -> Counter[str]:
        """How many GETs each path got (whatever the answer)."""
        return Counter(h.path for h in self.hits() if h.method == "GET")

    def clear_hits(self) -> None:
        with self._lock:
            self._hits.clear()

    def _record(self, hit: Hit) -> None:
        with self._lock:
            self._hits.append(hit)

    # -- the server -----------------------------------------------------------------------------

    def start(self) -> StateSite:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # Headers and body go out in two writes; without this, Nagle's algorithm and the
                # client's delayed ACK hold every response back ~40 ms.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self) -> None:
                if site.delay:
                    time.sleep(site.delay)
                status, headers, body = site.respond(
                    self.path, {k.lower(): v for k, v in self.headers.items()}
                )
                site._record(Hit("GET", self.path, status))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a crawler killed mid-response resets its connections: expected here

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self.port = self._httpd.server_address[1]
        self._thread = serve_in_thread(self._httpd, "state-site")
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            stop_serving(self._httpd, self._thread)
            self._httpd = None

    def __enter__(self) -> StateSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _not_modified(headers: dict[str, str], article: SiteArticle) -> bool:
    if "if-none-match" in headers:
        return article.etag in [t.strip() for t in headers["if-none-match"].split(",")]
    if "if-modified-since" in headers:
        try:
            since = parsedate_to_datetime(headers["if-modified-since"])
        except (TypeError, ValueError):
            return False
        return article.last_modified <= since
    return False


# -- running the real crawler against it ----------------------------------------------------------

LOOPBACK = (
    "DOWNLOAD_DELAY=0",
    "AUTOTHROTTLE_ENABLED=False",
    "RETRY_TIMES=1",
    "NEWSCRAWL_MAX_LISTING_PAGES=1000",
)
"""No politeness delays for our own loopback server; per-domain concurrency stays the project's."""


def crawl_args(db: Path, site: StateSite, *settings: str, spider: str = "news") -> list[str]:
    """`newscrawl crawl news --db DB -a start_url=… -s …` for this site."""
    args = ["crawl", spider, "--db", str(db)]
    if spider == "news":
        args += ["-a", f"start_url={site.start_url}"]
    for setting in LOOPBACK + settings:
        args += ["-s", setting]
    return args


def crawl_site(
    db: Path, site: StateSite, *settings: str, flags: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """Crawl the site to the end in a child process."""
    return run_newscrawl(*crawl_args(db, site, *settings), *flags)


def start_crawl(
    db: Path, site: StateSite, *settings: str, log: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start a crawl of the site in a child process and return at once (to kill or signal it)."""
    err = log.open("ab") if log is not None else subprocess.DEVNULL
    return subprocess.Popen(
        [sys.executable, "-m", "newscrawl", *crawl_args(db, site, *settings)],
        cwd=PROJECT_ROOT,
        env=subprocess_env(),
        stdout=subprocess.DEVNULL,
        stderr=err,
    )


def wait_until(condition: Callable[[], bool], timeout: float = 60, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.005)
