"""A database as an older newscrawl left it: the migrations before a version applied and
recorded, nothing after, so a test can check what opening it with this newscrawl upgrades."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from newscrawl.store.schema import MIGRATIONS, MIGRATIONS_TABLE_SQL


def database_before(db: Path, version: int) -> sqlite3.Connection:
    """Create `db` with every migration older than `version`; returns an open connection in
    autocommit mode (no transaction held) for the test to write rows as that newscrawl would."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute(MIGRATIONS_TABLE_SQL)
    conn.execute("BEGIN")
    for migration in MIGRATIONS:
        if migration.version < version:
            migration.apply(conn)
            conn.execute(
                "INSERT INTO schema_migrations VALUES (?, 'old', '2024-01-01')", (migration.version,)
            )
    conn.execute("COMMIT")
    return conn
