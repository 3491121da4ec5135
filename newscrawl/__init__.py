"""newscrawl: a Scrapy crawler for Chinese regional legal-news sites."""

__version__ = "0.1.0"
