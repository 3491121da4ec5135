"""Deduplication: canonical URL, exact duplicates on one site, near duplicates across sites.

A thin adapter over the dedup room (`newscrawl.dedup`): it picks the canonical URL (tracking
parameters, site URL rules, `<link rel=canonical>` on the same site), drops a page already seen in
this run or stored under another URL of the same host with the same text (keeping the URL as an
alias), and gives every other article its `text_fingerprint`, `story_id` and `story_similarity`
from the story index in the crawl's database. The URLs an article was reached by are recorded as
aliases once the store pipeline has written it (`item_scraped`).

Settings: `NEWSCRAWL_DEDUP_THRESHOLD` (Jaccard index, default 0.5), `NEWSCRAWL_URL_RULES`
(`[[pattern, replacement], …]` for every site); a spider may add its own as `url_rules`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import DropItem

from newscrawl.dedup import (
    DEFAULT_THRESHOLD,
    DUPLICATE,
    StoryIndex,
    UrlRule,
    parse_url_rules,
    resolve_canonical,
)
from newscrawl.extensions import CrawlSession
from newscrawl.items import Article

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


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
        self.seen: set[str] = set()
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

    @property
    def index(self) -> StoryIndex:
        """The story index of the crawl's database, brought up to date on first use."""
        if self._index is None:
            store = CrawlSession.of(self.crawler).store
            self._index = StoryIndex(store, threshold=self.threshold)
            caught_up = self._index.catch_up()
            if caught_up:
                self.stats.inc_value("newscrawl/dedup/indexed_stored", caught_up)
        return self._index

    def process_item(self, item: object) -> object:
        if not isinstance(item, Article):
            return item
        choice = resolve_canonical(item.url, item.canonical_url or None, self.rules)
        canonical, aliases = choice.canonical_url, choice.aliases
        if choice.declared and not choice.declared_honoured:
            self.stats.inc_value(f"newscrawl/dedup/canonical_ignored/{choice.reason}")
            logger.debug(
                "%s declares %s as canonical: ignored (%s)", item.url, choice.declared, choice.reason
            )
        # A page naming another URL as its own is believed only if what is stored there reads the
        # same, so a CMS stamping one URL on every article cannot merge them.
        elif choice.reason == "declared" and not self.index.agrees_with_stored(canonical, item):
            self.stats.inc_value("newscrawl/dedup/canonical_ignored/declared-other-text")
            logger.info("%s declares %s as canonical, which holds another text: ignored", item.url, canonical)
            fetched = resolve_canonical(item.url, None, self.rules)
            canonical, aliases = fetched.canonical_url, fetched.aliases
        item.canonical_url = canonical

        if canonical in self.seen:
            self.stats.inc_value("newscrawl/dropped/duplicate_url")
            self.index.settle_urls(canonical, aliases)
            raise DropItem(f"duplicate_url: {canonical}", log_level="DEBUG")
        self.seen.add(canonical)

        placement = self.index.place(item)
        if placement.outcome == DUPLICATE:
            assert placement.duplicate_of is not None
            added = self.index.settle_urls(placement.duplicate_of, (canonical, *aliases))
            self.stats.inc_value("newscrawl/dedup/exact_duplicate")
            self.stats.inc_value("newscrawl/dedup/aliases", added)
            raise DropItem(
                f"exact_duplicate: {canonical} has the text of {placement.duplicate_of}", log_level="DEBUG"
            )
        item.text_fingerprint = placement.fingerprint
        item.story_id = placement.story_id
        item.story_similarity = placement.similarity
        self.stats.inc_value(f"newscrawl/dedup/{placement.outcome}")
        if placement.matched is not None:
            logger.debug(
                "%s joins story %s (similarity %.3f to %s)",
                canonical,
                placement.story_id,
                placement.matched.similarity,
                placement.matched.canonical_url,
            )
        if aliases:
            self.pending_aliases[canonical] = aliases
        return item

    def item_scraped(self, item: object, **kwargs: Any) -> None:
        """The article is stored now: its other URLs can point at it."""
        if not isinstance(item, Article) or self._index is None:
            return
        aliases = self.pending_aliases.pop(item.canonical_url, ())
        added = self._index.settle_urls(item.canonical_url, aliases)
        if added:
            self.stats.inc_value("newscrawl/dedup/aliases", added)
