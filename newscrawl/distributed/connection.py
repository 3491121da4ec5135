"""The Redis connection of a crawl, its key names, and this process's worker id."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import redis
    from scrapy.settings import BaseSettings

MISSING_EXTRA = (
    "the distributed mode needs the Redis client and scrapy-redis: pip install 'newscrawl[distributed]'"
)


class DistributedModeError(RuntimeError):
    """The distributed mode cannot run: Redis unreachable, client not installed, bad settings."""


def redis_client(url: str) -> redis.Redis:
    """A client for `url` (`redis://host:port/db`), checked with a PING so a bad URL fails at start."""
    try:
        from scrapy_redis.connection import get_redis
    except ImportError as exc:
        raise DistributedModeError(MISSING_EXTRA) from exc
    import redis as redis_module

    # scrapy-redis's own defaults (timeouts, retry on timeout), but bytes replies: requests are pickles.
    client: redis.Redis = get_redis(
        url=url, socket_timeout=30, socket_connect_timeout=10, retry_on_timeout=True
    )
    try:
        client.ping()
    except redis_module.RedisError as exc:
        raise DistributedModeError(f"cannot reach Redis at {url}: {exc}") from exc
    return client


def new_worker_id() -> str:
    """`host:pid:random`: unique across machines and restarts, readable in logs."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class RedisKeys:
    """Every Redis key newscrawl uses, under one prefix (`NEWSCRAWL_REDIS_PREFIX`, default `newscrawl`)."""

    prefix: str = "newscrawl"

    @property
    def workers(self) -> str:
        """Hash: worker id → name of the spider it crawls. Registered workers, live or not yet reaped."""
        return f"{self.prefix}:workers"

    def heartbeat(self, worker: str) -> str:
        """String with a TTL, refreshed by the worker; its expiry is the worker's death certificate."""
        return f"{self.prefix}:heartbeat:{worker}"

    def requests(self, spider: str) -> str:
        """Sorted set: the shared queue (scrapy-redis's PriorityQueue layout)."""
        return f"{self.prefix}:{spider}:requests"

    def dupefilter(self, spider: str) -> str:
        """Set: fingerprints of every request queued in this crawl (scrapy-redis's RFPDupeFilter)."""
        return f"{self.prefix}:{spider}:dupefilter"

    def leases(self, spider: str, worker: str) -> str:
        """Hash: lease token → `score\\nrequest` for the requests a worker has taken and not finished."""
        return f"{self.prefix}:{spider}:leases:{worker}"

    def lease_seq(self, spider: str) -> str:
        return f"{self.prefix}:{spider}:lease_seq"

    def seeded(self, spider: str) -> str:
        """String: `seeding:<worker>` while a worker queues the start requests, then `done`."""
        return f"{self.prefix}:{spider}:seeded"

    @property
    def items(self) -> str:
        """List: records (articles, raw pages, run stats) from every worker, for the store worker."""
        return f"{self.prefix}:items"

    @property
    def storing(self) -> str:
        """List: records the store worker has taken and not yet written (put back if it dies)."""
        return f"{self.prefix}:items:storing"

    @property
    def failed(self) -> str:
        """List: records the store worker could not write, kept for inspection instead of lost."""
        return f"{self.prefix}:items:failed"


def keys_from_settings(settings: BaseSettings) -> RedisKeys:
    return RedisKeys(settings.get("NEWSCRAWL_REDIS_PREFIX") or "newscrawl")


def crawl_connection(crawler: Any) -> tuple[redis.Redis, RedisKeys, str]:
    """The Redis client, key names and worker id of a crawler, shared by all its components."""
    cached = getattr(crawler, "_newscrawl_redis", None)
    if cached is None:
        settings = crawler.settings
        url = settings.get("NEWSCRAWL_REDIS_URL")
        if not url:
            raise DistributedModeError("NEWSCRAWL_REDIS_URL is not set")
        worker = settings.get("NEWSCRAWL_REDIS_WORKER_ID") or new_worker_id()
        cached = (redis_client(url), keys_from_settings(settings), worker)
        crawler._newscrawl_redis = cached
    return cached  # type: ignore[no-any-return]
