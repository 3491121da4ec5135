"""The extraction worker pool's own promises (newscrawl.workers): results and exceptions come back as
they were, a worker that dies costs the pages it held and is replaced, twice is `WorkerCrashed`.

Real worker processes, started as in a crawl; the event loop is asyncio's, as under the
crawl's asyncio reactor.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest

from newscrawl.workers import ExtractionPool, WorkerCrashed


def run(coroutine: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coroutine, 120))


def test_results_come_back_in_their_order_from_other_processes() -> None:
    async def scenario() -> tuple[list[int], set[int]]:
        pool = ExtractionPool(2)
        try:
            # Large arguments and results: more than a pipe holds, in both directions.
            blobs = [bytes([i]) * 300_000 for i in range(12)]
            lengths = await asyncio.gather(*(pool.call(len, blob) for blob in blobs))
            pids = await asyncio.gather(*(pool.call(os.getpid) for _ in range(8)))
            echoed = await pool.call(bytes, blobs[5])
            assert echoed == blobs[5]
            return list(lengths), set(pids)
        finally:
            pool.close()

    lengths, pids = run(scenario())
    assert lengths == [300_000] * 12
    assert os.getpid() not in pids
    assert 1 <= len(pids) <= 2


def test_an_exception_comes_back_as_itself_with_the_workers_traceback() -> None:
    async def scenario() -> BaseException:
        pool = ExtractionPool(1)
        try:
            with pytest.raises(ValueError, match="invalid literal") as raised:
                await pool.call(int, "not a number")
            # The worker is still there for the next task.
            assert await pool.call(int, "42") == 42
            return raised.value
        finally:
            pool.close()

    error = run(scenario())
    assert "invalid literal" in str(error)
    assert "Traceback" in str(error.__cause__)


def test_a_worker_that_dies_is_replaced_and_the_task_tried_once_more() -> None:
    async def scenario() -> tuple[int, int, int, int]:
        pool = ExtractionPool(1)
        try:
            first = await pool.call(os.getpid)
            with pytest.raises(WorkerCrashed):
                await pool.call(os._exit, 3, what="the crashing page")
            crashes = pool.crashes
            second = await pool.call(os.getpid)
            return first, second, crashes, len(pool._processes)
        finally:
            pool.close()

    first, second, crashes, processes = run(scenario())
    assert crashes == 2  # the first try and the one more
    assert first != second  # a fresh process took over
    assert processes == 1


def test_a_death_costs_only_what_that_worker_held() -> None:
    async def scenario() -> list[Any]:
        pool = ExtractionPool(2)
        try:
            # A page killing its worker while the other worker's pages go on.
            tasks = [pool.call(sum, range(n)) for n in range(20)]
            tasks.insert(7, pool.call(os._exit, 1, what="crash"))
            return await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            pool.close()

    results = run(scenario())
    assert isinstance(results.pop(7), WorkerCrashed)
    assert results == [sum(range(n)) for n in range(20)]


def test_closing_ends_the_worker_processes() -> None:
    async def scenario() -> list[Any]:
        pool = ExtractionPool(2)
        await asyncio.gather(pool.call(os.getpid), pool.call(os.getpid))
        processes = [worker.process for worker in pool._processes]
        pool.close()
        for process in processes:
            await asyncio.get_running_loop().run_in_executor(None, process.wait, 30)
        return [process.returncode for process in processes]

    assert run(scenario()) == [0, 0]
