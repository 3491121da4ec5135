"""What goes into the engine (`SiteHints`) and what comes out (`Extraction`)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from newscrawl.items import Article

LAYERS = ("hints", "jsonld", "opengraph", "meta", "heading", "title-tag", "density", "pattern", "url", "text")
"""Every value of `Extraction.provenance`, in the order the engine consults them:

- `hints`: a selector the spider gave;
- `jsonld`, `opengraph`, `meta`: structured data (JSON-LD, `og:`/`article:` properties, other `<meta>`
  tags and microdata);
- `heading`: the page's `<h1>` (or title-classed element) that the `<title>` tag starts with;
- `title-tag`: the `<title>` with its site-name suffix cut;
- `density`: the main-content detector (text and punctuation density over DOM blocks);
- `pattern`: Chinese byline, label and date patterns in the page text;
- `url`: the date a CMS put in the article URL;
- `text`: a plain-text page, one paragraph per line.
"""


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

    def __post_init__(self) -> None:
        # A typo in a site file should stop the spider when it starts, not fail on every page.
        from newscrawl.extract.dom import selector

        for f in fields(self):
            value = getattr(self, f.name)
            if f.name.endswith("_css") and value is not None:
                try:
                    selector(value)
                except Exception as exc:
                    raise ValueError(f"SiteHints.{f.name}: invalid CSS selector {value!r}: {exc}") from exc


@dataclass
class Extraction:
    """What the engine made of one page."""

    article: Article | None
    """The article, or None when the page holds no article (see `reason`)."""
    reason: str | None = None
    """Why there is no article: `listing page`, `no body text`, `not html`, … (None when there is one)."""
    provenance: dict[str, str] = field(default_factory=dict)
    """Which layer gave each field: `hints`, `jsonld`, `opengraph`, `meta`, `heading`, `title-tag`,
    `density`, `pattern`, `url`, `text` (see `LAYERS`)."""
    encoding: str | None = None
    """The encoding the bytes were decoded with."""
    warnings: list[str] = field(default_factory=list)
    """What the engine had to work around: a wrong charset declaration, undecodable bytes, …"""
    related_urls: tuple[str | None, ...] = ()
    """The URLs of the article's related links as the page gives them, taken when the extraction is
    made: what a crawl follows, whatever cleaning later does to `article.related` (a link whose
    title cleans to nothing is dropped from the article, not from the crawl)."""

    def __post_init__(self) -> None:
        if self.article is not None and not self.related_urls:
            self.related_urls = tuple(link.url for link in self.article.related)

    @property
    def ok(self) -> bool:
        return self.article is not None


__all__ = ["LAYERS", "Extraction", "SiteHints"]
