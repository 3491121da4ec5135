"""Scrapy feed exporters that write what `newscrawl export` writes.

`scrapy crawl SITE -O out.csv` goes through `ArticleCsvItemExporter` (settings `FEED_EXPORTERS`):
the same columns, list joining and JSON text as `newscrawl export --format csv`, where Scrapy's own
CSV exporter would write Python reprs of the images. JSON and JSON Lines feeds need nothing of ours:
Scrapy writes the Article dataclass fields in their order, and `FEED_EXPORT_ENCODING = "utf-8"`
keeps Chinese readable.
"""

from __future__ import annotations

from collections.abc import Mapping
from io import TextIOWrapper
from typing import IO, Any

from itemadapter import ItemAdapter
from scrapy.exporters import BaseItemExporter

from newscrawl.items import ARTICLE_FIELDS, Article
from newscrawl.store.export import CsvWriter


class ArticleCsvItemExporter(BaseItemExporter):
    """CSV in `newscrawl export` form; `FEED_EXPORT_FIELDS` picks and orders columns if set."""

    def __init__(self, file: IO[bytes], **kwargs: Any) -> None:
        super().__init__(dont_fail=True, **kwargs)
        self.stream = TextIOWrapper(
            file,  # type: ignore[arg-type]
            encoding=self.encoding or "utf-8",
            newline="",
            write_through=True,
        )
        self.writer: CsvWriter | None = None

    def start_exporting(self) -> None:
        fields = self.fields_to_export or ARTICLE_FIELDS
        columns = list(fields)
        # FEED_EXPORT_FIELDS may map field names to column headings.
        header = [fields[c] for c in columns] if isinstance(fields, Mapping) else columns
        self.writer = CsvWriter(self.stream, columns, header=header)

    def export_item(self, item: Any) -> None:
        assert self.writer is not None
        record = item.to_dict() if isinstance(item, Article) else ItemAdapter(item).asdict()
        self.writer.write(record)

    def finish_exporting(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.stream.detach()  # the feed storage closes the file, not us
