"""The near-duplicate index's view of one article's text alone (`ArticleSketch`), apart from the
index: an extraction worker computes it (`newscrawl.worker_process`) and imports only this, the
shingling and the text normalisation, not the index's database and URL code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from newscrawl.dedup.minhash import DEFAULT_LAYOUT, U16, U64, Layout, band_keys, shingle_hashes, sketch
from newscrawl.dedup.text import (
    normal_fingerprint,
    normalize_for_dedup,
    simplified_body,
    simplified_title,
    split_credits,
)

if TYPE_CHECKING:
    from newscrawl.items import Article

MIN_CHARS = 50
"""Comparable texts shorter than this (letters and digits) are not compared: a photo caption or a
two-line notice says too little to tell one story from another. They get a story of their own."""


@dataclass(frozen=True)
class Probe:
    """A text prepared for the index: its shingle hashes, sketch and band keys."""

    hashes: U64
    sketch: U16 | None
    """None when the text is shorter than `min_chars`: such a text is not compared."""
    keys: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class ArticleSketch:
    """What the index computes from an article's text alone, computed ahead of `place`: in an
    extraction worker (`newscrawl.workers`), so that only the lookups and writes are left for the
    thread that holds the database. Arrays, a string and two ints: cheap to pickle.

    It holds the very `title`/`body` string objects it was computed from (the Simplified ones),
    so `fits` can tell in O(1) whether the article still has that text: a field replaced since
    (by a pipeline of a user's, say) makes the index compute the sketch again."""

    title: str
    body: str
    layout: str
    """`Layout.name` of the layout it was made with."""
    min_chars: int
    fingerprint: str
    """`article_fingerprint`."""
    body_chars: int
    """Letters and digits of the Simplified body (`normalize_for_dedup`)."""
    hashes: U64
    """Shingle hashes of the comparable text."""
    sketch: U16 | None
    """None when the comparable text is shorter than `min_chars`."""
    keys: U64
    """Band keys of `sketch` (empty without one)."""

    def fits(self, article: Article, layout: Layout, min_chars: int) -> bool:
        """Whether this is the sketch an index with `layout` and `min_chars` makes of `article`."""
        return (
            simplified_title(article) is self.title
            and simplified_body(article) is self.body
            and self.layout == layout.name
            and self.min_chars == min_chars
        )

    def probe(self) -> Probe:
        return Probe(self.hashes, self.sketch, self.keys.tolist())


def sketch_article(
    article: Article, layout: Layout = DEFAULT_LAYOUT, min_chars: int = MIN_CHARS
) -> ArticleSketch:
    """The `ArticleSketch` of an (already cleaned) article, as `StoryIndex` computes it."""
    title, body = simplified_title(article), simplified_body(article)
    # One pass of `normalize_for_dedup` over the body gives both what is shingled
    # (`comparable_text`) and the normal form of the whole body (the fingerprint and the length).
    head, kept, tail = split_credits(body)
    comparable = normalize_for_dedup(kept)
    body_normal = normalize_for_dedup(head) + comparable + normalize_for_dedup(tail)
    hashes, values, keys = probe_parts(comparable, layout, min_chars)
    return ArticleSketch(
        title=title,
        body=body,
        layout=layout.name,
        min_chars=min_chars,
        fingerprint=normal_fingerprint(normalize_for_dedup(title), body_normal),
        body_chars=len(body_normal),
        hashes=hashes,
        sketch=values,
        keys=np.array(keys, dtype=np.uint64),
    )


def probe_parts(text: str, layout: Layout, min_chars: int) -> tuple[U64, U16 | None, list[int]]:
    hashes = shingle_hashes(text, layout.shingle)
    if len(text) < min_chars or not len(hashes):
        return hashes, None, []
    values = sketch(hashes, layout)
    return hashes, values, band_keys(values, layout)
