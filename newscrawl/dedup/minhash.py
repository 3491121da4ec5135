"""MinHash sketches of character shingles and their LSH band keys, with numpy.

A text's shingles are its overlapping `k`-character substrings (of the normal form,
`newscrawl.dedup.text`); two texts' similarity is the Jaccard index of their shingle sets.

The sketch is a one-permutation MinHash (Li, Owen & Zhang, "One Permutation Hashing", NIPS 2012):
each shingle is hashed once to 64 bits, the hash picks one of `bins` bins and the minimum of the
other bits is kept per bin. Empty bins (short texts) borrow from a neighbour, in a direction fixed
per bin, with the distance mixed in (Shrivastava & Li, "Improved Densification of One Permutation
Hashing", UAI 2014), so that for any two texts each bin agrees with probability equal to their
Jaccard index. It costs one hash per shingle instead of one per shingle and permutation, which is
what keeps a lookup cheap for long articles (bench/dedup.py measures it against datasketch).

LSH: the sketch is cut into `bands` bands of `rows` bins; two texts whose sketches agree on a whole
band become candidates. With 32 bands of 3 rows a pair at Jaccard 0.5 is a candidate with
probability 1 - (1 - 0.5**3)**32 = 0.986, at 0.6 0.9996, at 0.1 0.032. Candidates are then
verified on the real shingle sets, so the bands only have to find them.

Every constant below is part of the stored index: changing one means a new `Layout.name`, and the
index is rebuilt from the stored articles (`newscrawl.dedup.index.StoryIndex.rebuild`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]
U16 = npt.NDArray[np.uint16]
_VALUE = "<u2"
"""Sketch values are 16 bits: two unrelated bins agree by chance once in 65,536, which shifts an
estimate by nothing measurable and halves what the index stores per copy."""

# Odd 64-bit multipliers (from the digits of pi), one per shingle position.
_POSITION_MULTIPLIERS = (
    0x243F6A8885A308D3,
    0x13198A2E03707345,
    0xA4093822299F31D1,
    0x082EFA98EC4E6C8B,
    0x452821E638D01377,
    0xBE5466CF34E90C6D,
    0xC0AC29B7C97C50DD,
    0x3F84D5B5B5470917,
)
_BAND_MULTIPLIERS = (0x9216D5D98979FB1B, 0xD1310BA698DFB5AD, 0xFD2FFA7E7B1E4B9B, 0x2FFD72DBD01ADFB7)
_BAND_SALT = 0xB8E1AFED6A267E97
_BORROW_SALT = 0x9E3779B97F4A7C15
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_EMPTY = np.uint16(0xFFFF)
KEY_BITS = 47
"""Band keys are non-negative and below 2**47: SQLite stores them in 6 bytes, and a chance
collision between two different bands still has odds of 2**-47."""


def _mix(z: U64) -> U64:
    """splitmix64's finaliser: a bijection on 64 bits that spreads every input bit over all outputs."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@dataclass(frozen=True)
class Layout:
    """How texts are shingled, sketched and banded. Part of the stored index."""

    shingle: int = 4
    """Characters per shingle. 4 keeps two different stories of the same beat (公安机关依法…) far
    apart, while a reprint with a rewritten paragraph still shares most shingles."""
    bins: int = 96
    """MinHash values per sketch."""
    bands: int = 32
    """LSH bands (each `rows` consecutive bins)."""
    rows: int = 3
    """Bins per band."""

    def __post_init__(self) -> None:
        if not 1 <= self.shingle <= len(_POSITION_MULTIPLIERS):
            raise ValueError(f"shingle size must be 1..{len(_POSITION_MULTIPLIERS)}, got {self.shingle}")
        if self.bands * self.rows > self.bins:
            raise ValueError(f"{self.bands} bands of {self.rows} rows need more than {self.bins} bins")
        if not 1 <= self.rows <= len(_BAND_MULTIPLIERS):
            raise ValueError(f"rows per band must be 1..{len(_BAND_MULTIPLIERS)}, got {self.rows}")

    @property
    def name(self) -> str:
        """Identifies the layout in the database; an index built with another one is rebuilt."""
        return f"oph1-k{self.shingle}-b{self.bins}x16-{self.bands}x{self.rows}"

    def candidate_probability(self, jaccard: float) -> float:
        """Chance that a pair at this Jaccard index shares at least one band."""
        return float(1.0 - (1.0 - jaccard**self.rows) ** self.bands)


