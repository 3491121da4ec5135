"""python-isal against zlib as the fast path of newscrawl's HttpCompressionMiddleware uses them.

tests/test_compression.py holds the middleware to Scrapy's with each inflater; here, the inflaters
to each other on what the fast path reads of a decompressor, and the project's choice of isal.
"""

from __future__ import annotations

import zlib
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import run_python
from tests.test_compression import CASES, MAXSIZE, OTHER, PAGE


def _isal() -> ModuleType:
    return pytest.importorskip("isal.isal_zlib", reason="python-isal is not installed (no wheel here)")


def test_the_middleware_inflates_with_isal_when_it_is_installed() -> None:
    _isal()
    probe = "from newscrawl.middlewares.compression import INFLATER; print(INFLATER.__name__)"
    done = run_python("-c", probe)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "isal.isal_zlib"


def _state(module: ModuleType, body: bytes, wbits: int, limit: int) -> tuple[Any, ...]:
    decompressor = module.decompressobj(wbits)
    try:
        out = decompressor.decompress(body, limit)
    except (zlib.error, module.error):
        return ("raised",)
    return out, decompressor.eof, decompressor.unused_data


def test_isal_and_zlib_agree_on_everything_the_fast_path_reads() -> None:
    """Output, `eof` and `unused_data` (and whether it raises) for every oracle body — and for what
    follows a first member, as the member loop feeds it on — at the wbits the fast path uses and
    limits around each size it meets."""
    isal = _isal()
    bodies = [body for _, body in CASES.values()]
    for body in list(bodies):
        first = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            first.decompress(body)
        except zlib.error:
            continue
        if first.eof and first.unused_data:
            bodies.append(first.unused_data)
    limits = [0, 1, 100, 50_000, len(PAGE), len(PAGE) + 1, len(OTHER), MAXSIZE, MAXSIZE + 1]
    compared = 0
    for body in bodies:
        for wbits in (16 + zlib.MAX_WBITS, zlib.MAX_WBITS):
            for limit in limits:
                assert _state(isal, body, wbits, limit) == _state(zlib, body, wbits, limit)
                compared += 1
    assert compared > 1000
