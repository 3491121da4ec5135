"""Loopback-only network guard for the test suite.

The test process installs it from conftest; crawler subprocesses get it because the tests put this
folder on their PYTHONPATH and set NEWSCRAWL_LOOPBACK_ONLY=1, so Python imports this file at start-up.
Any connection or name lookup outside 127.0.0.0/8, ::1 and `localhost` raises and prints to stderr.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys

ENV = "NEWSCRAWL_LOOPBACK_ONLY"


class NonLoopbackConnection(OSError):
    """Raised when a test tries to reach anything beyond loopback."""


def _loopback(host: object) -> bool:
    if not isinstance(host, str):
        return False
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _refuse(what: str) -> NonLoopbackConnection:
    message = f"BLOCKED by the test network guard: {what} (tests may only use 127.0.0.1)"
    print(message, file=sys.stderr, flush=True)
    return NonLoopbackConnection(message)


def install() -> None:
    if getattr(socket, "_newscrawl_guarded", False):
        return
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex
    original_getaddrinfo = socket.getaddrinfo

    def check(sock: socket.socket, address: object) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0] if isinstance(address, tuple) else address
            if not _loopback(host):
                raise _refuse(f"connection to {address!r}")

    def connect(self: socket.socket, address: object) -> None:
        check(self, address)
        return original_connect(self, address)

    def connect_ex(self: socket.socket, address: object) -> int:
        check(self, address)
        return original_connect_ex(self, address)

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if host is not None and not _loopback(host.decode() if isinstance(host, bytes) else host):
            raise _refuse(f"name lookup of {host!r}")
        return original_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
    socket._newscrawl_guarded = True  # type: ignore[attr-defined]


if os.environ.get(ENV):
    install()
