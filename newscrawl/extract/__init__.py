"""The extraction engine: one page (bytes + URL + headers) in, the Article fields out.

Plain functions, no Scrapy import and no I/O, so the crawl, `newscrawl extract FILE`, re-extraction of
stored pages and the tests all call the same code.

Public API (keep these names and signatures; everything else in this package is internal):

    extract(body, url="", headers=None, *, hints=None, fetched_at=None) -> Extraction
    extract_plain_text(body, url="", *, fetched_at=None) -> Extraction
    SiteHints, Extraction

Layers, first valid answer wins per field: site hints (the spider's selectors) → structured data
(JSON-LD, OpenGraph, `<meta>`) → the main-content detector → Chinese byline, label and date patterns.
`Extraction.provenance` names the layer of each field (`LAYERS` lists them).

Modules: `decode` (bytes → text, charset verified), `dom` (parsing, junk removal), `structured`
(JSON-LD / OpenGraph / meta), `content` (blocks and the main-content detector), `title`, `dates`
(date forms), `byline` (credit forms: reporters, correspondents, editor, source), `images`,
`related`; the HTML path puts them together per page: `page` (the page as the steps see it),
`body` (region, paragraphs, images, related block), `pubdate` (which date), `credits` (who),
`engine` (the order of work, and pages without an article); `plaintext` is the text path and
`model` holds `SiteHints` and `Extraction`.

`fetched_at` freezes time for the page: year-less dates (`8月5日`) and relative ones (`3小时前`) are
resolved against it, and dates after it are rejected. It defaults to now.
"""

from __future__ import annotations

from newscrawl.extract.engine import extract
from newscrawl.extract.model import LAYERS, Extraction, SiteHints
from newscrawl.extract.plaintext import extract_plain_text

__all__ = ["LAYERS", "Extraction", "SiteHints", "extract", "extract_plain_text"]
