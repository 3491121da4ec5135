"""Health rules for scheduled runs: is a site still giving what it used to?

A run breaks a rule when

- **no articles**: it found no article at all (none new, none re-checked, none skipped as already
  stored) while most of the site's recent completed runs did — the listing layout changed, the site
  now serves an error page with status 200, the article URL pattern stopped matching;
- **error rate**: more than `NEWSCRAWL_MAX_ERROR_RATE` of the pages it tried failed (HTTP errors after
  retries, timeouts, refused connections, pages whose extraction raised).

A quiet hour on a news site is not a failure: articles skipped because they are already stored count
as found, so an incremental run that finds nothing new is healthy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

    from newscrawl.store.history import RunCounts

FETCH_ERROR_PREFIX = "newscrawl/fetch_error/"
NOT_AN_ERROR = frozenset({"IgnoreRequest"})
"""Errback kinds that are policy, not failure: robots.txt disallowed, offsite, filtered on purpose."""


@dataclass(frozen=True)
class HealthRules:
    max_error_rate: float = 0.2
    """Share of the pages tried that may fail before the run is unhealthy."""
    history: int = 5
    """How many earlier completed runs of the spider to compare with."""
    min_history: int = 3
    """Judge "no articles" only once the spider has at least this many earlier completed runs."""

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> HealthRules:
        return cls(
            max_error_rate=settings.getfloat("NEWSCRAWL_MAX_ERROR_RATE", cls.max_error_rate),
            history=settings.getint("NEWSCRAWL_HEALTH_HISTORY", cls.history),
            min_history=settings.getint("NEWSCRAWL_HEALTH_MIN_HISTORY", cls.min_history),
        )


def failure_counts(stats: Mapping[str, Any]) -> tuple[int, int]:
    """(pages failed, pages tried) of a run, from its Scrapy stats.

    Failed = `newscrawl/errors` (fetches that failed after their retries, pages whose extraction
    raised) less the refusals that are policy. Tried = every download attempt less the retries, so a
    page retried twice counts once; robots.txt counts, refusals before any download do not.
    """
    policy = sum(int(stats.get(FETCH_ERROR_PREFIX + kind, 0)) for kind in NOT_AN_ERROR)
    failed = max(0, int(stats.get("newscrawl/errors", 0)) - policy)
    tried = int(stats.get("downloader/request_count", 0)) - int(stats.get("retry/count", 0))
    return failed, max(tried, failed)


def judge(run: RunCounts, earlier: Sequence[RunCounts], rules: HealthRules, *, pages_tried: int) -> list[str]:
    """The rules this run breaks, each as one line a person can act on (empty: healthy)."""
    problems: list[str] = []
    if pages_tried and run.failed / pages_tried > rules.max_error_rate:
        problems.append(
            f"error rate {run.failed / pages_tried:.0%} ({run.failed} of {pages_tried} pages failed)"
            f" is above NEWSCRAWL_MAX_ERROR_RATE={rules.max_error_rate:g}"
        )
    if run.articles_seen == 0 and len(earlier) >= rules.min_history:
        found = [r.articles_seen for r in earlier]
        if sum(1 for n in found if n > 0) * 2 > len(found):
            problems.append(
                f"no articles found; the last {len(found)} completed runs found "
                + ", ".join(str(n) for n in found)
            )
    return problems
