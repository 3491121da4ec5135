"""The story index: which story a copy belongs to, kept in the SQLite file so it survives runs.

`StoryIndex.place(article)` decides, in one transaction, for an article about to be stored:

- `unchanged`: its canonical URL is indexed with the same text; story and similarity as before.
- `duplicate`: another stored article *of the same host* has exactly this text (same fingerprint)
  under another URL: the page is stored once, this URL becomes an alias (the pipeline's job).
- `joined`: a stored copy (any site, any script) is a near duplicate — Jaccard index of 4-character
  shingles of the comparable text at least `threshold` — so the article joins that copy's story.
- `new_story`: nothing is similar enough; the article starts a story of its own.

A story's reference copy is its first-published copy (the earliest `published_at`; copies without a
date never displace a dated one; ties go to the copy indexed first). Every copy's
`story_similarity` is its Jaccard index against the reference; when an earlier-published copy turns
up later, it becomes the reference and the others' similarities are recomputed.

Candidates come from the LSH bands (`newscrawl.dedup.minhash`) and are verified on real shingle
sets built from the stored text, so decisions do not depend on sketch noise. A copy this index
placed whose article row is still queued behind the decision (the writer stores it next) is
verified on the shingles it was placed with, which are those of the text about to be stored; only
a candidate whose row is not stored and that this index did not place (another crawler's copy in
flight) is judged on its sketch. So the outcome does not depend on how far the writer has got.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

import numpy as np

from newscrawl.dedup.minhash import (
    DEFAULT_LAYOUT,
    U16,
    U64,
    Layout,
    band_keys,
    jaccard,
    shingle_hashes,
    sketch_from_bytes,
    sketch_to_bytes,
)
from newscrawl.dedup.sketch import MIN_CHARS, ArticleSketch, Probe, probe_parts
from newscrawl.dedup.text import (
    article_comparable_text,
    article_fingerprint,
    comparable_text,
    normalize_for_dedup,
    simplified_body,
)
from newscrawl.dedup.urls import same_publisher
from newscrawl.items import Article
from newscrawl.store.stories import DocFields, DocRow, StoryTables

if TYPE_CHECKING:
    from newscrawl.store import Store

logger = logging.getLogger(__name__)

CST = timezone(timedelta(hours=8))

DEFAULT_THRESHOLD = 0.5
"""Jaccard index (4-character shingles) from which two copies are one story. A reprint with a new
headline, its own byline and one paragraph in ten rewritten scores about 0.8; two different
stories of the same beat score below 0.05 (see tests/test_dedup_index.py and the corpus test)."""
VERIFY_MARGIN = 0.2
"""Candidates whose sketch estimate is this far below the threshold are not verified (the estimate
from 96 bins has a standard deviation of 0.05 around 0.5)."""
MAX_VERIFIED = 8
"""At most this many candidates, best estimates first, are verified on their full text."""
RECENTLY_PLACED = 128
"""The shingle hashes of this many copies placed last are kept, for candidates whose article row
is not written yet: far more than the copies a crawl has between its dedup decision and its store
write (a few per spider), at some 20 KB each."""

NEW_STORY, JOINED, UNCHANGED, DUPLICATE = "new_story", "joined", "unchanged", "duplicate"


@dataclass(frozen=True)
class Match:
    """A stored copy similar enough to a probe."""

    doc_id: int
    canonical_url: str
    story_id: int
    similarity: float
    """Jaccard index of the two shingle sets (the sketch estimate when `exact` is False)."""
    estimate: float
    """The sketch estimate the candidate was ranked by."""
    exact: bool


@dataclass(frozen=True)
class Placement:
    """What `StoryIndex.place` decided for one article."""

    outcome: str
    """`new_story`, `joined`, `unchanged` or `duplicate`."""
    canonical_url: str
    fingerprint: str
    story_id: int | None
    similarity: float | None
    """Similarity to the story's reference copy (1.0 for the reference itself)."""
    duplicate_of: str | None = None
    """For `duplicate`: the stored article with the same text on the same site."""
    matched: Match | None = None
    """For `joined`: the copy that brought the article into its story."""


def published_ts(published_at: str | None) -> int | None:
    """UTC seconds of an ISO 8601 publication time (`+08:00` when it carries no offset)."""
    if not published_at:
        return None
    try:
        when = datetime.fromisoformat(published_at)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=CST)
    return int(when.timestamp())


