"""A Bloom filter: an in-memory "certainly not there" in front of an SQLite lookup.

The crawl asks the store, for every request, whether it has seen the request or stored its page.
Nearly every answer is "no", and an SQLite query on the reactor thread costs the GIL hand-off to the
writer thread on top of the lookup. A Bloom filter that holds every key the table can hold (the keys
already there, and each key before its insert commits) answers most of the "no"s from memory, exactly:
a key it does not hold is not in the table; for a key it does hold, the caller asks the table as before.

Fixed size (`bits`), so memory stays flat however long the crawl; past ~10 keys per 64 bits the
false-positive rate climbs and more lookups go to SQLite, which is only slower, never wrong.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
_MASK64 = (1 << 64) - 1


class BloomFilter:
    """A set of 64-bit integers that may answer "maybe" for a key it was never given."""

    __slots__ = ("_bits", "_mask", "_shift", "added")

    def __init__(self, bits_log2: int = 23) -> None:
        if not 10 <= bits_log2 <= 32:
            raise ValueError(f"bits_log2 must be in 10..32, not {bits_log2}")
        self._bits = bytearray(1 << (bits_log2 - 3))
        self._mask = (1 << bits_log2) - 1
        # Three positions from three windows of the 64 bits (they overlap for sizes above 2**21).
        self._shift = (64 - bits_log2) // 2
        self.added = 0
        """How many keys were added (with repeats): what the false-positive rate depends on."""

    def _positions(self, key: int) -> tuple[int, int, int]:
        h = key & _MASK64
        mask, shift = self._mask, self._shift
        return h & mask, (h >> shift) & mask, (h >> (2 * shift)) & mask

    def add(self, key: int) -> None:
        bits = self._bits
        for p in self._positions(key):
            bits[p >> 3] |= 1 << (p & 7)
        self.added += 1

    def update(self, keys: Iterable[int]) -> None:
        for key in keys:
            self.add(key)

    def __contains__(self, key: int) -> bool:
        bits = self._bits
        a, b, c = self._positions(key)
        return bool(
            bits[a >> 3] & (1 << (a & 7)) and bits[b >> 3] & (1 << (b & 7)) and bits[c >> 3] & (1 << (c & 7))
        )


def text_key(text: str) -> int:
    """A 64-bit key for a string, for one process's filter (Python's string hash, salted per process,
    spreads well and costs nothing for a string hashed before)."""
    return hash(text) * 0x9E3779B97F4A7C15


class BoundedSet(Generic[K]):
    """The last `maxlen` keys added, for answers that never change once true (a fingerprint the job
    has seen stays seen; an article stored by this job stays stored): the oldest go first, so memory
    stays flat, and a key forgotten is only asked of SQLite again."""

    __slots__ = ("_keys", "maxlen")

    def __init__(self, maxlen: int = 100_000) -> None:
        self._keys: OrderedDict[K, None] = OrderedDict()
        self.maxlen = maxlen

    def add(self, key: K) -> None:
        keys = self._keys
        keys[key] = None
        if len(keys) > self.maxlen:
            keys.popitem(last=False)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)
