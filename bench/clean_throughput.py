"""Cleaning throughput on one core: newscrawl's cleaning room against a raw regex-only approach.

    /work/venv/bin/python bench/clean_throughput.py [--repeat N] [--seconds S]

Inputs: the seed page (Traditional, 327 inline-pinyin annotations, three garbled spans) and the
human-extracted bodies of the corpus pages (`pages/*/*.truth.json`, mostly Simplified, no pinyin).
Without the shared corpus the bench falls back to the project's own fixture.

Each line prints MB/s of UTF-8 input (best of `--repeat` timed rounds, after a warm-up that loads
the pypinyin table and the OpenCC converters), for:

- `regex-only`: one regex that strips any parenthesised Latin run, the approach the issue compares
  against (it also strips `(AI)`, `(GDP)`, `(china)`; the count of such losses is printed too);
- `strip_inline_pinyin`: the dictionary-checked removal alone;
- `clean_body`: normalisation + garbled-span repair + pinyin removal;
- `clean_article`: everything, including boilerplate lines, script detection and the Simplified form.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newscrawl.clean import clean_article, clean_body, strip_inline_pinyin
from newscrawl.items import Article
from newscrawl.paths import PROJECT_ROOT, corpus_dir

RAW_REGEX = re.compile(r"[(（][A-Za-z\u00c0-\u024f]+[0-9]?[)）]")
"""The raw approach: any parenthesised run of Latin letters (with tone marks) goes."""

GENUINE = ["人工智能(AI)", "国内生产总值(GDP)", "中国(china)", "世界贸易组织(WTO)", "个人识别码(PIN)"]
"""Parentheticals that must stay; the raw regex removes every one of them."""


def raw_regex_only(text: str) -> str:
    return RAW_REGEX.sub("", text)


def load_texts() -> tuple[str, list[str], str]:
    corpus = corpus_dir()
    seed = corpus / "seed" / "000_0f022602a2c961b3.txt"
    if not seed.is_file():
        fixture = PROJECT_ROOT / "tests" / "fixtures" / "clean" / "hans_article.txt"
        text = fixture.read_text(encoding="utf-8")
        return text, [text], f"fixture {fixture.name} (shared corpus absent)"
    truth = sorted((corpus / "pages").glob("*/*.truth.json"))
    bodies = [json.loads(p.read_text(encoding="utf-8"))["body"] for p in truth]
    return seed.read_text(encoding="utf-8"), bodies, f"seed + {len(bodies)} corpus bodies"


def measure(fn: Callable[[str], object], texts: list[str], repeat: int, seconds: float) -> float:
    """Best MB/s over `repeat` rounds; each round runs the texts until `seconds` have passed."""
    size = sum(len(t.encode("utf-8")) for t in texts)
    best = 0.0
    for _ in range(repeat):
        done = 0
        start = time.perf_counter()
        while True:
            for text in texts:
                fn(text)
            done += size
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                break
        best = max(best, done / elapsed / 1e6)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=0.5, help="length of one timed round")
    args = parser.parse_args()

    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        core = f"pinned to CPU {cpu}"
    else:
        core = "not pinned (no sched_setaffinity)"

    seed, bodies, what = load_texts()
    start = time.perf_counter()
    clean_article(Article(url="warm-up", body=seed))  # loads the pypinyin table and OpenCC
    warm_up = time.perf_counter() - start

    def article(text: str) -> Article:
        return clean_article(Article(url="bench", body=text))

    print(f"input: {what}; one core, {core}; warm-up (tables, converters) {warm_up * 1000:.0f} ms")
    sets = [("seed", [seed]), ("corpus", bodies)]
    for label, texts in sets:
        size = sum(len(t.encode("utf-8")) for t in texts)
        print(f"[{label}] {len(texts)} text(s), {size / 1000:.1f} kB")
        for name, fn in (
            ("regex-only", raw_regex_only),
            ("strip_inline_pinyin", strip_inline_pinyin),
            ("clean_body", clean_body),
            ("clean_article", article),
        ):
            rate = measure(fn, texts, args.repeat, args.seconds)
            print(f"  {name:<20} {rate:8.2f} MB/s")

    def brackets(text: str) -> int:
        return text.count("(") + text.count("（")

    removed_regex = brackets(seed) - brackets(raw_regex_only(seed))
    removed_ours = brackets(seed) - brackets(strip_inline_pinyin(seed))
    removed_full = brackets(seed) - brackets(clean_body(seed))
    print(
        f"seed annotations removed: regex-only {removed_regex}, strip_inline_pinyin {removed_ours} "
        f"(after a Han character), clean_body {removed_full} (with the 2 behind repaired spans)"
    )
    lost = sum(raw_regex_only(t) != t for t in GENUINE)
    kept = sum(strip_inline_pinyin(t) == t for t in GENUINE)
    print(f"genuine parentheticals {GENUINE}: regex-only destroys {lost}/{len(GENUINE)}, ours keeps {kept}")


if __name__ == "__main__":
    main()
