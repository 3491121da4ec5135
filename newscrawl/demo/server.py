"""A threaded HTTP server for the demo site, bound to loopback only.

    with DemoServer() as server:
        crawl(server.base_url + "/court/index.html")
        fetched = [path for method, path, at in server.requests]

Every request is recorded as `(method, path, monotonic_time)` so tests can count fetches.
robots.txt and sitemap.xml are rendered with the request's Host, so their URLs are absolute and right
whatever port the server got.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple

from newscrawl.demo.site import DemoSite, build_site

logger = logging.getLogger(__name__)

_HOST_HEADER = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")


class RecordedRequest(NamedTuple):
    """One request the server answered."""

    method: str
    path: str
    """The request target as sent (path plus any query)."""
    at: float
    """`time.monotonic()` when the request arrived."""


def check_loopback(host: str) -> None:
    """Raise ValueError unless `host` is a loopback address or `localhost`."""
    if host == "localhost":
        return
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        raise ValueError(f"demo server binds loopback only; {host!r} is not a loopback address") from None
    if not address.is_loopback:
        raise ValueError(f"demo server binds loopback only; {host!r} is not a loopback address")


class _HTTPServer(ThreadingHTTPServer):
    # Keep-alive handler threads must not delay stop(): they are daemons and are not joined.
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], owner: DemoServer) -> None:
        self.owner = owner
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    # Close idle keep-alive connections instead of holding a thread forever.
    timeout = 30

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def _respond(self, *, send_body: bool) -> None:
        owner = self.server.owner
        owner._record(self.command, self.path)
        page = owner.site.get(self.path, self._base_url())
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body)))
        for name, value in page.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(page.body)

    def _base_url(self) -> str:
        host = self.headers.get("Host", "")
        if _HOST_HEADER.match(host):
            return f"http://{host}"
        return self.server.owner.base_url

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s - %s", self.address_string(), format % args)


class DemoServer:
    """The demo site on `http://host:port` (port 0 = any free port), served from a background thread."""

    def __init__(self, site: DemoSite | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        check_loopback(host)
        self.site = site if site is not None else build_site()
        self.host = host
        self.port = port
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT` (the real port once started)."""
        host = f"[{self.host.strip('[]')}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def url(self, path: str) -> str:
        """Absolute URL of a site path."""
        return self.base_url + path

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of the requests answered so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        """Forget the recorded requests."""
        with self._lock:
            self._requests.clear()

    def hits(self, path: str, method: str = "GET") -> int:
        """How many `method` requests asked for exactly `path`."""
        return sum(1 for r in self.requests if r.path == path and r.method == method)

    def _record(self, method: str, path: str) -> None:
        with self._lock:
            self._requests.append(RecordedRequest(method, path, time.monotonic()))

    def start(self) -> DemoServer:
        """Bind and start serving in a daemon thread; returns self."""
        if self._httpd is not None:
            raise RuntimeError("demo server already started")
        httpd = _HTTPServer((self.host.strip("[]"), self.port), self)
        self._httpd = httpd
        self.port = httpd.server_address[1]
        self._thread = serve_in_thread(httpd, "newscrawl-demo-server")
        logger.info("demo site serving on %s", self.base_url)
        return self

    def stop(self) -> None:
        """Stop serving and close the socket (safe to call twice)."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        stop_serving(httpd, thread)
        self._httpd = None
        self._thread = None
        logger.info("demo site on %s stopped", self.base_url)

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def serve_in_thread(httpd: socketserver.BaseServer, name: str) -> threading.Thread:
    """Serve `httpd` from a daemon thread (it looks for a shutdown every 50 ms); returns the thread.
    The loopback servers of the demo, the tests and the distributed mode's test site all run so."""
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=name, daemon=True
    )
    thread.start()
    return thread


def stop_serving(httpd: socketserver.BaseServer, thread: threading.Thread | None = None) -> None:
    """Stop a server `serve_in_thread` runs, close its socket and wait for its thread."""
    httpd.shutdown()
    httpd.server_close()
    if thread is not None:
        thread.join(timeout=5)


def serve_forever(host: str = "127.0.0.1", port: int = 8000, site: DemoSite | None = None) -> None:
    """Serve the demo site in the foreground until interrupted (Ctrl-C)."""
    server = DemoServer(site, host=host, port=port).start()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
