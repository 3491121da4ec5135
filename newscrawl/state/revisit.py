"""The revisit policy: which stored articles to fetch again.

Stored article pages are not fetched again — unless the run is a refresh (`newscrawl crawl
--refresh`, `NEWSCRAWL_REFRESH`) or the age rule makes them due: last fetched more than
`NEWSCRAWL_REVISIT_AFTER_HOURS` ago and, when `NEWSCRAWL_REVISIT_WITHIN_DAYS` is set, published within
that many days (recent articles get corrected and updated; a three-year-old court report rarely
does). Listing, sitemap and feed pages are always fetched: the policy only ever holds back requests
the spider marked as article pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

    from newscrawl.store.history import StoredArticle


def _parse(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


@dataclass(frozen=True)
class RevisitPolicy:
    refresh: bool = False
    """Fetch every stored article again (conditionally, where the server offers validators)."""
    after_hours: float = 0
    """Fetch a stored article again once its last fetch is this old; 0 turns the age rule off."""
    within_days: float = 0
    """Limit the age rule to articles published within this many days; 0 = any publication date."""

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> RevisitPolicy:
        return cls(
            refresh=settings.getbool("NEWSCRAWL_REFRESH", False),
            after_hours=settings.getfloat("NEWSCRAWL_REVISIT_AFTER_HOURS", 0),
            within_days=settings.getfloat("NEWSCRAWL_REVISIT_WITHIN_DAYS", 0),
        )

    def due(self, stored: StoredArticle, now: datetime) -> bool:
        """Whether the page of a stored article should be fetched again now."""
        if self.refresh:
            return True
        if not self.after_hours:
            return False
        fetched = _parse(stored.fetched_at)
        if fetched is not None and now - fetched < timedelta(hours=self.after_hours):
            return False
        if self.within_days:
            published = _parse(stored.published_at)
            # An article of unknown date is old as far as the age rule knows.
            return published is not None and now - published <= timedelta(days=self.within_days)
        return True
