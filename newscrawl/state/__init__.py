"""Crawl state for incremental, kill-safe scheduled runs.

- `writer.BatchWriter`: every write of a crawl, in order, in small transactions, off the reactor;
- `frontier.FrontierScheduler` / `frontier.FrontierDupeFilter`: the pending requests and the seen set
  live in SQLite (`newscrawl.store.frontier`), so a killed run resumes where it stopped;
- `lock`: one crawl per database; `health`: the rules a scheduled run is judged by;
- `engine`: the two engine internals the frontier relies on, in one place.

Select them through settings (`SCHEDULER`, `DUPEFILTER_CLASS`); the revisit policy and conditional GET
are middlewares (`newscrawl.middlewares.revisit`) and work under any scheduler.
"""
