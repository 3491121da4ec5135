"""The pipes between the crawler and an extraction worker (newscrawl.workers): every message arrives
whole and in order whatever its size — one the pipe takes at once, one it takes in part (bigger
than even a widened pipe holds), several queued behind a part-sent one — in both directions.

A real worker process, spawned as in a crawl, on asyncio's event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from newscrawl.workers import PIPE_BYTES, ExtractionPool


def run(coroutine: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coroutine, 120))


def _blob(size: int, seed: int) -> bytes:
    # Not one repeated byte: a message cut or joined in the wrong place cannot come out equal.
    block = hashlib.sha256(str(seed).encode()).digest()
    return (block * (size // len(block) + 1))[:size]


SIZES = [5, 3 * PIPE_BYTES, 70_000, 0, PIPE_BYTES - 3, 1, 2 * PIPE_BYTES + 11, 65_536, 65_529, 200_000]
"""Around the pipe's capacity and the crawler's 64 KB reads, on both sides of each."""


def test_messages_of_every_size_arrive_whole_and_in_order() -> None:
    blobs = [_blob(size, seed) for seed, size in enumerate(SIZES)]

    async def scenario() -> tuple[list[bytes], list[int]]:
        pool = ExtractionPool(1)
        try:
            # All at once: the sends queue behind each other while the first big one is under way.
            echoed = await asyncio.gather(*(pool.call(bytes, blob) for blob in blobs))
            lengths = await asyncio.gather(*(pool.call(len, blob) for blob in reversed(blobs)))
            return list(echoed), list(lengths)
        finally:
            pool.close()

    echoed, lengths = run(scenario())
    assert [len(e) for e in echoed] == SIZES
    assert echoed == blobs
    assert lengths == list(reversed(SIZES))


def test_a_big_result_after_small_ones_is_read_whole() -> None:
    async def scenario() -> list[int]:
        pool = ExtractionPool(1)
        try:
            # The worker answers with 2.5 MB made on its side, between small answers.
            calls = [pool.call(bytes, 3), pool.call(bytes, 5 * PIPE_BYTES // 2), pool.call(bytes, 7)]
            return [len(r) for r in await asyncio.gather(*calls)]
        finally:
            pool.close()

    assert run(scenario()) == [3, 5 * PIPE_BYTES // 2, 7]
