"""Scrapy middlewares: thin adapters between the engine and the store."""

from __future__ import annotations

from newscrawl.middlewares.archive import PageArchiveMiddleware

__all__ = ["PageArchiveMiddleware"]
