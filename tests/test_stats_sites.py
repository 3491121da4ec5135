"""`newscrawl stats`: per site articles, stories, duplicate ratios, coverage, last run and errors.

Story ids are set here by hand, as the deduplication would set them; every expected figure is
worked out in the comments from the articles below."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from newscrawl.items import Article
from newscrawl.store import Store
from tests.conftest import run_newscrawl


def make(site: str, n: int, story: int | None, **fields: Any) -> Article:
    canonical = f"http://127.0.0.1:9/{site}/{n}.html"
    fields.setdefault("body", f"正文{n}。")
    return Article(
        url=canonical, canonical_url=canonical, site=site, title=f"标题{n}", story_id=story, **fields
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """
    fzzb: 4 articles, stories 1, 1, 2, none -> 3 stories, 1 - 3/4 = 25% duplicates; stories 1 (two
          articles) and 2 are also on voc -> 3 of 4 shared. Dated 3/4, authors 2/4, source 1/4,
          editor 4/4. Runs: #1 stored 1.html and 2.html; #3 (its last, 2 errors) stored 3.html and
          4.html first and updated 1.html.
    voc:  2 articles, stories 1 and 2 -> 2 stories, 0% duplicates, 2 of 2 shared. Run #2, killed
          (never finished), stored both.
    rednet: 1 article, no story id (deduplication never ran) -> stories unknown.
    police: a spider whose only run (#4) stored nothing and logged 5 errors.
    All: 7 articles; stories 1, 2 and two without an id... -> {1, 2} + 1 (fzzb/4) + 1 (rednet) = 4
         stories, 1 - 4/7 = 3/7 duplicates. Errors 0 + 0 + 2 + 5 = 7 over 4 runs.
    """
    path = tmp_path / "stats.db"
    date = {"published_at": "2024-05-01T08:00:00+08:00"}
    with Store(path) as store:
        run1 = store.start_run("fzzb")
        store.save_article(
            make("fzzb", 1, 1, authors=["张三"], editor="赵六", source="法制周报", **date), run1
        )
        store.save_article(make("fzzb", 2, 1, authors=["李四"], editor="赵六", **date), run1)
        store.finish_run(
            run1, finish_reason="finished", pages_fetched=3, articles_stored=2, articles_dropped=0, errors=0
        )
        run2 = store.start_run("voc")  # killed: no finish_run
        store.save_article(make("voc", 1, 1, **date), run2)
        store.save_article(make("voc", 2, 2), run2)
        run3 = store.start_run("fzzb")
        store.save_article(make("fzzb", 3, 2, editor="赵六", **date), run3)
        store.save_article(make("fzzb", 4, None, editor="赵六"), run3)
        store.save_article(
            make("fzzb", 1, 1, authors=["张三"], editor="赵六", source="法制周报", body="改写。", **date),
            run3,
        )
        store.finish_run(
            run3,
            finish_reason="finished",
            pages_fetched=5,
            articles_stored=3,
            articles_dropped=1,
            errors=2,
            stats={"newscrawl/articles/new": 2, "newscrawl/articles/updated": 1},
        )
        store.save_article(make("rednet", 1, None))
        run4 = store.start_run("police")
        store.finish_run(
            run4, finish_reason="finished", pages_fetched=9, articles_stored=0, articles_dropped=0, errors=5
        )
    return path


def stats_json(db: Path) -> dict[str, Any]:
    proc = run_newscrawl("stats", "--json", "--db", str(db))
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def test_per_site_figures(db: Path) -> None:
    data = stats_json(db)
    sites = {s["site"]: s for s in data["sites"]}
    assert list(sites) == ["fzzb", "police", "rednet", "voc"]
    fzzb = sites["fzzb"]
    assert (fzzb["articles"], fzzb["stories"], fzzb["duplicate_ratio"], fzzb["shared_ratio"]) == (
        4,
        3,
        0.25,
        0.75,
    )
    assert (fzzb["with_date"], fzzb["with_authors"], fzzb["with_source"], fzzb["with_editor"]) == (
        0.75,
        0.5,
        0.25,
        1.0,
    )
    assert (fzzb["last_run_id"], fzzb["last_run_finish_reason"], fzzb["last_run_added"]) == (3, "finished", 2)
    assert (fzzb["last_run_updated"], fzzb["last_run_errors"], fzzb["errors_total"]) == (1, 2, 2)
    voc = sites["voc"]
    assert (voc["articles"], voc["stories"], voc["duplicate_ratio"], voc["shared_ratio"]) == (2, 2, 0.0, 1.0)
    assert (voc["last_run_id"], voc["last_run_finish_reason"], voc["last_run_finished_at"]) == (2, None, None)
    assert voc["last_run_added"] == 2
    rednet = sites["rednet"]
    assert (rednet["articles"], rednet["stories"], rednet["duplicate_ratio"], rednet["last_run_id"]) == (
        1,
        None,
        None,
        None,
    )
    police = sites["police"]
    assert (
        police["articles"],
        police["last_run_id"],
        police["last_run_added"],
        police["last_run_errors"],
    ) == (0, 4, 0, 5)


def test_totals(db: Path) -> None:
    totals = stats_json(db)["totals"]
    assert (totals["articles"], totals["stories"], totals["sites"]) == (7, 4, 3)
    assert totals["duplicate_ratio"] == pytest.approx(3 / 7)
    assert (totals["runs"], totals["errors_total"]) == (4, 7)


def test_terminal_table(db: Path) -> None:
    proc = run_newscrawl("stats", "--db", str(db))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    header = lines[0].split()
    assert header[:9] == [
        "site",
        "articles",
        "stories",
        "dup",
        "shared",
        "date",
        "authors",
        "source",
        "editor",
    ]
    rows = {line.split()[0]: line.split() for line in lines[1:6]}
    assert rows["fzzb"][:9] == ["fzzb", "4", "3", "25%", "75%", "75%", "50%", "25%", "100%"]
    assert rows["fzzb"][-6] == "#3" and rows["fzzb"][-3:] == ["finished", "2", "2"]
    assert rows["voc"][:5] == ["voc", "2", "2", "0%", "100%"] and "unfinished" in rows["voc"]
    assert rows["rednet"][:5] == ["rednet", "1", "–", "–", "–"]
    assert rows["all"][:4] == ["all", "7", "4", "43%"]
    assert rows["all"][-1] == "7"
    # Numbers are right-aligned under their headings.
    end = lines[0].index("articles") + len("articles")
    for line in lines[1:6]:
        assert line[end - 1].isdigit() and line[end] == " ", line


def test_no_database_is_a_clear_error(tmp_path: Path) -> None:
    proc = run_newscrawl("stats", "--db", str(tmp_path / "none.db"))
    assert proc.returncode == 1 and "no database" in proc.stderr


def test_an_empty_database(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    Store(db).close()
    data = stats_json(db)
    assert data["sites"] == []
    assert (data["totals"]["articles"], data["totals"]["stories"], data["totals"]["duplicate_ratio"]) == (
        0,
        None,
        None,
    )
