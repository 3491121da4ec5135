"""The two things the crawl state needs from Scrapy's engine that no public API gives.

1. *When a request has been fully processed.* The engine keeps the requests it is working on in
   `engine._slot.inprogress` and removes each one only after its download, its callback and every
   item the callback produced have gone through the item pipelines. That removal is the moment a
   frontier row may be deleted; no signal marks it (`response_received` comes before the callback,
   `item_scraped` once per item, nothing after an errback).
2. *Whether the crawl is interactive.* `scrapy shell` opens the engine with `close_if_idle=False`;
   a shell session must neither take the database lock nor touch a job's frontier.

Both read `engine._slot`, which Scrapy 2.13–2.19 creates before calling `Scheduler.open()`.
`tests/test_state_frontier.py` pins this behaviour, so a Scrapy upgrade that moves it fails there.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class _InProgress(set):  # type: ignore[type-arg]
    """The engine's set of requests in progress, telling us when one leaves it."""

    def __init__(self, items: Iterable[Any], on_done: Callable[[Request], None]) -> None:
        super().__init__(items)
        self.on_done = on_done

    def remove(self, request: Any) -> None:
        super().remove(request)
        self.on_done(request)


def _slot(crawler: Crawler) -> Any:
    try:
        engine = crawler.engine
    except RuntimeError:  # Scrapy >= 2.19 raises before the crawl starts
        return None
    return getattr(engine, "_slot", None)


def watch_finished_requests(crawler: Crawler, on_done: Callable[[Request], None]) -> bool:
    """Call `on_done(request)` each time the engine finishes a request. False if unsupported."""
    slot = _slot(crawler)
    inprogress = getattr(slot, "inprogress", None)
    if not isinstance(inprogress, set):
        logger.warning(
            "This Scrapy version does not expose the engine's requests in progress; the frontier "
            "will treat every request as pending until the job finishes"
        )
        return False
    slot.inprogress = _InProgress(inprogress, on_done)
    return True


def twisted_reactor() -> Any:
    """The running Twisted reactor, imported late: importing `twisted.internet.reactor` installs the
    default reactor, and Scrapy must have installed its own (asyncio) first."""
    from twisted.internet import reactor

    return reactor


def is_interactive(crawler: Crawler) -> bool:
    """True in `scrapy shell`, whose engine never closes on idle."""
    slot = _slot(crawler)
    return slot is not None and getattr(slot, "close_if_idle", True) is False


def reactor_running() -> bool:
    """Whether a Twisted reactor is installed and running (never installs one)."""
    if "twisted.internet.reactor" not in sys.modules:
        return False
    return bool(twisted_reactor().running)
