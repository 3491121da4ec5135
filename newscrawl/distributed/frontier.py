"""The shared frontier: scrapy-redis's priority queue, popped reliably, and the registry of workers.

Stock scrapy-redis pops a request destructively (ZRANGE + ZREMRANGEBYRANK): a worker killed with
requests in flight loses them. Here a pop is a *lease*: one Lua script takes the best request off the
queue and files it, with its score, in the worker's lease hash. The worker acknowledges (deletes) the
lease once the engine is done with the request. Each worker refreshes a heartbeat key with a TTL;
`reap()` — run by every live worker and by the store worker — moves the leases of any registered
worker whose heartbeat has expired back into the queue. Delivery is therefore at least once: a page
in flight at a worker's death is fetched again, and the store's upsert by canonical URL keeps one row.

All multi-key steps are Lua scripts, so two reapers, or a reaper and a dying worker, cannot both
re-queue one lease, and no request is ever in neither place.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy_redis.queue import PriorityQueue

if TYPE_CHECKING:
    import redis
    from scrapy import Request, Spider

    from newscrawl.distributed.connection import RedisKeys

logger = logging.getLogger(__name__)

# KEYS: queue, leases, lease_seq. Returns {token, request} or nil.
_LEASE = """
local popped = redis.call('ZPOPMIN', KEYS[1])
if #popped == 0 then return false end
local token = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[2], token, popped[2] .. '\\n' .. popped[1])
return {token, popped[1]}
"""

# Put every lease of one worker back into its spider's queue. Shared by reap and release.
_REQUEUE_FN = """
local function requeue(prefix, worker, spider)
  local leases = prefix .. ':' .. spider .. ':leases:' .. worker
  local queue = prefix .. ':' .. spider .. ':requests'
  local entries = redis.call('HVALS', leases)
  for _, entry in ipairs(entries) do
    local cut = string.find(entry, '\\n', 1, true)
    redis.call('ZADD', queue, tonumber(string.sub(entry, 1, cut - 1)), string.sub(entry, cut + 1))
  end
  redis.call('DEL', leases)
  local seeded = prefix .. ':' .. spider .. ':seeded'
  if redis.call('GET', seeded) == 'seeding:' .. worker then
    -- it died while queueing the start requests: let the next worker seed again
    redis.call('DEL', seeded)
  end
  return #entries
end
"""

# KEYS: workers. ARGV: prefix. Reap every registered worker without a heartbeat.
# Returns a flat list {worker, spider, requeued, ...}.
_REAP = (
    _REQUEUE_FN
    + """
local out = {}
local registry = redis.call('HGETALL', KEYS[1])
for i = 1, #registry, 2 do
  local worker, spider = registry[i], registry[i + 1]
  if redis.call('EXISTS', ARGV[1] .. ':heartbeat:' .. worker) == 0 then
    local n = requeue(ARGV[1], worker, spider)
    redis.call('HDEL', KEYS[1], worker)
    table.insert(out, worker)
    table.insert(out, spider)
    table.insert(out, n)
  end
end
return out
"""
)

# KEYS: workers. ARGV: prefix, worker, spider, persist ("1"/"0").
# Deregister a worker that is closing; requeue what it still holds; when it was the spider's last
# worker and nothing is left to do, end the crawl (forget fingerprints and the seed mark) unless
# persist. Returns {requeued, ended}.
_RELEASE = (
    _REQUEUE_FN
    + """
local prefix, worker, spider = ARGV[1], ARGV[2], ARGV[3]
local n = requeue(prefix, worker, spider)
redis.call('HDEL', KEYS[1], worker)
redis.call('DEL', prefix .. ':heartbeat:' .. worker)
local others = 0
local registry = redis.call('HGETALL', KEYS[1])
for i = 2, #registry, 2 do
  if registry[i] == spider then others = others + 1 end
end
local ended = 0
if others == 0 and redis.call('ZCARD', prefix .. ':' .. spider .. ':requests') == 0 then
  ended = 1
  if ARGV[4] ~= '1' then
    redis.call('DEL', prefix .. ':' .. spider .. ':dupefilter', prefix .. ':' .. spider .. ':seeded',
               prefix .. ':' .. spider .. ':lease_seq')
  end
