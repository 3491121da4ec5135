"""The extraction engine: one page (bytes + URL + headers) in, the Article fields out.

Plain functions, no Scrapy import and no I/O, so the crawl, `newscrawl extract FILE`, re-extraction of
stored pages and the tests all call the same code.

Public API (keep these names and signatures; everything else in this package is internal):

    extract(body, url="", headers=None, *, hints=None, fetched_at=None) -> Extraction
    extract_plain_text(body, url="", *, fetched_at=None) -> Extraction
    SiteHints, Extraction
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from newscrawl.items import Article


@dataclass(frozen=True)
class SiteHints:
    """Selectors a spider knows for its site; each one given wins over every generic layer."""

    title_css: str | None = None
    """Element holding the headline."""
    body_css: str | None = None
    """Element holding the body paragraphs (and its images)."""
    date_css: str | None = None
    """Element whose text holds the publication time."""
    byline_css: str | None = None
    """Element whose text holds reporters / correspondents (记者 … 通讯员 …)."""
    source_css: str | None = None
    """Element whose text holds the 来源 outlet."""
    editor_css: str | None = None
    """Element whose text holds the 责任编辑."""
    related_css: str | None = None
    """Element holding the related-article links."""
    title_suffixes: tuple[str, ...] = ()
    """Site-name suffixes to strip from titles beyond the generic ones (`_新湖南`)."""


@dataclass
class Extraction:
    """What the engine made of one page."""

    article: Article | None
    """The article, or None when the page holds no article (see `reason`)."""
    reason: str | None = None
    """Why there is no article: `listing page`, `no body text`, `not html`, … (None when there is one)."""
    provenance: dict[str, str] = field(default_factory=dict)
    """Which layer gave each field: `hints`, `jsonld`, `opengraph`, `meta`, `density`, `pattern`, `text`."""
    encoding: str | None = None
    """The encoding the bytes were decoded with."""

    @property
    def ok(self) -> bool:
        return self.article is not None


def extract(
    body: bytes | str,
    url: str = "",
    headers: Mapping[str, Any] | None = None,
    *,
    hints: SiteHints | None = None,
    fetched_at: datetime | None = None,
) -> Extraction:
    """Extract the article from an HTML page. `headers` may hold `Content-Type` (for the charset);
    `fetched_at` (aware) anchors relative and year-less dates, defaulting to now."""
    raise NotImplementedError


def extract_plain_text(
    body: bytes | str, url: str = "", *, fetched_at: datetime | None = None
) -> Extraction:
    """Extract the article from a plain-text page: one paragraph per line."""
    raise NotImplementedError
