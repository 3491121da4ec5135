"""The crawl state in SQLite: jobs, the frontier of pending requests, and the seen set.

A *job* is one pass of a spider over its site. A run that ends with the queue drained finishes its
job; a run that is killed, stopped or cut short leaves it open, and the next run of the same spider
resumes it: the same frontier, the same seen set.

- `frontier`: one row per pending request — priority, depth, the serialized request. A row is
  deleted only once its page has been fully processed, so whatever was pending when a run died is
  still here.
- `frontier_seen`: the 64-bit fingerprints of every request the job admitted, for duplicate
  filtering without holding them in memory.

Plain sqlite3, no Scrapy: the requests arrive already serialized. Writes run inside a transaction
the caller holds (the crawl's batched writes).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Job:
    """An open job of one spider."""

    id: int
    job_key: str
    """Which crawl this is: the spider name, plus a digest of its start URLs when arguments chose them."""
    spider: str
    started_at: str
    resumed: bool
    """Whether an earlier run left this job unfinished and this run continues it."""
    run_ids: set[int] = field(default_factory=set)
    """The runs that have worked on this job, this one included."""


def open_job(
    conn: sqlite3.Connection,
    *,
    job_key: str,
    spider: str,
    run_id: int,
    at: str,
    max_age_hours: float = 0,
) -> Job:
    """Resume the unfinished job of `job_key`, or start a new one; attach `run_id` to it.

    An unfinished job older than `max_age_hours` (0 = any age) is abandoned instead: its frontier
    and seen set are dropped and a fresh job starts, so a crawl interrupted long ago does not keep
    newer pages out through a stale seen set.
    """
    row = conn.execute(
        "SELECT id, started_at FROM crawl_jobs WHERE job_key = ? AND finished_at IS NULL", (job_key,)
    ).fetchone()
    job: Job | None = None
    if row is not None:
        age = datetime.fromisoformat(at) - datetime.fromisoformat(row[1])
        if max_age_hours and age.total_seconds() > max_age_hours * 3600:
            finish_job(conn, int(row[0]), reason="abandoned", at=at)
        else:
            job = Job(int(row[0]), job_key, spider, row[1], resumed=True)
    if job is None:
        cur = conn.execute(
            "INSERT INTO crawl_jobs (job_key, spider, started_at, first_run_id) VALUES (?, ?, ?, ?)",
            (job_key, spider, at, run_id),
        )
        job = Job(int(cur.lastrowid or 0), job_key, spider, at, resumed=False)
    conn.execute("UPDATE crawl_runs SET job_id = ? WHERE id = ?", (job.id, run_id))
    job.run_ids = {int(r[0]) for r in conn.execute("SELECT id FROM crawl_runs WHERE job_id = ?", (job.id,))}
    return job


def finish_job(conn: sqlite3.Connection, job_id: int, *, reason: str, at: str) -> None:
    """Close a job and drop its frontier and seen set."""
    conn.execute("DELETE FROM frontier WHERE job_id = ?", (job_id,))
    conn.execute("DELETE FROM frontier_seen WHERE job_id = ?", (job_id,))
    conn.execute(
        "UPDATE crawl_jobs SET finished_at = ?, finish_reason = ? WHERE id = ?", (at, reason, job_id)
    )


# -- the frontier ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingRow:
    seq: int
    priority: int
    request: bytes
    run_id: int | None
    """The run that enqueued it: an earlier one when the job was resumed."""


def next_seq(conn: sqlite3.Connection, job_id: int) -> int:
    (top,) = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM frontier WHERE job_id = ?", (job_id,)).fetchone()
    return int(top) + 1


def pending_count(conn: sqlite3.Connection, job_id: int) -> int:
    (n,) = conn.execute("SELECT COUNT(*) FROM frontier WHERE job_id = ?", (job_id,)).fetchone()
    return int(n)


def pending_requests(conn: sqlite3.Connection, job_id: int, limit: int) -> list[PendingRow]:
    """The first `limit` pending requests in crawl order: priority first, then arrival."""
    rows = conn.execute(
        "SELECT seq, priority, request, run_id FROM frontier WHERE job_id = ?"
        " ORDER BY priority DESC, seq LIMIT ?",
        (job_id, limit),
    ).fetchall()
    return [PendingRow(int(r[0]), int(r[1]), bytes(r[2]), r[3]) for r in rows]


def add_request(
    conn: sqlite3.Connection,
    job_id: int,
    seq: int,
    *,
    priority: int,
    depth: int,
    url: str,
    request: bytes,
    run_id: int | None,
) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO frontier (job_id, seq, priority, depth, url, request, run_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (job_id, seq, priority, depth, url, request, run_id),
    )


def remove_request(conn: sqlite3.Connection, job_id: int, seq: int) -> None:
    conn.execute("DELETE FROM frontier WHERE job_id = ? AND seq = ?", (job_id, seq))


# -- the seen set ---------------------------------------------------------------------------------


def is_seen(conn: sqlite3.Connection, job_id: int, fingerprint: int) -> bool:
    row = conn.execute(
        "SELECT 1 FROM frontier_seen WHERE job_id = ? AND fingerprint = ?", (job_id, fingerprint)
    ).fetchone()
    return row is not None


def seen_fingerprints(conn: sqlite3.Connection, job_id: int) -> Iterator[int]:
    """Every fingerprint of a job's seen set, in no particular order."""
    for (fingerprint,) in conn.execute("SELECT fingerprint FROM frontier_seen WHERE job_id = ?", (job_id,)):
        yield int(fingerprint)


def add_seen(conn: sqlite3.Connection, job_id: int, fingerprint: int) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO frontier_seen (job_id, fingerprint) VALUES (?, ?)", (job_id, fingerprint)
    )


def seen_count(conn: sqlite3.Connection, job_id: int) -> int:
    (n,) = conn.execute("SELECT COUNT(*) FROM frontier_seen WHERE job_id = ?", (job_id,)).fetchone()
    return int(n)
