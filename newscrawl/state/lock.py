"""One crawl per database at a time: an exclusive `flock` on `<database>.lock`.

The kernel drops a `flock` when its process dies, however it dies, so a `kill -9` or a reboot never
leaves a stale lock behind; the lock file itself stays and says who held it last. Inside one process
the lock is counted, so the CLI and the crawl components it starts can each ask for it.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO

logger = logging.getLogger(__name__)

CST = timezone(timedelta(hours=8))


class DatabaseLocked(RuntimeError):
    """Another process is crawling into this database."""

    def __init__(self, db_path: Path, holder: dict[str, object]) -> None:
        self.db_path = db_path
        self.holder = holder
        who = f"pid {holder['pid']}" if "pid" in holder else "another process"
        since = f", since {holder['since']}" if "since" in holder else ""
        command = f" ({holder['command']})" if holder.get("command") else ""
        super().__init__(f"{db_path} is in use by another crawl: {who}{since}{command}")


@dataclass
class _Hold:
    handle: IO[str]
    """The open lock file; closing it drops the flock."""
    count: int


_HELD: dict[Path, _Hold] = {}
"""Lock file -> this process's hold on it."""


def lock_path(db_path: str | Path) -> Path:
    path = Path(db_path)
    return path.with_name(path.name + ".lock")


def acquire(db_path: str | Path) -> bool:
    """Take the lock of a database, or raise `DatabaseLocked`.

    Returns True when this call took it for the process (False: the process already held it).
    `:memory:` databases need no lock.
    """
    if str(db_path) == ":memory:":
        return False
    path = lock_path(db_path).resolve()
    hold = _HELD.get(path)
    if hold is not None:
        hold.count += 1
        return False
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    handle: IO[str] = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        try:
            holder = json.loads(handle.read() or "{}")
        except ValueError:
            holder = {}
        handle.close()
        raise DatabaseLocked(Path(db_path), holder if isinstance(holder, dict) else {}) from None
    handle.seek(0)
    handle.truncate()
    handle.write(
        json.dumps(
            {
                "pid": os.getpid(),
                "since": datetime.now(CST).isoformat(timespec="seconds"),
                "command": " ".join([_program(), *sys.argv[1:]])[:300],
            },
            ensure_ascii=False,
        )
    )
    handle.flush()
    _HELD[path] = _Hold(handle, 1)
    logger.debug("Locked %s", path)
    return True


def _program() -> str:
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
    return "newscrawl" if name in ("__main__.py", "newscrawl") else name


def release(db_path: str | Path) -> None:
    """Give back one hold on the lock; the last one unlocks the file."""
    if str(db_path) == ":memory:":
        return
    path = lock_path(db_path).resolve()
    hold = _HELD.get(path)
    if hold is None:
        return
    hold.count -= 1
    if hold.count <= 0:
        del _HELD[path]
        hold.handle.close()
        logger.debug("Unlocked %s", path)


def held(db_path: str | Path) -> bool:
    """Whether this process holds the lock of a database."""
    return lock_path(db_path).resolve() in _HELD