end
return {n, ended}
"""
)

# KEYS: workers. ARGV: prefix, spider. Work left in the crawl: queued + leased by any worker,
# plus one while a worker is still queueing the start requests.
_OUTSTANDING = """
local prefix, spider = ARGV[1], ARGV[2]
local total = redis.call('ZCARD', prefix .. ':' .. spider .. ':requests')
local registry = redis.call('HGETALL', KEYS[1])
for i = 1, #registry, 2 do
  if registry[i + 1] == spider then
    total = total + redis.call('HLEN', prefix .. ':' .. spider .. ':leases:' .. registry[i])
  end
end
local seeded = redis.call('GET', prefix .. ':' .. spider .. ':seeded')
if seeded and string.sub(seeded, 1, 8) == 'seeding:' then total = total + 1 end
return total
"""


class ReliablePriorityQueue(PriorityQueue):  # type: ignore[misc]
    """scrapy-redis's `PriorityQueue` (same key layout, same encoding) with leased pops."""

    def __init__(
        self,
        server: redis.Redis,
        spider: Spider,
        key: str,
        *,
        leases_key: str,
        lease_seq_key: str,
        serializer: Any = None,
    ) -> None:
        super().__init__(server, spider, key, serializer=serializer)
        self.leases_key = leases_key
        self.lease_seq_key = lease_seq_key
        self._lease = server.register_script(_LEASE)

    def lease(self) -> tuple[str, Request] | None:
        """Take the best request and file it as leased to this worker; None when the queue is empty."""
        found = self._lease(keys=[self.key, self.leases_key, self.lease_seq_key])
        if not found:
            return None
        token, data = found
        return token.decode() if isinstance(token, bytes) else str(token), self._decode_request(data)

    def ack(self, tokens: list[str]) -> None:
        """The engine is done with these leased requests."""
        if tokens:
            self.server.hdel(self.leases_key, *tokens)

    def leased(self) -> int:
        return int(self.server.hlen(self.leases_key))


class WorkerRegistry:
    """Registration, heartbeats and reaping of the workers that share one Redis."""

    def __init__(self, server: redis.Redis, keys: RedisKeys) -> None:
        self.server = server
        self.keys = keys
        self._reap = server.register_script(_REAP)
        self._release = server.register_script(_RELEASE)
        self._outstanding = server.register_script(_OUTSTANDING)

    def register(self, worker: str, spider: str, timeout: float) -> None:
        pipe = self.server.pipeline()
        pipe.set(self.keys.heartbeat(worker), spider, px=int(timeout * 1000))
        pipe.hset(self.keys.workers, worker, spider)
        pipe.execute()

    def beat(self, worker: str, spider: str, timeout: float) -> None:
        """Refresh the heartbeat; re-register if a reaper already gave this worker up for dead."""
        self.register(worker, spider, timeout)

    def reap(self) -> list[tuple[str, str, int]]:
        """Re-queue the leases of every registered worker whose heartbeat expired; (worker, spider, n)."""
        flat = self._reap(keys=[self.keys.workers], args=[self.keys.prefix])
        reaped = []
        for i in range(0, len(flat), 3):
            worker, spider, n = flat[i].decode(), flat[i + 1].decode(), int(flat[i + 2])
            logger.warning(
                "Worker %s (%s) stopped sending heartbeats: %d in-flight request(s) put back in the queue",
                worker,
                spider,
                n,
            )
            reaped.append((worker, spider, n))
        return reaped

    def release(self, worker: str, spider: str, *, persist: bool) -> tuple[int, bool]:
        """Deregister a closing worker; returns (requests put back, whether the crawl ended)."""
        n, ended = self._release(
            keys=[self.keys.workers], args=[self.keys.prefix, worker, spider, "1" if persist else "0"]
        )
        return int(n), bool(ended)

    def outstanding(self, spider: str) -> int:
        """Requests queued or leased by any worker of `spider` (+1 while its seeding is under way)."""
        return int(self._outstanding(keys=[self.keys.workers], args=[self.keys.prefix, spider]))

    def workers(self, spider: str | None = None) -> dict[str, str]:
        """Registered workers (worker id → spider), optionally of one spider only."""
        registry: dict[bytes, bytes] = self.server.hgetall(self.keys.workers)  # type: ignore[assignment]
        found = {k.decode(): v.decode() for k, v in registry.items()}
        return {w: s for w, s in found.items() if spider is None or s == spider}
