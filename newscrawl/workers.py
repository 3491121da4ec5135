"""Worker processes for the CPU-heavy part of a page: the extraction engine, off the reactor.

One Scrapy process runs on one core: the reactor thread downloads, schedules, runs the middlewares
and the pipelines, and anything CPU-heavy it does itself holds every download behind it. Extracting
an article (parse, segment, find the region, the dates and the credits) is most of newscrawl's CPU
per page and a pure function of the page's bytes, so a crawl hands it to `NEWSCRAWL_EXTRACT_WORKERS`
worker processes and awaits the result; the reactor meanwhile goes on with other responses, and a
second core does the extracting.

    NEWSCRAWL_EXTRACT_WORKERS = -1   # one fewer than the CPUs (at most 4); 0: extract on the reactor thread

-1 applies to crawls run by the `newscrawl` or `scrapy` command (or `python -m …`); a script of your
own extracts on the reactor thread unless it sets a number (and guards its crawl with
`if __name__ == "__main__":`, since each worker imports the main script).

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
for the callback and its items) keep their order and their kill -9 guarantees. Workers are started
with `spawn` (nothing of the crawler's threads, sockets or SQLite connections is inherited), ask
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
import logging
import multiprocessing
import os
import pickle
import signal
import struct
import sys
import traceback
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object

from newscrawl import gctune
from newscrawl.clean import clean_article
from newscrawl.dedup import ArticleSketch, sketch_article
from newscrawl.extract import extract

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from datetime import datetime
    from multiprocessing.connection import Connection

    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

    from newscrawl.extract import Extraction, SiteHints
    from newscrawl.items import Article

logger = logging.getLogger(__name__)

MAX_AUTO_WORKERS = 4
"""`NEWSCRAWL_EXTRACT_WORKERS = -1` takes one worker per CPU but one (the reactor's), at most this."""

_PR_SET_PDEATHSIG = 1


class WorkerCrashed(RuntimeError):
    """A worker process died while extracting a page, twice: the page is given up."""


def auto_workers(cpus: int | None = None) -> int:
    """How many workers `-1` means on a machine with `cpus` CPUs (this one's by default)."""
    if cpus is None:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(0, min(MAX_AUTO_WORKERS, cpus - 1))


def _die_with_parent(parent: int) -> None:
    """Worker initializer: the kernel sends SIGKILL when the crawler process dies (Linux)."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    # The parent may have died before the prctl took effect.
    if os.getppid() != parent:
        os._exit(1)
    # Ctrl-C goes to the whole process group: the crawler decides what stops, not its workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


PREPARED = "_newscrawl_prepared"
"""The attribute of an Article that holds its `Prepared` record."""


@dataclass(frozen=True)
class Preparation:
    """What a worker does to an article after extracting it (see the module docstring)."""

    clean: bool = False
    """Apply `clean_article`, as `CleanPipeline` would."""
    sketch: bool = False
    """Compute the dedup sketch of the (cleaned) article, as the story index would."""

    @classmethod
    def for_pipelines(cls, settings: BaseSettings) -> Preparation:
        """What the crawl's `ITEM_PIPELINES` let a worker do ahead of them. Cleaning moves only when
        nothing but the required-fields gate runs before `CleanPipeline` (another pipeline there
        could change the text it cleans); the sketch only when the dedup pipeline runs and reads
        the text a worker can produce (the cleaned one, or the extracted one when nothing cleans)."""
        from newscrawl.pipelines.clean import CleanPipeline
        from newscrawl.pipelines.dedup import DedupPipeline
        from newscrawl.pipelines.validate import ValidatePipeline

        pipelines = [load_object(p) for p in build_component_list(settings.getwithbase("ITEM_PIPELINES"))]
        clean = CleanPipeline in pipelines and all(
            p is ValidatePipeline for p in pipelines[: pipelines.index(CleanPipeline)]
        )
        sketch = DedupPipeline in pipelines and (clean or CleanPipeline not in pipelines)
        return cls(clean=clean, sketch=sketch)


@dataclass(frozen=True)
class Prepared:
    """What a worker did to an extracted article beyond extracting it."""

    title: str
    body: str
    """The title and body string objects the worker left on the article: a pipeline that replaces
    either makes the article one the worker did not clean (`cleaned_by_worker`)."""
    cleaned: bool
    sketch: ArticleSketch | None


def prepare(article: Article, preparation: Preparation) -> Article:
    """The article as `preparation` says, with its `Prepared` record (the article itself when
    nothing was done)."""
    # Imported here: the pipelines import this module (for the `Prepared` record).
    from newscrawl.pipelines.validate import missing_fields

    cleaned = False
    # An article the gate drops as extracted, or one that cleaning leaves without a title or a body
    # (which the gate lets through, since it judges the text as extracted), keeps the reactor's path.
    if preparation.clean and not missing_fields(article):
        done = clean_article(article)
        if not missing_fields(done):
            # Mostly the Simplified forms equal the text: one string then travels back, not two.
            if done.title_simplified == done.title:
                done.title_simplified = done.title
            if done.body_simplified == done.body:
                done.body_simplified = done.body
            article, cleaned = done, True
    # Not cleaned here though it should have been: the reactor cleans it into new text, which a
    # sketch of this one would not fit.
    sketchable = cleaned or not preparation.clean
    sketch = sketch_article(article) if preparation.sketch and sketchable else None
    if cleaned or sketch is not None:
        setattr(article, PREPARED, Prepared(article.title, article.body, cleaned, sketch))
    return article


def prepared(article: Article) -> Prepared | None:
    """The `Prepared` record of an article a worker extracted, if any."""
    record = article.__dict__.get(PREPARED)
    return record if isinstance(record, Prepared) else None


def cleaned_by_worker(article: Article) -> bool:
    """Whether a worker applied `clean_article` to this article's current title and body."""
    record = prepared(article)
    return (
        record is not None
        and record.cleaned
        and article.title is record.title
        and article.body is record.body
    )


def take_sketch(article: Article) -> ArticleSketch | None:
    """The dedup sketch a worker computed, removed from the article (the last pipeline to read the record)."""
    record = article.__dict__.pop(PREPARED, None)
    return record.sketch if isinstance(record, Prepared) else None


def _extract_in_worker(
    body: bytes,
    url: str,
    headers: dict[str, str],
    hints: SiteHints,
    fetched_at: datetime,
    preparation: Preparation,
) -> Extraction:
    result = extract(body, url, headers, hints=hints, fetched_at=fetched_at)
    if result.article is not None:
        result.article = prepare(result.article, preparation)
    return result


class ExtractionPool:
    """The crawl's worker processes (or none: then `extract` runs on the reactor thread)."""

    def __init__(self, workers: int, preparation: Preparation | None = None, gc_threshold: int = 0) -> None:
        self.workers = max(0, workers)
        self.preparation = preparation or Preparation()
        """What workers do after extracting; nothing when extracting on the reactor thread, where
        the pipelines do it anyway."""
        self.gc_threshold = gc_threshold
        """`newscrawl.gctune.tune` in each worker after its first task (NEWSCRAWL_GC_THRESHOLD); 0: not."""
        self._processes: list[_WorkerProcess] = []
        self._waiting: collections.deque[tuple[bytes, asyncio.Future[Any]]] = collections.deque()
        self.crashes = 0

    @classmethod
    def of(cls, crawler: Crawler) -> ExtractionPool:
        """The crawl's pool, made on first use and shut down when the spider closes."""
        pool: ExtractionPool | None = getattr(crawler, "_newscrawl_extraction_pool", None)
        if pool is None:
            workers = crawler.settings.getint("NEWSCRAWL_EXTRACT_WORKERS", 0)
            if workers < 0 and not _main_is_guarded():
                # A spawned worker imports the parent's main script; a script that starts a crawl
                # at module level would start it again there. Set the number to vouch for yours.
                logger.info("Extracting on the reactor thread: run by a script, not a command")
                workers = 0
            pool = cls(
                auto_workers() if workers < 0 else workers,
                Preparation.for_pipelines(crawler.settings),
                crawler.settings.getint("NEWSCRAWL_GC_THRESHOLD", 0),
            )
            if pool.workers and not _asyncio_reactor():
                logger.info("Extracting on the reactor thread: worker processes need the asyncio reactor")
                pool.workers = 0
            crawler._newscrawl_extraction_pool = pool  # type: ignore[attr-defined]
            crawler.signals.connect(pool.close, signal=signals.spider_closed)
        return pool

    def start(self) -> None:
        """Start the workers now (they take a moment to import the engine) rather than on the first page.

        Needs a running asyncio loop (the asyncio reactor's): the pipes to the workers are read and
        written by it."""
        if not self.workers:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not on the loop yet: the first page starts them
            return
        self._processes = [w for w in self._processes if w.alive]
        while len(self._processes) < self.workers:
            self._processes.append(_WorkerProcess(loop, self._next, self.gc_threshold))

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
            _extract_in_worker, body, url, dict(headers), hints, fetched_at, self.preparation, what=url
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
        for worker in self._processes:
            worker.close()
        self._processes = []
        for _, future in self._waiting:
            future.cancel()
        self._waiting.clear()


PIPELINED = 2
"""Tasks a worker holds at once: the one it runs and the next, which it reads from its pipe as soon
as it is done (as `ProcessPoolExecutor` queues one call more than it has workers)."""

_HEADER = struct.Struct("!Q")
"""The length of each message on a worker's pipes, before it."""
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
    ) -> None:
        context = multiprocessing.get_context("spawn")
        task_reader, task_writer = context.Pipe(duplex=False)
        result_reader, result_writer = context.Pipe(duplex=False)
        self.process = context.Process(
            target=_serve,
            args=(task_reader, result_writer, os.getpid(), gc_threshold),
            daemon=True,
            name="nc-extract",
        )
        self.process.start()
        task_reader.close()
        result_writer.close()
        self.in_flight: collections.deque[tuple[bytes, asyncio.Future[Any]]] = collections.deque()
        """The tasks sent and not answered, in order: the worker runs the first, the others wait."""
        self.unstarted: list[tuple[bytes, asyncio.Future[Any]]] = []
        """Once it died: the tasks it held and had not started, for another worker."""
        self.alive = True
        self._on_change = on_change
        self._buffer = bytearray()
        self._loop = loop
        self._task_fd = task_writer.fileno()
        self._result_fd = result_reader.fileno()
        # The Connection objects own the descriptors: kept so they close them once.
        self._connections = (task_writer, result_reader)
        os.set_blocking(self._task_fd, False)
        _widen_pipe(self._task_fd)
        os.set_blocking(self._result_fd, False)
        self._unsent = bytearray()
        loop.add_reader(self._result_fd, self._readable)

    def send(self, payload: bytes, future: asyncio.Future[Any]) -> None:
        self.in_flight.append((payload, future))
        header = _HEADER.pack(len(payload))
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
        if len(self._buffer) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(self._buffer)
            want = max(want, _HEADER.size + size - len(self._buffer))
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
        while len(self._buffer) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(self._buffer)
            end = _HEADER.size + size
            if len(self._buffer) < end:
                break
            message = bytes(memoryview(self._buffer)[_HEADER.size : end])
            del self._buffer[:end]
            self._resolve(message)
        self._on_change(self)

    def _resolve(self, message: bytes) -> None:
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
        self.process.join(timeout=1)  # its pipe closed as it exited: only the reaping is left
        logger.debug("Extraction worker %s ended (exit code %s)", self.process.pid, self.process.exitcode)
        if held:
            # Results come back in order, so the first task it held is the one it died on; the
            # others it had not begun, and go to another worker as they are.
            _, running = held[0]
            if not running.done():
                running.set_exception(BrokenProcessPool(f"extraction worker {self.process.pid} died"))
            self.unstarted = held[1:]
        self._on_change(self)

    def close(self) -> None:
        """Stop reading and writing; the worker reads the end of its task pipe and exits."""
        if not self.alive:
            return
        self.alive = False
        self._loop.remove_reader(self._result_fd)
        self._loop.remove_writer(self._task_fd)
        for connection in self._connections:
            connection.close()
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


