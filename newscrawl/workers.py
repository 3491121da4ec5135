"""Worker processes for the CPU-heavy part of a page: the extraction engine, off the reactor.

One Scrapy process runs on one core: the reactor thread downloads, schedules, runs the middlewares
and the pipelines, and anything CPU-heavy it does itself holds every download behind it. Extracting
an article (parse, segment, find the region, the dates and the credits) is most of newscrawl's CPU
per page and a pure function of the page's bytes, so a crawl hands it to `NEWSCRAWL_EXTRACT_WORKERS`
worker processes and awaits the result; the reactor meanwhile goes on with other responses, and a
second core does the extracting.

    NEWSCRAWL_EXTRACT_WORKERS = -1   # one fewer than the CPUs (at most 4); 0: extract on the reactor thread

A worker runs `newscrawl.worker_process`, which imports neither Scrapy nor Twisted nor the
crawler's main script; the crawl starts its workers as soon as its extensions are built (before the
store opens and the spider starts), and each one warms its engine up on a page of its own.

Right after extracting, a worker also does what the crawl's pipelines would do next to the
article alone (`Preparation`, decided from `ITEM_PIPELINES`): the cleaning room's `clean_article`
(when `CleanPipeline` comes right after the required-fields gate) and the dedup room's
`sketch_article` (fingerprint, shingle hashes, MinHash sketch and band keys, when `DedupPipeline`
runs). Those are pure functions of the text, and would otherwise run on the reactor and on the
store's writer thread, which share one GIL. The article comes back with a `Prepared` record as an
attribute (not a field: never stored, never exported, and no page can set it); `CleanPipeline`
skips an article a worker cleaned, and the story index uses the sketch instead of computing it, so
what is stored is the same with or without workers.

What does not change: the spider callback still yields the article only once it is extracted, so
the items, the page archive, the store's commit order and the frontier's "done" mark (which waits
for the callback and its items) keep their order and their kill -9 guarantees. Workers are fresh
interpreters (nothing of the crawler's threads, sockets or SQLite connections is inherited), ask
the kernel to kill them when the crawler dies (a `kill -9` leaves no orphans), and a worker that
dies on a page (a libxml2 crash, the OOM killer) costs that page only: a fresh worker takes its
place, the pages queued behind it go on there, and the page is tried once more before it counts as
an extraction error. The crawler talks to its workers through their pipes from the event loop
itself, with no thread of its own in between (see `_WorkerProcess`).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import os
import pickle
import subprocess
import sys
import time
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

from scrapy import signals

from newscrawl.extract import extract
from newscrawl.worker_process import (
    BOOTSTRAP,
    HEADER,
    Preparation,
    Prepared,
    cleaned_by_worker,
    extract_in_worker,
    prepare,
    prepared,
    take_sketch,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from datetime import datetime

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

    from newscrawl.extract import Extraction, SiteHints

logger = logging.getLogger(__name__)

MAX_AUTO_WORKERS = 4
"""`NEWSCRAWL_EXTRACT_WORKERS = -1` takes one worker per CPU but one (the reactor's), at most this."""


class WorkerCrashed(RuntimeError):
    """A worker process died while extracting a page, twice: the page is given up."""


def auto_workers(cpus: int | None = None) -> int:
    """How many workers `-1` means on a machine with `cpus` CPUs (this one's by default)."""
    if cpus is None:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(0, min(MAX_AUTO_WORKERS, cpus - 1))


class ExtractionPool:
    """The crawl's worker processes (or none: then `extract` runs on the reactor thread)."""

    def __init__(self, workers: int, preparation: Preparation | None = None, gc_threshold: int = 0) -> None:
        self.workers = max(0, workers)
        self.preparation = preparation or Preparation()
        """What workers do after extracting; nothing when extracting on the reactor thread, where
        the pipelines do it anyway."""
        self.gc_threshold = gc_threshold
        """`newscrawl.gctune.tune` in each worker once it has warmed up (NEWSCRAWL_GC_THRESHOLD); 0: not."""
        self._processes: list[_WorkerProcess] = []
        self._waiting: collections.deque[tuple[bytes, asyncio.Future[Any]]] = collections.deque()
        self.crashes = 0
        self.stats: StatsCollector | None = None
        """The crawl's stats (`of`): workers started, and the longest a worker took to be ready."""

    @classmethod
    def of(cls, crawler: Crawler) -> ExtractionPool:
        """The crawl's pool, made on first use and shut down when the spider closes."""
        pool: ExtractionPool | None = getattr(crawler, "_newscrawl_extraction_pool", None)
        if pool is None:
            workers = crawler.settings.getint("NEWSCRAWL_EXTRACT_WORKERS", 0)
            pool = cls(
                auto_workers() if workers < 0 else workers,
                Preparation.for_pipelines(crawler.settings),
                crawler.settings.getint("NEWSCRAWL_GC_THRESHOLD", 0),
            )
            if pool.workers and not _asyncio_reactor():
                logger.info("Extracting on the reactor thread: worker processes need the asyncio reactor")
                pool.workers = 0
            pool.stats = crawler.stats
            crawler._newscrawl_extraction_pool = pool  # type: ignore[attr-defined]
            crawler.signals.connect(pool.close, signal=signals.spider_closed)
        return pool

    def start(self) -> None:
        """Start the workers now (they take a moment to import the engine and warm it up) rather
        than on the first page.

        The pipes to the workers are read and written by the asyncio reactor's loop: it need not
        be running yet (a crawl starts its workers while it is being set up), but it must exist."""
        if not self.workers:
            return
        loop = _crawl_loop()
        if loop is None:  # no asyncio loop yet: the first page starts them
            return
        self._processes = [w for w in self._processes if w.alive]
        started = 0
        while len(self._processes) < self.workers:
            self._processes.append(
                _WorkerProcess(loop, self._next, self.gc_threshold, self.preparation, self._ready)
            )
            started += 1
        if started:
            logger.debug("Started %d extraction worker(s)", started)
            if self.stats is not None:
                self.stats.inc_value("newscrawl/workers/started", started)

    def _ready(self, worker: _WorkerProcess, info: dict[str, Any]) -> None:
        """A worker has imported its modules and warmed up: log and count how long that took."""
        imported = info["imported_at"] - worker.started_at
        ready = info["ready_at"] - worker.started_at
        logger.debug(
            "Extraction worker %s ready %.3f s after its start (imports %.3f s, warm-up %s)",
            worker.process.pid,
            ready,
            imported,
            "done" if info["warmed"] else "failed",
        )
        if self.stats is not None:
            self.stats.max_value("newscrawl/workers/ready_seconds", round(ready, 3))

    async def extract(
        self,
        body: bytes,
        url: str,
        headers: Mapping[str, str],
        *,
        hints: SiteHints,
        fetched_at: datetime,
    ) -> Extraction:
        """`newscrawl.extract.extract` of one page, in a worker when there are workers."""
        if not self.workers:
            return extract(body, url, headers, hints=hints, fetched_at=fetched_at)
        result: Extraction = await self.call(
            extract_in_worker, body, url, dict(headers), hints, fetched_at, self.preparation, what=url
        )
        return result

    async def call(self, function: Callable[..., Any], *args: Any, what: str = "a task") -> Any:
        """`function(*args)` in a worker (both picklable), tried once more on a fresh worker when
        the one that ran it died (`WorkerCrashed` when that one dies too). An exception the
        function raises comes back as itself."""
        payload = pickle.dumps((function, args), protocol=pickle.HIGHEST_PROTOCOL)
        for attempt in (1, 2):
            self.start()
            future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            self._waiting.append((payload, future))
            self._dispatch()
            try:
                return await future
            except BrokenProcessPool:
                self.crashes += 1
                logger.warning(
                    "An extraction worker died on %s or a page beside it (attempt %d)", what, attempt
                )
        raise WorkerCrashed(f"an extraction worker died twice on {what}")

    def _dispatch(self) -> None:
        # Each worker holds at most PIPELINED tasks: it starts the next as soon as it sends a result,
        # without waiting for the reactor to hand it one.
        for worker in self._processes:
            while self._waiting and worker.alive and len(worker.in_flight) < PIPELINED:
                payload, future = self._waiting.popleft()
                if not future.done():  # not cancelled meanwhile (the spider closed)
                    worker.send(payload, future)

    def _next(self, worker: _WorkerProcess) -> None:
        """A worker sent a result or died: give the waiting tasks to whoever can take them."""
        if not worker.alive:
            self._waiting.extendleft(reversed(worker.unstarted))
            worker.unstarted = []
            self.start()
        self._dispatch()

    def close(self) -> None:
        """Close the workers' pipes and reap them: each ends once it has read the end of its pipe
        (after the task it runs, if any), and a reaped worker's CPU time counts as the crawler's
        children's, as a user's `time` or the bench reads it."""
        for worker in self._processes:
            worker.close()
        for worker in self._processes:
            worker.reap(REAP_SECONDS)
        self._processes = []
        for _, future in self._waiting:
            future.cancel()
        self._waiting.clear()


REAP_SECONDS = 5.0
"""How long closing the pool waits for a worker to end before it kills it."""

PIPELINED = 4
"""Tasks a worker holds at once: the one it runs and three more in its pipe, which it reads as soon
as it is done, without waiting for the reactor to hand it one. The reactor is busy for milliseconds
at a time (a listing page, a burst of responses), and with one task in reserve (as
`ProcessPoolExecutor` keeps) the worker then sat idle: 4 gave 3-5% more pages/s in
bench/crawl_throughput.py. A worker that dies gives its unstarted tasks back to the pool."""

_READ_BYTES = 1 << 16
"""What the crawler asks of a result pipe at once, at least (a pipe's default capacity)."""


class _RemoteTraceback(Exception):
    """The traceback of an exception raised in a worker, as its `__cause__`."""

    def __str__(self) -> str:
        return str(self.args[0])


class _WorkerProcess:
    """One worker process and its two pipes, which the event loop reads and writes without a thread
    of its own in between.

    `concurrent.futures.ProcessPoolExecutor` moves each task through two threads of the crawler
    process (its manager thread and its queue's feeder thread) and each result back through the
    manager thread, and wakes its manager with a pipe write on every submit: every page then
    takes the GIL from the reactor and the store's writer thread several times (measured: the
    reactor waited on the GIL after those writes). Here the loop writes the pickled task to the
    worker's pipe (asyncio buffers what the pipe does not take at once) and reads the results
    when they arrive; a closed result pipe means the worker died, and fails what it held."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        on_change: Callable[[_WorkerProcess], None],
        gc_threshold: int = 0,
        preparation: Preparation | None = None,
        on_ready: Callable[[_WorkerProcess, dict[str, Any]], None] | None = None,
    ) -> None:
        preparation = preparation or Preparation()
        task_reader, task_writer = os.pipe()
        result_reader, result_writer = os.pipe()
        config = {
            "tasks": task_reader,
            "results": result_writer,
            "parent": os.getpid(),
            "gc_threshold": gc_threshold,
            "clean": preparation.clean,
            "sketch": preparation.sketch,
        }
        self.started_at = time.monotonic()
        try:
            # Only the worker's two pipe ends are passed on: none of the crawler's sockets or
            # database files, nor the other ends of its pipes (whose closing tells each side
            # the other is gone).
            self.process = subprocess.Popen(
                [sys.executable, "-c", BOOTSTRAP, json.dumps(config), *sys.path],
                stdin=subprocess.DEVNULL,
                pass_fds=(task_reader, result_writer),
            )
        except BaseException:
            os.close(task_writer)
            os.close(result_reader)
            raise
        finally:
            os.close(task_reader)
            os.close(result_writer)
        self.in_flight: collections.deque[tuple[bytes, asyncio.Future[Any]]] = collections.deque()
        """The tasks sent and not answered, in order: the worker runs the first, the others wait."""
        self.unstarted: list[tuple[bytes, asyncio.Future[Any]]] = []
        """Once it died: the tasks it held and had not started, for another worker."""
        self.alive = True
        self.ready = False
        """Whether the worker has said it is ready (its first message, before any result)."""
        self._on_ready = on_ready
        """Called with the worker's timings when it says it is ready."""
        self._on_change = on_change
        self._buffer = bytearray()
        self._loop = loop
        self._task_fd = task_writer
        self._result_fd = result_reader
        os.set_blocking(self._task_fd, False)
        _widen_pipe(self._task_fd)
        os.set_blocking(self._result_fd, False)
        self._unsent = bytearray()
        loop.add_reader(self._result_fd, self._readable)

    def send(self, payload: bytes, future: asyncio.Future[Any]) -> None:
        self.in_flight.append((payload, future))
        header = HEADER.pack(len(payload))
        if self._unsent:  # behind what the pipe did not take yet: the loop writes it when it can
            self._unsent += header
            self._unsent += payload
            return
        # Straight from the pickle into the (widened) pipe, most often all of it: no copy into the
        # buffer, and no wait for the loop to say the pipe is writable.
        try:
            sent = os.writev(self._task_fd, (header, payload))
        except BlockingIOError:
            sent = 0
        except OSError:  # the worker is gone: its result pipe says so too
            self._died()
            return
        if sent < len(header) + len(payload):
            self._unsent += header[sent:]
            self._unsent += memoryview(payload)[max(0, sent - len(header)) :]
            self._loop.add_writer(self._task_fd, self._writable)

    def _writable(self) -> None:
        try:
            sent = os.write(self._task_fd, self._unsent)
        except BlockingIOError:
            sent = 0
        except OSError:  # the worker is gone: its result pipe says so too
            self._died()
            return
        del self._unsent[:sent]
        if self._unsent:
            self._loop.add_writer(self._task_fd, self._writable)
        else:
            self._loop.remove_writer(self._task_fd)

    def _readable(self) -> None:
        # What the message under way still needs, at least 64 KB: asking os.read for much more than
        # it returns costs an allocation of that size each time (a result is mostly ~15 KB).
        want = _READ_BYTES
        if len(self._buffer) >= HEADER.size:
            (size,) = HEADER.unpack_from(self._buffer)
            want = max(want, HEADER.size + size - len(self._buffer))
        try:
            data = os.read(self._result_fd, want)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._died()
            return
        self._buffer += data
        while len(self._buffer) >= HEADER.size:
            (size,) = HEADER.unpack_from(self._buffer)
            end = HEADER.size + size
            if len(self._buffer) < end:
                break
            message = bytes(memoryview(self._buffer)[HEADER.size : end])
            del self._buffer[:end]
            self._resolve(message)
        self._on_change(self)

    def _resolve(self, message: bytes) -> None:
        if not self.ready:
            self.ready = True
            with contextlib.suppress(Exception):  # the timings are for the log alone
                if self._on_ready is not None:
                    self._on_ready(self, pickle.loads(message))
            return
        _, future = self.in_flight.popleft()
        try:
            ok, value, remote = pickle.loads(message)
        except Exception as exc:  # a result that does not unpickle fails its page alone
            ok, value, remote = False, exc, None
        if future.done():  # cancelled meanwhile
            return
        if ok:
            future.set_result(value)
        else:
            if remote is not None:
                value.__cause__ = _RemoteTraceback(remote)
            future.set_exception(value)

    def _died(self) -> None:
        if not self.alive:
            return
        held = list(self.in_flight)
        self.in_flight.clear()
        self.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=1)  # its pipe closed as it exited: only the reaping is left
        logger.debug("Extraction worker %s ended (exit code %s)", self.process.pid, self.process.returncode)
        if held:
            # Results come back in order, so the first task it held is the one it died on; the
            # others it had not begun, and go to another worker as they are.
            _, running = held[0]
            if not running.done():
                running.set_exception(BrokenProcessPool(f"extraction worker {self.process.pid} died"))
            self.unstarted = held[1:]
        self._on_change(self)

    def reap(self, timeout: float) -> None:
        """Wait for the (closed) worker to exit, killing it after `timeout` seconds."""
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            logger.debug("Extraction worker %s did not end in %.0f s: killed", self.process.pid, timeout)
            self.process.kill()
            self.process.wait()

    def close(self) -> None:
        """Stop reading and writing; the worker reads the end of its task pipe and exits."""
        if not self.alive:
            return
        self.alive = False
        self._loop.remove_reader(self._result_fd)
        self._loop.remove_writer(self._task_fd)
        for fd in (self._task_fd, self._result_fd):
            os.close(fd)
        for _, future in self.in_flight:
            future.cancel()


