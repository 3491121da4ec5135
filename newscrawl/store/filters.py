"""Which stored articles a command is about: sites, a publication-date window, a full-text query.

`export`, `search` and `stats`-like callers share one `ArticleFilter`, so `--site`, `--since`,
`--until` and `--query` mean the same thing everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from newscrawl.store import Store

_DAY = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class FilterError(ValueError):
    """A filter value the user typed cannot be understood; the message says what was expected."""


def _check_day(text: str) -> re.Match[str]:
    match = _DAY.match(text)
    if not match:
        raise FilterError(f"expected a date like 2024, 2024-03, 2024-03-15 or 2024-03-15T09:30, got {text!r}")
    year, month, day = (int(g) if g else 1 for g in match.groups())
    try:
        date(year, month, day)
    except ValueError as exc:
        raise FilterError(f"{text!r} is not a valid date: {exc}") from None
    return match


def lower_bound(text: str) -> str:
    """`--since` as the smallest `published_at` string it admits (ISO 8601 strings sort by time)."""
    text = text.strip()
    if "T" in text or " " in text:
        try:
            datetime.fromisoformat(text)
        except ValueError:
            raise FilterError(f"expected an ISO 8601 date or time, got {text!r}") from None
        return text.replace(" ", "T")
    _check_day(text)
    return text


def upper_bound(text: str) -> str:
    """`--until` as the first `published_at` string past it. A date means the whole of it:
    `2024-03` admits all of March, so the bound is `2024-04`; a time admits every time it is a
    prefix of (`2024-03-15T09:30` admits `2024-03-15T09:30:59+08:00`)."""
    text = text.strip()
    if "T" in text or " " in text:
        return lower_bound(text) + "\U0010ffff"
    match = _check_day(text)
    year, month, day = match.groups()
    if day:
        return date.fromordinal(date(int(year), int(month), int(day)).toordinal() + 1).isoformat()
    if month:
        y, m = (int(year), int(month) + 1) if int(month) < 12 else (int(year) + 1, 1)
        return f"{y:04d}-{m:02d}"
    return f"{int(year) + 1:04d}"


@dataclass(frozen=True)
class ArticleFilter:
    """Articles of these sites, published in [since, until], matching a full-text query.

    Dates compare with `published_at` as written (its own `+08:00` offset): `--since 2024-03-01`
    starts at midnight Beijing time for the usual page. Articles without a publication time are left
    out as soon as `since` or `until` is given.
    """

    sites: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    query: str | None = None

    def where_fields(self, alias: str = "a") -> tuple[str, list[Any]]:
        """SQL conditions for the sites and dates over `articles AS alias`, and their parameters.

        Raises FilterError for a date it cannot read."""
        clauses: list[str] = []
        params: list[Any] = []
        if self.sites:
            clauses.append(f"{alias}.site IN ({', '.join('?' for _ in self.sites)})")
            params.extend(self.sites)
        if self.since:
            clauses.append(f"{alias}.published_at >= ?")
            params.append(lower_bound(self.since))
        if self.until:
            clauses.append(f"{alias}.published_at < ?")
            params.append(upper_bound(self.until))
        return (" AND ".join(clauses) or "1"), params

    def where(self, store: Store, alias: str = "a") -> tuple[str, list[Any]]:
        """All the conditions, the full-text query included (compiled against this store's index).

        Raises FilterError for a date it cannot read and `search.QueryError` for an empty query."""
        sql, params = self.where_fields(alias)
        if self.query is None:
            return sql, params
        from newscrawl.store.search import compile_query

        query_sql, query_params = compile_query(store, self.query).where(alias)
        return f"{sql} AND {query_sql}", params + query_params
