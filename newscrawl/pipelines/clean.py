"""Text cleaning: hands each article to the cleaning room (`newscrawl.clean.clean_article`)."""

from __future__ import annotations

from newscrawl.clean import clean_article
from newscrawl.items import Article


class CleanPipeline:
    def process_item(self, item: object) -> object:
        if isinstance(item, Article):
            return clean_article(item)
        return item
