"""Scoring against the corpus truth (`../shared/corpus/README.md`, "Scoring convention").

Shared by `bench/extract_quality.py` and the corpus floor tests, so both measure the same thing:

- body: F1 over character bigrams (multiset) after removing all whitespace;
- date: right when year, month and day match — scored only where the truth gives all three
  (`2018`, `1998-3` and non-dates are left out and counted as such);
- authors: right when every annotated name is among the extracted ones (an annotation like
  `赵延东、风笑天` is two names; an extractor's single author string is split the same way).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_WS = re.compile(r"\s+")
_YMD = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)")
_NAME_SPLIT = re.compile(r"[、，,;；/|｜\s]+")


def bigrams(text: str) -> Counter[str]:
    text = _WS.sub("", text)
    return Counter(text[i : i + 2] for i in range(len(text) - 1))


def bigram_f1(predicted: str, truth: str) -> float:
    """F1 of the character-bigram multisets of the two texts, whitespace removed."""
    got, want = bigrams(predicted or ""), bigrams(truth or "")
    if not got or not want:
        return 1.0 if not got and not want else 0.0
    overlap = sum((got & want).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(got.values()), overlap / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def ymd(value: str | None) -> tuple[int, int, int] | None:
    """(year, month, day) of a date written `2005-5-7 21:23`, `2023-11-17T00:00:00`, `2005年5月7日`."""
    if not value:
        return None
    m = _YMD.search(str(value))
    if not m:
        return None
    y, mo, d = (int(g) for g in m.groups())
    return (y, mo, d) if 1 <= mo <= 12 and 1 <= d <= 31 else None


def names(value: Iterable[str] | str | None) -> list[str]:
    """Names of an author field: a list of names or one string; each split at 、，;/| and spaces."""
    if not value:
        return []
    items = [value] if isinstance(value, str) else list(value)
    return [n for item in items for n in _NAME_SPLIT.split(str(item)) if n]


def authors_right(predicted: Iterable[str] | str | None, truth: Iterable[str]) -> bool:
    got = set(names(predicted))
    return all(name in got for name in names(truth))


@dataclass(frozen=True)
class TruthPage:
    """A corpus page with human-annotated truth."""

    set: str
    id: str
    path: Path
    truth: dict[str, Any]

    @property
    def url(self) -> str:
        return str(self.truth.get("url") or "")

    @property
    def date_truth(self) -> tuple[int, int, int] | None:
        return ymd(self.truth.get("published_at"))

    @property
    def has_date_truth(self) -> bool:
        return self.truth.get("published_at") is not None

    @property
    def author_truth(self) -> list[str] | None:
        authors = self.truth.get("authors")
        return list(authors) if authors else None


def truth_pages(corpus: Path) -> Iterator[TruthPage]:
    """Every page of `corpus/pages/*/` that has a `.truth.json` beside it, sorted by set and id."""
    for truth_file in sorted((corpus / "pages").glob("*/*.truth.json")):
        page = truth_file.with_name(truth_file.name.removesuffix(".truth.json") + ".html")
        if page.is_file():
            truth = json.loads(truth_file.read_text(encoding="utf-8"))
            yield TruthPage(truth_file.parent.name, page.stem, page, truth)


@dataclass
class Score:
    """Accumulated scores of one extractor over some pages."""

    pages: int = 0
    f1_sum: float = 0.0
    dates: int = 0
    dates_right: int = 0
    authors: int = 0
    authors_right: int = 0

    def add(self, page: TruthPage, body: str, date: str | None, authors: Iterable[str] | str | None) -> None:
        self.pages += 1
        self.f1_sum += bigram_f1(body, page.truth.get("body") or "")
        want = page.date_truth
        if want is not None:
            self.dates += 1
            self.dates_right += ymd(date) == want
        truth_names = page.author_truth
        if truth_names:
            self.authors += 1
            self.authors_right += authors_right(authors, truth_names)

    @property
    def f1(self) -> float:
        return self.f1_sum / self.pages if self.pages else 0.0

    @property
    def date_accuracy(self) -> float | None:
        return self.dates_right / self.dates if self.dates else None

    @property
    def author_accuracy(self) -> float | None:
        return self.authors_right / self.authors if self.authors else None
