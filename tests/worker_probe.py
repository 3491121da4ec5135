"""Tasks for a real extraction worker that tell what it has imported. Kept apart from the test
modules, which import Scrapy: unpickling a task imports the module its function lives in."""

from __future__ import annotations

import sys


def loaded_modules() -> list[str]:
    """The names of every module the worker process has imported."""
    return sorted(sys.modules)
