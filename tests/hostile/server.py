"""A loopback HTTP server that misbehaves on purpose, one route at a time.

    server = HostileServer()
    server.route("/news/flaky.html", lambda ex: ex.send(500) if ex.hit == 1 else ex.send(200, page))
    with server:
        crawl(...)
    server.arrivals("/news/flaky.html")     # time.monotonic() of each request, in order

A route is a function of an `Exchange`: it may answer normally (`send`), lie about the length,
stall, stream without end, or close the connection half-way. Every request is recorded on arrival
(before the route runs), so tests can measure the gaps a crawler leaves between requests.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from newscrawl.demo.server import RecordedRequest, check_loopback, serve_in_thread, stop_serving


class Exchange:
    """One request, as a route sees it."""

    def __init__(self, handler: _Handler, path: str, query: str, hit: int) -> None:
        self.handler = handler
        self.path = path
        self.query = query
        self.hit = hit
        """1 for the first request to this path, 2 for the second, …"""
        self.server = handler.server.owner

    def send(
        self,
        status: int = 200,
        body: bytes = b"",
        content_type: str | None = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
        content_length: int | None = None,
    ) -> None:
        """A complete answer; `content_length` may lie (then the connection is closed after the body)."""
        h = self.handler
        h.send_response(status)
        if content_type is not None:
            h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(body) if content_length is None else content_length))
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        if content_length is not None and content_length != len(body):
            h.send_header("Connection", "close")
            h.close_connection = True
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(body)
        h.wfile.flush()

    def redirect(self, location: str, status: int = 302) -> None:
        self.send(status, b"", headers={"Location": location})

    def stream(self, chunk: bytes, total: int, content_type: str = "text/html; charset=utf-8") -> None:
        """`total` bytes with no Content-Length (read until close), written chunk by chunk."""
        h = self.handler
        h.send_response(200)
        h.send_header("Content-Type", content_type)
        h.send_header("Connection", "close")
        h.end_headers()
        h.close_connection = True
        sent = 0
        while sent < total and not self.server.stopping.is_set():
            h.wfile.write(chunk)
            sent += len(chunk)

    def stall(self, seconds: float = 3600.0, after_headers: bool = False) -> None:
        """Say nothing (or only the headers) for `seconds`, or until the server stops."""
        h = self.handler
        if after_headers:
            h.send_response(200)
            h.send_header("Content-Type", "text/html; charset=utf-8")
            h.send_header("Content-Length", "100000")
            h.end_headers()
            h.wfile.write(b"<html><head><title>")
            h.wfile.flush()
        self.server.stopping.wait(seconds)
        h.close_connection = True


Route = Callable[[Exchange], None]


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], owner: HostileServer) -> None:
        self.owner = owner
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "hostile"
    sys_version = ""
    timeout = 30

    def setup(self) -> None:
        super().setup()
        # Small answers (a 503, a redirect) must not sit out Nagle's delay while big ones fly.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        owner = self.server.owner
        parts = urlsplit(self.path)
        hit = owner._record(self.command, self.path, parts.path, self.headers.get("User-Agent", ""))
        route = owner.routes.get(parts.path) or owner.prefix_route(parts.path)
        owner._in_flight(+1)
        try:
            route(Exchange(self, parts.path, parts.query, hit))
        except (TimeoutError, BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            # The crawler hung up (too large, timed out): exactly what some routes provoke.
            self.close_connection = True
        finally:
            owner._in_flight(-1)

    def log_message(self, format: str, *args: object) -> None:
        pass


def not_found(ex: Exchange) -> None:
    ex.send(404, b"<html><body><h1>404</h1></body></html>")


class HostileServer:
    """Routes by path (the query string is ignored for routing but kept in the record)."""

    def __init__(self, routes: dict[str, Route] | None = None, host: str = "127.0.0.1") -> None:
        check_loopback(host)
        self.host = host
        self.port = 0
        self.routes: dict[str, Route] = dict(routes or {})
        self.prefix_routes: list[tuple[str, Route]] = []
        self.fallback: Route = not_found
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._hits: dict[str, int] = {}
        self.agents: list[str] = []
        """The User-Agent header of each request, in arrival order."""
        self.max_in_flight = 0
        """The most requests the server was answering at one time."""
        self._busy = 0
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def route(self, path: str, handler: Route) -> None:
        self.routes[path] = handler

    def route_prefix(self, prefix: str, handler: Route) -> None:
        """Every path starting with `prefix` (endless sites); exact routes win."""
        self.prefix_routes.append((prefix, handler))

    def prefix_route(self, path: str) -> Route:
        return next((h for prefix, h in self.prefix_routes if path.startswith(prefix)), self.fallback)

    def _record(self, method: str, target: str, path: str, agent: str) -> int:
        with self._lock:
            self._requests.append(RecordedRequest(method, target, time.monotonic()))
            self.agents.append(agent)
            self._hits[path] = self._hits.get(path, 0) + 1
            return self._hits[path]

    def _in_flight(self, change: int) -> None:
        with self._lock:
            self._busy += change
            self.max_in_flight = max(self.max_in_flight, self._busy)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def hits(self, path: str) -> int:
        """Requests whose path (query ignored) is `path`."""
        return sum(1 for r in self.requests if urlsplit(r.path).path == path)

    def arrivals(self, path: str | None = None) -> list[float]:
        """Arrival times of the requests for `path` (all requests when None), in order."""
        return [r.at for r in self.requests if path is None or urlsplit(r.path).path == path]

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()
            self._hits.clear()
            self.agents.clear()
            self.max_in_flight = 0

    def start(self) -> HostileServer:
        httpd = _HTTPServer((self.host, self.port), self)
        self._httpd = httpd
        self.port = httpd.server_address[1]
        self.stopping.clear()
        self._thread = serve_in_thread(httpd, "hostile-server")
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self.stopping.set()
        stop_serving(httpd, thread)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
