"""Recorded pages: a live page saved with what a test needs to replay it (`newscrawl savefixture`).

A fixture is two files side by side: `NAME.html`, the body exactly as the crawler received it (after
transfer decompression, before any decoding), and `NAME.json`, the rest:

    {"url": requested URL, "final_url": URL after redirects, "status": 200,
     "headers": {"Content-Type": ["text/html; charset=gbk"], …},
     "fetched_at": "2024-06-18T09:00:00+08:00", "recorded_by": "newscrawl 0.1.0"}

`load_fixture(path).response()` gives back a Scrapy response with the same URL, headers and bytes, for
a spider's listing logic or for the extraction engine. The page is fetched through the real Scrapy
engine with the project's settings (User-Agent, robots.txt, retries, redirects), as a crawl would.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import scrapy

from newscrawl import __version__
from newscrawl.store import CST

if TYPE_CHECKING:
    from scrapy.http import Response
    from scrapy.settings import Settings
    from twisted.python.failure import Failure


class FixtureError(Exception):
    """The page could not be recorded; the message says why."""


@dataclass
class RecordedPage:
    """One fetched page and how it was served."""

    url: str
    final_url: str
    status: int
    headers: dict[str, list[str]]
    fetched_at: str
    body: bytes = field(repr=False)
    recorded_by: str = f"newscrawl {__version__}"

    def meta(self) -> dict[str, Any]:
        """Everything but the body, for NAME.json."""
        return {
            "url": self.url,
            "final_url": self.final_url,
            "status": self.status,
            "headers": self.headers,
            "fetched_at": self.fetched_at,
            "recorded_by": self.recorded_by,
        }

    def response(self) -> Response:
        """A Scrapy response as the crawler saw it (HtmlResponse, XmlResponse, … by its headers)."""
        from scrapy.http import Headers
        from scrapy.responsetypes import responsetypes

        headers = Headers({name: values for name, values in self.headers.items()})
        cls = responsetypes.from_args(headers=headers, url=self.final_url, body=self.body)
        return cls(url=self.final_url, status=self.status, headers=headers, body=self.body)


def fixture_name(url: str) -> str:
    """A file name for a URL: host and path, with everything but letters and digits as `_`."""
    parts = urlsplit(url)
    path = re.sub(r"\.(s?html?|php|aspx?|jsp)$", "", parts.path.rstrip("/"))
    raw = f"{parts.hostname or 'page'}{path}" + (f"_{parts.query}" if parts.query else "")
    return re.sub(r"[^A-Za-z0-9]+", "_", raw).strip("_")[:120] or "page"


def save_fixture(page: RecordedPage, folder: Path, name: str | None = None) -> Path:
    """Write NAME.html and NAME.json into `folder`; return the .html path. Refuses to overwrite."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = name or fixture_name(page.final_url)
    html_path, meta_path = folder / f"{stem}.html", folder / f"{stem}.json"
    for path in (html_path, meta_path):
        if path.exists():
            raise FixtureError(f"{path} exists; choose another --name or remove it")
    html_path.write_bytes(page.body)
    meta_path.write_text(json.dumps(page.meta(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return html_path


def load_fixture(path: str | Path) -> RecordedPage:
    """The page recorded at `path` (NAME.html, or NAME.json, or NAME)."""
    path = Path(path)
    stem = path.with_suffix("") if path.suffix in (".html", ".json") else path
    html_path, meta_path = stem.with_name(stem.name + ".html"), stem.with_name(stem.name + ".json")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        body = html_path.read_bytes()
    except (OSError, ValueError) as exc:
        raise FixtureError(f"cannot read fixture {stem}: {exc}") from exc
    return RecordedPage(
        url=meta["url"],
        final_url=meta.get("final_url") or meta["url"],
        status=int(meta.get("status", 200)),
        headers={
            str(k): [str(v) for v in (vs if isinstance(vs, list) else [vs])]
            for k, vs in meta.get("headers", {}).items()
        },
        fetched_at=meta.get("fetched_at", ""),
        body=body,
        recorded_by=meta.get("recorded_by", ""),
    )


RECORD_SETTINGS: dict[str, Any] = {
    # A fixture is not a crawl: no run row, no article, no archived page.
    "ITEM_PIPELINES": {},
    "EXTENSIONS": {"newscrawl.extensions.CrawlRunRecorder": None},
    "SPIDER_MIDDLEWARES": {"newscrawl.middlewares.PageArchiveMiddleware": None},
    # Every status reaches the callback, so a 404 is reported as such rather than as silence.
    "HTTPERROR_ALLOW_ALL": True,
}


class _RecordSpider(scrapy.Spider):
    """Fetches one URL and hands the response to `sink`; stores nothing."""

    name = "savefixture"
    custom_settings = RECORD_SETTINGS

    def __init__(self, url: str, sink: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url = url
        self.sink = sink

    async def start(self) -> Any:
        yield scrapy.Request(self.url, callback=self.keep, errback=self.failed, dont_filter=True)

    def keep(self, response: Response) -> None:
        self.sink["page"] = RecordedPage(
            url=self.url,
            final_url=response.url,
            status=response.status,
            headers={
                k.decode("latin-1"): [v.decode("latin-1") for v in vs] for k, vs in response.headers.items()
            },
            fetched_at=datetime.now(CST).isoformat(timespec="seconds"),
            body=response.body,
        )

    def failed(self, failure: Failure) -> None:
        from newscrawl.spiders.site import failure_reason

        self.sink["error"] = failure_reason(failure)


def record_page(settings: Settings, url: str) -> RecordedPage:
    """Fetch `url` through the Scrapy engine; FixtureError unless it answers 2xx."""
    from scrapy.crawler import AsyncCrawlerProcess

    if urlsplit(url).scheme not in ("http", "https"):
        raise FixtureError(f"not an http(s) URL: {url!r}")
    sink: dict[str, Any] = {}
    process = AsyncCrawlerProcess(settings)
    process.crawl(_RecordSpider, url=url, sink=sink)
    process.start()
    page: RecordedPage | None = sink.get("page")
    if page is None:
        raise FixtureError(f"could not fetch {url}: {sink.get('error', 'no response')}")
    if not 200 <= page.status < 300:
        raise FixtureError(f"{url} answered HTTP {page.status}; nothing saved")
    return page
