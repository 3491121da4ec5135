"""What workers send the store worker through Redis: articles, raw pages, and run summaries.

Each record is one JSON object on the `newscrawl:items` list, with a `kind`:

- `article`: `Article.to_dict()` as the spider yielded it (before validate/clean/dedup, which the
  store worker runs);
- `page`: a raw article page for the `pages` table (body zlib-compressed, then base64);
- `run`: one worker's finished crawl (spider, worker, times, finish reason, Scrapy stats).

The store worker takes records with LMOVE onto a `storing` list and removes each once written, so a
store worker killed mid-write finds them again when it restarts.
"""

from __future__ import annotations

import base64
import json
import logging
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from newscrawl.items import Article

if TYPE_CHECKING:
    import redis

    from newscrawl.distributed.connection import RedisKeys

logger = logging.getLogger(__name__)

ARTICLE, PAGE, RUN = "article", "page", "run"


def article_record(article: Article, *, spider: str, worker: str) -> bytes:
    return _dumps({"kind": ARTICLE, "spider": spider, "worker": worker, "article": article.to_dict()})


def page_record(
    url: str,
    *,
    status: int,
    headers: Mapping[str, Any],
    body: bytes,
    fetched_at: str,
    spider: str,
    worker: str,
) -> bytes:
    return _dumps(
        {
            "kind": PAGE,
            "spider": spider,
            "worker": worker,
            "url": url,
            "status": status,
            "headers": dict(headers),
            "body": base64.b64encode(zlib.compress(body, 1)).decode("ascii"),
            "fetched_at": fetched_at,
        }
    )


def run_record(
    *, spider: str, worker: str, started_at: str, finished_at: str, reason: str, stats: Mapping[str, Any]
) -> bytes:
    return _dumps(
        {
            "kind": RUN,
            "spider": spider,
            "worker": worker,
            "started_at": started_at,
            "finished_at": finished_at,
            "reason": reason,
            "stats": dict(stats),
        }
    )


@dataclass
class Record:
    """One record read back by the store worker; `raw` is the exact bytes, needed to acknowledge it."""

    raw: bytes
    kind: str
    data: dict[str, Any]

    def article(self) -> Article:
        return Article.from_dict(self.data["article"])

    def page_body(self) -> bytes:
        return zlib.decompress(base64.b64decode(self.data["body"]))


class RecordError(ValueError):
    """A record that is not valid JSON of a known kind."""


def parse_record(raw: bytes) -> Record:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RecordError(f"not JSON: {exc}") from exc
    kind = data.get("kind") if isinstance(data, dict) else None
    if kind not in (ARTICLE, PAGE, RUN):
        raise RecordError(f"unknown record kind {kind!r}")
    return Record(raw, kind, data)


def _dumps(value: dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")


class Outbox:
    """The workers' end: append records to the shared list."""

    def __init__(self, server: redis.Redis, keys: RedisKeys) -> None:
        self.server = server
        self.key = keys.items

    def push(self, record: bytes) -> None:
        self.server.rpush(self.key, record)


class Inbox:
    """The store worker's end: take records reliably, acknowledge or set aside each."""

    def __init__(self, server: redis.Redis, keys: RedisKeys) -> None:
        self.server = server
        self.keys = keys

    def recover(self) -> int:
        """Put back records a previous store worker took and never finished; how many."""
        n = 0
        while self.server.lmove(self.keys.storing, self.keys.items, "RIGHT", "LEFT") is not None:
            n += 1
        if n:
            logger.warning("Recovered %d record(s) an earlier store worker had taken but not stored", n)
        return n

    def take(self, limit: int) -> list[bytes]:
        """Up to `limit` records, oldest first, each moved onto the storing list."""
        taken: list[bytes] = []
        for _ in range(limit):
            raw = self.server.lmove(self.keys.items, self.keys.storing, "LEFT", "RIGHT")
            if raw is None:
                break
            taken.append(raw if isinstance(raw, bytes) else raw.encode())
        return taken

    def ack(self, raw: bytes) -> None:
        self.server.lrem(self.keys.storing, 1, raw)  # type: ignore[arg-type]

    def fail(self, raw: bytes) -> None:
        """Keep a record that cannot be stored on the failed list, off the storing list."""
        pipe = self.server.pipeline()
        pipe.rpush(self.keys.failed, raw)
        pipe.lrem(self.keys.storing, 1, raw)  # type: ignore[arg-type]
        pipe.execute()

    def backlog(self) -> int:
        """Records not yet stored: waiting, plus taken and in the pipelines."""
        pipe = self.server.pipeline()
        pipe.llen(self.keys.items)
        pipe.llen(self.keys.storing)
        waiting, storing = pipe.execute()
        return int(waiting) + int(storing)
