"""Scrapy feed exports of a real crawl of the demo site write what `newscrawl export` writes.

`scrapy crawl demo -O out.jsonl` / `-O out.csv` against the demo server on 127.0.0.1; the same crawl
stores into SQLite, and `newscrawl export` of that database must agree with the feed field by field.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from newscrawl.demo import DemoServer, build_site
from newscrawl.items import ARTICLE_FIELDS
from newscrawl.paths import PROJECT_ROOT
from tests.conftest import FAST, run_newscrawl, subprocess_env


class Feeds:
    def __init__(self, tmp: Path, base_url: str) -> None:
        self.tmp, self.base_url = tmp, base_url
        self.jsonl, self.csv, self.db = tmp / "feed.jsonl", tmp / "feed.csv", tmp / "crawl.db"


@pytest.fixture(scope="module")
def feeds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Feeds]:
    tmp = tmp_path_factory.mktemp("feeds")
    with DemoServer(build_site()) as server:
        f = Feeds(tmp, server.base_url)
        settings = [
            arg
            for s in (*FAST, "NEWSCRAWL_MAX_LISTING_PAGES=50", f"NEWSCRAWL_DB={f.db}")
            for arg in ("-s", s)
        ]
        crawl = ["crawl", "demo", "-a", f"base_url={server.base_url}", "-O", str(f.jsonl), "-O", str(f.csv)]
        proc = subprocess.run(
            [sys.executable, "-m", "scrapy", *crawl, *settings],
            cwd=PROJECT_ROOT,
            env=subprocess_env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        yield f


def export(db: Path, fmt: str) -> str:
    proc = run_newscrawl("export", "--db", str(db), "--format", fmt)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_jsonl_feed_has_the_export_fields_and_values(feeds: Feeds) -> None:
    feed = [json.loads(line) for line in feeds.jsonl.read_text(encoding="utf-8").splitlines()]
    exported = [json.loads(line) for line in export(feeds.db, "jsonl").splitlines()]
    assert len(feed) == len(build_site().articles)
    assert all(list(record) == list(ARTICLE_FIELDS) for record in feed)
    assert {r["canonical_url"]: r for r in feed} == {r["canonical_url"]: r for r in exported}


def test_jsonl_feed_chinese_is_readable(feeds: Feeds) -> None:
    raw = feeds.jsonl.read_bytes()
    site = build_site()
    assert b"\\u" not in raw
    for article in site.articles[:5]:
        assert article.title.encode("utf-8") in raw


def test_csv_feed_is_the_export_csv(feeds: Feeds) -> None:
    with feeds.csv.open(encoding="utf-8", newline="") as fh:
        feed = list(csv.reader(fh))
    exported = list(csv.reader(export(feeds.db, "csv").splitlines(keepends=True)))
    assert feed[0] == exported[0] == list(ARTICLE_FIELDS)
    # Same rows; the feed is in crawl order, the export in site/date order.
    assert sorted(feed[1:]) == sorted(exported[1:])
    authors = ARTICLE_FIELDS.index("correspondents")
    assert any(";" in row[authors] for row in feed[1:]), "some demo article has two correspondents"
    images = ARTICLE_FIELDS.index("images")
    assert all(
        row[images] == "" or json.loads(row[images])[0]["url"].startswith(feeds.base_url) for row in feed[1:]
    )


def test_feed_export_fields_pick_order_and_rename_columns() -> None:
    """FEED_EXPORT_FIELDS as a list picks and orders columns; as a mapping it also renames them."""
    from io import BytesIO

    from newscrawl.exporters import ArticleCsvItemExporter
    from tests.samples_export import tricky_articles

    first = tricky_articles()[0]
    for fields, header in (
        (["title", "correspondents"], "title,correspondents"),
        ({"title": "标题", "correspondents": "通讯员"}, "标题,通讯员"),
    ):
        buffer = BytesIO()
        exporter = ArticleCsvItemExporter(buffer, fields_to_export=fields)
        exporter.start_exporting()
        exporter.export_item(first)
        exporter.finish_exporting()
        assert buffer.getvalue().decode("utf-8").splitlines() == [header, f"{first.title},李静;王芳"]