def _serve(tasks: Connection, results: Connection, parent: int, gc_threshold: int = 0) -> None:
    """A worker process: run each task read from `tasks`, send back (ok, value, traceback text).

    After its first task, the worker's imports and the engine's lazily built tables (converters,
    patterns) are in place: then the garbage collector is set for the long run (`gctune`)."""
    _die_with_parent(parent)
    task_fd, result_fd = tasks.fileno(), results.fileno()
    while True:
        header = _read_exactly(task_fd, _HEADER.size)
        if header is None:
            return  # the crawler closed the pipe: done
        (size,) = _HEADER.unpack(header)
        payload = _read_exactly(task_fd, size)
        if payload is None:
            return
        message = _run_task(payload)
        _write_all(result_fd, _HEADER.pack(len(message)) + message)
        del payload, message
        if gc_threshold:
            gctune.tune(gc_threshold)
            gc_threshold = 0


def _run_task(payload: bytes) -> bytes:
    """The pickled reply to one pickled task."""
    reply: tuple[bool, Any, str | None]
    try:
        function, args = pickle.loads(payload)
        reply = (True, function(*args), None)
    except BaseException as exc:
        reply = (False, exc, traceback.format_exc())
    try:
        return pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # a result or an exception that does not pickle
        return pickle.dumps((False, RuntimeError(f"unpicklable worker result: {exc!r}"), None))


def _read_exactly(fd: int, size: int) -> bytes | None:
    parts: list[bytes] = []
    while size:
        data = os.read(fd, min(size, 1 << 20))
        if not data:
            return None
        parts.append(data)
        size -= len(data)
    return b"".join(parts)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _main_is_guarded() -> bool:
    """Whether a spawned process can import this process's main module without running it again:
    `python -m pkg` (multiprocessing skips `pkg.__main__`) or the `newscrawl` and `scrapy` commands,
    whose scripts guard their entry point."""
    main = sys.modules.get("__main__")
    spec_name = getattr(getattr(main, "__spec__", None), "name", None) or ""
    if spec_name.endswith(".__main__"):
        return True
    path = getattr(main, "__file__", None)
    return path is not None and os.path.basename(path).removesuffix(".exe") in ("newscrawl", "scrapy")


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