DEFAULT_LAYOUT = Layout()


def shingle_hashes(text: str, k: int = DEFAULT_LAYOUT.shingle) -> U64:
    """The sorted, distinct 64-bit hashes of the `k`-character shingles of `text` (a text shorter
    than `k` is one shingle; the empty text has none)."""
    if not text:
        return np.empty(0, dtype=np.uint64)
    codes = np.frombuffer(text.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    n = max(len(codes) - k + 1, 1)
    acc = codes[:n] * np.uint64(_POSITION_MULTIPLIERS[0])
    term = np.empty(n, dtype=np.uint64)
    for i in range(1, min(k, len(codes))):
        np.multiply(codes[i : i + n], np.uint64(_POSITION_MULTIPLIERS[i]), out=term)
        acc += term
    hashes = _mix(acc)
    # Sort and drop repeats: what np.unique returns, but numpy 2's hash-based unique takes five
    # times as long on the thousand-odd hashes of an article.
    hashes.sort()
    if len(hashes) > 1:
        keep = np.empty(len(hashes), dtype=np.bool_)
        keep[0] = True
        np.not_equal(hashes[1:], hashes[:-1], out=keep[1:])
        hashes = hashes[keep]
    return hashes


def jaccard(a: U64, b: U64) -> float:
    """Jaccard index of two shingle-hash sets as `shingle_hashes` returns them."""
    if not len(a) and not len(b):
        return 1.0
    inter = int(np.intersect1d(a, b, assume_unique=True).size)
    return inter / (len(a) + len(b) - inter)


def sketch(hashes: U64, layout: Layout = DEFAULT_LAYOUT) -> U16:
    """The densified one-permutation MinHash of a shingle-hash set: `layout.bins` 16-bit values."""
    if not len(hashes):
        raise ValueError("an empty text has no sketch")
    bins = (hashes % np.uint64(layout.bins)).astype(np.intp)
    values = (hashes >> np.uint64(48)).astype(np.uint16)
    out = np.full(layout.bins, _EMPTY, dtype=np.uint16)
    np.minimum.at(out, bins, values)
    filled = np.bincount(bins, minlength=layout.bins) > 0
    if not filled.all():
        _densify(out, filled, layout.bins)
    return out


def _densify(out: U16, filled: npt.NDArray[np.bool_], size: int) -> None:
    source = out.copy()
    for j in range(size):
        if filled[j]:
            continue
        # A fixed pseudo-random direction per bin (bit j of the salt), as in improved densification.
        step = 1 if (_BORROW_SALT >> (j % 64)) & 1 else -1
        distance = 1
        while not filled[(j + step * distance) % size]:
            distance += 1
        borrowed = int(source[(j + step * distance) % size])
        mixed = _mix(np.array([(borrowed << 8) ^ distance ^ (_BORROW_SALT & ~0xFF)], dtype=np.uint64))
        out[j] = np.uint16(int(mixed[0]) >> 48)


def band_keys(values: U16, layout: Layout = DEFAULT_LAYOUT) -> list[int]:
    """One integer per band: equal for two sketches exactly when they agree on the whole band
    (up to a 2**-47 chance collision). Distinct bands never share keys."""
    used = values[: layout.bands * layout.rows].astype(np.uint64).reshape(layout.bands, layout.rows)
    acc = (np.arange(1, layout.bands + 1, dtype=np.uint64)) * np.uint64(_BAND_SALT)
    for i in range(layout.rows):
        acc = acc + used[:, i] * np.uint64(_BAND_MULTIPLIERS[i])
    return [int(v) for v in _mix(acc) >> np.uint64(64 - KEY_BITS)]


def estimate(a: U16, b: U16) -> float:
    """Jaccard index estimated from two sketches: the share of bins that agree."""
    return float(np.count_nonzero(a == b)) / len(a)


def sketch_to_bytes(values: U16) -> bytes:
    return values.astype(_VALUE).tobytes()


def sketch_from_bytes(data: bytes) -> U16:
    return np.frombuffer(data, dtype=_VALUE).astype(np.uint16)
