"""Near-duplicate lookups at scale: newscrawl's SQLite story index against datasketch's MinHashLSH.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/dedup.py [--articles 200000] [--queries 2000] [--db PATH] [--no-reference]

Articles are synthetic, derived from real bodies by edits: the corpus's human-extracted bodies
(`pages/*/*.truth.json`) and the seed page are cut into sentences; an article is 3-12 paragraphs of
1-4 sentences drawn at random, each sentence with 5% of its characters replaced, so two articles
share no more than real articles of one beat do. One article in ten is a reprint of an earlier one
on another site: new headline, one paragraph in ten rewritten (30% of its characters replaced).
Everything is seeded: two runs build the same articles.

1. build: every article goes through `StoryIndex.place` and `Store.save_article`, as in the
   pipeline (one transaction each, WAL file on disk); the time per article is printed.
2. lookup: `--queries` lookups, half reprints of stored articles (edited as above; the story they
   should find is known), half new articles (they should find nothing). One lookup is what the
   pipeline does per article before deciding: comparable text -> shingles -> sketch -> band keys
   -> SQL -> verification of the best candidates on their stored text. p50/p99/max are printed,
   with the sketch part alone, recall and false matches.
3. index size: bytes of the dedup tables and indexes (SQLite's dbstat), per article; and the
   once-per-crawl check that every stored article is indexed.
4. reference: datasketch `MinHash` (96 permutations, fed the same 32-bit shingle hashes, so no
   time goes to its sha1) and `MinHashLSH` with the same 32 x 3 bands, in memory, over the same
   articles; its lookup (shingles -> MinHash -> query -> estimated Jaccard of each candidate)
   is timed on the same queries; the ratio of the two is printed.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import random
import re
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from newscrawl.dedup import StoryIndex, comparable_text
from newscrawl.dedup.index import DEFAULT_THRESHOLD, DUPLICATE
from newscrawl.dedup.minhash import DEFAULT_LAYOUT, jaccard, shingle_hashes
from newscrawl.items import Article
from newscrawl.paths import PROJECT_ROOT, corpus_dir
from newscrawl.store import Store

SENTENCE_END = re.compile(r"(?<=[。！？!?])|\n")


@dataclass
class Synthetic:
    n: int
    title: str
    paragraphs: list[str]
    source: int | None
    """For a reprint: the article it copies."""


def sentence_pool() -> tuple[list[str], str]:
    corpus = corpus_dir()
    texts: list[str] = []
    for path in sorted((corpus / "pages").glob("*/*.truth.json")):
        texts.append(json.loads(path.read_text(encoding="utf-8"))["body"])
    seed = corpus / "seed" / "000_0f022602a2c961b3.txt"
    if seed.is_file():
        from newscrawl.clean import clean_article
        from newscrawl.extract import extract_plain_text

        extraction = extract_plain_text(seed.read_text(encoding="utf-8"), "file:///seed.txt")
        if extraction.article is not None:
            texts.append(clean_article(extraction.article).body_simplified or "")
    if not texts:
        fixture = PROJECT_ROOT / "tests" / "fixtures" / "clean" / "hans_article.txt"
        texts.append(fixture.read_text(encoding="utf-8"))
        origin = f"fixture {fixture.name} (shared corpus absent)"
    else:
        origin = f"{len(texts)} corpus bodies"
    sentences = [s.strip() for t in texts for s in SENTENCE_END.split(t) if len(s.strip()) >= 12]
    return sentences, origin


def edit(rng: random.Random, text: str, rate: float, alphabet: str) -> str:
    chars = list(text)
    for i in rng.sample(range(len(chars)), int(len(chars) * rate)):
        chars[i] = rng.choice(alphabet)
    return "".join(chars)


def generate(count: int, seed: int, pool: list[str]) -> Iterator[Synthetic]:
    rng = random.Random(seed)
    alphabet = "".join(sorted({c for s in pool for c in s if "\u4e00" <= c <= "\u9fff"}))
    made: list[Synthetic] = []
    for n in range(count):
        if n >= 10 and rng.random() < 0.1:
            source = made[rng.randrange(len(made))]
            yield reprint(rng, n, source, alphabet)
            continue
        paragraphs = [
            "".join(edit(rng, rng.choice(pool), 0.05, alphabet) for _ in range(rng.randint(1, 4)))
            for _ in range(rng.randint(3, 12))
        ]
        article = Synthetic(n, edit(rng, rng.choice(pool)[:24], 0.1, alphabet), paragraphs, None)
        made.append(article)
        yield article


def reprint(rng: random.Random, n: int, source: Synthetic, alphabet: str) -> Synthetic:
    paragraphs = list(source.paragraphs)
    for i in rng.sample(range(len(paragraphs)), max(1, math.ceil(len(paragraphs) * 0.1))):
        paragraphs[i] = edit(rng, paragraphs[i], 0.3, alphabet)
    return Synthetic(n, "转载：" + source.title[::-1], paragraphs, source.n)


def to_article(s: Synthetic) -> Article:
    body = "\n".join(s.paragraphs)
    day = 1 + s.n // 2000
    published = (
        f"2024-{1 + (day // 28) % 12:02d}-{1 + day % 28:02d}T{(s.n // 60) % 24:02d}:{s.n % 60:02d}:00+08:00"
    )
    url = f"http://site{s.n % 97}.bench.test/{s.n}.html"
    return Article(
        url=url,
        canonical_url=url,
        site=f"site{s.n % 97}",
        title=s.title,
        body=body,
        title_simplified=s.title,
        body_simplified=body,
        published_at=published,
    )


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ms(values: list[float]) -> str:
    return f"p50 {pct(values, 0.5) * 1e3:.2f} ms, p99 {pct(values, 0.99) * 1e3:.2f} ms, max {max(values) * 1e3:.2f} ms"


def rss_mb() -> float:
    try:
        import psutil

        return float(psutil.Process().memory_info().rss) / 1e6
    except ImportError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--passes", type=int, default=3, help="timed passes over the queries")
    parser.add_argument("--db", type=Path, help="database file to build (default: a temporary one)")
    parser.add_argument("--no-reference", action="store_true", help="skip the datasketch reference")
    args = parser.parse_args()

    pool, origin = sentence_pool()
    print(
        f"machine: {os.cpu_count()} cpu, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, numpy {np.__version__}"
    )
    print(f"input: {len(pool)} sentences from {origin}; {args.articles} articles, {args.queries} queries")
    print(
        f"layout: {DEFAULT_LAYOUT.name} (shingle {DEFAULT_LAYOUT.shingle}, {DEFAULT_LAYOUT.bins} bins, {DEFAULT_LAYOUT.bands} bands x {DEFAULT_LAYOUT.rows})"
    )

    tmp = tempfile.TemporaryDirectory(prefix="newscrawl-bench-")
    db = args.db or Path(tmp.name) / "dedup.db"
    if db.exists():
        raise SystemExit(f"{db} exists; give a new path")
    articles = list(generate(args.articles, args.seed, pool))
    story_of: dict[int, int] = {}

    # -- 1. build ------------------------------------------------------------------------
    place_times: list[float] = []
    with Store(db) as store:
        index = StoryIndex(store)
        start = time.perf_counter()
        for s in articles:
            article = to_article(s)
            t0 = time.perf_counter()
            placement = index.place(article)
            place_times.append(time.perf_counter() - t0)
            assert placement.outcome != DUPLICATE and placement.story_id is not None
            article.text_fingerprint = placement.fingerprint
            article.story_id, article.story_similarity = placement.story_id, placement.similarity
            store.save_article(article)
            story_of[s.n] = placement.story_id
            if (s.n + 1) % 20000 == 0:
                print(f"  built {s.n + 1} ({time.perf_counter() - start:.0f} s)", flush=True)
        build_s = time.perf_counter() - start
        reprints = [s for s in articles if s.source is not None]
        found = sum(story_of[s.n] == story_of[s.source] for s in reprints if s.source is not None)
        stories = len(set(story_of.values()))
        print(f"build: {args.articles / build_s:.0f} articles/s; place() {ms(place_times)}")
        print(
            f"       {stories} stories; {found}/{len(reprints)} built-in reprints joined their source's story"
        )

        # -- 2. lookups --------------------------------------------------------------------
        rng = random.Random(args.seed + 1)
        alphabet = "".join(sorted({c for s in pool for c in s if "\u4e00" <= c <= "\u9fff"}))
        originals = [s for s in articles if s.source is None]
        half = args.queries // 2
        queries = [(reprint(rng, -1, rng.choice(originals), alphabet), True) for _ in range(half)]
        fresh = (s for s in generate(10 * args.queries, args.seed + 2, pool) if s.source is None)
        queries += [(next(fresh), False) for _ in range(args.queries - half)]
        rng.shuffle(queries)
        texts = [comparable_text("\n".join(q.paragraphs)) for q, _ in queries]
        # How similar each reprint query really is to its source (exact, computed here): a reprint
        # whose edits pushed it below the threshold is rightly not found.
        by_n = {s.n: s for s in articles}
        truth = [
            jaccard(
                shingle_hashes(text), shingle_hashes(comparable_text("\n".join(by_n[q.source].paragraphs)))
            )
            if q.source is not None
            else 0.0
            for (q, _), text in zip(queries, texts, strict=True)
        ]
        above = sum(1 for (_, r), j in zip(queries, truth, strict=True) if r and j >= DEFAULT_THRESHOLD)
        gc.collect()
        # The machine is shared: each pass over the queries is timed on its own, and the pass with
        # the lowest p99 is the one compared (every pass is printed).
        passes: list[tuple[list[float], list[float]]] = []
        recall = recall_above = false_matches = 0
        for n_pass in range(args.passes):
            gc.collect()
            lookup_times, sketch_times = [], []
            for (q, is_reprint), text, j in zip(queries, texts, truth, strict=True):
                t0 = time.perf_counter()
                probe = index.probe(text)
                t1 = time.perf_counter()
                matches = index.lookup(probe)
                t2 = time.perf_counter()
                sketch_times.append(t1 - t0)
                lookup_times.append(t2 - t0)
                if n_pass:
                    continue
                if is_reprint:
                    assert q.source is not None
                    hit = bool(matches) and matches[0].story_id == story_of[q.source]
                    recall += hit
                    recall_above += hit and j >= DEFAULT_THRESHOLD
                else:
                    false_matches += bool(matches)
            passes.append((lookup_times, sketch_times))
            print(f"  lookup pass {n_pass + 1}: {ms(lookup_times)}")
        lookup_times, sketch_times = min(passes, key=lambda p: pct(p[0], 0.99))
        print(f"lookup (newscrawl, SQLite on disk, best pass): {ms(lookup_times)}")
        print(f"       of which shingles + sketch: {ms(sketch_times)}")
        print(
            f"       reprints found: {recall}/{half} ({above} of them at Jaccard >= {DEFAULT_THRESHOLD} to their"
            f" source: {recall_above} found); new articles matched to something: {false_matches}/{len(queries) - half}"
        )

        # Once per crawl the pipeline checks that every stored article is indexed (a scan of the
        # primary keys, not a lookup); its cost at this size:
        t0 = time.perf_counter()
        missing = index.catch_up()
        print(
            f"per-crawl check that every stored article is indexed: {(time.perf_counter() - t0) * 1e3:.0f} ms ({missing} missing)"
        )

        # -- 3. size -----------------------------------------------------------------------
        sizes = index.tables.index_size() or {}
        total = sum(sizes.values())
        print(
            f"index size: {total / 1e6:.1f} MB ({total / args.articles:.0f} bytes/article); database file {db.stat().st_size / 1e6:.0f} MB"
        )
        for name, size in sorted(sizes.items(), key=lambda kv: -kv[1]):
            print(f"       {name}: {size / 1e6:.1f} MB")

    if args.no_reference:
        return
    # -- 4. reference ------------------------------------------------------------------------
    try:
        from datasketch import LeanMinHash, MinHash, MinHashLSH
    except ImportError:
        print("reference: datasketch not installed (pip install -e '.[bench]')")
        return

    def minhash(text: str) -> MinHash:
        m = MinHash(num_perm=DEFAULT_LAYOUT.bands * DEFAULT_LAYOUT.rows, hashfunc=int)
        m.update_batch((shingle_hashes(text, DEFAULT_LAYOUT.shingle) >> np.uint64(32)).tolist())
        return m

    gc.collect()
    before = rss_mb()
    lsh = MinHashLSH(
        num_perm=DEFAULT_LAYOUT.bands * DEFAULT_LAYOUT.rows,
        params=(DEFAULT_LAYOUT.bands, DEFAULT_LAYOUT.rows),
    )
    kept: dict[int, LeanMinHash] = {}
    start = time.perf_counter()
    for s in articles:
        m = LeanMinHash(minhash(comparable_text("\n".join(s.paragraphs))))
        lsh.insert(s.n, m, check_duplication=False)
        kept[s.n] = m
    ref_build = time.perf_counter() - start
    ref_mem = rss_mb() - before
    ref_passes: list[list[float]] = []
    ref_recall = ref_above = 0
    for n_pass in range(args.passes):
        gc.collect()
        ref_times: list[float] = []
        for (q, is_reprint), text, j in zip(queries, texts, truth, strict=True):
            t0 = time.perf_counter()
            m = minhash(text)
            scored = sorted(((kept[k].jaccard(m), k) for k in lsh.query(m)), reverse=True)
            hits = [k for est, k in scored if est >= DEFAULT_THRESHOLD]
            ref_times.append(time.perf_counter() - t0)
            if not n_pass and is_reprint and hits and q.source is not None:
                hit = story_of[hits[0]] == story_of[q.source]
                ref_recall += hit
                ref_above += hit and j >= DEFAULT_THRESHOLD
        ref_passes.append(ref_times)
        print(f"  reference pass {n_pass + 1}: {ms(ref_times)}")
    ref_times = min(ref_passes, key=lambda t: pct(t, 0.99))
    print(
        f"reference (datasketch MinHashLSH, in memory, not persisted): build {args.articles / ref_build:.0f} articles/s,"
        f" ~{ref_mem:.0f} MB RSS"
    )
    print(
        f"       lookup (best pass): {ms(ref_times)}; reprints found: {ref_recall}/{half}"
        f" ({ref_above} of the {above} at Jaccard >= {DEFAULT_THRESHOLD})"
    )
    print(
        f"ratio newscrawl / datasketch lookup time: p50 {pct(lookup_times, 0.5) / pct(ref_times, 0.5):.2f}, "
        f"p99 {pct(lookup_times, 0.99) / pct(ref_times, 0.99):.2f}"
    )


if __name__ == "__main__":
    main()
