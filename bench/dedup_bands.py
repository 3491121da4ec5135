"""Layouts of the near-duplicate index's band table (`dedup_bands`): what each costs to write and to
look up, on an index of a given size.

    .venv/bin/python bench/dedup_bands.py [--copies 100000] [--new 2000] [--layouts ADCA]

Each copy has 32 band keys, uniformly spread over 47 bits as `newscrawl.dedup.minhash.band_keys`
gives them, so every key lands on a page of its own: the cost measured is that of the layout, not
of the texts. The index is filled with `--copies` copies in one transaction, then `--new` more are
added 4 to a transaction (the crawl's group commit), WAL and synchronous=NORMAL as `Store` opens
its database. Printed per layout: CPU (process_time) per added copy with SQLite's automatic
checkpoints, WAL bytes written per copy (500 more copies without checkpoints: the pages each commit
dirties), p50/p99 CPU of a 32-key candidate lookup joined to the docs table (16 keys of a stored
copy, 16 unknown), the database size, and a digest of every lookup's result (equal digests: the
layouts find the same candidates). A letter given twice runs twice, to see the noise.

Layouts: A the current table (WITHOUT ROWID, clustered on band key then doc), B a rowid table with
a covering unique index, C clustered on doc then band key with an index on the key, D clustered on
band number, band key, doc.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from newscrawl.dedup.minhash import DEFAULT_LAYOUT, KEY_BITS

LAYOUTS = {
    "A": (
        "WITHOUT ROWID pk(band_key, doc_id) (current)",
        "CREATE TABLE b (band_key INTEGER NOT NULL, doc_id INTEGER NOT NULL,"
        " PRIMARY KEY (band_key, doc_id)) WITHOUT ROWID",
    ),
    "B": (
        "rowid table + unique index(band_key, doc_id)",
        "CREATE TABLE b (band_key INTEGER NOT NULL, doc_id INTEGER NOT NULL);"
        "CREATE UNIQUE INDEX b_key ON b(band_key, doc_id)",
    ),
    "C": (
        "WITHOUT ROWID pk(doc_id, band_key) + index(band_key)",
        "CREATE TABLE b (band_key INTEGER NOT NULL, doc_id INTEGER NOT NULL,"
        " PRIMARY KEY (doc_id, band_key)) WITHOUT ROWID;CREATE INDEX b_key ON b(band_key)",
    ),
    "D": (
        "WITHOUT ROWID pk(band_no, band_key, doc_id)",
        "CREATE TABLE b (band_no INTEGER NOT NULL, band_key INTEGER NOT NULL, doc_id INTEGER NOT NULL,"
        " PRIMARY KEY (band_no, band_key, doc_id)) WITHOUT ROWID",
    ),
}
BANDS = DEFAULT_LAYOUT.bands
SKETCH_BYTES = 2 * DEFAULT_LAYOUT.bins
"""A stored sketch: `bins` 16-bit values."""
PER_COMMIT = 4
UNCHECKPOINTED = 500


def run(letter: str, keys: list[list[int]], copies: int, new: int, folder: Path) -> str:
    name, ddl = LAYOUTS[letter]
    path = folder / f"{letter}-{copies}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    for statement in ddl.split(";"):
        conn.execute(statement)
    conn.execute("CREATE TABLE d (doc_id INTEGER PRIMARY KEY, url TEXT, sketch BLOB)")
    numbered = letter == "D"
    insert_band = f"INSERT OR IGNORE INTO b VALUES ({'?, ?, ?' if numbered else '?, ?'})"

    def add(doc: int) -> None:
        if numbered:
            conn.executemany(insert_band, [(j, k, doc) for j, k in enumerate(keys[doc])])
        else:
            conn.executemany(insert_band, [(k, doc) for k in keys[doc]])
        conn.execute(
            "INSERT INTO d VALUES (?, ?, ?)", (doc, f"http://127.0.0.1/{doc}.html", bytes(SKETCH_BYTES))
        )

    def add_in_commits(first: int, last: int) -> None:
        for start in range(first, last, PER_COMMIT):
            conn.execute("BEGIN")
            for doc in range(start, min(start + PER_COMMIT, last)):
                add(doc)
            conn.execute("COMMIT")

    conn.execute("BEGIN")
    for doc in range(copies):
        add(doc)
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    began = time.process_time()
    add_in_commits(copies, copies + new)
    insert_ms = (time.process_time() - began) / new * 1e3
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    add_in_commits(copies + new, copies + new + UNCHECKPOINTED)
    wal_kib = Path(f"{path}-wal").stat().st_size / UNCHECKPOINTED / 1024

    if numbered:
        where = " OR ".join(["(b.band_no = ? AND b.band_key = ?)"] * BANDS)
    else:
        where = f"b.band_key IN ({', '.join('?' * BANDS)})"
    sql = f"SELECT DISTINCT d.doc_id, d.url, d.sketch FROM b JOIN d ON d.doc_id = b.doc_id WHERE {where} LIMIT 2000"
    rng = random.Random(2)
    times: list[float] = []
    digest = hashlib.blake2b(digest_size=4)
    for _ in range(2000):
        doc = rng.randrange(len(keys))
        probe = [(j, keys[doc][j] if j % 2 else rng.getrandbits(KEY_BITS)) for j in range(BANDS)]
        params = [x for pair in probe for x in pair] if numbered else [k for _, k in probe]
        began = time.process_time()
        found = conn.execute(sql, params).fetchall()
        times.append(time.process_time() - began)
        digest.update(repr(sorted(row[0] for row in found)).encode())
    times.sort()
    (size,) = conn.execute(
        "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
    ).fetchone()
    conn.close()
    return (
        f"{copies:>7} {letter} {name:<46} insert {insert_ms:.3f} ms/copy  WAL {wal_kib:.0f} KiB/copy"
        f"  lookup p50 {times[len(times) // 2] * 1e3:.3f} p99 {times[int(len(times) * 0.99)] * 1e3:.3f} ms"
        f"  db {size / 1e6:.0f} MB  results {digest.hexdigest()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--copies", type=int, default=100_000, help="copies in the index before the timed ones"
    )
    parser.add_argument("--new", type=int, default=2000, help="copies added in the timed part")
    parser.add_argument("--layouts", default="ADCA", help="letters of the layouts to run, in order")
    args = parser.parse_args()
    rng = random.Random(1)
    total = args.copies + args.new + UNCHECKPOINTED
    keys = [[rng.getrandbits(KEY_BITS) for _ in range(BANDS)] for _ in range(total)]
    with tempfile.TemporaryDirectory(prefix="dedup-bands-") as folder:
        for letter in args.layouts.upper():
            print(run(letter, keys, args.copies, args.new, Path(folder)), flush=True)


if __name__ == "__main__":
    main()
