"""Search latency on the export bench's database: trigram phrases, two-character terms through the
index vocabulary, and the scan they would otherwise need.

    .venv/bin/python bench/search.py [--db /tmp/newscrawl-bench/export.db] [--repeat 5]

Run `bench/export.py` first: it builds the database (100,000 articles). For each query this prints
the hits, how the terms were matched (phrase, N trigrams, scan), and the median milliseconds of
`newscrawl.store.search.search(limit=20)` over `--repeat` runs (snippets included). The reference is
the obvious way to find a substring in SQLite: `instr()` over every article's Simplified text, the same
ranking left out (so it is the cheaper of the two). For two-character terms the bench also forces the
scan path (`MAX_EXPANSION = 0`) and checks that both ways find the same articles.

It also prints where the database's bytes go (SQLite's `dbstat`), the cost of the index.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newscrawl.store import Store
from newscrawl.store import search as search_module
from newscrawl.store.filters import ArticleFilter
from newscrawl.store.search import compile_query, search

QUERIES = ["犯罪嫌疑人", "人民法院", "非法集资", "诈骗", "法院", "民警", "长沙", "诈骗 长沙", "骗"]


def median_ms(fn: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def matched_urls(store: Store, query: str) -> set[str]:
    where, params = ArticleFilter(query=query).where(store, "a")
    return {r[0] for r in store.conn.execute(f"SELECT a.canonical_url FROM articles a WHERE {where}", params)}


def scan_urls(store: Store, terms: tuple[str, ...]) -> set[str]:
    cond = " AND ".join(
        "(instr(COALESCE(title_simplified, title), ?) > 0 OR instr(COALESCE(body_simplified, body), ?) > 0)"
        for _ in terms
    )
    params = [t for term in terms for t in (term, term)]
    return {r[0] for r in store.conn.execute(f"SELECT canonical_url FROM articles WHERE {cond}", params)}


def how(store: Store, query: str) -> str:
    compiled = compile_query(store, query)
    parts = []
    for term in compiled.terms:
        if term in compiled.scanned:
            parts.append(f"{term}: scan")
        elif term in compiled.expansions:
            parts.append(f"{term}: {compiled.expansions[term]} trigrams")
        else:
            parts.append(f"{term}: phrase")
    return ", ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/newscrawl-bench/export.db"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not args.db.exists():
        raise SystemExit(f"no database at {args.db}: run bench/export.py first")
    with Store(args.db) as store:
        n = store.count_articles()
        print(f"database: {n:,} articles, {args.db.stat().st_size / 1e6:,.0f} MB")
        try:
            sizes = dict(
                store.conn.execute(
                    "SELECT CASE WHEN name LIKE 'articles_fts%' THEN 'search index (articles_fts*)'"
                    " WHEN name LIKE 'sqlite_autoindex_articles%' OR name LIKE 'articles_%' THEN 'articles indexes'"
                    " ELSE name END AS part, SUM(pgsize) / 1e6 FROM dbstat GROUP BY part ORDER BY 2 DESC"
                )
            )
            print("  " + ", ".join(f"{part} {size:,.0f} MB" for part, size in sizes.items()))
        except Exception as exc:  # dbstat is a compile-time option of SQLite
            print(f"  (no size breakdown: {exc})")

        print(f"\n{'query':<12}{'hits':>8}{'search ms':>11}{'scan ms':>9}{'ratio':>8}  matched by")
        for query in QUERIES:
            compiled = compile_query(store, query)
            hits = len(matched_urls(store, query))
            ms = median_ms(lambda q=query: search(store, ArticleFilter(query=q), limit=20), args.repeat)  # type: ignore[misc]
            scan = median_ms(lambda t=compiled.terms: scan_urls(store, t), max(1, args.repeat // 2))  # type: ignore[misc]
            print(f"{query:<12}{hits:>8,}{ms:>11.1f}{scan:>9.1f}{scan / ms:>7.1f}x  {how(store, query)}")

        print("\ntwo-character terms, vocabulary expansion vs forced scan (same hits required):")
        for query in ("诈骗", "法院", "民警", "长沙"):
            expanded = matched_urls(store, query)
            search_module.MAX_EXPANSION, saved = 0, search_module.MAX_EXPANSION
            try:
                scanned = matched_urls(store, query)
                forced = median_ms(
                    lambda q=query: search(store, ArticleFilter(query=q), limit=20), args.repeat
                )  # type: ignore[misc]
            finally:
                search_module.MAX_EXPANSION = saved
            fast = median_ms(lambda q=query: search(store, ArticleFilter(query=q), limit=20), args.repeat)  # type: ignore[misc]
            same = "same hits" if expanded == scanned == scan_urls(store, (query,)) else "DIFFERENT HITS"
            print(
                f"  {query}: {fast:.1f} ms by the index, {forced:.1f} ms by scan ({forced / fast:.1f}x); {same}"
            )

        # The synthetic texts are drawn from a small pool of paragraphs, so their two-character terms
        # start few distinct trigrams; a large real corpus has many more. The trigrams starting with
        # one common character stand in for such a term here, to show what the thresholds guard.
        print(
            f"\nlarge expansions (thresholds: bm25 up to {search_module.MAX_RANKED_EXPANSION} trigrams,"
            f" index up to {search_module.MAX_EXPANSION}, scan beyond):"
        )
        for prefix in ("律", "法", "人"):
            terms = [
                r[0]
                for r in store.conn.execute(
                    "SELECT term FROM articles_fts_vocab WHERE term > ? AND term < ?",
                    (prefix, prefix + "\U0010ffff"),
                )
            ]
            expr = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
            match_ms = median_ms(
                lambda e=expr: store.conn.execute(  # type: ignore[misc]
                    "SELECT a.canonical_url FROM articles a WHERE a.rowid IN"
                    " (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?) ORDER BY a.published_at DESC LIMIT 20",
                    (e,),
                ).fetchall(),
                3,
            )
            ranked_ms = median_ms(
                lambda e=expr: store.conn.execute(  # type: ignore[misc]
                    "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY bm25(articles_fts) LIMIT 20",
                    (e,),
                ).fetchall(),
                3,
            )
            scan_ms = median_ms(lambda p=prefix: scan_urls(store, (p,)), 3)  # type: ignore[misc]
            print(
                f"  {len(terms):>5} trigrams (those starting with {prefix}): index, newest first {match_ms:,.0f} ms;"
                f" bm25-ranked {ranked_ms:,.0f} ms; scan {scan_ms:,.0f} ms"
            )


if __name__ == "__main__":
    main()
