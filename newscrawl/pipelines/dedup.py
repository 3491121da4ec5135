"""Deduplication: canonical URL, exact duplicates on one site, near duplicates across sites.

A thin adapter over the dedup room (`newscrawl.dedup`): it picks the canonical URL (tracking
parameters, site URL rules, `<link rel=canonical>` on the same site), drops a page already seen in
this run or stored under another URL of the same host with the same text (keeping the URL as an
alias), and gives every other article its `text_fingerprint`, `story_id` and `story_similarity`
from the story index in the crawl's database. The URLs an article was reached by are recorded as
aliases once the store pipeline has written it (`item_scraped`).

The decision reads and writes the story index, so it runs as one operation of the session's batch
writer, on the writer thread (`submit_and_get`): the reactor never waits for a database lock, and
the index rows reach the disk in the same ordered stream as the article they were made for. What
the decision computes from the text alone (fingerprint, shingles, MinHash) an extraction worker has
usually computed already (`newscrawl.workers.take_sketch`); without it the index computes it there.

Settings: `NEWSCRAWL_DEDUP_THRESHOLD` (Jaccard index, default 0.5), `NEWSCRAWL_URL_RULES`
(`[[pattern, replacement], …]` for every site); a spider may add its own as `url_rules`.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.utils.defer import maybe_deferred_to_future

from newscrawl.dedup import (
    DEFAULT_THRESHOLD,
    DUPLICATE,
    ArticleSketch,
    Placement,
    StoryIndex,
    UrlRule,
    parse_url_rules,
    resolve_canonical,
)
from newscrawl.extensions import CrawlSession
from newscrawl.items import Article
from newscrawl.state.engine import reactor_running, twisted_reactor
from newscrawl.workers import take_sketch

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

    from newscrawl.state.writer import BatchWriter
    from newscrawl.store import Store

logger = logging.getLogger(__name__)


@dataclass
class Decision:
    """What the writer thread decided for one article; applied on the reactor thread."""

    canonical_url: str
    placement: Placement | None = None
    drop: str | None = None
    """DropItem message, when the article is not stored."""
    counters: list[tuple[str, int]] = field(default_factory=list)
    aliases: tuple[str, ...] = ()
    alias_of: str | None = None
    """For a dropped copy: the article its URLs become aliases of."""


class DedupPipeline:
    def __init__(self, crawler: Crawler, stats: StatsCollector) -> None:
        self.crawler = crawler
        self.stats = stats
        self.threshold = crawler.settings.getfloat("NEWSCRAWL_DEDUP_THRESHOLD", DEFAULT_THRESHOLD)
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"NEWSCRAWL_DEDUP_THRESHOLD is a Jaccard index in (0, 1], got {self.threshold}")
        self.setting_rules = parse_url_rules(crawler.settings.get("NEWSCRAWL_URL_RULES"))
        self._rules: tuple[UrlRule, ...] | None = None
        self._index: StoryIndex | None = None
        """The story index on the writer's connection; used on the writer thread only."""
        self.seen: set[str] = set()
        """Canonical URLs of this run (touched on the writer thread only)."""
        self.pending_aliases: dict[str, tuple[str, ...]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        assert crawler.stats is not None
        pipeline = cls(crawler, crawler.stats)
        crawler.signals.connect(pipeline.item_scraped, signal=signals.item_scraped)
        return pipeline

    @property
    def rules(self) -> tuple[UrlRule, ...]:
        if self._rules is None:
            spider_rules = parse_url_rules(getattr(self.crawler.spider, "url_rules", ()))
            self._rules = (*spider_rules, *self.setting_rules)
        return self._rules

    def index_of(self, store: Store, counters: list[tuple[str, int]]) -> StoryIndex:
        """The story index of the crawl's database, brought up to date on first use."""
        if self._index is None:
            self._index = StoryIndex(store, threshold=self.threshold)
            caught_up = self._index.catch_up()
            if caught_up:
                counters.append(("newscrawl/dedup/indexed_stored", caught_up))
        return self._index

    async def process_item(self, item: object) -> object:
        if not isinstance(item, Article):
            return item
        rules = self.rules  # read here: the writer thread does not touch the spider
        sketch = take_sketch(item)
        writer = CrawlSession.of(self.crawler).writer
        if _inline(writer):
            # No writer thread at work (an in-memory database, a test without a reactor): decide
            # here, in a transaction of our own on the writer's connection.
            with writer.store.transaction():
                decision = self.decide(item, rules, writer.store, sketch)
        else:
            decided = writer.submit_and_get(
                partial(self.decide, item, rules, sketch=sketch), label=f"dedup {item.url}"
            )
            decision = await maybe_deferred_to_future(decided)
        return self.apply(item, decision)

    def apply(self, item: Article, decision: Decision) -> Article:
        """Count what was decided; drop the article or give it its URL and story (reactor thread)."""
        for key, n in decision.counters:
            self.stats.inc_value(key, n)
        if decision.alias_of is not None:
            # A copy of another page of this run: its URLs become aliases once that page is stored
            # (now, if it is already).
            first = self.pending_aliases.get(decision.alias_of)
            if first is not None:
                self.pending_aliases[decision.alias_of] = (*first, *decision.aliases)
            else:
                self.settle(decision.alias_of, decision.aliases)
        if decision.drop is not None:
            raise DropItem(decision.drop, log_level="DEBUG")
        placement = decision.placement
        assert placement is not None
        item.canonical_url = decision.canonical_url
        item.text_fingerprint = placement.fingerprint
        item.story_id = placement.story_id
        item.story_similarity = placement.similarity
        self.pending_aliases[decision.canonical_url] = decision.aliases
        return item

    def decide(
        self,
        item: Article,
        rules: tuple[UrlRule, ...],
        store: Store,
        sketch: ArticleSketch | None = None,
    ) -> Decision:
        """Canonical URL, duplicate or story of one article (a writer operation: runs in its
        transaction). `sketch`: the article's text sketch computed ahead, if any (the index checks
        that it fits the article, and computes it when not)."""
        counters: list[tuple[str, int]] = []
        index = self.index_of(store, counters)
        choice = resolve_canonical(item.url, item.canonical_url or None, rules)
        canonical, aliases = choice.canonical_url, choice.aliases
        if choice.declared and not choice.declared_honoured:
            counters.append((f"newscrawl/dedup/canonical_ignored/{choice.reason}", 1))
            logger.debug(
                "%s declares %s as canonical: ignored (%s)", item.url, choice.declared, choice.reason
            )
        # A page naming another URL as its own is believed only if what is stored there reads the
        # same, so a CMS stamping one URL on every article cannot merge them.
        elif choice.reason == "declared" and not index.agrees_with_stored(canonical, item, sketch):
            counters.append(("newscrawl/dedup/canonical_ignored/declared-other-text", 1))
            logger.info("%s declares %s as canonical, which holds another text: ignored", item.url, canonical)
            fetched = resolve_canonical(item.url, None, rules)
            canonical, aliases = fetched.canonical_url, fetched.aliases

        if canonical in self.seen:
            counters.append(("newscrawl/dropped/duplicate_url", 1))
            return Decision(
                canonical,
                drop=f"duplicate_url: {canonical}",
                counters=counters,
                aliases=aliases,
                alias_of=canonical,
            )
        self.seen.add(canonical)

        placement = index.place(dataclasses.replace(item, canonical_url=canonical), sketch=sketch)
        if placement.outcome == DUPLICATE:
            assert placement.duplicate_of is not None
            counters.append(("newscrawl/dedup/exact_duplicate", 1))
            return Decision(
                canonical,
                placement,
                drop=f"exact_duplicate: {canonical} has the text of {placement.duplicate_of}",
                counters=counters,
                aliases=(canonical, *aliases),
                alias_of=placement.duplicate_of,
            )
        counters.append((f"newscrawl/dedup/{placement.outcome}", 1))
        if placement.matched is not None:
            logger.debug(
                "%s joins story %s (similarity %.3f to %s)",
                canonical,
                placement.story_id,
                placement.matched.similarity,
                placement.matched.canonical_url,
            )
        return Decision(canonical, placement, counters=counters, aliases=aliases)

    def item_scraped(self, item: object, **kwargs: Any) -> None:
        """The article is stored now: its other URLs can point at it."""
        if not isinstance(item, Article) or self._index is None:
            return
        self.settle(item.canonical_url, self.pending_aliases.pop(item.canonical_url, ()))

    def settle(self, canonical_url: str, aliases: tuple[str, ...]) -> None:
        """Record the aliases of a stored article, in the writer's order (after its row)."""
        writer = CrawlSession.of(self.crawler).writer
        if _inline(writer):
            with writer.store.transaction():
                self._settle(canonical_url, aliases, writer.store)
            return
        writer.submit(partial(self._settle, canonical_url, aliases), label=f"aliases {canonical_url}")

    def _settle(self, canonical_url: str, aliases: tuple[str, ...], store: Store) -> None:
        added = self.index_of(store, []).settle_urls(canonical_url, aliases)
        if added and threading.current_thread() is threading.main_thread():
            self.stats.inc_value("newscrawl/dedup/aliases", added)  # a writer committing inline
        elif added:
            # Stats belong to the reactor thread.
            twisted_reactor().callFromThread(self.stats.inc_value, "newscrawl/dedup/aliases", added)


def _inline(writer: BatchWriter) -> bool:
    """Whether no writer thread is at work (an in-memory database, a test without a reactor)."""
    return not writer.threaded or not reactor_running()
