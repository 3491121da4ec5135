"""Exports: stream stored articles out of SQLite as CSV, JSON or JSON Lines.

Rows come off one SQLite cursor and go straight to the output, so memory stays flat however many
articles there are (`bench/export.py` measures it).

Columns, in this order (README "Exports"):

1. the `Article` fields in `newscrawl.items.ARTICLE_FIELDS` order;
2. with `related`: `related_stored` (the article's related links that are stored articles, as their
   canonical URLs, in link order; a link reached through an alias counts) and `linked_from` (stored
   articles whose related links point here);
3. with `stories`: `story_copies`, `story_sites`, `story_first_published_at`,
   `story_last_published_at` (from the `stories` view) and `story_first_url` (the canonical URL of
   the story's earliest copy).

In JSON and JSON Lines a list is a JSON array and a missing value is `null`. In CSV a list of names
or URLs is `;`-joined, images and related links (objects) are JSON text, and an empty cell is a
missing value or an empty list. `excel=True` (`--excel`) writes CSV for spreadsheet programs: the
caller opens the file as `utf-8-sig` (a BOM, so Excel reads UTF-8), and any text cell that starts
with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so a hostile page cannot
plant a formula.
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from newscrawl.items import ARTICLE_FIELDS
from newscrawl.store import LIST_FIELDS, Store
from newscrawl.store.filters import ArticleFilter

logger = logging.getLogger(__name__)

FORMATS = ("csv", "json", "jsonl")
EXTRAS: dict[str, tuple[str, ...]] = {
    "related": ("related_stored", "linked_from"),
    "stories": (
        "story_copies",
        "story_sites",
        "story_first_published_at",
        "story_last_published_at",
        "story_first_url",
    ),
}
"""Columns each `--with` value adds after the Article fields."""
EXTRA_LIST_COLUMNS = frozenset({"related_stored", "linked_from"})

OBJECT_LIST_FIELDS = frozenset({"images", "related"})
"""Lists of objects: JSON text in CSV. Every other list is `;`-joined."""
FORMULA_STARTS = frozenset("=+-@\t\r")
"""Cell starts that spreadsheet programs read as a formula (OWASP's CSV injection list)."""
EXCEL_CELL_LIMIT = 32767
"""Characters a spreadsheet cell holds in Excel; longer bodies are written whole, with a warning."""

_ORDER = " ORDER BY a.site, a.published_at, a.canonical_url"
"""Export order: site, then publication time (undated first), then URL. The (site, published_at)
index serves it, so SQLite only sorts within one site and time, never the whole table."""

_EXTRA_SQL = {
    "related_stored": """(SELECT json_group_array(u) FROM (
        SELECT t.canonical_url AS u FROM related_links r
        JOIN articles t ON t.canonical_url = COALESCE(
            (SELECT canonical_url FROM article_aliases WHERE alias_url = r.url), r.url)
        WHERE r.article_url = a.canonical_url ORDER BY r.position))""",
    "linked_from": """(SELECT json_group_array(u) FROM (
        SELECT DISTINCT r.article_url AS u FROM related_links r
        WHERE r.url = a.canonical_url
           OR r.url IN (SELECT alias_url FROM article_aliases WHERE canonical_url = a.canonical_url)
        ORDER BY r.article_url))""",
    "story_copies": "s.copies",
    "story_sites": "s.sites",
    "story_first_published_at": "s.first_published_at",
    "story_last_published_at": "s.last_published_at",
    "story_first_url": """(SELECT f.canonical_url FROM articles f WHERE f.story_id = a.story_id
        ORDER BY f.published_at IS NULL, f.published_at, f.canonical_url LIMIT 1)""",
}


class ExportError(ValueError):
    """An export that cannot be made as asked (unknown format or `--with` value)."""


def export_columns(include: Collection[str] = ()) -> tuple[str, ...]:
    """The columns of an export with these `--with` values, in output order."""
    unknown = set(include) - set(EXTRAS)
    if unknown:
        raise ExportError(
            f"unknown --with value(s): {', '.join(sorted(unknown))}; choose from {', '.join(EXTRAS)}"
        )
    columns = list(ARTICLE_FIELDS)
    for name in EXTRAS:  # a fixed order, whatever order the user typed them in
        if name in include:
            columns.extend(EXTRAS[name])
    return tuple(columns)


def _select(store: Store, filters: ArticleFilter, columns: Sequence[str]) -> tuple[str, list[Any]]:
    where, params = filters.where(store, "a")
    exprs = [f"a.{c}" if c in ARTICLE_FIELDS else f"{_EXTRA_SQL[c]} AS {c}" for c in columns]
    sql = f"SELECT {', '.join(exprs)} FROM articles a"
    if any(c.startswith("story_") and c not in ARTICLE_FIELDS for c in columns):
        # The stories view is grouped: joined once (SQLite materialises it), not once per row.
        sql += " LEFT JOIN stories s ON s.story_id = a.story_id"
    return f"{sql} WHERE {where}{_ORDER}", params


def iter_rows(
    store: Store,
    filters: ArticleFilter | None = None,
    include: Collection[str] = (),
    parse_objects: bool = True,
) -> Iterator[list[Any]]:
    """Matching articles as lists of values in `export_columns(include)` order, in export order.

    List columns are Python lists; with `parse_objects=False` images and related links stay the
    JSON text SQLite holds (what CSV writes anyway, without a parse and a dump per row)."""
    columns = export_columns(include)
    sql, params = _select(store, filters or ArticleFilter(), columns)
    parsed = (LIST_FIELDS | EXTRA_LIST_COLUMNS) - (set() if parse_objects else OBJECT_LIST_FIELDS)
    json_columns = [i for i, c in enumerate(columns) if c in parsed]
    key = columns.index("canonical_url")
    cursor = store.conn.execute(sql, params)
    cursor.arraysize = 256
    while batch := cursor.fetchmany():
        for row in batch:
            values = list(row)
            for i in json_columns:
                text = values[i]
                if text == "[]" or not text:
                    values[i] = []
                else:
                    values[i] = _json_list(text, columns[i], values[key])
            yield values


def iter_records(
    store: Store, filters: ArticleFilter | None = None, include: Collection[str] = ()
) -> Iterator[dict[str, Any]]:
    """Matching articles as plain records (lists as Python lists, objects as dicts), in export order."""
    columns = export_columns(include)
    for values in iter_rows(store, filters, include):
        yield dict(zip(columns, values, strict=True))


def _json_list(text: str, column: str, key: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        # Some other writer stored text that is not JSON. Export it as it is rather than stop an
        # export of thousands of rows over one cell, or drop what the cell holds.
        logger.warning("%s: column %s is not a JSON array; exported as it is stored", key, column)
        return text


def count_records(store: Store, filters: ArticleFilter | None = None) -> int:
    """How many articles an export with these filters writes (for progress counts)."""
    where, params = (filters or ArticleFilter()).where(store, "a")
    return int(store.conn.execute(f"SELECT COUNT(*) FROM articles a WHERE {where}", params).fetchone()[0])


# -- formats -------------------------------------------------------------------------------------


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class CsvWriter:
    """Writes rows (value lists in column order) as CSV: the header first, then one line per row.

    A list of names is `;`-joined; a list of objects is written as JSON text (a `str` there is taken
    to be JSON text already); None and empty lists are empty cells."""

    def __init__(
        self, out: IO[str], columns: Sequence[str], excel: bool = False, header: Sequence[str] | None = None
    ) -> None:
        self.writer = csv.writer(out)
        self.columns = tuple(columns)
        self.excel = excel
        self.long_cells = 0
        self._objects = [i for i, c in enumerate(self.columns) if c in OBJECT_LIST_FIELDS]
        self._names = [
            i
            for i, c in enumerate(self.columns)
            if c in (LIST_FIELDS | EXTRA_LIST_COLUMNS) - OBJECT_LIST_FIELDS
        ]
        self.writer.writerow(self.columns if header is None else header)

    def write(self, record: Mapping[str, Any]) -> None:
        self.write_row([record.get(name) for name in self.columns])

    def write_row(self, row: list[Any]) -> None:
        for i in self._names:
            value = row[i]
            if isinstance(value, list):
                row[i] = ";".join(map(str, value)) if value else None
        for i in self._objects:
            value = row[i]
            if isinstance(value, list):
                row[i] = _dumps(value) if value else None
            elif value == "[]":
                row[i] = None
        if self.excel:
            for i, value in enumerate(row):
                # Numbers are not text to a spreadsheet: only strings can carry a formula.
                if isinstance(value, str) and value:
                    if value[0] in FORMULA_STARTS:
                        row[i] = value = "'" + value
                    if len(value) > EXCEL_CELL_LIMIT:
                        self.long_cells += 1
        self.writer.writerow(row)

    def close(self) -> None:
        if self.long_cells:
            logger.warning(
                "%d cell(s) are longer than the %d characters a spreadsheet cell holds; "
                "they were written whole (the JSON formats have no such limit)",
                self.long_cells,
                EXCEL_CELL_LIMIT,
            )


class JsonLinesWriter:
    def __init__(self, out: IO[str], columns: Sequence[str]) -> None:
        self.out = out
        self.columns = tuple(columns)

    def write(self, record: Mapping[str, Any]) -> None:
        self.write_row([record.get(name) for name in self.columns])

    def write_row(self, row: list[Any]) -> None:
        self.out.write(_dumps(dict(zip(self.columns, row, strict=True))))
        self.out.write("\n")

    def close(self) -> None:
        pass


class JsonArrayWriter(JsonLinesWriter):
    """One JSON array, written element by element (never built in memory)."""

    def __init__(self, out: IO[str], columns: Sequence[str]) -> None:
        super().__init__(out, columns)
        self.count = 0

    def write_row(self, row: list[Any]) -> None:
        self.out.write("[\n" if self.count == 0 else ",\n")
        self.out.write(_dumps(dict(zip(self.columns, row, strict=True))))
        self.count += 1

    def close(self) -> None:
        self.out.write("[]\n" if self.count == 0 else "\n]\n")


def make_writer(
    fmt: str, out: IO[str], columns: Sequence[str], excel: bool = False
) -> CsvWriter | JsonLinesWriter:
    if fmt == "csv":
        return CsvWriter(out, columns, excel=excel)
    if excel:
        raise ExportError("--excel writes CSV; it does not go with --format " + fmt)
    if fmt == "jsonl":
        return JsonLinesWriter(out, columns)
    if fmt == "json":
        return JsonArrayWriter(out, columns)
    raise ExportError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")


def export_articles(
    store: Store,
    out: IO[str],
    fmt: str,
    *,
    filters: ArticleFilter | None = None,
    include: Collection[str] = (),
    excel: bool = False,
    progress: Callable[[int], None] | None = None,
    progress_every: int = 1000,
) -> int:
    """Write the matching articles to `out` (a text stream; for CSV opened with `newline=""`, and
    as `utf-8-sig` for `excel`). Returns the number of articles written. `progress(n)` is called
    every `progress_every` rows and once at the end."""
    writer = make_writer(fmt, out, export_columns(include), excel=excel)
    count = 0
    for row in iter_rows(store, filters, include, parse_objects=fmt != "csv"):
        writer.write_row(row)
        count += 1
        if progress is not None and count % progress_every == 0:
            progress(count)
    writer.close()
    if progress is not None:
        progress(count)
    return count


def export_csv(store: Store, path: str | Path) -> int:
    """Write every article as one CSV row (columns in `ARTICLE_FIELDS` order); return the row count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        return export_articles(store, fh, "csv")
