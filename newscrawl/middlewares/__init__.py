"""Scrapy middlewares: thin adapters between the engine and the store."""

from __future__ import annotations

from newscrawl.middlewares.archive import PageArchiveMiddleware, SentBodyMiddleware
from newscrawl.middlewares.revisit import ConditionalGetMiddleware, RevisitMiddleware

__all__ = ["ConditionalGetMiddleware", "PageArchiveMiddleware", "RevisitMiddleware", "SentBodyMiddleware"]
