"""Parsing and the small DOM helpers every layer shares."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

import lxml.etree as etree
import lxml.html
from lxml.cssselect import CSSSelector

if TYPE_CHECKING:
    from lxml.html import HtmlElement

# Parsing the UTF-8 bytes (not the str) lets libxml2 skip its own charset sniffing and accepts
# pages that open with an `<?xml encoding=…?>` declaration, which lxml refuses in a str.
# collect_ids=False: libxml2 builds no hash of the id attributes (nothing here looks elements up by
# ID; `#id` selectors and `[@id=…]` test the attribute), 3% of the parse.
_PARSER = lxml.html.HTMLParser(
    encoding="utf-8",
    remove_comments=True,
    remove_pis=True,
    no_network=True,
    default_doctype=False,
    collect_ids=False,
)
# lxml.html's own lookup is a Python method that libxml2 calls back for every element the engine
# touches (every node of `segment`'s walk, every XPath result) to hand `<form>`, `<input>` and
# `<label>` their form-handling subclasses, which extraction never uses. The default lookup picks
# the class in C: the same HtmlElement methods everywhere, and ~0.25 ms less per 100 KB page.
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement,
        comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction,
        entity=lxml.html.HtmlEntity,
    )
)

JUNK_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "object",
    "embed",
    "svg",
    "canvas",
    "select",
    "option",
    "textarea",
    "button",
    "input",
    "map",
    "link",
    "audio",
    "video",
    "source",
)
"""Elements whose content is never article text; removed before any text is read."""

_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def parse(text: str, utf8: bytes | None = None) -> HtmlElement | None:
    """The document root, or None when the text holds no HTML element at all. `utf8`, when the
    caller has it, is `text` encoded as UTF-8 (`Decoded.utf8`), which saves encoding it here."""
    if not text.strip():
        return None
    try:
        data = utf8 if utf8 is not None else text.encode("utf-8", "surrogatepass")
        root = lxml.html.document_fromstring(data, parser=_PARSER)
    except (etree.ParserError, ValueError):
        return None
    return root


def strip_junk(root: HtmlElement) -> None:
    """Remove scripts, styles, form controls, embedded frames and hidden elements (tails kept)."""
    etree.strip_elements(root, *JUNK_TAGS, with_tail=False)
    # `//@a/..` (the elements holding the attribute) rather than `//*[@a]`: the same elements in the
    # same order, but libxml2 then tests attributes instead of building a set of every element
    # first, three times faster on a 100 KB page.
    for el in root.xpath("//@style[contains(., 'none') or contains(., 'hidden')]/.."):
        if _HIDDEN.search(el.get("style", "")) and el.getparent() is not None:
            el.drop_tree()
    for el in root.xpath("//@hidden/.."):
        if el.getparent() is not None:
            el.drop_tree()


def collapse(text: str | None) -> str:
    """Whitespace runs (any Unicode space, \\u3000 included) to one space, ends stripped."""
    if not text:
        return ""
    # str.split() splits on exactly the Unicode spaces a regex's \s matches (and strip() drops
    # them): the same result as re.sub(r"\s+", " ", text).strip(), several times faster on the
    # short strings this mostly gets.
    return " ".join(text.split())


def text_of(el: HtmlElement) -> str:
    """An element's whole text, whitespace collapsed."""
    return collapse(el.text_content())


@lru_cache(maxsize=256)
def selector(css: str) -> CSSSelector:
    """A compiled CSS selector (ValueError-like `SelectorSyntaxError` on a bad one)."""
    return CSSSelector(css, translator="html")


@lru_cache(maxsize=256)
def _first_match(css: str) -> etree.XPath:
    # `(…)[1]`: the first element in document order, which libxml2 finds without building the
    # whole node set (15% less on a 100 KB page; a spider may give seven selectors per page).
    return etree.XPath(f"({selector(css).path})[1]")


def select_first(root: HtmlElement, css: str | None) -> HtmlElement | None:
    """The first element in document order that `css` selects, or None."""
    if not css:
        return None
    found = _first_match(css)(root)
    return found[0] if found else None


__all__ = [
    "JUNK_TAGS",
    "collapse",
    "parse",
    "select_first",
    "selector",
    "strip_junk",
    "text_of",
]
