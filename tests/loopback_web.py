"""A stand-in for the real sites, served on 127.0.0.1: pages keyed by their real absolute URLs.

The server is an HTTP forward proxy. A crawler started with `http_proxy`/`https_proxy` pointing at it
(`LoopbackWeb.proxy_env()`; Scrapy's HttpProxyMiddleware reads them) sends every request here, so a
site spider runs unchanged — its real listing URLs, URL patterns and allowed domains — while no
packet leaves loopback:

- `GET http://host/path` (plain HTTP through a proxy) is answered from the page table;
- `CONNECT host:443` is accepted and the tunnel is terminated with TLS on a throw-away self-signed
  certificate (Scrapy does not verify certificates by default), then `GET /path` inside it is
  answered for `https://host/path`.

Unknown URLs get a 404. Every request is recorded as the absolute URL asked for.
"""

from __future__ import annotations

import datetime as dt
import ssl
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from newscrawl.demo.server import serve_in_thread, stop_serving


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


def _self_signed_context(folder: Path, hosts: list[str]) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "newscrawl loopback test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=7))
        # Names the hosts, so the crawler's hostname check passes quietly (trust is never checked).
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in hosts or ["localhost"]]), False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, web: LoopbackWeb) -> None:
        self.web = web
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = 30
    tunnel_host: str | None = None

    def do_CONNECT(self) -> None:
        host = self.path.rsplit(":", 1)[0]
        self.send_response(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        context = self.server.web.tls_context
        assert context is not None
        tls = context.wrap_socket(self.connection, server_side=True)
        self.connection = tls
        self.rfile = tls.makefile("rb")
        self.wfile = tls.makefile("wb")
        self.tunnel_host = host
        self.close_connection = False

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _answer(self, *, send_body: bool) -> None:
        if self.path.startswith(("http://", "https://")):
            url = self.path
        elif self.tunnel_host:
            url = f"https://{self.tunnel_host}{self.path}"
        else:
            url = f"http://{self.headers.get('Host', '127.0.0.1')}{self.path}"
        page = self.server.web.page(url)
        self.server.web.record(url)
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body)))
        for name, value in page.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(page.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class LoopbackWeb:
    """Real sites' URLs answered from a table, through a proxy on 127.0.0.1."""

    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._tmp = tempfile.TemporaryDirectory(prefix="newscrawl-web-")
        self.tls_context: ssl.SSLContext | None = None
        self._server: _Server | None = None

    def add(
        self, url: str, body: bytes | str, content_type: str = "text/html; charset=utf-8", **kw: object
    ) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.pages[self._key(url)] = Page(data, content_type, **kw)  # type: ignore[arg-type]

    def add_pages(self, pages: Mapping[str, bytes | str]) -> None:
        for url, body in pages.items():
            self.add(url, body)

    @staticmethod
    def _key(url: str) -> str:
        parts = urlsplit(url)
        path = parts.path or "/"
        return f"{parts.scheme}://{parts.hostname}{path}" + (f"?{parts.query}" if parts.query else "")

    def page(self, url: str) -> Page:
        return self.pages.get(self._key(url)) or Page(b"<h1>404</h1>", status=404)

    def record(self, url: str) -> None:
        with self._lock:
            self.requests.append(self._key(url))

    def hits(self, url: str) -> int:
        with self._lock:
            return self.requests.count(self._key(url))

    @property
    def proxy_url(self) -> str:
        assert self._server is not None, "start the server first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def proxy_env(self) -> dict[str, str]:
        """Environment that routes a child crawler's HTTP and HTTPS traffic here."""
        return {
            "http_proxy": self.proxy_url,
            "https_proxy": self.proxy_url,
            "HTTP_PROXY": self.proxy_url,
            "HTTPS_PROXY": self.proxy_url,
            "no_proxy": "",
            "NO_PROXY": "",
        }

    def __enter__(self) -> LoopbackWeb:
        hosts = sorted({urlsplit(url).hostname or "" for url in self.pages} - {""})
        self.tls_context = _self_signed_context(Path(self._tmp.name), hosts)
        self._server = _Server(self)
        serve_in_thread(self._server, "loopback-web")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            stop_serving(self._server)
            self._server = None
        self._tmp.cleanup()
