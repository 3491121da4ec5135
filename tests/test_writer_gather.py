"""Group commit on the writer thread, with a real reactor (in a child process of its own): a write
somebody waits for lets its batch gather what arrives within `gather` seconds, and commits alone
when nothing does."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import query, run_python

SCRIPT = """
import sys
from twisted.internet import reactor
from newscrawl.state.writer import BatchWriter
from newscrawl.store import Store

path, gather, spacing = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
setup = Store(path)
setup.conn.execute("CREATE TABLE t (v INTEGER)")
setup.close()
writer = BatchWriter(Store(path), max_delay=5.0, gather=gather)
results = []

def insert(value):
    def op(store):
        store.conn.execute("INSERT INTO t (v) VALUES (?)", (value,))
        return value * 10
    return op

def first():
    writer.submit_and_wait(insert(1)).addCallback(results.append)
    reactor.callLater(spacing, second)

def second():
    d = writer.submit_and_wait(insert(2))
    d.addCallback(results.append)
    d.addCallback(lambda _: writer.close())
    d.addBoth(lambda _: (print(writer.batches, sorted(results)), reactor.stop()))

reactor.callWhenRunning(first)
reactor.run()
"""


def run_writer(db: Path, gather: float, spacing: float) -> str:
    done = run_python("-c", SCRIPT, str(db), str(gather), str(spacing), timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_waited_write_gathers_what_comes_within_gather(tmp_path: Path) -> None:
    db = tmp_path / "gather.db"
    # The second write comes 0.1 s after the first, well within a gather of 2 s: one commit.
    assert run_writer(db, gather=2.0, spacing=0.1) == "1 [10, 20]"
    assert [r[0] for r in query(db, "SELECT v FROM t ORDER BY rowid")] == [1, 2]


def test_without_gather_each_waited_write_commits_at_once(tmp_path: Path) -> None:
    db = tmp_path / "alone.db"
    assert run_writer(db, gather=0.0, spacing=0.3) == "2 [10, 20]"
    assert [r[0] for r in query(db, "SELECT v FROM t ORDER BY rowid")] == [1, 2]
