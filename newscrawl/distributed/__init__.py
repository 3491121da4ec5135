"""Distributed mode: many crawler processes sharing one frontier on Redis, through scrapy-redis.

Switched on by the setting `NEWSCRAWL_REDIS_URL` (settings.py, `$NEWSCRAWL_REDIS_URL`, `-s`, or
`newscrawl crawl --redis URL`); the single-machine SQLite mode stays the default. `RedisAddon` then
turns a crawl into a *worker* by settings alone:

- `SCHEDULER` → `RedisScheduler`: scrapy-redis's shared priority queue, popped *reliably* — each
  request a worker takes is leased (moved into that worker's lease hash in the same atomic step) and
  acknowledged only once the engine is done with it (downloaded, its links queued, its items pushed);
  a worker whose heartbeat expires has its leases put back in the queue by any live worker or the
  store worker;
- `DUPEFILTER_CLASS` → `SharedDupeFilter`, scrapy-redis's `RFPDupeFilter` (one fingerprint set per
  spider for all workers) that remembers locally what it already knows to be seen;
- `ITEM_PIPELINES` → `RedisItemPipeline` only: articles go to a Redis list, raw pages and run stats
  too (`RedisPageArchiveMiddleware`, `RedisRunRecorder`); workers never open SQLite;
- `SeedOnceMiddleware`: the spider's own `async def start()` seeds the shared queue once per crawl,
  whichever worker comes first (scrapy-redis's `RedisSpider` feeds start URLs through
  `start_requests`, which Scrapy ≥ 2.16 no longer calls).

`newscrawl store-worker` pops those records and runs the project's ordinary `ITEM_PIPELINES`
(validate → clean → dedup → store) into one SQLite file: one writer, the same schema.
"""

from __future__ import annotations

from newscrawl.distributed.addon import RedisAddon

__all__ = ["RedisAddon"]
