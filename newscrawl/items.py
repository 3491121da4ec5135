"""The records newscrawl produces. Plain dataclasses: Scrapy handles them through itemadapter,
and the extraction, cleaning and store rooms use them without importing Scrapy.

This module is the one place where each field is defined; the SQLite columns and the export
columns are named after these fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


@dataclass
class Image:
    """An image that belongs to the article body."""

    url: str | None = None
    """Absolute URL of the image file (None when the page only kept the caption, e.g. plain text)."""
    caption: str | None = None
    """Caption text as shown under the image, without the credit."""
    credit: str | None = None
    """Who supplied or took the image: `警方供图`, `张三 摄`."""


@dataclass
class RelatedLink:
    """A link from an article to another article (相关新闻 / 相关阅读 / 延伸阅读 blocks)."""

    title: str
    """Title of the linked article as the linking page shows it."""
    url: str | None = None
    """Absolute URL of the linked article (None when the page lists only the title)."""


@dataclass
class Article:
    """One news article as extracted, cleaned and stored."""

    url: str
    """URL the page was fetched from (after redirects)."""
    canonical_url: str = ""
    """Normalised URL that identifies the article; the primary key of the `articles` table."""
    site: str = ""
    """Name of the spider/site that produced it (`voc`, `news`, …); the host for `newscrawl extract`."""
    region: str | None = None
    """ISO 3166-2 code of the region the site covers (`CN-HN`), `CN` for national outlets."""
    title: str = ""
    """Headline, without the site suffix (`…_新湖南`)."""
    published_at: str | None = None
    """Publication time, ISO 8601 with offset (`2021-08-05T17:24:33+08:00`; `+08:00` when the page gives none)."""
    published_at_raw: str | None = None
    """The publication time exactly as the page wrote it."""
    authors: list[str] = field(default_factory=list)
    """Reporters (记者), trainee reporters included, in byline order."""
    trainee_authors: list[str] = field(default_factory=list)
    """The subset of `authors` credited as trainee reporters (见习记者)."""
    correspondents: list[str] = field(default_factory=list)
    """Correspondents (通讯员), in byline order."""
    editor: str | None = None
    """Responsible editor (责任编辑 / 责编 / 编辑)."""
    source: str | None = None
    """Outlet named on the 来源 line (`法治日报`); never an author."""
    outlet: str | None = None
    """Outlet named at the head of the byline (`本报讯（法制周报·新湖南…）` gives `法制周报·新湖南`)."""
    body: str = ""
    """Body paragraphs in reading order, joined by `\\n`, in the page's own script."""
    images: list[Image] = field(default_factory=list)
    """Images of the body with caption and credit."""
    related: list[RelatedLink] = field(default_factory=list)
    """Related-article links listed by the page."""
    encoding: str | None = None
    """Character encoding the page was decoded with (`utf-8`, `gb18030`, …)."""
    script: str | None = None
    """Script of the page text: `Hans` (Simplified) or `Hant` (Traditional)."""
    title_simplified: str | None = None
    """Title in Simplified script with inline pinyin removed; used for search and deduplication."""
    body_simplified: str | None = None
    """Body in Simplified script with inline pinyin removed; used for search and deduplication."""
    fetched_at: str | None = None
    """When the page was fetched, ISO 8601 with offset."""
    http_status: int | None = None
    """HTTP status of the response the article came from."""
    text_fingerprint: str | None = None
    """Hash of the normalised text (Simplified, pinyin-free, whitespace and punctuation folded): same text, same value."""
    story_id: int | None = None
    """The story this copy belongs to: every reprint of one story (any site, any script) shares it."""
    story_similarity: float | None = None
    """Similarity (0-1) of this copy's text to the story's first-published copy; 1.0 for that copy."""

    def to_dict(self) -> dict[str, Any]:
        """The article as plain JSON-ready values (images and related links as dicts)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "images":
                value = [vars(i).copy() for i in value]
            elif f.name == "related":
                value = [vars(r).copy() for r in value]
            elif isinstance(value, list):
                value = list(value)
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        """Build an article from `to_dict()` output (unknown keys are ignored)."""
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        kwargs["images"] = [i if isinstance(i, Image) else Image(**i) for i in data.get("images") or []]
        kwargs["related"] = [
            r if isinstance(r, RelatedLink) else RelatedLink(**r) for r in data.get("related") or []
        ]
        return cls(**kwargs)


ARTICLE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Article))
"""Article field names in definition order: the column order of the store and of exports."""

REQUIRED_FIELDS = ("title", "body")
"""The fields without which a page is no article (the required-fields gate, `ValidatePipeline`)."""


def missing_fields(article: Article) -> list[str]:
    """The required fields that are empty (whitespace counts as empty)."""
    return [name for name in REQUIRED_FIELDS if not (getattr(article, name) or "").strip()]
