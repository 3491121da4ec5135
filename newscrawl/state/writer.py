"""Batched, ordered writes to the store, committed off the reactor thread.

Every write of a crawl — an article row, a raw page, a frontier row added or removed, a fingerprint
for the seen set — is a small function over the `Store`, submitted here in the order the crawl
produced it. The writer applies them in that order, many per transaction: a batch is committed when
it holds `max_ops` operations or its oldest operation has waited `max_delay` seconds, whichever comes
first, and while one batch commits the next one fills. A write somebody waits for (`submit_and_wait`,
`submit_and_get`) waits for company only briefly: its commit starts once the writer is free and the
oldest queued write is `gather` seconds old (5 ms), so a page waiting for its article's commit costs
one commit and a few milliseconds, not a batch interval, and batches form under load from whatever
arrives meanwhile and while the previous one commits (group commit). Because the order is kept, every committed
state is a prefix of the crawl's history: a page's frontier row is never marked done in a transaction
before the one that stored its article, so a `kill -9` at any moment loses nothing that was counted
as done.

Commits run on one dedicated thread per database file (shared by every crawler of the process that
writes to it), so neither SQLite nor zlib holds the reactor. Each operation runs under its own
savepoint: one that raises (a bad row) fails alone; a failure of the transaction itself (disk full,
database locked for longer than the busy timeout) stops the writer, and the session stops the crawl.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from twisted.internet.defer import Deferred, fail, succeed
from twisted.python.failure import Failure

from newscrawl.state.engine import twisted_reactor

if TYPE_CHECKING:
    from twisted.internet.base import DelayedCall
    from twisted.python.threadpool import ThreadPool

    from newscrawl.store import Store

logger = logging.getLogger(__name__)

Operation = Callable[["Store"], Any]
"""A write: runs in the writer's transaction, on the writer thread, with the `Store` as argument."""


class StoreWriteError(RuntimeError):
    """The database refused a batch of writes; nothing of that batch was stored."""


@dataclass
class _Queued:
    ticket: int
    operation: Operation
    label: str
    deferred: Deferred[Any] | None
    at: float = 0.0
    """`time.monotonic()` when it was submitted."""
    early: Deferred[Any] | None = None
    """Fired with the operation's result as soon as it has run, before its commit (`submit_and_get`)."""


