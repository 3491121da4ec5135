"""Text cleaning: hands each article to the cleaning room (`newscrawl.clean.clean_article`).

An article an extraction worker already cleaned (`newscrawl.workers`) passes as it is: the worker
ran the same `clean_article` on the same text, off the reactor thread.
"""

from __future__ import annotations

from newscrawl.clean import clean_article
from newscrawl.items import Article
from newscrawl.workers import cleaned_by_worker


class CleanPipeline:
    def process_item(self, item: object) -> object:
        if isinstance(item, Article):
            return item if cleaned_by_worker(item) else clean_article(item)
        return item
