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

Modules: `urls`, `text`, `minhash` (shingles, one-permutation MinHash, LSH band keys), `sketch`,
`index`. Each name is imported from its module when first used, so that importing one module (an
extraction worker imports `sketch` only) does not import the others (the index's database code,
`urls`' public-suffix list).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from newscrawl.dedup.index import (
        DEFAULT_THRESHOLD,
        DUPLICATE,
        JOINED,
        NEW_STORY,
        UNCHANGED,
        Match,
        Placement,
        StoryIndex,
    )
    from newscrawl.dedup.sketch import ArticleSketch, sketch_article
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

_NAMES = {
    "index": (
        "DEFAULT_THRESHOLD",
        "DUPLICATE",
        "JOINED",
        "NEW_STORY",
        "UNCHANGED",
        "Match",
        "Placement",
        "StoryIndex",
    ),
    "sketch": ("ArticleSketch", "sketch_article"),
    "text": (
        "article_comparable_text",
        "article_fingerprint",
        "comparable_text",
        "normalize_for_dedup",
        "text_fingerprint",
    ),
    "urls": (
        "CanonicalChoice",
        "UrlRule",
        "canonicalize_url",
        "parse_url_rules",
        "resolve_canonical",
        "same_site",
        "site_key",
    ),
}
"""The module each public name comes from."""
_MODULE_OF = {name: module for module, names in _NAMES.items() for name in names}

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


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # the next look-up is a plain one
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_MODULE_OF])
