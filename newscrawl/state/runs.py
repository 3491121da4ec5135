"""What a scheduled `newscrawl crawl` comes to: which spiders `--all` runs, which signal stopped the
run, and the exit status a cron job or a systemd unit acts on.

Exit statuses (also in the README):

- 0 every spider ran to the end and broke no health rule;
- 1 a spider could not start, or the database stopped accepting writes;
- 2 usage error (unknown spider, nothing to run);
- 3 a run broke a health rule (`newscrawl.state.health`); the state is saved as usual;
- 75 another crawl holds the database (EX_TEMPFAIL: try again later); nothing was done;
- 128 + N stopped by signal N (143 for SIGTERM, 130 for Ctrl-C) after a graceful stop: requests in
  flight were finished, pending ones stay in the frontier for the next run.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from newscrawl.state.engine import twisted_reactor

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from scrapy.spiderloader import SpiderLoaderProtocol

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNHEALTHY = 3
EXIT_LOCKED = 75
EXIT_SIGNAL_BASE = 128


def uses_database(settings: BaseSettings) -> bool:
    """Whether a crawl with these settings writes the SQLite database (and so must hold its lock).

    A worker of the distributed mode (`NEWSCRAWL_REDIS_URL` set, role `worker`) sends its results to
    Redis and opens no database: several run side by side on one machine.
    """
    return (
        not settings.get("NEWSCRAWL_REDIS_URL") or settings.get("NEWSCRAWL_REDIS_ROLE", "worker") != "worker"
    )


def has_entry_urls(spidercls: type) -> bool:
    """Whether a spider class knows where to start without arguments (`listing_urls`/`start_urls`)."""
    return bool(getattr(spidercls, "listing_urls", None) or getattr(spidercls, "start_urls", None))


def scheduled_spiders(loader: SpiderLoaderProtocol) -> tuple[list[str], list[str]]:
    """(spiders `--all` runs, spiders it skips because they need `-a` arguments), each sorted."""
    runnable: list[str] = []
    skipped: list[str] = []
    for name in sorted(loader.list()):
        (runnable if has_entry_urls(loader.load(name)) else skipped).append(name)
    return runnable, skipped


@dataclass
class SignalLog:
    """The shutdown signals the process received, recorded without replacing Scrapy's handling."""

    received: list[int] = field(default_factory=list)

    def install_when_running(self) -> None:
        """Wrap the SIGTERM/SIGINT handlers once the reactor runs (Scrapy installs its own at
        startup; wrapping them afterwards keeps its graceful-stop behaviour)."""
        reactor = twisted_reactor()
        reactor.callWhenRunning(lambda: reactor.callLater(0, self._wrap))

    def _wrap(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous = signal.getsignal(signum)
            if callable(previous):
                signal.signal(signum, self._recorder(previous))

    def _recorder(self, previous: Callable[[int, Any], Any]) -> Callable[[int, Any], Any]:
        def record(signum: int, frame: Any) -> Any:
            self.received.append(signum)
            return previous(signum, frame)

        return record


@dataclass
class Outcome:
    status: int
    messages: list[str] = field(default_factory=list)
    """One line per problem, for stderr."""


def outcome(crawlers: Iterable[Crawler], signals_received: Sequence[int]) -> Outcome:
    """The exit status of a run of these crawlers, with the reasons."""
    messages: list[str] = []
    interrupted = failed = unhealthy = False
    for crawler in crawlers:
        name = crawler.spidercls.name
        stats = crawler.stats.get_stats() if crawler.stats is not None else {}
        reason = stats.get("finish_reason")
        if reason == "shutdown":
            interrupted = True
            messages.append(f"{name}: stopped before the end; the next run resumes it")
        elif reason == "store_error":
            failed = True
            messages.append(f"{name}: stopped: the database refused writes (see the log)")
        elif reason and reason != "finished":
            # CLOSESPIDER_TIMEOUT and friends: a run capped on purpose, resumed next time.
            messages.append(f"{name}: ended early ({reason}); the next run resumes it")
        health = stats.get("newscrawl/health")
        if health and health != "ok":
            unhealthy = True
            messages.append(f"{name}: unhealthy: {health}")
    if interrupted or signals_received:
        signum = signals_received[0] if signals_received else signal.SIGTERM
        return Outcome(EXIT_SIGNAL_BASE + int(signum), messages)
    if failed:
        return Outcome(EXIT_FAILED, messages)
    if unhealthy:
        return Outcome(EXIT_UNHEALTHY, messages)
    return Outcome(EXIT_OK, messages)
