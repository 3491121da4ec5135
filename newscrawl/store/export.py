"""Exports: stream stored articles out of SQLite without loading them all."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from newscrawl.items import ARTICLE_FIELDS
from newscrawl.store import Store

STRING_LIST_FIELDS = ("authors", "trainee_authors", "correspondents")
"""Lists of names: `;`-joined in CSV. Images and related links are objects: JSON text in CSV."""


def export_csv(store: Store, path: str | Path) -> int:
    """Write every article as one CSV row (columns in `ARTICLE_FIELDS` order); return the row count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(ARTICLE_FIELDS)
        for article in store.iter_articles():
            data = article.to_dict()
            row = []
            for name in ARTICLE_FIELDS:
                value = data[name]
                if name in STRING_LIST_FIELDS:
                    value = ";".join(value)
                elif isinstance(value, list):
                    value = json.dumps(value, ensure_ascii=False)
                row.append("" if value is None else value)
            writer.writerow(row)
            count += 1
    return count
