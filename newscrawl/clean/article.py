"""`clean_article`: every cleaning rule applied to one Article, boilerplate lines moved to fields."""

from __future__ import annotations

import dataclasses
import logging

from newscrawl.clean.boilerplate import ImageNote, parse_image_line, split_body, split_names, strip_icons
from newscrawl.clean.normalize import normalize_line, normalize_text
from newscrawl.clean.pinyin import strip_inline_pinyin
from newscrawl.clean.repair import repair_misaligned_gbk
from newscrawl.clean.script import detect_script, to_simplified
from newscrawl.items import Article, Image, RelatedLink

logger = logging.getLogger(__name__)


def clean_line(text: str) -> str:
    """A one-line field (title, name, caption, credit) normalised and pinyin-free."""
    return strip_icons(strip_inline_pinyin(normalize_line(text)))


def clean_body(text: str, context: str = "") -> str:
    """A multi-line body: normalised, garbled GBK spans repaired where possible, pinyin-free."""
    return strip_inline_pinyin(repair_misaligned_gbk(normalize_text(text), context))


def _optional(text: str | None) -> str | None:
    return clean_line(text) or None if text else None


def _names(names: list[str]) -> list[str]:
    out: list[str] = []
    for name in names:
        cleaned = clean_line(name)
        if cleaned and cleaned not in out:
            out.append(cleaned)
    return out


def _key(text: str | None) -> str:
    """Comparison key for captions and titles: no spaces, trailing punctuation ignored."""
    return "".join((text or "").split()).rstrip("。.！!？?")


def _clean_image(image: Image) -> Image:
    """Caption and credit cleaned; a credit the extractor left inside the caption moved out."""
    caption, credit = _optional(image.caption), _optional(image.credit)
    if caption and not credit:
        note = parse_image_line(caption)
        if note is not None and note.credit:
            caption, credit = note.caption, note.credit
    return dataclasses.replace(image, caption=caption, credit=credit)


def _merge_images(images: list[Image], notes: list[ImageNote]) -> list[Image]:
    """Attach caption/credit lines to the images they describe; never overwrite a set field."""
    images = [dataclasses.replace(i) for i in images]
    last: Image | None = None
    for note in notes:
        target: Image | None = None
        if note.caption:
            # The extractor may have the caption already (HTML figcaption) but not the credit.
            target = next((i for i in images if i.caption and _key(i.caption) == _key(note.caption)), None)
            if target is None:
                target = next((i for i in images if not i.caption and not i.credit), None)
        else:
            # A credit on a line of its own belongs to the image just described, else to the first
            # image still without one.
            if last is not None and not last.credit:
                target = last
            else:
                target = next((i for i in images if not i.credit), None)
        if target is None:
            target = Image(url=None)
            images.append(target)
        if note.caption and not target.caption:
            target.caption = note.caption
        if note.credit and not target.credit:
            target.credit = note.credit
        last = target
    return images


def _merge_related(related: list[RelatedLink], titles: list[str]) -> list[RelatedLink]:
    seen = {_key(r.title) for r in related}
    out = list(related)
    for title in titles:
        if _key(title) not in seen:
            seen.add(_key(title))
            out.append(RelatedLink(title=title))
    return out


def clean_article(article: Article) -> Article:
    """The article with clean text, boilerplate lines moved to fields, script and Simplified forms.

    Title and body keep the page's script; `title_simplified`/`body_simplified` are the Simplified,
    pinyin-free forms used for search and deduplication. Fields the extractor set are only cleaned,
    never replaced; boilerplate lines fill the empty ones. Idempotent."""
    title = clean_line(article.title)
    images = [_clean_image(i) for i in article.images]
    related = [dataclasses.replace(r, title=t) for r in article.related if (t := clean_line(r.title))]
    known_captions = frozenset(i.caption for i in images if i.caption)
    parts = split_body(clean_body(article.body, context=title), known_captions)
    if parts.images or parts.related or parts.editor or parts.source or parts.authors:
        logger.debug(
            "%s: body lines moved to fields: %d image line(s), %d related title(s), editor=%r, "
            "source=%r, authors=%r",
            article.url,
            len(parts.images),
            len(parts.related),
            parts.editor,
            parts.source,
            parts.authors,
        )
    body = "\n".join(parts.paragraphs)

    authors = _names(article.authors) or parts.authors
    # One OpenCC call for title and body; t2s keeps the length in all but rare phrase mappings, and
    # the separate calls cover those.
    text = title + "\n" + body
    simplified = to_simplified(text)
    aligned = len(simplified) == len(text) and simplified[len(title)] == "\n"
    cleaned = dataclasses.replace(
        article,
        title=title,
        body=body,
        authors=authors,
        trainee_authors=_names(article.trainee_authors),
        correspondents=_names(article.correspondents),
        editor=_optional(article.editor) or parts.editor,
        source=_optional(article.source) or parts.source,
        outlet=_optional(article.outlet),
        images=_merge_images(images, parts.images),
        related=_merge_related(related, parts.related),
        script=detect_script(text, simplified),
        title_simplified=simplified[: len(title)] if aligned else to_simplified(title),
        body_simplified=simplified[len(title) + 1 :] if aligned else to_simplified(body),
    )
    return cleaned


__all__ = ["clean_article", "clean_body", "clean_line", "split_names"]
