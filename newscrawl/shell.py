"""What the engine sees, from inside `scrapy shell`: one import, one call.

    $ scrapy shell https://example.gov.cn/fzxw/202108/t20210805_123.html
    >>> from newscrawl.shell import inspect
    >>> inspect(response)                        # the article, field by field, with the layer of each
    >>> inspect(response, hints="demo")          # with a spider's selectors (a name, class or SiteHints)
    >>> page = inspect(response); page.article   # the cleaned Article, as the pipeline would store it

A thin adapter like the pipelines: it reads `response.body`, `.url` and `.headers`, runs the same
`extract()` + `clean_article()` as the crawl, and returns an `Inspection`, whose printed form is a
table the shell shows. Scrapy is only imported to look a spider up by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from newscrawl.clean import clean_article
from newscrawl.extract import Extraction, SiteHints, extract
from newscrawl.extract.dates import CST

if TYPE_CHECKING:
    from newscrawl.items import Article

_SHOWN = 90
"""Characters of a long value shown in the table (the full value is on `.article`)."""


@dataclass
class Inspection:
    """One page as the engine saw it."""

    url: str
    extraction: Extraction
    """What the engine returned, before cleaning."""
    article: Article | None
    """The article after the cleaning room: what the crawl would store. None when there is none."""
    hints: SiteHints = field(default_factory=SiteHints)

    @property
    def provenance(self) -> dict[str, str]:
        """Which layer gave each field (`hints`, `jsonld`, `meta`, `density`, `pattern`, …)."""
        return self.extraction.provenance

    @property
    def reason(self) -> str | None:
        """Why there is no article, when there is none."""
        return self.extraction.reason

    def __repr__(self) -> str:
        lines = [f"<Inspection {self.url}>"]
        encoding = self.extraction.encoding or "-"
        for warning in self.extraction.warnings:
            lines.append(f"  ! {warning}")
        if self.article is None:
            lines.append(f"  no article: {self.reason}  (encoding {encoding})")
            return "\n".join(lines)
        data = self.article.to_dict()
        lines.append(f"  {'field':<16} {'layer':<10} value")
        for name in (
            "title",
            "published_at",
            "published_at_raw",
            "authors",
            "trainee_authors",
            "correspondents",
            "editor",
            "source",
            "outlet",
            "canonical_url",
            "script",
        ):
            lines.append(_row(name, self.provenance.get(name, ""), data.get(name)))
        paragraphs = self.article.body.split("\n") if self.article.body else []
        lines.append(_row("body", self.provenance.get("body", ""), f"{len(paragraphs)} paragraph(s)"))
        shown = paragraphs if len(paragraphs) <= 4 else [*paragraphs[:3], "…", paragraphs[-1]]
        for paragraph in shown:
            lines.append(f"  {'':<16} {'':<10} {_cut(paragraph)}")
        for image in self.article.images:
            lines.append(
                _row(
                    "image",
                    self.provenance.get("images", ""),
                    f"{image.url}  {image.caption or ''}  [{image.credit or ''}]",
                )
            )
        for link in self.article.related:
            lines.append(
                _row("related", self.provenance.get("related", ""), f"{link.title}  {link.url or ''}")
            )
        lines.append(f"  encoding {encoding}")
        return "\n".join(lines)


def _cut(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _row(name: str, layer: str, value: Any) -> str:
    shown = "-" if value in (None, "", []) else _cut(value)
    return f"  {name:<16} {layer or '-':<10} {shown}"


def _hints(hints: SiteHints | str | type | object | None) -> SiteHints:
    if hints is None:
        return SiteHints()
    if isinstance(hints, SiteHints):
        return hints
    if isinstance(hints, str):
        from scrapy.spiderloader import get_spider_loader

        from newscrawl.cli import project_settings

        hints = get_spider_loader(project_settings()).load(hints)
    own = getattr(hints, "hints", None)
    if isinstance(own, SiteHints):
        return own
    names = ("title_css", "body_css", "date_css", "byline_css", "source_css", "editor_css", "related_css")
    return SiteHints(
        **{n: getattr(hints, n, None) for n in names},
        title_suffixes=tuple(getattr(hints, "title_suffixes", ())),
    )


def inspect(response: Any, hints: SiteHints | str | type | object | None = None) -> Inspection:
    """Run the engine on a Scrapy response (or anything with `.body`, `.url`, `.headers`).

    `hints`: a `SiteHints`, a spider class or instance, or a spider name, whose selectors the
    engine then uses as the crawl would."""
    site_hints = _hints(hints)
    headers = {}
    for key, value in (getattr(response, "headers", None) or {}).items():
        name = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        if isinstance(value, (list, tuple)):
            value = b",".join(v if isinstance(v, bytes) else str(v).encode("latin-1") for v in value)
        headers[name] = value
    url = str(getattr(response, "url", ""))
    result = extract(response.body, url, headers, hints=site_hints, fetched_at=datetime.now(CST))
    article = clean_article(result.article) if result.article is not None else None
    return Inspection(url=url, extraction=result, article=article, hints=site_hints)


__all__ = ["Inspection", "inspect"]
