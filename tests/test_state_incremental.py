"""Incremental runs (issue 6, point 2): a second run over an unchanged site fetches the listing pages
and no article page; after one article changes and two are added, a refresh run stores exactly those,
keeps the old text in `article_versions`, and gets 304 for everything else.

Real crawls (`newscrawl crawl`, real Scrapy engine) against the loopback site of `tests/statesite.py`;
expectations come from the site's own generator, never from the crawler.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.conftest import query
from tests.statesite import SECTION, StateSite, crawl_site


def runs(db: Path) -> list[dict[str, object]]:
    return [dict(r) for r in query(db, "SELECT * FROM crawl_runs ORDER BY id")]


def article_gets(site: StateSite, status: int | None = None) -> list[str]:
    return sorted(h.path for h in site.hits(status=status) if "/content_" in h.path)


def test_unchanged_site_then_one_changed_and_two_added(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    with StateSite(articles=45) as site:
        first = crawl_site(db, site)
        assert first.returncode == 0, first.stderr[-3000:]
        assert query(db, "SELECT COUNT(*) FROM articles")[0][0] == 45

        # Second run, nothing changed: every listing page, no article page.
        site.clear_hits()
        second = crawl_site(db, site)
        assert second.returncode == 0, second.stderr[-3000:]
        fetched = sorted(h.path for h in site.hits())
        assert fetched == sorted(["/robots.txt", *site.listing_paths()])
        # …each answered 304 Not Modified, and parsed from the copy kept last time.
        assert sorted(h.path for h in site.hits(status=304)) == sorted(site.listing_paths())
        run = runs(db)[1]
        assert (run["articles_new"], run["articles_updated"], run["articles_unchanged"]) == (0, 0, 0)
        assert run["articles_skipped"] == 45
        assert run["finish_reason"] == "finished"
        assert run["health"] is None

        # One article changes, two appear; a refresh run revalidates every stored page.
        old_body = site.articles[10].body
        changed = site.change(10)
        added = site.add(2)
        site.clear_hits()
        third = crawl_site(db, site, flags=("--refresh",))
        assert third.returncode == 0, third.stderr[-3000:]
        downloaded = article_gets(site, status=200)
        assert downloaded == sorted([changed.path, *(a.path for a in added)])
        assert len(article_gets(site, status=304)) == 44
        assert sorted(article_gets(site)) == sorted(a.path for a in site.articles.values())

    run = runs(db)[2]
    assert (run["articles_new"], run["articles_updated"], run["articles_unchanged"]) == (2, 1, 44)
    assert json.loads(str(runs(db)[1]["stats"]))["newscrawl/http/not_modified/listing"] == 3
    assert run["articles_skipped"] == 0
    rows = {
        r["url"]: dict(r)
        for r in query(db, "SELECT url, body, title, first_run_id, last_run_id FROM articles")
    }
    assert len(rows) == 47
    assert rows[site.url(10)]["body"] == changed.body
    assert rows[site.url(10)]["first_run_id"] == 1
    for article in added:
        assert rows[site.url(article.id)]["body"] == article.body
        assert rows[site.url(article.id)]["first_run_id"] == 3
    versions = query(
        db, "SELECT canonical_url, version, body, superseded_by_run_id, record FROM article_versions"
    )
    assert [(v["canonical_url"], v["version"], v["superseded_by_run_id"]) for v in versions] == [
        (site.url(10), 1, 3)
    ]
    assert versions[0]["body"] == old_body
    assert json.loads(versions[0]["record"])["first_run_id"] == 1
    # Unchanged articles kept their text; none got a version.
    for article in site.articles.values():
        if article.id not in (10, *(a.id for a in added)):
            assert rows[site.url(article.id)]["body"] == article.body


def test_age_rule_revisits_only_recent_articles_and_304_keeps_them_unchanged(tmp_path: Path) -> None:
    db = tmp_path / "age.db"
    with StateSite(articles=25) as site:
        assert crawl_site(db, site).returncode == 0
        time.sleep(1.2)  # stored fetch times have one-second resolution
        # Published in 2024: "within 7 days" makes none of them due, however old their fetch.
        site.clear_hits()
        proc = crawl_site(db, site, "NEWSCRAWL_REVISIT_AFTER_HOURS=0.0001", "NEWSCRAWL_REVISIT_WITHIN_DAYS=7")
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert article_gets(site) == []
        # Any publication date: every stored article is due, and each answers 304.
        site.clear_hits()
        proc = crawl_site(db, site, "NEWSCRAWL_REVISIT_AFTER_HOURS=0.0001", "NEWSCRAWL_REVISIT_WITHIN_DAYS=0")
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert len(article_gets(site, status=304)) == 25
        assert article_gets(site, status=200) == []
    _first, quiet, revisit = runs(db)
    assert quiet["articles_skipped"] == 25
    assert (revisit["articles_unchanged"], revisit["articles_new"], revisit["articles_skipped"]) == (25, 0, 0)
    assert json.loads(str(revisit["stats"]))["newscrawl/http/not_modified/article"] == 25
    # The stored copies (pages) still hold the bodies the site served.
    assert query(db, "SELECT COUNT(*) FROM article_versions")[0][0] == 0
    assert query(db, "SELECT COUNT(*) FROM pages WHERE url LIKE ?", f"%/{SECTION}/%")[0][0] == 25


def test_refresh_without_validators_downloads_again_and_finds_nothing_changed(tmp_path: Path) -> None:
    db = tmp_path / "novalidators.db"
    with StateSite(articles=12, related=False) as site:
        assert crawl_site(db, site).returncode == 0
        site.honour_validators = False
        site.clear_hits()
        proc = crawl_site(db, site, flags=("--refresh",))
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert len(article_gets(site, status=200)) == 12
    assert runs(db)[1]["articles_unchanged"] == 12
    assert query(db, "SELECT COUNT(*) FROM article_versions")[0][0] == 0