_F_SETPIPE_SZ = 1031
PIPE_BYTES = 1 << 20
"""What a task pipe holds (Linux; at most /proc/sys/fs/pipe-max-size): a page of a few hundred KB
then goes in with one write of the loop rather than a write per 64 KB, each waiting for the worker."""


def _widen_pipe(fd: int) -> None:
    if sys.platform.startswith("linux"):
        import fcntl

        with contextlib.suppress(OSError):  # a lower limit: the default size works, in more writes
            fcntl.fcntl(fd, _F_SETPIPE_SZ, PIPE_BYTES)


def _crawl_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop the crawl runs on: the running one, or, while the crawl is being set up, the
    asyncio reactor's (not running yet); None without either."""
    with contextlib.suppress(RuntimeError):
        return asyncio.get_running_loop()
    if not _asyncio_reactor():
        return None
    from twisted.internet import reactor

    # Scrapy itself reads the reactor's loop by this attribute (scrapy.utils.reactor).
    loop = getattr(reactor, "_asyncioEventloop", None)
    return loop if isinstance(loop, asyncio.AbstractEventLoop) and not loop.is_closed() else None


def _asyncio_reactor() -> bool:
    from scrapy.utils.reactor import is_asyncio_reactor_installed

    try:
        return is_asyncio_reactor_installed()
    except Exception:
        return False


__all__ = [
    "ExtractionPool",
    "Preparation",
    "Prepared",
    "WorkerCrashed",
    "auto_workers",
    "cleaned_by_worker",
    "prepare",
    "prepared",
    "take_sketch",
]
