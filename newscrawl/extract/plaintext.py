"""The plain-text path: a page saved as text, one paragraph per line.

Syndication copies and hand-saved pages come as text: no markup, so no container to find — every
line is body, and the cleaning room sorts out captions, 责编/来源 lines and related titles. What the
engine adds is what only patterns can give: the headline when the first line reads as one, the
dateline byline (reporters, trainees, correspondents, outlet), a closing credit, labelled fields
and a labelled date.
"""

from __future__ import annotations

import re
from datetime import datetime

from newscrawl.clean.boilerplate import parse_image_line
from newscrawl.extract import byline as credits
from newscrawl.extract.dates import CST, first_date
from newscrawl.extract.decode import decode_html
from newscrawl.extract.dom import collapse
from newscrawl.extract.model import Extraction
from newscrawl.items import Article

_MAX_TITLE = 60
_SENTENCE_END = re.compile(r"[。！？!?…；;]$")
_DATE_LABEL = re.compile(r"^(?:发布时间|發布時間|发布日期|發布日期|时间|時間|日期|发表于|發表於)\s*[:：]\s*")
_MAX_LABEL_LINE = 80


def _looks_like_title(line: str) -> bool:
    return (
        4 <= len(line) <= _MAX_TITLE
        and not _SENTENCE_END.search(line)
        and credits.byline_at_start(line) is None
        and parse_image_line(line) is None
        and "：" not in line[:6]
        and ":" not in line[:6]
    )


def extract_plain_text(body: bytes | str, url: str = "", *, fetched_at: datetime | None = None) -> Extraction:
    fetched = fetched_at if fetched_at is not None else datetime.now(CST)
    if fetched.tzinfo is None:
        fetched = fetched.replace(tzinfo=CST)
    if isinstance(body, bytes):
        decoded = decode_html(body)
        text, encoding, warnings = decoded.text, decoded.encoding, list(decoded.warnings)
    else:
        text, encoding, warnings = body, None, []
    lines = [collapse(line) for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return Extraction(None, "empty page", encoding=encoding, warnings=warnings)
    provenance = {"body": "text"}
    article = Article(url=url, canonical_url=url, encoding=encoding, fetched_at=fetched.isoformat())
    if len(lines) > 1 and _looks_like_title(lines[0]):
        article.title = lines.pop(0)
        provenance["title"] = "text"
    article.body = "\n".join(lines)

    lead = next((b for b in (credits.byline_at_start(line) for line in lines[:3]) if b), None)
    if lead is not None:
        article.authors, article.trainee_authors = list(lead.authors), list(lead.trainees)
        article.correspondents, article.outlet = list(lead.correspondents), lead.outlet
    for line in lines:
        if len(line) > _MAX_LABEL_LINE:
            continue
        labels = credits.read_labels(line)
        article.editor = article.editor or labels.editor
        article.source = article.source or labels.source
        if labels.authors and not article.authors:
            article.authors = labels.authors
        m = _DATE_LABEL.match(line)
        if m and article.published_at is None:
            found = first_date(line[m.end() :], fetched)
            if found is not None:
                article.published_at, article.published_at_raw = found.iso, found.raw
                provenance["published_at"] = "pattern"
    if not article.authors:
        for line in reversed(lines[-3:]):
            closing = credits.byline_at_end(line)
            if closing:
                article.authors, article.trainee_authors = list(closing.authors), list(closing.trainees)
                article.correspondents = article.correspondents or list(closing.correspondents)
                break
    for name, value in (
        ("authors", article.authors),
        ("correspondents", article.correspondents),
        ("outlet", article.outlet),
        ("editor", article.editor),
        ("source", article.source),
    ):
        if value:
            provenance[name] = "pattern"
    return Extraction(article, provenance=provenance, encoding=encoding, warnings=warnings)


__all__ = ["extract_plain_text"]