class BatchWriter:
    """Ordered writes to one `Store`, committed in batches.

    `threaded=False` commits on the caller's thread, synchronously, whenever a batch is full or
    `flush()` is called: for benchmarks and tests that run without a reactor.
    """

    def __init__(
        self,
        store: Store,
        *,
        max_ops: int = 200,
        max_delay: float = 0.05,
        gather: float = 0.005,
        threaded: bool = True,
        on_failure: Callable[[BaseException], None] | None = None,
        batch_hook: Callable[[], Operation | None] | None = None,
    ) -> None:
        self.store = store
        self.max_ops = max(1, max_ops)
        self.max_delay = max(0.0, max_delay)
        self.gather = min(max(0.0, gather), self.max_delay)
        """How long a batch holding a write somebody waits for may gather more: each commit costs
        the search index a segment flush and SQLite a pass over the pages it dirtied, whatever it
        holds. On the crawl bench, committing at once gave 3.8 articles a commit and 5 ms gave 4.5,
        0.1 ms less writer CPU a page; the writer thread is idle most of the time, so without a
        wait most commits would hold the writes of one page."""
        self.threaded = threaded
        self.on_failure = on_failure
        self.batch_hook = batch_hook
        """Called as each batch is formed; the operation it returns (if any) ends that batch."""
        self.failure: BaseException | None = None
        self.committed_ticket = 0
        """Ticket of the last operation committed; operations are numbered from 1 in submit order."""
        self.batches = 0
        self.operations = 0
        self._ticket = 0
        self._queue: list[_Queued] = []
        self._waited = 0
        """Queued operations somebody waits for: the next commit should not wait for company."""
        self._busy = False
        self._inline_running = False
        self._timer: DelayedCall | None = None
        self._flush_waiters: list[tuple[int, Deferred[None]]] = []
        self._listeners: list[Callable[[int], None]] = []
        self._pool: ThreadPool | None = _acquire_pool(str(store.path)) if threaded else None

    # -- submitting ---------------------------------------------------------------------------

    def submit(self, operation: Operation, *, label: str = "") -> int:
        """Queue a write whose result nobody waits for; returns its ticket."""
        return self._enqueue(operation, label, None)

    def submit_and_wait(self, operation: Operation, *, label: str = "") -> Deferred[Any]:
        """Queue a write; the Deferred fires with its result once its transaction has committed."""
        if self.failure is not None:
            return fail(
                StoreWriteError(f"not stored ({label or 'write'}): the store failed earlier: {self.failure}")
            )
        deferred: Deferred[Any] = Deferred()
        self._enqueue(operation, label, deferred)
        return deferred

    def submit_and_get(self, operation: Operation, *, label: str = "") -> Deferred[Any]:
        """Queue a write that decides something; the Deferred fires with its result as soon as it has
        run inside its transaction — before the commit, so a caller can go on while it commits.

        What the caller then does through this writer is ordered after it, so it never reaches the
        disk without this write; if the transaction fails, the writer stops (see `StoreWriteError`)."""
        early: Deferred[Any] = Deferred()
        committed = self.submit_and_wait(operation, label=label)

        def failed(failure: Failure) -> None:
            # The batch failed before the operation ran, or the operation raised.
            if not early.called:
                early.errback(failure)

        committed.addErrback(failed)
        if not committed.called:
            self._queue[-1].early = early
        return early

    def _enqueue(self, operation: Operation, label: str, deferred: Deferred[Any] | None) -> int:
        self._ticket += 1
        if self.failure is not None:
            logger.debug("Dropped write %s: the store failed earlier", label)
            return self._ticket
        self._queue.append(_Queued(self._ticket, operation, label, deferred, time.monotonic()))
        if deferred is not None:
            self._waited += 1
        self._schedule()
        return self._ticket

    def add_listener(self, listener: Callable[[int], None]) -> None:
        """Call `listener(ticket)` on the reactor thread after each commit, with the last ticket committed."""
        self._listeners.append(listener)

    @property
    def pending(self) -> int:
        """Operations submitted and not yet committed."""
        return self._ticket - self.committed_ticket if self.failure is None else 0

    def flush(self) -> Deferred[None]:
        """Fires once everything submitted so far is committed (or the writer has failed)."""
        if self.failure is not None or (not self._queue and not self._busy):
            return succeed(None)
        waiter: Deferred[None] = Deferred()
        self._flush_waiters.append((self._ticket, waiter))
        self._schedule()
        return waiter

    def close(self) -> Deferred[None]:
        """Flush, then give back the writer thread."""
        done = self.flush()

        def release(result: object) -> object:
            if self._pool is not None:
                _release_pool(str(self.store.path))
                self._pool = None
            return result

        return done.addBoth(release)

    # -- committing -----------------------------------------------------------------------------

    def _schedule(self) -> None:
        if self._busy or not self._queue or self.failure is not None:
            return
        urgent = len(self._queue) >= self.max_ops or bool(self._flush_waiters)
        if not self.threaded:
            if urgent and not self._inline_running:
                self._commit_inline()
            return
        if urgent:
            delay = 0.0
        else:
            wait = self.gather if self._waited > 0 else self.max_delay
            delay = max(0.0, self._queue[0].at + wait - time.monotonic())
        reactor = twisted_reactor()
        if self._timer is not None and self._timer.active():
            # A write somebody waits for shortens the wait of the batch it joins.
            if self._timer.getTime() - reactor.seconds() > delay:
                self._timer.reset(delay)
            return
        self._timer = reactor.callLater(delay, self._start_commit)

    def _take_batch(self) -> list[_Queued]:
        batch = self._queue[: self.max_ops]
        del self._queue[: self.max_ops]
        self._waited -= sum(1 for queued in batch if queued.deferred is not None)
        if self.batch_hook is not None:
            extra = self.batch_hook()
            if extra is not None:
                batch.append(_Queued(batch[-1].ticket, extra, "run progress", None))
        return batch

    def _start_commit(self) -> None:
        self._timer = None
        if self._busy or not self._queue or self.failure is not None:
            return
        from twisted.internet.threads import deferToThreadPool

        batch = self._take_batch()
        self._busy = True
        assert self._pool is not None
        d = deferToThreadPool(twisted_reactor(), self._pool, self._apply, batch)
        d.addCallbacks(self._committed, self._batch_failed, callbackArgs=(batch,), errbackArgs=(batch,))

    def _commit_inline(self) -> None:
        self._inline_running = True
        try:
            while self._queue and self.failure is None:
                if len(self._queue) < self.max_ops and not self._flush_waiters:
                    return
                batch = self._take_batch()
                self._busy = True
                try:
                    results = self._apply(batch)
                except Exception:
                    self._batch_failed(Failure(), batch)
                else:
                    self._committed(results, batch)
        finally:
            self._inline_running = False

    def _apply(self, batch: list[_Queued]) -> list[tuple[bool, Any]]:
        """Run a batch in one transaction (on the writer thread). Per operation: (ok, result or exception)."""
        conn = self.store.conn
        results: list[tuple[bool, Any]] = []
        conn.execute("BEGIN IMMEDIATE")
        try:
            for queued in batch:
                conn.execute("SAVEPOINT newscrawl_op")
                try:
                    result = queued.operation(self.store)
                except sqlite3.OperationalError:
                    # The database itself is in trouble (full, locked, I/O): the batch fails.
                    raise
                except Exception as exc:
                    conn.execute("ROLLBACK TO newscrawl_op")
                    conn.execute("RELEASE newscrawl_op")
                    results.append((False, exc))
                else:
                    conn.execute("RELEASE newscrawl_op")
                    results.append((True, result))
                    if queued.early is not None and self.threaded:
                        twisted_reactor().callFromThread(_fire, queued.early, result)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return results

    def _committed(self, results: list[tuple[bool, Any]], batch: list[_Queued]) -> None:
        self._busy = False
        self.batches += 1
        self.operations += len(batch)
        self.committed_ticket = batch[-1].ticket
        for queued, (ok, value) in zip(batch, results, strict=True):
            if ok and queued.early is not None:
                _fire(queued.early, value)  # committing inline: nobody could have gone on before
            if queued.deferred is not None:
                if ok:
                    queued.deferred.callback(value)
                else:
                    queued.deferred.errback(Failure(value))
            elif not ok:
                logger.error("Store write failed (%s): %s", queued.label or "write", value, exc_info=value)
        for listener in self._listeners:
            listener(self.committed_ticket)
        self._fire_flush_waiters()
        self._schedule()

    def _batch_failed(self, failure: Failure, batch: list[_Queued]) -> None:
        self._busy = False
        self.failure = failure.value or RuntimeError("unknown store failure")
        logger.error(
            "Writing to %s failed; the last %d writes were not stored: %s",
            self.store.path,
            len(batch) + len(self._queue),
            failure.value,
        )
        error = StoreWriteError(str(failure.value))
        for queued in [*batch, *self._queue]:
            if queued.deferred is not None:
                queued.deferred.errback(Failure(error))
        self._queue.clear()
        self._waited = 0
        self._fire_flush_waiters(everything=True)
        if self.on_failure is not None:
            self.on_failure(self.failure)

    def _fire_flush_waiters(self, everything: bool = False) -> None:
        ready = [w for w in self._flush_waiters if everything or w[0] <= self.committed_ticket]
        self._flush_waiters = [w for w in self._flush_waiters if w not in ready]
        for _, waiter in ready:
            waiter.callback(None)


