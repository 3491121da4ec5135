"""An identifying User-Agent: who crawls, and where a site operator can reach them.

`NEWSCRAWL_CONTACT` (a URL or `mailto:` address) goes into the User-Agent. settings.py builds the
default from it; `IdentityAddon` rebuilds it when the contact is given later than USER_AGENT
(`-s NEWSCRAWL_CONTACT=mailto:me@example.org`), so the two never disagree.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from newscrawl import __version__

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

_CONTACT_RE = re.compile(r"https?://|mailto:|@", re.I)


def user_agent_for(contact: str) -> str:
    """`newscrawl/0.1.0 (+CONTACT)`: the product token robots.txt groups match, and the contact."""
    return f"newscrawl/{__version__} (+{contact.strip()})"


class IdentityAddon:
    """Scrapy add-on: keeps USER_AGENT in step with NEWSCRAWL_CONTACT, warns on an anonymous one."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IdentityAddon:
        return cls()

    def update_settings(self, settings: BaseSettings) -> None:
        contact = settings.get("NEWSCRAWL_CONTACT") or ""
        contact_priority = settings.getpriority("NEWSCRAWL_CONTACT") or 0
        if contact and contact_priority > (settings.getpriority("USER_AGENT") or 0):
            settings.set("USER_AGENT", user_agent_for(contact), priority=contact_priority)
        agent = str(settings.get("USER_AGENT") or "")
        if not _CONTACT_RE.search(agent):
            logger.warning(
                "USER_AGENT %r names no contact: a site operator who wants to reach you before blocking "
                "you cannot. Set NEWSCRAWL_CONTACT to a URL or mailto: address instead.",
                agent,
            )
        elif "newscrawl" not in agent.lower():
            logger.info(
                "USER_AGENT %r does not name newscrawl; robots.txt rules for newscrawl will not apply", agent
            )
