"""A distributed crawl on one machine, for the tests and the bench: a throwaway Redis on loopback,
a large demo site (hundreds of articles), and a server that records which worker fetched what.

    with LocalRedis() as redis_url, RecordingServer(scaled_site(300), latency=0.02) as site:
        ...  # newscrawl crawl demo --redis {redis_url} -a base_url={site.base_url} -s USER_AGENT=w1
        fetched_by = site.fetches_by_agent()
"""

from __future__ import annotations

import copy
import logging
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple

from newscrawl.demo import DemoSite, build_site
from newscrawl.demo.server import check_loopback, serve_in_thread, stop_serving
from newscrawl.demo.site import load_document

logger = logging.getLogger(__name__)


# -- the site ------------------------------------------------------------------------------------


def scaled_document(articles: int) -> dict[str, Any]:
    """The demo site's articles.json grown to `articles` articles.

    The shipped articles come first, unchanged; then copies of them, round after round, each with a
    new id (so a new URL), the round in its title, a distinct closing sentence, and related links
    pointing at the copies of the same round.
    """
    document = load_document()
    base = document["articles"]
    if articles < 1:
        raise ValueError("a site needs at least one article")
    ids = [int(a["id"]) for a in base]
    grown: list[dict[str, Any]] = []
    for index in range(articles):
        original = base[index % len(base)]
        round_no = index // len(base)
        if round_no == 0:
            grown.append(original)
            continue
        clone = copy.deepcopy(original)

        def new_id(old: int, round_no: int = round_no) -> int:
            return 100000 * (round_no + 1) + old

        clone["id"] = new_id(int(original["id"]))
        clone["title"] = f"{original['title']}（第{round_no + 1}批）"
        clone["paragraphs"][-1] += f"本报将持续关注第{round_no + 1}批同类案件的后续进展。"
        # Related links only to copies that exist: ids of this round whose original index fits.
        in_round = {ids[i] for i in range(len(base)) if round_no * len(base) + i < articles}
        clone["related"] = [new_id(r) for r in original.get("related") or [] if r in in_round]
        grown.append(clone)
    document["articles"] = grown
    return document


def scaled_site(articles: int) -> DemoSite:
    """The demo site 潇湘法治网 with `articles` articles (3 a listing page, across its four sections)."""
    return build_site(scaled_document(articles))


# -- the server ----------------------------------------------------------------------------------


class Fetch(NamedTuple):
    path: str
    user_agent: str
    at: float


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    owner: RecordingServer


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = 30

    def do_GET(self) -> None:
        owner = self.server.owner
        owner._record(self.path, self.headers.get("User-Agent", ""))
        delay = owner.latency(self.path) if callable(owner.latency) else owner.latency
        if delay:
            time.sleep(delay)
        page = owner.site.get(self.path, owner.base_url)
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body)))
        for name, value in page.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(page.body)

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s - %s", self.address_string(), format % args)


class RecordingServer:
    """A demo site on `http://127.0.0.1:PORT` that records every GET with the client's User-Agent.

    `latency` (seconds, or a function of the request path giving seconds) is added to every
    response, as a real site's would be.
    """

    def __init__(
        self, site: DemoSite, *, latency: float | Callable[[str], float] = 0.0, host: str = "127.0.0.1"
    ) -> None:
        check_loopback(host)
        self.site = site
        self.latency = latency
        self.host = host
        self.port = 0
        self._lock = threading.Lock()
        self._fetches: list[Fetch] = []
        self._httpd: _Server | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _record(self, path: str, user_agent: str) -> None:
        with self._lock:
            self._fetches.append(Fetch(path, user_agent, time.monotonic()))

    @property
    def fetches(self) -> list[Fetch]:
        with self._lock:
            return list(self._fetches)

    def fetches_by_agent(self) -> dict[str, list[str]]:
        """User-Agent → the paths it fetched, in order."""
        by_agent: dict[str, list[str]] = defaultdict(list)
        for fetch in self.fetches:
            by_agent[fetch.user_agent].append(fetch.path)
        return dict(by_agent)

    def start(self) -> RecordingServer:
        httpd = _Server((self.host, 0), _Handler)
        httpd.owner = self
        self._httpd = httpd
        self.port = httpd.server_address[1]
        serve_in_thread(httpd, "recording-server")
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            stop_serving(self._httpd)
            self._httpd = None

    def __enter__(self) -> RecordingServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# -- Redis ---------------------------------------------------------------------------------------


def redis_server_binary() -> str | None:
    """Path of `redis-server`, or None when it is not installed."""
    return shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalRedis:
    """A private `redis-server` on a free loopback port, in-memory only; stopped (and its files gone) on exit."""

    def __init__(self, binary: str | None = None) -> None:
        found = binary or redis_server_binary()
        if not found:
            raise FileNotFoundError("redis-server is not installed (Debian: apt-get install redis-server)")
        self.binary = found
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> LocalRedis:
        self._dir = tempfile.TemporaryDirectory(prefix="newscrawl-redis-")
        for _attempt in range(5):
            self.port = free_port()
            self._process = subprocess.Popen(
                [
                    *(self.binary, "--bind", "127.0.0.1", "--port", str(self.port)),
                    *("--save", "", "--appendonly", "no", "--dir", self._dir.name),
                    *("--protected-mode", "yes", "--loglevel", "warning"),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            if self._wait_ready():
                return self
            self._kill()
        raise RuntimeError(f"redis-server did not start: {self._stderr()}")

    def _wait_ready(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return True
            except OSError:
                pass
            time.sleep(0.05)
        return False

    def _stderr(self) -> str:
        if self._process is None or self._process.stderr is None or self._process.poll() is None:
            return ""
        return self._process.stderr.read().decode(errors="replace")[-500:]

    def _kill(self) -> None:
        if self._process is not None:
            if self._process.poll() is None:
                self._process.terminate()
                try:
                    self._process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()
            if self._process.stderr is not None:
                self._process.stderr.close()
            self._process = None

    def stop(self) -> None:
        self._kill()
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def __enter__(self) -> LocalRedis:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_for(predicate: Any, timeout: float, interval: float = 0.1) -> bool:
    """Poll `predicate()` until true or `timeout` seconds pass; whether it came true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


__all__ = [
    "Fetch",
    "LocalRedis",
    "RecordingServer",
    "free_port",
    "redis_server_binary",
    "scaled_document",
    "scaled_site",
    "wait_for",
]
