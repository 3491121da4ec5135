"""The shared frontier and the record lists, against a real redis-server (no crawl)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import redis
from scrapy import Request, Spider

from newscrawl.distributed.connection import DistributedModeError, RedisKeys, redis_client
from newscrawl.distributed.frontier import ReliablePriorityQueue, WorkerRegistry
from newscrawl.distributed.records import Inbox, Outbox, RecordError, parse_record
from newscrawl.distributed.testing import free_port
from tests.conftest import query
from tests.distributed_support import finish, log_tail, redis_url, start_store_worker

__all__ = ["redis_url"]  # the fixture, imported for pytest

KEYS = RedisKeys()


class _Spider(Spider):
    name = "site"

    def parse(self, response: object) -> None:
        pass


@pytest.fixture
def client(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url)


def queue_for(client: redis.Redis, worker: str) -> ReliablePriorityQueue:
    spider = _Spider()
    return ReliablePriorityQueue(
        client,
        spider,
        KEYS.requests(spider.name),
        leases_key=KEYS.leases(spider.name, worker),
        lease_seq_key=KEYS.lease_seq(spider.name),
    )


def test_a_leased_request_is_neither_lost_nor_given_twice(client: redis.Redis) -> None:
    registry = WorkerRegistry(client, KEYS)
    registry.register("w1", "site", timeout=60)
    registry.register("w2", "site", timeout=60)
    q1, q2 = queue_for(client, "w1"), queue_for(client, "w2")
    q1.push(Request("http://127.0.0.1/low", priority=0))
    q1.push(Request("http://127.0.0.1/high", priority=5))

    token, first = q1.lease() or ("", None)
    assert first is not None and first.url == "http://127.0.0.1/high"  # priority order kept
    assert len(q1) == 1 and q1.leased() == 1
    assert registry.outstanding("site") == 2  # one queued + one leased

    _, second = q2.lease() or ("", None)
    assert second is not None and second.url == "http://127.0.0.1/low"
    assert q2.lease() is None

    q1.ack([token])
    assert q1.leased() == 0
    assert registry.outstanding("site") == 1


def test_the_leases_of_a_silent_worker_go_back_to_the_queue_once(client: redis.Redis) -> None:
    registry = WorkerRegistry(client, KEYS)
    registry.register("dead", "site", timeout=0.2)
    registry.register("alive", "site", timeout=60)
    dead = queue_for(client, "dead")
    dead.push(Request("http://127.0.0.1/a", priority=3))
    dead.push(Request("http://127.0.0.1/b", priority=1))
    assert dead.lease() is not None and dead.lease() is not None
    assert len(dead) == 0

    assert registry.reap() == []  # heartbeat still fresh
    time.sleep(0.4)
    assert registry.reap() == [("dead", "site", 2)]
    assert registry.reap() == []  # a second reaper finds nothing left to move
    assert registry.workers() == {"alive": "site"}

    alive = queue_for(client, "alive")
    urls = [(alive.lease() or ("", Request("http://x")))[1].url for _ in range(2)]
    assert urls == ["http://127.0.0.1/a", "http://127.0.0.1/b"]  # with their priorities


def test_a_worker_that_dies_while_seeding_lets_the_next_one_seed(client: redis.Redis) -> None:
    registry = WorkerRegistry(client, KEYS)
    registry.register("seeder", "site", timeout=0.2)
    client.set(KEYS.seeded("site"), "seeding:seeder")
    assert registry.outstanding("site") == 1  # seeding counts as work: nobody closes meanwhile
    time.sleep(0.4)
    registry.reap()
    assert client.get(KEYS.seeded("site")) is None
    assert registry.outstanding("site") == 0


def test_the_last_worker_out_ends_the_crawl(client: redis.Redis) -> None:
    registry = WorkerRegistry(client, KEYS)
    registry.register("w1", "site", timeout=60)
    registry.register("w2", "site", timeout=60)
    client.sadd(KEYS.dupefilter("site"), "fingerprint")
    client.set(KEYS.seeded("site"), "done")
    w1 = queue_for(client, "w1")
    w1.push(Request("http://127.0.0.1/unfinished"))
    assert w1.lease() is not None

    # w1 is stopped with a request in hand: it goes back, and the crawl goes on for w2.
    assert registry.release("w1", "site", persist=False) == (1, False)
    assert client.zcard(KEYS.requests("site")) == 1
    assert client.exists(KEYS.dupefilter("site"))

    w2 = queue_for(client, "w2")
    token, _ = w2.lease() or ("", None)
    w2.ack([token])
    assert registry.release("w2", "site", persist=False) == (0, True)
    assert not client.exists(KEYS.dupefilter("site"), KEYS.seeded("site"))
    assert registry.workers() == {}


def test_records_taken_by_a_dead_store_worker_are_recovered(client: redis.Redis) -> None:
    outbox, inbox = Outbox(client, KEYS), Inbox(client, KEYS)
    for n in range(5):
        outbox.push(b'{"kind":"run","n":%d}' % n)
    taken = inbox.take(3)
    assert [parse_record(raw).data["n"] for raw in taken] == [0, 1, 2]
    inbox.ack(taken[0])
    inbox.fail(taken[1])
    assert inbox.backlog() == 3  # 2 waiting + 1 taken and unfinished
    # A new store worker puts the unfinished one back in front, in order.
    assert Inbox(client, KEYS).recover() == 1
    assert [parse_record(raw).data["n"] for raw in inbox.take(10)] == [2, 3, 4]
    assert client.lrange(KEYS.failed, 0, -1) == [taken[1]]


@pytest.mark.parametrize("raw", [b"not json", b'{"kind":"video"}', b"[1, 2]", b"\xff\xfe"])
def test_a_malformed_record_is_refused_with_a_reason(raw: bytes) -> None:
    with pytest.raises(RecordError):
        parse_record(raw)


def test_the_store_worker_sets_a_bad_record_aside_and_stores_the_rest(
    client: redis.Redis, redis_url: str, tmp_path: Path
) -> None:
    outbox = Outbox(client, KEYS)
    good = (
        '{"kind":"article","spider":"demo","worker":"w","article":{"url":"http://127.0.0.1/a/1.html","site":"demo",'
        '"title":"长沙法院审结一起案件","body":"本报讯 长沙市中级人民法院近日审结一起合同纠纷案。"}}'
    )
    untitled = '{"kind":"article","spider":"demo","worker":"w","article":{"url":"http://127.0.0.1/a/2.html"}}'
    outbox.push(b"garbage")
    outbox.push(good.encode())
    outbox.push(b'{"kind":"page","url":"http://127.0.0.1/a/3.html"}')  # fields missing
    outbox.push(untitled.encode())
    db = tmp_path / "store.db"
    store = start_store_worker(redis_url, db, tmp_path / "store.log", exit_when_idle=1)
    assert finish(store, tmp_path / "store.log") == 0, log_tail(tmp_path / "store.log")

    rows = query(db, "SELECT canonical_url, title, site FROM articles")
    assert [(r["canonical_url"], r["title"], r["site"]) for r in rows] == [
        ("http://127.0.0.1/a/1.html", "长沙法院审结一起案件", "demo")
    ]
    # The two unreadable records are kept for inspection; the untitled article was dropped by
    # the validate pipeline, as in a single-machine crawl, and is acknowledged.
    assert client.lrange(KEYS.failed, 0, -1) == [
        b"garbage",
        b'{"kind":"page","url":"http://127.0.0.1/a/3.html"}',
    ]
    assert client.llen(KEYS.items) == 0 and client.llen(KEYS.storing) == 0
    assert "Record set aside on the failed list" in (tmp_path / "store.log").read_text()


def test_an_unreachable_redis_is_a_clear_error() -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    with pytest.raises(DistributedModeError, match=f"cannot reach Redis at {url}"):
        redis_client(url)


def test_two_workers_dupefilters_agree_and_a_repeat_costs_no_round_trip(client: redis.Redis) -> None:
    from newscrawl.distributed.dupefilter import SharedDupeFilter

    a = SharedDupeFilter(client, KEYS.dupefilter("site"))
    b = SharedDupeFilter(client, KEYS.dupefilter("site"))
    first = Request("http://127.0.0.1/court/1.html")
    assert a.request_seen(first) is False
    assert b.request_seen(Request("http://127.0.0.1/court/1.html")) is True
    # Same URL in another spelling: the same fingerprint, seen.
    assert b.request_seen(Request("http://127.0.0.1/court/1.html?")) is True
    assert b.request_seen(Request("http://127.0.0.1/court/2.html")) is False
    # `a` answers a repeat from memory: even with the shared set gone it still says seen.
    client.delete(KEYS.dupefilter("site"))
    assert a.request_seen(first) is True
    assert client.scard(KEYS.dupefilter("site")) == 0
