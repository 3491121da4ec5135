"""Extraction quality and speed: newscrawl against trafilatura and GNE, same pages, same process.

    .venv/bin/python bench/extract_quality.py [--rounds N] [--pages] [--tool NAME …]

Needs the `bench` extra (`pip install -e '.[bench]'`: trafilatura, gne) and the shared corpus
(`../shared/corpus`, or `$NEWSCRAWL_CORPUS`). Every page of `pages/*/` with a `.truth.json` is
scored (see `bench/scoring.py`): body F1 over character bigrams, date accuracy (Y-M-D, where the
truth gives a full date), author accuracy (every annotated name found), per set and overall.

What each tool is given, as its users would give it:
- newscrawl: the raw bytes and the page URL; `extract()` then `clean_article()` — what the crawl
  stores. `newscrawl (extract only)` times the engine without the cleaning room;
- trafilatura: the raw bytes and URL, `bare_extraction(with_metadata=True)`;
- GNE: the page decoded the way Scrapy decodes `response.text` (w3lib), `GeneralNewsExtractor().extract()`.

Speed: each tool runs over all pages once to warm up, then `--rounds` timed passes (tools
interleaved, so machine load hits them alike); the best pass counts. Pages/second is pages over
the CPU time of this process spent inside the tool's calls (`time.process_time`: all three are
single-threaded, and CPU time does not count what other processes on a shared machine take).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scoring import Score, TruthPage, truth_pages
from newscrawl.clean import clean_article
from newscrawl.extract import extract
from newscrawl.paths import corpus_dir


@dataclass
class Output:
    body: str
    date: str | None
    authors: list[str] | str | None


Tool = Callable[[TruthPage, bytes], Output]


def run_newscrawl(page: TruthPage, raw: bytes) -> Output:
    result = extract(raw, page.url)
    if result.article is None:
        return Output("", None, None)
    article = clean_article(result.article)
    return Output(article.body, article.published_at, article.authors)


def run_newscrawl_extract_only(page: TruthPage, raw: bytes) -> Output:
    result = extract(raw, page.url)
    if result.article is None:
        return Output("", None, None)
    return Output(result.article.body, result.article.published_at, result.article.authors)


def make_trafilatura() -> Tool:
    import trafilatura

    def run(page: TruthPage, raw: bytes) -> Output:
        doc = trafilatura.bare_extraction(raw, url=page.url or None, with_metadata=True)
        if doc is None:
            return Output("", None, None)
        return Output(doc.text or "", doc.date, doc.author)

    return run


def make_gne() -> Tool:
    from gne import GeneralNewsExtractor
    from w3lib.encoding import html_to_unicode

    extractor = GeneralNewsExtractor()

    def run(page: TruthPage, raw: bytes) -> Output:
        _, html = html_to_unicode(None, raw)
        try:
            result = extractor.extract(html)
        except Exception:  # GNE raises on pages it cannot handle; that page scores zero
            return Output("", None, None)
        return Output(result.get("content") or "", result.get("publish_time"), result.get("author"))

    return run


TOOLS: dict[str, Callable[[], Tool]] = {
    "newscrawl": lambda: run_newscrawl,
    "newscrawl (extract only)": lambda: run_newscrawl_extract_only,
    "trafilatura": make_trafilatura,
    "gne": make_gne,
}


def _fmt(value: float | None, n: int) -> str:
    return "—" if value is None else f"{value:.3f} ({n})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5, help="timed passes per tool (best counts)")
    parser.add_argument("--pages", action="store_true", help="also print each page's scores")
    parser.add_argument("--tool", action="append", choices=list(TOOLS), help="only these tools")
    args = parser.parse_args(argv)

    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    corpus = corpus_dir()
    pages = list(truth_pages(corpus))
    if not pages:
        print(f"no pages with truth under {corpus}/pages (set NEWSCRAWL_CORPUS)", file=sys.stderr)
        return 1
    raws = [p.path.read_bytes() for p in pages]
    names = args.tool or list(TOOLS)
    try:
        tools = {name: TOOLS[name]() for name in names}
    except ImportError as exc:
        print(f"missing bench dependency ({exc}); pip install -e '.[bench]'", file=sys.stderr)
        return 1

    outputs: dict[str, list[Output]] = {}
    for name, tool in tools.items():  # warm-up pass, also the pass that is scored
        outputs[name] = [tool(page, raw) for page, raw in zip(pages, raws, strict=True)]
    best: dict[str, float] = {}
    for _ in range(max(1, args.rounds)):
        for name, tool in tools.items():
            spent = 0.0
            for page, raw in zip(pages, raws, strict=True):
                start = time.process_time()
                tool(page, raw)
                spent += time.process_time() - start
            best[name] = min(best.get(name, spent), spent)

    sets = sorted({p.set for p in pages})
    scores: dict[tuple[str, str], Score] = {}
    for name in tools:
        for page, out in zip(pages, outputs[name], strict=True):
            for key in ((name, page.set), (name, "all")):
                scores.setdefault(key, Score()).add(page, out.body, out.date, out.authors)

    total_bytes = sum(map(len, raws))
    print(
        f"corpus: {corpus} — {len(pages)} pages with truth, {total_bytes / 1e6:.1f} MB; best of {args.rounds} rounds"
    )
    print()
    print("| set | tool | pages | body F1 | date acc. (n) | author acc. (n) | pages/s |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for set_name in [*sets, "all"]:
        for name in tools:
            s = scores[(name, set_name)]
            speed = f"{len(pages) / best[name]:.1f}" if set_name == "all" else ""
            label = f"**{set_name}**" if set_name == "all" else set_name
            print(
                f"| {label} | {name} | {s.pages} | {s.f1:.3f} | {_fmt(s.date_accuracy, s.dates)} "
                f"| {_fmt(s.author_accuracy, s.authors)} | {speed} |"
            )
    if "newscrawl" in best and "trafilatura" in best:
        print()
        ratio = best["trafilatura"] / best["newscrawl"]
        print(f"throughput newscrawl / trafilatura: {ratio:.2f}x (extract + clean)")
        if "newscrawl (extract only)" in best:
            ratio = best["trafilatura"] / best["newscrawl (extract only)"]
            print(f"throughput newscrawl extract only / trafilatura: {ratio:.2f}x")
    if args.pages:
        print()
        from bench.scoring import authors_right, bigram_f1, ymd

        for i, page in enumerate(pages):
            cells = []
            for name in tools:
                out = outputs[name][i]
                f1 = bigram_f1(out.body, page.truth.get("body") or "")
                date = "" if page.date_truth is None else ("D" if ymd(out.date) == page.date_truth else "d")
                who = (
                    ""
                    if not page.author_truth
                    else ("A" if authors_right(out.authors, page.author_truth) else "a")
                )
                cells.append(f"{name[:9]:>9} {f1:.2f}{date:1}{who:1}")
            print(f"{page.set}/{page.id[:24]:<24} " + "  ".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
