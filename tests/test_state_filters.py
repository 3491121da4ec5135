"""The in-memory shortcuts in front of the crawl's SQLite lookups answer as the database does.

- `BloomFilter`: never "no" for a key it was given, and "no" for most others.
- The seen-set filter (`newscrawl.state.frontier.seen_filter`): holds every fingerprint of a job's
  `frontier_seen`, the ones an interrupted run left included.
- `KnownUrls` (`find_stored`, `page_validators`): the same answers with and without it, for URLs
  stored before it was set up, written through either watched connection afterwards, written by a
  real crawl, and never stored.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

from newscrawl.extensions import CrawlSession
from newscrawl.state.frontier import seen_filter
from newscrawl.store import Store
from newscrawl.store.bloom import BloomFilter, BoundedSet, text_key
from newscrawl.store.frontier import add_seen, is_seen, open_job
from newscrawl.store.history import KnownUrls, find_stored, page_validators
from tests.conftest import query
from tests.statesite import StateSite, crawl_site
from tests.test_state_store import add_alias
from tests.test_store import make_article

AT = "2024-03-15T09:30:00+08:00"


def test_a_bloom_filter_never_forgets_and_rarely_imagines() -> None:
    rng = random.Random(10)
    keys = [rng.getrandbits(64) - (1 << 63) for _ in range(50_000)]
    bloom = BloomFilter(bits_log2=20)
    bloom.update(keys)
    assert all(k in bloom for k in keys)
    others = [rng.getrandbits(64) for _ in range(20_000)]
    imagined = sum(k in bloom for k in others if k not in set(keys))
    # 50,000 keys in 2**20 bits with three positions: about 0.2% false positives; a broken position
    # function (all keys on a few bits) would answer "maybe" to nearly everything.
    assert imagined < 200
    text = BloomFilter(bits_log2=20)
    urls = [f"http://127.0.0.1/court/2024/{i}.html" for i in range(5000)]
    for url in urls:
        text.add(text_key(url))
    assert all(text_key(u) in text for u in urls)
    assert sum(text_key(u + "?x") in text for u in urls) < 50


def test_a_bounded_set_forgets_the_oldest_first() -> None:
    recent: BoundedSet[int] = BoundedSet(maxlen=3)
    for key in (1, 2, 3, 1, 4):  # 1 again: still the oldest entry (an answer, not a use count)
        recent.add(key)
    assert len(recent) == 3
    assert 1 not in recent and 2 in recent
    assert 4 in recent and 3 in recent


def test_the_seen_filter_holds_what_the_job_had_seen(db_path: Path) -> None:
    with Store(db_path) as store:
        run_id = store.start_run("news")
        with store.transaction():
            job = open_job(store.conn, job_key="news", spider="news", run_id=run_id, at=AT)
            fingerprints = [random.Random(3).getrandbits(64) - (1 << 63) for _ in range(2000)]
            for fp in fingerprints:
                add_seen(store.conn, job.id, fp)
        session = CrawlSession(store, run_id, job=job)
        filt = seen_filter(session, job)
        assert all(fp in filt for fp in fingerprints)
        # Where the filter says "no", so does the table: checked for fingerprints of other jobs too.
        with store.transaction():
            add_seen(store.conn, job.id + 1, 12345)
        for fp in [12345, *range(-500, 500)]:
            if fp not in filt:
                assert not is_seen(store.conn, job.id, fp)
        assert sum(fp in filt for fp in range(-500, 500)) < 10


def test_the_seen_filter_after_an_interrupted_crawl(tmp_path: Path) -> None:
    """A run cut short leaves its job's seen set behind; the next run's filter holds all of it."""
    db = tmp_path / "cut.db"
    with StateSite(articles=40, delay=0.05) as site:
        crawl_site(db, site, "CLOSESPIDER_PAGECOUNT=8")
    left = [int(r[0]) for r in query(db, "SELECT fingerprint FROM frontier_seen")]
    assert left, "the cut-short run left no seen set: nothing to check"
    job_id, job_key = query(db, "SELECT id, job_key FROM crawl_jobs WHERE finished_at IS NULL")[0]
    with Store(db) as store:
        job = open_job(store.conn, job_key=job_key, spider="news", run_id=store.start_run("news"), at=AT)
        assert job.id == job_id and job.resumed
        filt = seen_filter(CrawlSession(store, 0, job=job), job)
        assert all(fp in filt for fp in left)


URLS = [f"http://127.0.0.1/court/202403/15/content_{n}.html" for n in range(1, 40)]


def answers(conn: sqlite3.Connection, urls: list[str], known: KnownUrls | None) -> list[object]:
    return [(find_stored(conn, u, known), page_validators(conn, u, known)) for u in urls]


def save_page(store: Store, url: str, etag: str) -> None:
    store.write_page(url, status=200, headers={"ETag": [etag]}, body=b"<html></html>", fetched_at=AT)


def test_known_urls_answer_as_the_tables_do(tmp_path: Path) -> None:
    db = tmp_path / "known.db"
    with Store(db) as writer, Store(db) as reader:
        # Before the filter: an article, an alias, a page.
        with writer.transaction():
            writer.write_article(make_article(1))
            add_alias(writer, URLS[20], make_article(1).canonical_url)
            save_page(writer, URLS[21], '"a"')
        known = KnownUrls(bits_log2=16)
        known.watch(reader.conn)
        with writer.transaction():
            known.watch(writer.conn)
            known.fill(writer.conn)
            # Written in the same transaction after the fill: the trigger has it.
            writer.write_article(make_article(2))
        known.ready = True
        # After: through the writer's connection and the reader's, an alias moved by an update.
        with writer.transaction():
            writer.write_article(make_article(3))
            save_page(writer, URLS[22], '"b"')
            add_alias(writer, URLS[23], make_article(3).canonical_url)
            writer.conn.execute(
                "UPDATE article_aliases SET alias_url = ? WHERE alias_url = ?", (URLS[24], URLS[23])
            )
        with reader.transaction():
            save_page(reader, URLS[25], '"c"')
            reader.write_article(make_article(4))
        stored = [r[0] for r in reader.conn.execute("SELECT canonical_url FROM articles")]
        stored += [r[0] for r in reader.conn.execute("SELECT url FROM articles")]
        stored += [r[0] for r in reader.conn.execute("SELECT alias_url FROM article_aliases")]
        stored += [r[0] for r in reader.conn.execute("SELECT url FROM pages")]
        candidates = sorted(set(URLS + stored))
        assert answers(reader.conn, candidates, known) == answers(reader.conn, candidates, None)
        found = [
            u
            for u, (a, v) in zip(candidates, answers(reader.conn, candidates, None), strict=True)
            if a or v[0]
        ]
        assert len(found) >= 8, "the comparison needs URLs the store does know"
        # The point of it: most unknown URLs are answered without a query.
        unknown = [f"http://127.0.0.1/police/{n}.html" for n in range(1000)]
        assert sum(known.may_know(u) for u in unknown) < 50


def test_known_urls_after_a_real_crawl(tmp_path: Path) -> None:
    """A crawl stores articles (with their pages); a second crawl of a changed site asks again. A
    filter filled from what the crawls left gives every lookup the database's answer."""
    db = tmp_path / "crawled.db"
    with StateSite(articles=15) as site:
        assert crawl_site(db, site).returncode == 0
        assert crawl_site(db, site, "NEWSCRAWL_REFRESH=1").returncode == 0
        stored = [r[0] for r in query(db, "SELECT url FROM articles")]
        pages = [r[0] for r in query(db, "SELECT url FROM pages")]
        assert len(stored) == 15 and pages
        never = [f"{site.start_url.rstrip('/')}/never/{n}.html" for n in range(50)]
    with Store(db) as store:
        known = KnownUrls()
        known.watch(store.conn)
        known.fill(store.conn)
        known.ready = True
        candidates = stored + pages + never
        assert answers(store.conn, candidates, known) == answers(store.conn, candidates, None)
        assert sum(known.may_know(u) for u in never) < 5
