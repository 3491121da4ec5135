"""Where things live on disk: the project root, the shared corpus, the default database."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The checkout (or install prefix) holding `newscrawl/`."""

CORPUS_ENV = "NEWSCRAWL_CORPUS"
DB_ENV = "NEWSCRAWL_DB"
DEFAULT_DB = "data/newscrawl.db"


def corpus_dir() -> Path:
    """The shared corpus: `$NEWSCRAWL_CORPUS`, else `<project root>/../shared/corpus`. May not exist."""
    env = os.environ.get(CORPUS_ENV)
    if env:
        return Path(env).expanduser()
    return PROJECT_ROOT.parent / "shared" / "corpus"


def default_db_path() -> str:
    """The database path when no setting or flag names one: `$NEWSCRAWL_DB`, else `data/newscrawl.db`."""
    return os.environ.get(DB_ENV) or DEFAULT_DB
