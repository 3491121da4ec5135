"""Python's cyclic garbage collector, set for a long crawl rather than for a short script.

    NEWSCRAWL_GC_THRESHOLD = 10_000   # allocations between two young-generation collections; 0: Python's own

A crawl allocates thousands of container objects a page (requests, responses, Deferreds and
coroutines, lxml proxies, items), nearly all freed by reference counting. With Python's default
threshold (700) the collector still runs a young collection every few dozen pages' worth of them and,
every few hundred pages, a full one that walks every object the process holds: the imported modules,
the settings, the compiled patterns, the extraction engine's tables. In the crawl bench that cost
≈ 0.3 ms/page on the reactor's process and ≈ 0.15 in each extraction worker — and bare Scrapy pays
0.6 ms/page for it.

`tune` does two things, once per process: it freezes what the process holds once it is set up
(`gc.freeze`, after a collection so no garbage is frozen), which takes those long-lived objects out of
every later collection, and it raises the young generation's threshold, so collections are rarer and
each finds more garbage. Reference cycles are still collected, only later: the crawler's peak memory in
the bench did not move (≈ 145 MB).
"""

from __future__ import annotations

import gc
import logging

logger = logging.getLogger(__name__)

_tuned = False


def tune(threshold: int) -> bool:
    """Freeze what the process holds now and collect young objects every `threshold` allocations.

    Only the first call in a process does anything (a second freeze would keep whatever the process
    made in between, garbage cycles included, out of every collection); `threshold` ≤ 0 does nothing.
    True when this call tuned the collector.
    """
    global _tuned
    if threshold <= 0 or _tuned:
        return False
    _tuned = True
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(threshold, middle, old)
    logger.debug("Garbage collector: %d objects frozen, young threshold %d", gc.get_freeze_count(), threshold)
    return True
