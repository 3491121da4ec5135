"""What a database holds, per site: articles, stories, duplicates, field coverage, the last run.

Definitions (README "Stats"):

- `stories`: distinct stories among the site's articles; an article the deduplication has not
  linked to a story counts as a story of its own. None when no article of the site has a story id
  (deduplication never ran on it), so that "no duplicates found" and "not looked for" differ.
- `duplicate_ratio`: 1 - stories / articles, the share of the site's articles that repeat a story
  the site already has. Over all sites (`totals`) it is the share of all articles that repeat a
  story stored anywhere: the cost of counting reprints twice.
- `shared_ratio`: the share of the site's articles whose story also has a copy on another site.
- coverage: the share of articles with a publication time, authors, a source and an editor.
- last run: the newest `crawl_runs` row of the spider of that name (or, for articles that no run
  of that name wrote, the newest run that stored one of them): when it started, how it finished,
  how many of the site's articles it stored first (`added`) and updated, and its error count.

Errors come from `crawl_runs.errors` (ERROR log lines plus `newscrawl/errors`), the one error record
every database has today; a table of individual fetch errors can refine this when it lands.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from newscrawl.store import Store


@dataclass
class SiteStats:
    site: str
    articles: int
    stories: int | None
    duplicate_ratio: float | None
    shared_ratio: float | None
    with_date: float | None
    with_authors: float | None
    with_source: float | None
    with_editor: float | None
    first_published_at: str | None
    last_published_at: str | None
    last_run_id: int | None = None
    last_run_started_at: str | None = None
    last_run_finished_at: str | None = None
    last_run_finish_reason: str | None = None
    """`finished`, `shutdown`, …; None while the run is going on or when it was killed."""
    last_run_added: int | None = None
    last_run_updated: int | None = None
    last_run_errors: int | None = None
    errors_total: int = 0
    """Errors over all runs of this spider."""


@dataclass
class Totals:
    articles: int
    stories: int | None
    duplicate_ratio: float | None
    sites: int
    runs: int
    errors_total: int


def _ratio(part: int | None, whole: int) -> float | None:
    return None if part is None or whole == 0 else part / whole


_PER_SITE = """
    SELECT a.site,
           COUNT(*) AS articles,
           COUNT(DISTINCT a.story_id) + SUM(a.story_id IS NULL) AS stories,
           COUNT(a.story_id) AS with_story,
           SUM(a.story_id IS NOT NULL AND EXISTS (
               SELECT 1 FROM articles o WHERE o.story_id = a.story_id AND o.site != a.site)) AS shared,
           AVG(a.published_at IS NOT NULL) AS with_date,
           AVG(a.authors NOT IN ('', '[]')) AS with_authors,
           AVG(a.source IS NOT NULL AND a.source != '') AS with_source,
           AVG(a.editor IS NOT NULL AND a.editor != '') AS with_editor,
           MIN(a.published_at) AS first_published_at,
           MAX(a.published_at) AS last_published_at,
           MAX(a.last_run_id) AS newest_run
    FROM articles a GROUP BY a.site ORDER BY a.site
"""


def site_stats(store: Store) -> list[SiteStats]:
    """One entry per site with stored articles, and per spider with runs but no articles yet."""
    conn = store.conn
    out: dict[str, SiteStats] = {}
    newest_run_of_articles: dict[str, int | None] = {}
    for row in conn.execute(_PER_SITE):
        site, articles, stories, with_story, shared = row[:5]
        known = with_story > 0
        out[site] = SiteStats(
            site=site,
            articles=articles,
            stories=stories if known else None,
            duplicate_ratio=_ratio(articles - stories, articles) if known else None,
            shared_ratio=_ratio(shared, articles) if known else None,
            with_date=row[5],
            with_authors=row[6],
            with_source=row[7],
            with_editor=row[8],
            first_published_at=row[9],
            last_published_at=row[10],
        )
        newest_run_of_articles[site] = row[11]
    for spider, total in conn.execute("SELECT spider, SUM(errors) FROM crawl_runs GROUP BY spider"):
        entry = out.get(spider)
        if entry is None:
            entry = out[spider] = SiteStats(spider, 0, None, None, None, None, None, None, None, None, None)
        entry.errors_total = int(total or 0)
    for site, entry in out.items():
        run = conn.execute(
            "SELECT id, started_at, finished_at, finish_reason, errors, stats FROM crawl_runs"
            " WHERE spider = ? ORDER BY id DESC LIMIT 1",
            (site,),
        ).fetchone()
        if run is None and newest_run_of_articles.get(site) is not None:
            run = conn.execute(
                "SELECT id, started_at, finished_at, finish_reason, errors, stats FROM crawl_runs WHERE id = ?",
                (newest_run_of_articles[site],),
            ).fetchone()
        if run is None:
            continue
        run_id, started, finished, reason, errors, stats_json = run
        entry.last_run_id, entry.last_run_started_at = run_id, started
        entry.last_run_finished_at, entry.last_run_finish_reason = finished, reason
        entry.last_run_errors = int(errors or 0)
        # Counted from the rows themselves: right even for a run killed before it wrote its stats.
        entry.last_run_added = int(
            conn.execute(
                "SELECT COUNT(*) FROM articles WHERE site = ? AND first_run_id = ?", (site, run_id)
            ).fetchone()[0]
        )
        try:
            run_stats: dict[str, Any] = json.loads(stats_json) if stats_json else {}
        except ValueError:
            run_stats = {}
        updated = run_stats.get("newscrawl/articles/updated")
        entry.last_run_updated = int(updated) if isinstance(updated, int | float) else None
    return [out[site] for site in sorted(out)]


def totals(store: Store, sites: list[SiteStats] | None = None) -> Totals:
    """The whole database: articles, stories over all sites, the cross-site duplicate ratio, runs."""
    conn = store.conn
    articles, stories, with_story = conn.execute(
        "SELECT COUNT(*), COUNT(DISTINCT story_id) + COALESCE(SUM(story_id IS NULL), 0), COUNT(story_id)"
        " FROM articles"
    ).fetchone()
    runs, errors = conn.execute("SELECT COUNT(*), COALESCE(SUM(errors), 0) FROM crawl_runs").fetchone()
    known = with_story > 0
    if sites is None:
        sites = site_stats(store)
    return Totals(
        articles=articles,
        stories=stories if known else None,
        duplicate_ratio=_ratio(articles - stories, articles) if known else None,
        sites=sum(1 for s in sites if s.articles),
        runs=runs,
        errors_total=int(errors),
    )
