"""The sketch normalises a body once: `split_credits` cuts it into what `strip_credits` drops at the
start, what it keeps and what it drops at the end, and `sketch_article` builds both the comparable
text and the whole body's normal form from the three pieces.

The oracle is the two-pass definition, which stays in the code for every other caller:
`comparable_text(body)` (normalise after `strip_credits`) and `normalize_for_dedup(body)`.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from newscrawl.clean import clean_article
from newscrawl.dedup.minhash import DEFAULT_LAYOUT, band_keys, shingle_hashes, sketch
from newscrawl.dedup.sketch import MIN_CHARS, sketch_article
from newscrawl.dedup.text import (
    comparable_text,
    normalize_for_dedup,
    simplified_body,
    simplified_title,
    split_credits,
    text_fingerprint,
)
from newscrawl.items import Article
from tests.test_dedup_corpus import corpus_texts, demo_articles

HAND_WRITTEN = [
    "",
    "   ",
    "\n\n\u3000\n",
    "今日开庭。",
    "本报讯（记者 张三 通讯员 李四）今日，某区法院开庭。",
    "  本报讯(记者 张三)  今日，某区法院开庭。\n\n（完）  ",
    "记者 张三 通讯员 李四\n今日开庭。\n（记者 张三 通讯员 李四）",
    "记者 张三\n记者 李四",  # nothing but credit lines
    "记者 张三",
    "本报讯（记者 张三）",  # nothing after the byline
    "本报讯（记者 张三）（完）",
    "今日开庭。\n\n\n  \n法院宣判。\n(责任编辑：王五)\n记者 张三",
    "\u3000\u3000本报讯（记者 张三）\u3000今日开庭。\r\n法院宣判。\r\n（完）\r\n",
    "他说。本报讯（记者 张三）称，案件已审结。",
    "法院收到通讯（一封）。",
    # Whatever follows a cut, even a combining mark or a Hangul vowel that composes with what
    # precedes it elsewhere, must not compose across the cut.
    "本报讯（记者 张三）\u0301e\u0301今日开庭。",
    "本报讯（记者 张三） \u1161가\u11a8今日开庭。",
    "记者 张三\n\u0301今日开庭。\n\u0327（完）",
    "今日开庭。가\n（记者 张三）",
    "今日开庭。가（完）",
    "ＡＢＣ　Ｓtraße ΣΑΣ ①② 今日开庭…（完）",
    "本报讯（记者 张三）今日开庭。\n（记者 张三）\n\n",
]

FRAGMENTS = [
    "本报讯（记者 张三 通讯员 李四）",
    "新华社长沙8月5日电（记者 张三）",
    "记者 张三 通讯员 李四",
    "（完）",
    "(责任编辑：王五)",
    "今日，某区法院开庭审理一起案件。",
    "ＡＢＣ１２３",
    "Straße ΣΑΣ",
    "\u0301",
    "\u1161",
    "\u11a8",
    "가",
    "e",
    "\n",
    "\n",
    "\r\n",
    " ",
    "\u3000",
    "\xa0",
    "\t",
    "，",
    "…",
    "①",
]


def generated_bodies(count: int, seed: int = 20261201) -> list[str]:
    """Bodies strung together from credit blocks, text, whitespace and characters that compose or
    reorder under NFKC, so that every kind of cut meets every kind of neighbour."""
    rng = random.Random(seed)
    return ["".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(0, 12))) for _ in range(count)]


def check_split(body: str) -> None:
    head, kept, tail = split_credits(body)
    assert head + kept + tail == body
    assert normalize_for_dedup(kept) == comparable_text(body), body
    assert normalize_for_dedup(head) + normalize_for_dedup(kept) + normalize_for_dedup(tail) == (
        normalize_for_dedup(body)
    ), body


def check_sketch(article: Article) -> None:
    """`sketch_article` against the two-pass definition of each of its parts."""
    title, body = simplified_title(article), simplified_body(article)
    got = sketch_article(article)
    comparable = comparable_text(body)
    hashes = shingle_hashes(comparable, DEFAULT_LAYOUT.shingle)
    assert got.fingerprint == text_fingerprint(title, body)
    assert got.body_chars == len(normalize_for_dedup(body))
    assert np.array_equal(got.hashes, hashes)
    if len(comparable) < MIN_CHARS or not len(hashes):
        assert got.sketch is None
        assert len(got.keys) == 0
    else:
        values = sketch(hashes, DEFAULT_LAYOUT)
        assert got.sketch is not None and np.array_equal(got.sketch, values)
        assert [int(k) for k in got.keys] == band_keys(values, DEFAULT_LAYOUT)


@pytest.mark.parametrize("body", HAND_WRITTEN)
def test_the_pieces_of_a_hand_written_body_normalise_like_the_two_passes(body: str) -> None:
    check_split(body)


def test_the_pieces_of_generated_bodies_normalise_like_the_two_passes() -> None:
    bodies = generated_bodies(5000)
    # The generator reaches the cases that matter: credits cut off at both ends, and bodies kept whole.
    assert sum(split_credits(b)[0].strip() != "" for b in bodies) > 500
    assert sum(split_credits(b)[2].strip() != "" for b in bodies) > 500
    for body in bodies:
        check_split(body)


def test_sketches_of_hand_written_and_generated_bodies_match_the_two_passes() -> None:
    long_text = "今日，某区法院开庭审理一起案件，被告人当庭认罪。" * 4
    bodies = [*HAND_WRITTEN, *generated_bodies(500, seed=7)]
    for i, body in enumerate(bodies):
        for text in (body, body + long_text, long_text + body, body + long_text + body):
            url = f"http://127.0.0.1/{i}.html"
            check_sketch(Article(url=url, canonical_url=url, site="t", title="标题 ＡＢ", body=text))


def test_sketches_of_the_demo_site_match_the_two_passes() -> None:
    articles = demo_articles()
    assert len(articles) >= 30
    for article in articles:
        check_sketch(clean_article(article))


@pytest.mark.corpus
@pytest.mark.slow
def test_sketches_of_the_corpus_match_the_two_passes(corpus: Path) -> None:
    texts, _ = corpus_texts(corpus)
    assert len(texts) >= 100
    stripped = 0
    for _, article in texts:
        body = simplified_body(article)
        check_split(body)
        check_sketch(article)
        stripped += comparable_text(body) != normalize_for_dedup(body)
    # Some real bodies carry a credit block (11 of 208 when this was written): the cut is exercised.
    assert stripped >= 5
