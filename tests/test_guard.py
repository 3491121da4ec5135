"""The network guard itself: anything beyond loopback fails loudly, in this process and in children."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from tests.conftest import guard, subprocess_env


def test_non_loopback_connection_is_refused() -> None:
    with socket.socket() as sock, pytest.raises(guard.NonLoopbackConnection):
        sock.connect(("192.0.2.1", 80))  # TEST-NET-1: never routable, never contacted


def test_name_lookup_beyond_localhost_is_refused() -> None:
    with pytest.raises(guard.NonLoopbackConnection):
        socket.getaddrinfo("www.voc.com.cn", 80)


def test_loopback_is_allowed() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=5):
            pass


def test_child_processes_are_guarded_too() -> None:
    code = "import socket; socket.create_connection(('192.0.2.1', 80), timeout=1)"
    proc = subprocess.run([sys.executable, "-c", code], env=subprocess_env(), capture_output=True, text=True)
    assert proc.returncode != 0
    assert "BLOCKED by the test network guard" in proc.stderr