def _first_published_key(doc: DocRow) -> tuple[bool, int, int]:
    return (doc.published_ts is None, doc.published_ts or 0, doc.doc_id)


class StoryIndex:
    """The near-duplicate index of one open database."""

    def __init__(
        self,
        store: Store,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        layout: Layout = DEFAULT_LAYOUT,
        min_chars: int = MIN_CHARS,
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"the near-duplicate threshold is a Jaccard index in (0, 1], got {threshold}")
        self.store = store
        self.tables = StoryTables(store.conn)
        self.threshold = threshold
        self.layout = layout
        self.min_chars = min_chars
        self._memo: dict[str, U64 | None] = {}
        self._recent: OrderedDict[str, U64] = OrderedDict()
        """canonical URL -> shingle hashes of the copies placed last (`RECENTLY_PLACED`)."""
        self._placed: dict[str, list[tuple[str, int]]] = {}
        """fingerprint -> (canonical URL, story) of the copies this index placed: a copy whose row is
        not stored yet (its write queued behind this one) is still a copy another URL duplicates."""
        with store.transaction():
            built_with = self.tables.meta("layout")
            if built_with is None and not self.tables.has_docs():
                self.tables.set_meta("layout", layout.name)
                built_with = layout.name
        # Built with another layout: rebuilt (catch_up) before it is used.
        self._stale = built_with != layout.name

    # -- lookups (read only) -----------------------------------------------------------------

    def probe(self, text: str) -> Probe:
        """Prepare a comparable text (`newscrawl.dedup.text.comparable_text`) for lookups."""
        hashes, values, keys = probe_parts(text, self.layout, self.min_chars)
        return Probe(hashes, values, keys)

    def lookup(self, probe: Probe, exclude_doc: int | None = None) -> list[Match]:
        """The stored copies at least `threshold` similar to the probe, most similar first."""
        if probe.sketch is None:
            return []
        candidates = [c for c in self.tables.candidates(probe.keys, exclude_doc) if c.sketch]
        if not candidates:
            return []
        stacked = sketch_from_bytes(b"".join(c.sketch or b"" for c in candidates))
        agree = (stacked.reshape(len(candidates), self.layout.bins) == probe.sketch).sum(axis=1)
        estimates = agree / self.layout.bins
        order = sorted(range(len(candidates)), key=lambda i: (-estimates[i], candidates[i].doc_id))
        floor = self.threshold - VERIFY_MARGIN
        matches: list[Match] = []
        for i in order[:MAX_VERIFIED]:
            if estimates[i] < floor:
                break
            candidate, estimate = candidates[i], float(estimates[i])
            hashes = self._stored_hashes(candidate.canonical_url)
            if hashes is None:
                similarity, exact = estimate, False
            else:
                similarity, exact = jaccard(probe.hashes, hashes), True
            if similarity >= self.threshold:
                matches.append(
                    Match(
                        candidate.doc_id,
                        candidate.canonical_url,
                        candidate.story_id,
                        similarity,
                        estimate,
                        exact,
                    )
                )
        matches.sort(key=lambda m: (-m.similarity, m.doc_id))
        return matches

    def similar(self, article: Article) -> list[Match]:
        """The stored copies near-duplicating an article (no write, unless the index must be rebuilt)."""
        if self._stale:
            self.catch_up()
        self._memo.clear()
        return self.lookup(self.probe(article_comparable_text(article)))

    def agrees_with_stored(
        self, canonical_url: str, article: Article, sketch: ArticleSketch | None = None
    ) -> bool:
        """Whether an article may be stored under `canonical_url`: nothing is indexed there, or
        what is reads the same or near enough. A page declaring another page's URL as its own
        (a CMS putting one URL on every article) fails this. `sketch`: see `place`."""
        doc = self.tables.doc_by_url(canonical_url)
        sketch = self._usable(sketch, article)
        fingerprint = sketch.fingerprint if sketch is not None else article_fingerprint(article)
        if doc is None or doc.fingerprint == fingerprint:
            return True
        self._memo.clear()
        stored = self._stored_hashes(canonical_url)
        if stored is None:
            return True
        if sketch is not None:
            mine = sketch.hashes
        else:
            mine = shingle_hashes(article_comparable_text(article), self.layout.shingle)
        return jaccard(mine, stored) >= self.threshold

    # -- placing -----------------------------------------------------------------------------

    def place(
        self, article: Article, *, stored: bool = False, sketch: ArticleSketch | None = None
    ) -> Placement:
        """Index an article about to be stored (or, with `stored=True`, one already in `articles`,
        whose row is updated too) and return its story. See the module docstring.

        `sketch`: the article's `sketch_article`, computed ahead; used only when it `fits` the
        article and this index (else computed here), so the decision is the same either way."""
        if self._stale:
            self.catch_up()
        url = article.canonical_url or article.url
        sketch = self._usable(sketch, article)
        fingerprint = sketch.fingerprint if sketch is not None else article_fingerprint(article)
        self._memo.clear()
        with self.store.transaction():
            doc = self.tables.doc_by_url(url)
            if doc is not None and doc.fingerprint == fingerprint:
                if stored:
                    self.tables.set_article_dedup(url, fingerprint, doc.story_id, doc.similarity)
                return Placement(UNCHANGED, url, fingerprint, doc.story_id, doc.similarity)
            if doc is None and not stored:
                if sketch is not None:
                    body_chars = sketch.body_chars
                else:
                    body_chars = len(normalize_for_dedup(simplified_body(article)))
                same = self._same_text_on_site(url, fingerprint, body_chars)
                if same is not None:
                    return Placement(DUPLICATE, url, fingerprint, same[1], 1.0, duplicate_of=same[0])
            probe = sketch.probe() if sketch is not None else self.probe(article_comparable_text(article))
            if doc is not None:
                self._detach(doc)
            matches = self.lookup(probe, exclude_doc=doc.doc_id if doc else None)
            ts = published_ts(article.published_at)
            now = datetime.now(CST).isoformat(timespec="seconds")
            if matches:
                story_id = matches[0].story_id
                similarity, is_reference = self._against_reference(story_id, probe, ts)
            else:
                story_id, similarity, is_reference = self.tables.new_story(now), 1.0, True
            fields = DocFields(
                fingerprint=fingerprint,
                story_id=story_id,
                similarity=similarity,
                published_ts=ts,
                shingles=len(probe.hashes),
                sketch=sketch_to_bytes(probe.sketch) if probe.sketch is not None else None,
                indexed_at=now,
            )
            doc_id = self.tables.write_doc(url, fields, doc.doc_id if doc is not None else None)
            self.tables.add_bands(doc_id, probe.keys)
            if is_reference:
                self.tables.set_story_reference(story_id, doc_id)
                if matches:
                    self._memo[url] = probe.hashes
                    self._rescore(story_id, doc_id, probe.hashes)
            if stored:
                self.tables.set_article_dedup(url, fingerprint, story_id, similarity)
        outcome = JOINED if matches else NEW_STORY
        if not stored:
            self._placed.setdefault(fingerprint, []).append((url, story_id))
            self._recent[url] = probe.hashes
            self._recent.move_to_end(url)
            if len(self._recent) > RECENTLY_PLACED:
                self._recent.popitem(last=False)
        return Placement(
            outcome, url, fingerprint, story_id, similarity, matched=matches[0] if matches else None
        )

    def catch_up(self) -> int:
        """Index the stored articles the index lacks (all of them after a layout change); return
        how many. Cheap when there are none: one pass over the primary keys."""
        with self.store.transaction():
            built_with = self.tables.meta("layout")
            if built_with != self.layout.name:
                logger.warning(
                    "Story index was built with layout %s, this newscrawl uses %s: rebuilding it",
                    built_with,
                    self.layout.name,
                )
                self.tables.clear_index()
                self.tables.set_meta("layout", self.layout.name)
        self._stale = False
        urls = self.tables.unindexed_articles()
        if urls:
            logger.info("Indexing %d stored article(s) for deduplication", len(urls))
        for n, url in enumerate(urls, 1):
            row = self.tables.article_for_index(url)
            if row is None:
                continue
            self.place(Article.from_dict(row), stored=True)
            if n % 10000 == 0:
                logger.info("Indexed %d of %d stored articles", n, len(urls))
        return len(urls)

    def rebuild(self) -> int:
        """Drop the index and build it again from the stored articles, first-published first."""
        with self.store.transaction():
            self.tables.clear_index()
        return self.catch_up()

    # -- aliases -----------------------------------------------------------------------------

    def settle_urls(self, canonical_url: str, aliases: Iterable[str]) -> int:
        """After `canonical_url` is stored: record the other URLs it was reached by as aliases
        (`canonical_url` itself is no alias any more). Returns how many aliases changed."""
        others = [a for a in dict.fromkeys(aliases) if a and a != canonical_url]
        if not others and self.tables.alias_target(canonical_url) is None:
            return 0
        now = datetime.now(CST).isoformat(timespec="seconds")
        changed = 0
        with self.store.transaction():
            if not self.tables.article_exists(canonical_url):
                return 0
            self.tables.remove_alias(canonical_url)
            for alias in others:
                # A URL that is a stored article's own key is not another article's alias.
                if not self.tables.article_exists(alias):
                    changed += self.tables.add_alias(alias, canonical_url, now)
        return changed

    # -- internals ---------------------------------------------------------------------------

    def _usable(self, sketch: ArticleSketch | None, article: Article) -> ArticleSketch | None:
        return sketch if sketch is not None and sketch.fits(article, self.layout, self.min_chars) else None

    def _same_text_on_site(
        self, url: str, fingerprint: str, body_chars: int
    ) -> tuple[str, int | None] | None:
        # A text this short could be shared by different pages of a site (a photo with a stock
        # caption): they are kept apart.
        if body_chars < self.min_chars:
            return None
        for other, story_id in self.tables.articles_with_fingerprint(fingerprint):
            if other != url and same_publisher(other, url):
                return other, story_id
        for other, placed_story in self._placed.get(fingerprint, ()):
            if other != url and same_publisher(other, url):
                return other, placed_story
        return None

    def _stored_hashes(self, canonical_url: str) -> U64 | None:
        if canonical_url not in self._memo:
            text = self.tables.article_text(canonical_url)
            if text is None:
                # Not stored (yet): a copy placed here moments ago, its row queued behind us?
                self._memo[canonical_url] = self._recent.get(canonical_url)
            else:
                self._memo[canonical_url] = shingle_hashes(comparable_text(text), self.layout.shingle)
        return self._memo[canonical_url]

    def _similarity(self, hashes: U64 | None, values: U16 | None, doc: DocRow) -> float:
        """Jaccard index against a stored copy: exact from its stored text, else from sketches."""
        stored = self._stored_hashes(doc.canonical_url) if hashes is not None else None
        if hashes is not None and stored is not None:
            return jaccard(hashes, stored)
        if values is not None and doc.sketch:
            return float(np.count_nonzero(sketch_from_bytes(doc.sketch) == values)) / len(values)
        return 0.0

    def _against_reference(self, story_id: int, probe: Probe, ts: int | None) -> tuple[float, bool]:
        """(similarity to the story's reference, whether the new copy becomes the reference)."""
        ref_id = self.tables.story_reference(story_id)
        ref = self.tables.doc_by_id(ref_id) if ref_id is not None else None
        if ref is None:
            return 1.0, True
        if ts is not None and (ref.published_ts is None or ts < ref.published_ts):
            return 1.0, True
        return self._similarity(probe.hashes, probe.sketch, ref), False

    def _rescore(
        self, story_id: int, ref_id: int, ref_hashes: U64 | None, exclude: int | None = None
    ) -> None:
        """Recompute every copy's similarity to a new reference copy."""
        ref = self.tables.doc_by_id(ref_id)
        ref_values = None
        if ref is not None and ref.sketch:
            ref_values = sketch_from_bytes(ref.sketch)
        for doc in self.tables.story_docs(story_id):
            if doc.doc_id == exclude:
                continue
            similarity = 1.0 if doc.doc_id == ref_id else self._similarity(ref_hashes, ref_values, doc)
            self.tables.set_doc_similarity(doc.doc_id, similarity)
            self.tables.set_article_story(doc.canonical_url, story_id, similarity)

    def _detach(self, doc: DocRow) -> None:
        """Take a copy whose text changed out of the index before placing it again."""
        if doc.sketch:
            self.tables.remove_bands(doc.doc_id, band_keys(sketch_from_bytes(doc.sketch), self.layout))
        if self.tables.story_reference(doc.story_id) != doc.doc_id:
            return
        others = [d for d in self.tables.story_docs(doc.story_id) if d.doc_id != doc.doc_id]
        if not others:
            self.tables.set_story_reference(doc.story_id, None)
            return
        new_ref = min(others, key=_first_published_key)
        self.tables.set_story_reference(doc.story_id, new_ref.doc_id)
        self._rescore(
            doc.story_id, new_ref.doc_id, self._stored_hashes(new_ref.canonical_url), exclude=doc.doc_id
        )