def _fire(early: Deferred[Any], result: Any) -> None:
    if not early.called:
        early.callback(result)


# -- one writer thread per database file ------------------------------------------------------------

_POOLS: dict[str, list[Any]] = {}
"""Database path -> [ThreadPool, users, shutdown trigger id]."""


WRITER_THREAD_NAME = "nc-writer"
"""The writer thread's name for the operating system too: `top -H`, `ps -L` and py-spy show it, and
bench/crawl_throughput.py tells its CPU time from the reactor's by it."""


class _WriterThread(threading.Thread):
    """A daemon thread that names itself for the operating system (Linux) when it starts."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, daemon=True, **kwargs)

    def run(self) -> None:
        _name_os_thread(WRITER_THREAD_NAME)
        super().run()


def _name_os_thread(name: str) -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            # PR_SET_NAME (15) names the calling thread; the kernel keeps 15 bytes of it.
            ctypes.CDLL(None).prctl(15, name.encode()[:15], 0, 0, 0)


def _acquire_pool(path: str) -> ThreadPool:
    entry = _POOLS.get(path)
    if entry is None:
        from twisted.python.threadpool import ThreadPool

        # One thread: every commit to this file is serialized anyway (SQLite has one writer), and
        # crawlers sharing a file then never wait on each other's lock inside SQLite.
        pool = ThreadPool(minthreads=1, maxthreads=1, name="newscrawl-writer")
        # A daemon thread, so a process whose reactor never ran or never stopped cleanly (a library
        # caller, a test, a crash) still exits instead of waiting forever on an idle writer. Exiting
        # in the middle of a commit is what a kill -9 does: SQLite rolls it back, and the crawl state
        # is built to resume from that.
        pool.threadFactory = _WriterThread  # type: ignore[assignment]
        pool.start()
        # A reactor stopped without the crawl closing (a second Ctrl-C) still ends the thread,
        # after the commit in progress: a transaction is never cut in half by us.
        trigger = twisted_reactor().addSystemEventTrigger("during", "shutdown", pool.stop)
        entry = _POOLS[path] = [pool, 0, trigger]
    entry[1] += 1
    return entry[0]  # type: ignore[no-any-return]


def _release_pool(path: str) -> None:
    entry = _POOLS.get(path)
    if entry is None:
        return
    entry[1] -= 1
    if entry[1] <= 0:
        del _POOLS[path]
        twisted_reactor().removeSystemEventTrigger(entry[2])
        pool: ThreadPool = entry[0]
        pool.stop()
