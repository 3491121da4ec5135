"""The dedup room: canonical URLs, text fingerprints, the near-duplicate (story) index.

No Scrapy here: the dedup pipeline (`newscrawl.pipelines.dedup`) is the adapter; the SQL lives in
`newscrawl.store.stories`.

Public API:

    canonicalize_url(url, rules=()) -> str         tracking parameters, case, ports, query order, site rules
    resolve_canonical(fetched, declared, rules) -> CanonicalChoice   rel=canonical honoured on the same site
    UrlRule(pattern, replacement), parse_url_rules(value)            a site's other spellings (mobile)
    site_key(url) -> str                            registrable domain (host:port for IPs)
    normalize_for_dedup(text) -> str                letters and digits, NFKC, case-folded
    text_fingerprint(title, body) -> str            same text, same value
    comparable_text(body) -> str                    what near-duplicate detection shingles
    StoryIndex(store, threshold=0.5)                place(article) -> Placement; lookup, catch_up, rebuild
    sketch_article(article) -> ArticleSketch        what `place` computes from the text alone, ahead of it

Modules: `urls`, `text`, `minhash` (shingles, one-permutation MinHash, LSH band keys), `index`.
"""

from __future__ import annotations

from newscrawl.dedup.index import (
    DEFAULT_THRESHOLD,
    DUPLICATE,
    JOINED,
    NEW_STORY,
    UNCHANGED,
    ArticleSketch,
    Match,
    Placement,
    StoryIndex,
    sketch_article,
)
from newscrawl.dedup.text import (
    article_comparable_text,
    article_fingerprint,
    comparable_text,
    normalize_for_dedup,
    text_fingerprint,
)
from newscrawl.dedup.urls import (
    CanonicalChoice,
    UrlRule,
    canonicalize_url,
    parse_url_rules,
    resolve_canonical,
    same_site,
    site_key,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "DUPLICATE",
    "JOINED",
    "NEW_STORY",
    "UNCHANGED",
    "ArticleSketch",
    "CanonicalChoice",
    "Match",
    "Placement",
    "StoryIndex",
    "UrlRule",
    "article_comparable_text",
    "article_fingerprint",
    "canonicalize_url",
    "comparable_text",
    "normalize_for_dedup",
    "parse_url_rules",
    "resolve_canonical",
    "same_site",
    "site_key",
    "sketch_article",
    "text_fingerprint",
]
