"""Shingles, sketches and band keys, checked against plain Python sets computed here."""

from __future__ import annotations

import random

import numpy as np
import pytest

from newscrawl.dedup.minhash import (
    DEFAULT_LAYOUT,
    KEY_BITS,
    Layout,
    band_keys,
    estimate,
    jaccard,
    shingle_hashes,
    sketch,
    sketch_from_bytes,
    sketch_to_bytes,
)

# Text to build random documents from: common characters of legal news.
ALPHABET = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严"


def python_shingles(text: str, k: int) -> set[str]:
    if len(text) <= k:
        return {text} if text else set()
    return {text[i : i + k] for i in range(len(text) - k + 1)}


def python_jaccard(a: str, b: str, k: int) -> float:
    sa, sb = python_shingles(a, k), python_shingles(b, k)
    return len(sa & sb) / len(sa | sb)


def random_text(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(n))


def edited(rng: random.Random, text: str, rate: float) -> str:
    chars = list(text)
    for i in rng.sample(range(len(chars)), int(len(chars) * rate)):
        chars[i] = rng.choice(ALPHABET)
    return "".join(chars)


def test_shingle_hashes_are_one_per_distinct_shingle() -> None:
    rng = random.Random(1)
    for n in (1, 3, 4, 5, 50, 2000):
        text = random_text(rng, n)
        assert len(shingle_hashes(text, 4)) == len(python_shingles(text, 4))
    assert len(shingle_hashes("", 4)) == 0
    assert len(shingle_hashes("哈哈哈哈哈哈哈哈", 4)) == 1
    # Stable across calls and processes: nothing depends on Python's per-process hash seed.
    assert int(shingle_hashes("长沙警方", 4)[0]) == int(shingle_hashes("长沙警方", 4)[0])


def test_exact_jaccard_matches_python_sets() -> None:
    rng = random.Random(2)
    for _ in range(30):
        a = random_text(rng, rng.randint(60, 600))
        b = edited(rng, a, rng.random() * 0.3)
        assert jaccard(shingle_hashes(a), shingle_hashes(b)) == pytest.approx(python_jaccard(a, b, 4))


@pytest.mark.parametrize("length", [60, 300, 3000])
def test_sketch_estimates_are_unbiased_and_within_the_expected_spread(length: int) -> None:
    rng = random.Random(length)
    errors = []
    for _ in range(200):
        a = random_text(rng, length)
        b = edited(rng, a, rng.choice([0.02, 0.05, 0.1, 0.2]))
        truth = python_jaccard(a, b, 4)
        errors.append(estimate(sketch(shingle_hashes(a)), sketch(shingle_hashes(b))) - truth)
    # 96 bins: a standard deviation of at most sqrt(0.25 / 96) = 0.051 per pair.
    assert abs(float(np.mean(errors))) < 0.02
    assert float(np.std(errors)) < 0.07


def test_unrelated_texts_rarely_agree() -> None:
    rng = random.Random(3)
    a, b = random_text(rng, 800), random_text(rng, 800)
    assert python_jaccard(a, b, 4) < 0.01
    assert estimate(sketch(shingle_hashes(a)), sketch(shingle_hashes(b))) < 0.1


def test_band_keys_agree_exactly_where_the_sketches_agree_on_a_band() -> None:
    rng = random.Random(4)
    a = sketch(shingle_hashes(random_text(rng, 500)))
    b = a.copy()
    b[0] ^= 1  # band 0 (bins 0-2) differs
    ka, kb = band_keys(a), band_keys(b)
    assert len(ka) == DEFAULT_LAYOUT.bands
    assert ka[0] != kb[0] and ka[1:] == kb[1:]
    assert all(0 <= k < 2**KEY_BITS for k in ka)
    # The same values in another band give another key.
    c = a.copy()
    c[3:6] = a[0:3]
    assert band_keys(c)[1] != ka[0]


def test_sketches_round_trip_through_bytes() -> None:
    values = sketch(shingle_hashes("长沙市公安局开福分局城管大队民警开展巡逻防控"))
    data = sketch_to_bytes(values)
    assert len(data) == 2 * DEFAULT_LAYOUT.bins
    assert (sketch_from_bytes(data) == values).all()


def test_empty_text_has_no_sketch() -> None:
    with pytest.raises(ValueError, match="empty"):
        sketch(shingle_hashes(""))


def test_layout_validation_and_s_curve() -> None:
    with pytest.raises(ValueError, match="bins"):
        Layout(bins=64, bands=32, rows=3)
    with pytest.raises(ValueError, match="shingle"):
        Layout(shingle=0)
    layout = DEFAULT_LAYOUT
    assert layout.name == "oph1-k4-b96x16-32x3"
    # 1 - (1 - J**3)**32, worked out by hand for three points of the curve.
    assert layout.candidate_probability(0.5) == pytest.approx(1 - (7 / 8) ** 32)
    assert layout.candidate_probability(0.8) > 0.9999
    assert layout.candidate_probability(0.05) < 0.005
