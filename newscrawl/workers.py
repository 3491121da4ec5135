"""Worker processes for the CPU-heavy part of a page: the extraction engine, off the reactor.

One Scrapy process runs on one core: the reactor thread downloads, schedules, runs the middlewares
and the pipelines, and anything CPU-heavy it does itself holds every download behind it. Extracting
an article (parse, segment, find the region, the dates and the credits) is most of newscrawl's CPU
per page and a pure function of the page's bytes, so a crawl hands it to `NEWSCRAWL_EXTRACT_WORKERS`
worker processes and awaits the result; the reactor meanwhile goes on with other responses, and a
second core does the extracting.

    NEWSCRAWL_EXTRACT_WORKERS = -1   # one fewer than the CPUs (at most 4); 0: extract on the reactor thread

-1 applies to crawls run by the `newscrawl` or `scrapy` command (or `python -m …`); a script of your
own extracts on the reactor thread unless it sets a number (and guards its crawl with
`if __name__ == "__main__":`, since each worker imports the main script).

Right after extracting, a worker also does what the crawl's pipelines would do next to the
article alone (`Preparation`, decided from `ITEM_PIPELINES`): the cleaning room's `clean_article`
(when `CleanPipeline` comes right after the required-fields gate) and the dedup room's
`sketch_article` (fingerprint, shingle hashes, MinHash sketch and band keys, when `DedupPipeline`
runs). Those are pure functions of the text, and would otherwise run on the reactor and on the
store's writer thread, which share one GIL. The article comes back with a `Prepared` record as an
attribute (not a field: never stored, never exported, and no page can set it); `CleanPipeline`
skips an article a worker cleaned, and the story index uses the sketch instead of computing it, so
what is stored is the same with or without workers.

What does not change: the spider callback still yields the article only once it is extracted, so
the items, the page archive, the store's commit order and the frontier's "done" mark (which waits
for the callback and its items) keep their order and their kill -9 guarantees. Workers are started
with `spawn` (nothing of the crawler's threads, sockets or SQLite connections is inherited), ask
the kernel to kill them when the crawler dies (a `kill -9` leaves no orphans), and a worker that
dies on a page (a libxml2 crash, the OOM killer) costs that page only: the pool is started again
and the page is tried once more there before it counts as an extraction error.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object

from newscrawl.clean import clean_article
from newscrawl.dedup import ArticleSketch, sketch_article
from newscrawl.extract import extract

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

    from newscrawl.extract import Extraction, SiteHints
    from newscrawl.items import Article

logger = logging.getLogger(__name__)

MAX_AUTO_WORKERS = 4
"""`NEWSCRAWL_EXTRACT_WORKERS = -1` takes one worker per CPU but one (the reactor's), at most this."""

_PR_SET_PDEATHSIG = 1


class WorkerCrashed(RuntimeError):
    """A worker process died while extracting a page, twice: the page is given up."""


def auto_workers(cpus: int | None = None) -> int:
    """How many workers `-1` means on a machine with `cpus` CPUs (this one's by default)."""
    if cpus is None:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(0, min(MAX_AUTO_WORKERS, cpus - 1))


def _die_with_parent(parent: int) -> None:
    """Worker initializer: the kernel sends SIGKILL when the crawler process dies (Linux)."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    # The parent may have died before the prctl took effect.
    if os.getppid() != parent:
        os._exit(1)
    # Ctrl-C goes to the whole process group: the crawler decides what stops, not its workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


PREPARED = "_newscrawl_prepared"
"""The attribute of an Article that holds its `Prepared` record."""


@dataclass(frozen=True)
class Preparation:
    """What a worker does to an article after extracting it (see the module docstring)."""

    clean: bool = False
    """Apply `clean_article`, as `CleanPipeline` would."""
    sketch: bool = False
    """Compute the dedup sketch of the (cleaned) article, as the story index would."""

    @classmethod
    def for_pipelines(cls, settings: BaseSettings) -> Preparation:
        """What the crawl's `ITEM_PIPELINES` let a worker do ahead of them. Cleaning moves only when
        nothing but the required-fields gate runs before `CleanPipeline` (another pipeline there
        could change the text it cleans); the sketch only when the dedup pipeline runs and reads
        the text a worker can produce (the cleaned one, or the extracted one when nothing cleans)."""
        from newscrawl.pipelines.clean import CleanPipeline
        from newscrawl.pipelines.dedup import DedupPipeline
        from newscrawl.pipelines.validate import ValidatePipeline

        pipelines = [load_object(p) for p in build_component_list(settings.getwithbase("ITEM_PIPELINES"))]
        clean = CleanPipeline in pipelines and all(
            p is ValidatePipeline for p in pipelines[: pipelines.index(CleanPipeline)]
        )
        sketch = DedupPipeline in pipelines and (clean or CleanPipeline not in pipelines)
        return cls(clean=clean, sketch=sketch)


@dataclass(frozen=True)
class Prepared:
    """What a worker did to an extracted article beyond extracting it."""

    title: str
    body: str
    """The title and body string objects the worker left on the article: a pipeline that replaces
    either makes the article one the worker did not clean (`cleaned_by_worker`)."""
    cleaned: bool
    followed: tuple[str | None, ...] | None
    """The related-link URLs of the article as extracted, when cleaning changed them (a link whose
    title cleans to nothing is dropped): the spider follows those, as without workers."""
    sketch: ArticleSketch | None


def prepare(article: Article, preparation: Preparation) -> Article:
    """The article as `preparation` says, with its `Prepared` record (the article itself when
    nothing was done)."""
    # Imported here: the pipelines import this module (for the `Prepared` record).
    from newscrawl.pipelines.validate import missing_fields

    cleaned = False
    followed: tuple[str | None, ...] | None = None
    # An article the gate drops as extracted, or one that cleaning leaves without a title or a body
    # (which the gate lets through, since it judges the text as extracted), keeps the reactor's path.
    if preparation.clean and not missing_fields(article):
        done = clean_article(article)
        if not missing_fields(done):
            urls = tuple(link.url for link in article.related)
            if urls != tuple(link.url for link in done.related):
                followed = urls
            # Mostly the Simplified forms equal the text: one string then travels back, not two.
            if done.title_simplified == done.title:
                done.title_simplified = done.title
            if done.body_simplified == done.body:
                done.body_simplified = done.body
            article, cleaned = done, True
    # Not cleaned here though it should have been: the reactor cleans it into new text, which a
    # sketch of this one would not fit.
    sketchable = cleaned or not preparation.clean
    sketch = sketch_article(article) if preparation.sketch and sketchable else None
    if cleaned or sketch is not None:
        setattr(article, PREPARED, Prepared(article.title, article.body, cleaned, followed, sketch))
    return article


def prepared(article: Article) -> Prepared | None:
    """The `Prepared` record of an article a worker extracted, if any."""
    record = article.__dict__.get(PREPARED)
    return record if isinstance(record, Prepared) else None


def cleaned_by_worker(article: Article) -> bool:
    """Whether a worker applied `clean_article` to this article's current title and body."""
    record = prepared(article)
    return (
        record is not None
        and record.cleaned
        and article.title is record.title
        and article.body is record.body
    )


def take_sketch(article: Article) -> ArticleSketch | None:
    """The dedup sketch a worker computed, removed from the article (the last pipeline to read the record)."""
    record = article.__dict__.pop(PREPARED, None)
    return record.sketch if isinstance(record, Prepared) else None


def _extract_in_worker(
    body: bytes,
    url: str,
    headers: dict[str, str],
    hints: SiteHints,
    fetched_at: datetime,
    preparation: Preparation,
) -> Extraction:
    result = extract(body, url, headers, hints=hints, fetched_at=fetched_at)
    if result.article is not None:
        result.article = prepare(result.article, preparation)
    return result


class ExtractionPool:
    """The crawl's worker processes (or none: then `extract` runs on the reactor thread)."""

    def __init__(self, workers: int, preparation: Preparation | None = None) -> None:
        self.workers = max(0, workers)
        self.preparation = preparation or Preparation()
        """What workers do after extracting; nothing when extracting on the reactor thread, where
        the pipelines do it anyway."""
        self._executor: ProcessPoolExecutor | None = None
        self.crashes = 0

    @classmethod
    def of(cls, crawler: Crawler) -> ExtractionPool:
        """The crawl's pool, made on first use and shut down when the spider closes."""
        pool: ExtractionPool | None = getattr(crawler, "_newscrawl_extraction_pool", None)
        if pool is None:
            workers = crawler.settings.getint("NEWSCRAWL_EXTRACT_WORKERS", 0)
            if workers < 0 and not _main_is_guarded():
                # A spawned worker imports the parent's main script; a script that starts a crawl
                # at module level would start it again there. Set the number to vouch for yours.
                logger.info("Extracting on the reactor thread: run by a script, not a command")
                workers = 0
            pool = cls(
                auto_workers() if workers < 0 else workers, Preparation.for_pipelines(crawler.settings)
            )
            if pool.workers and not _asyncio_reactor():
                logger.info("Extracting on the reactor thread: worker processes need the asyncio reactor")
                pool.workers = 0
            crawler._newscrawl_extraction_pool = pool  # type: ignore[attr-defined]
            crawler.signals.connect(pool.close, signal=signals.spider_closed)
        return pool

    def start(self) -> None:
        """Start the workers now (they take a moment to import the engine) rather than on the first page."""
        if self.workers and self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_die_with_parent,
                initargs=(os.getpid(),),
            )
            # Spawn every worker at once: the first pages then find them ready.
            for _ in range(self.workers):
                self._executor.submit(int)

    async def extract(
        self,
        body: bytes,
        url: str,
        headers: Mapping[str, str],
        *,
        hints: SiteHints,
        fetched_at: datetime,
    ) -> Extraction:
        """`newscrawl.extract.extract` of one page, in a worker when there are workers."""
        if not self.workers:
            return extract(body, url, headers, hints=hints, fetched_at=fetched_at)
        args = (body, url, dict(headers), hints, fetched_at, self.preparation)
        for attempt in (1, 2):
            self.start()
            assert self._executor is not None
            executor = self._executor
            try:
                return await asyncio.wrap_future(executor.submit(_extract_in_worker, *args))
            except BrokenProcessPool:
                self.crashes += 1
                if self._executor is executor:
                    # The first page to notice replaces the pool; the others in flight retry on it.
                    executor.shutdown(wait=False, cancel_futures=True)
                    self._executor = None
                logger.warning(
                    "An extraction worker died on %s or a page beside it (attempt %d)", url, attempt
                )
        raise WorkerCrashed(f"an extraction worker died twice on {url}")

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


def _main_is_guarded() -> bool:
    """Whether a spawned process can import this process's main module without running it again:
    `python -m pkg` (multiprocessing skips `pkg.__main__`) or the `newscrawl` and `scrapy` commands,
    whose scripts guard their entry point."""
    main = sys.modules.get("__main__")
    spec_name = getattr(getattr(main, "__spec__", None), "name", None) or ""
    if spec_name.endswith(".__main__"):
        return True
    path = getattr(main, "__file__", None)
    return path is not None and os.path.basename(path).removesuffix(".exe") in ("newscrawl", "scrapy")


def _asyncio_reactor() -> bool:
    from scrapy.utils.reactor import is_asyncio_reactor_installed

    try:
        return is_asyncio_reactor_installed()
    except Exception:
        return False


__all__ = [
    "ExtractionPool",
    "Preparation",
    "Prepared",
    "WorkerCrashed",
    "auto_workers",
    "cleaned_by_worker",
    "prepare",
    "prepared",
    "take_sketch",
]
