"""The real sites newscrawl has spiders for: what `newscrawl sites` lists.

`check` is the drift alarm behind `newscrawl check-sites`; `fixture` records a live page for a test
(`newscrawl savefixture`) and loads it back.
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from newscrawl.spiders.site import SiteSpider

if TYPE_CHECKING:
    from scrapy.settings import Settings


@dataclass(frozen=True)
class SiteInfo:
    """One site spider as a user sees it."""

    name: str
    """The spider name: `newscrawl crawl NAME`."""
    outlet: str
    region: str | None
    """ISO 3166-2 code (`CN-HN`), `CN` for national outlets."""
    domains: tuple[str, ...]
    listing_urls: tuple[str, ...]
    sitemap_urls: tuple[str, ...]
    feed_urls: tuple[str, ...]
    sitemaps_from_robots: bool
    """Whether the sitemaps named in each entry host's robots.txt are read too."""
    feeds_from_listings: bool
    """Whether feeds that listing pages advertise are read too."""
    summary: str
    """The first line of the site file's docstring."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def site_spiders(settings: Settings) -> list[type[SiteSpider]]:
    """The spider classes for real sites (not `news` or `demo`), by name."""
    from scrapy.spiderloader import get_spider_loader

    loader = get_spider_loader(settings)
    classes = [loader.load(name) for name in sorted(loader.list())]
    return [cls for cls in classes if issubclass(cls, SiteSpider)]


def site_info(cls: type[SiteSpider]) -> SiteInfo:
    doc = (sys.modules[cls.__module__].__doc__ or cls.__doc__ or "").strip()
    return SiteInfo(
        name=cls.name,
        outlet=cls.outlet,
        region=cls.region,
        domains=tuple(getattr(cls, "allowed_domains", ())),
        listing_urls=tuple(cls.listing_urls),
        sitemap_urls=tuple(cls.sitemap_urls),
        feed_urls=tuple(cls.feed_urls),
        sitemaps_from_robots=cls.sitemaps_from_robots,
        feeds_from_listings=cls.feeds_from_listings,
        summary=doc.splitlines()[0] if doc else "",
    )


def site_infos(settings: Settings, names: list[str] | None = None) -> list[SiteInfo]:
    """SiteInfo of every site spider, or of the named ones (unknown names raise KeyError)."""
    infos = {cls.name: site_info(cls) for cls in site_spiders(settings)}
    if not names:
        return list(infos.values())
    unknown = [name for name in names if name not in infos]
    if unknown:
        raise KeyError(", ".join(unknown))
    return [infos[name] for name in names]
