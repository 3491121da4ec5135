"""`--with stories` and `--with related`: columns computed in SQL, checked against values typed out
from the hand-written articles (story ids set by us, as the deduplication would set them)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest

from newscrawl.items import ARTICLE_FIELDS, RelatedLink
from tests.conftest import run_newscrawl
from tests.samples_export import save, tricky_articles, url

STORY_COLUMNS = [
    "story_copies",
    "story_sites",
    "story_first_published_at",
    "story_last_published_at",
    "story_first_url",
]
RELATED_COLUMNS = ["related_stored", "linked_from"]
ALIAS = url("hnfz", 1) + "?from=share"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    articles = tricky_articles()
    # twnews/3 links to hnfz/1 under a share URL the deduplication recorded as an alias.
    articles[2].related = [
        RelatedLink(title="原文", url=ALIAS),
        RelatedLink(title="站外", url="http://127.0.0.1:9/x"),
    ]
    path = tmp_path / "extras.db"
    save(path, articles)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "INSERT INTO article_aliases (alias_url, canonical_url, first_seen_at) VALUES (?, ?, ?)",
            (ALIAS, url("hnfz", 1), "2024-04-01T12:00:00+08:00"),
        )
    conn.close()
    return path


def jsonl(db: Path, *args: str) -> dict[str, dict[str, object]]:
    proc = run_newscrawl("export", "--db", str(db), "--format", "jsonl", *args)
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    return {str(r["canonical_url"]): r for r in records}


def test_with_stories(db: Path) -> None:
    records = jsonl(db, "--with", "stories")
    assert all(list(r) == [*ARTICLE_FIELDS, *STORY_COLUMNS] for r in records.values())
    story = {k: [r[c] for c in STORY_COLUMNS] for k, r in records.items()}
    seven = [2, 2, "2024-03-15T09:30:00+08:00", "2024-04-01T12:00:00+08:00", url("hnfz", 1)]
    assert story == {
        url("hnfz", 1): seven,
        url("twnews", 3): seven,
        url("hnfz", 2): [1, 1, "2024-03-16T08:00:00+08:00", "2024-03-16T08:00:00+08:00", url("hnfz", 2)],
        url("twnews", 4): [None] * 5,
    }
    assert records[url("twnews", 3)]["story_similarity"] == 0.93


def test_with_related(db: Path) -> None:
    records = jsonl(db, "--with", "related")
    related = {k: [r[c] for c in RELATED_COLUMNS] for k, r in records.items()}
    assert related == {
        url("hnfz", 1): [[url("hnfz", 2)], [url("twnews", 3)]],
        url("hnfz", 2): [[], [url("hnfz", 1)]],
        url("twnews", 3): [[url("hnfz", 1)], []],
        url("twnews", 4): [[], []],
    }


def test_both_in_csv_in_the_documented_order(db: Path) -> None:
    # Typed in the other order: the columns still come related first, then stories.
    proc = run_newscrawl(
        "export", "--db", str(db), "--format", "csv", "--with", "stories", "--with", "related"
    )
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout, newline="")))
    assert list(rows[0]) == [*ARTICLE_FIELDS, *RELATED_COLUMNS, *STORY_COLUMNS]
    first = next(r for r in rows if r["canonical_url"] == url("hnfz", 1))
    assert (first["related_stored"], first["linked_from"], first["story_copies"]) == (
        url("hnfz", 2),
        url("twnews", 3),
        "2",
    )
    undated = next(r for r in rows if r["canonical_url"] == url("twnews", 4))
    assert [undated[c] for c in STORY_COLUMNS] == [""] * 5


def test_unknown_with_value_is_a_usage_error(db: Path) -> None:
    proc = run_newscrawl("export", "--db", str(db), "--with", "images")
    assert proc.returncode == 2
    assert "invalid choice" in proc.stderr
