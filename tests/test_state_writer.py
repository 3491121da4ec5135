"""The batch writer on a real SQLite file, committing inline (no reactor): order, batching, one bad
write failing alone, a failed transaction stopping the writer without losing track of anything."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from newscrawl.state.writer import BatchWriter, StoreWriteError
from newscrawl.store import Store
from tests.conftest import query


def insert(value: int) -> Any:
    def op(store: Store) -> int:
        store.conn.execute("INSERT INTO t (v) VALUES (?)", (value,))
        return value * 10

    return op


@pytest.fixture
def store(db_path: Path) -> Store:
    s = Store(db_path)
    s.conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER UNIQUE)")
    return s


def results_of(deferreds: list[Any]) -> list[Any]:
    out: list[Any] = []
    for d in deferreds:
        d.addBoth(out.append)
    return out


def test_writes_commit_in_order_in_batches_of_max_ops(store: Store, db_path: Path) -> None:
    writer = BatchWriter(store, max_ops=4, threaded=False)
    committed: list[int] = []
    writer.add_listener(committed.append)
    waits = [writer.submit_and_wait(insert(i)) for i in range(1, 10)]
    # Two full batches are on disk; the ninth write waits for its batch to fill or a flush.
    assert [r[0] for r in query(db_path, "SELECT v FROM t ORDER BY id")] == list(range(1, 9))
    assert committed == [4, 8]
    writer.flush()
    assert [r[0] for r in query(db_path, "SELECT v FROM t ORDER BY id")] == list(range(1, 10))
    assert results_of(waits) == [i * 10 for i in range(1, 10)]
    assert writer.batches == 3 and writer.pending == 0


def test_a_failing_write_fails_alone(store: Store, db_path: Path) -> None:
    writer = BatchWriter(store, max_ops=10, threaded=False)
    waits = [
        writer.submit_and_wait(insert(1)),
        writer.submit_and_wait(insert(1)),
        writer.submit_and_wait(insert(2)),
    ]
    writer.flush()
    outcome = results_of(waits)
    assert outcome[0] == 10 and outcome[2] == 20
    assert isinstance(outcome[1].value, sqlite3.IntegrityError)
    assert [r[0] for r in query(db_path, "SELECT v FROM t ORDER BY id")] == [1, 2]
    assert writer.failure is None


def test_a_failed_transaction_stops_the_writer_and_stores_nothing_of_the_batch(
    store: Store, db_path: Path
) -> None:
    failures: list[BaseException] = []
    writer = BatchWriter(store, max_ops=10, threaded=False, on_failure=failures.append)

    def full(_: Store) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    waits = [
        writer.submit_and_wait(insert(1)),
        writer.submit_and_wait(full),
        writer.submit_and_wait(insert(2)),
    ]
    writer.flush()
    outcome = results_of(waits)
    assert all(isinstance(o.value, StoreWriteError) for o in outcome)
    assert query(db_path, "SELECT COUNT(*) FROM t")[0][0] == 0
    assert len(failures) == 1 and "disk is full" in str(failures[0])
    # Later writes are refused, and saying so does not hang whoever waits for a flush.
    late = results_of([writer.submit_and_wait(insert(3))])
    assert isinstance(late[0].value, StoreWriteError)
    assert results_of([writer.flush()]) == [None]


def test_the_batch_hook_ends_every_batch(store: Store, db_path: Path) -> None:
    store.conn.execute("CREATE TABLE progress (n INTEGER)")
    counter = iter(range(100))

    def hook() -> Any:
        n = next(counter)
        return lambda s: s.conn.execute("INSERT INTO progress VALUES (?)", (n,))

    writer = BatchWriter(store, max_ops=2, threaded=False, batch_hook=hook)
    for i in range(4):
        writer.submit(insert(i))
    assert [r[0] for r in query(db_path, "SELECT n FROM progress")] == [0, 1]
