"""Repair of spans garbled by a byte-misaligned GBK decode.

When a decoder loses step by one byte inside GBK text (a buffer split in the middle of a character),
the orphan lead byte comes out as `?`, every following byte pair is read across two characters, and
the decode only falls back into step at the next ASCII byte:

    。“醫(yī)  = A1A3 A1B0 E174 (yī)   read as   [A1] [A3A1] [B0E1] [74] (yī)  =  ?！搬t(yī)

(the `！` usually reaches us NFKC-folded to `!`). A pair that is not valid GBK may be dropped
silently, and a lead byte followed by an ASCII byte (the `(` of an inline-pinyin annotation) comes
out as one `?`.

The repair re-encodes the suspicious span, shifts it back by one byte and decodes it again. The
bytes the first decode lost are unknown, so they are chosen among the candidates that decode to
valid GBK, using the readings of a following pinyin annotation as a hard constraint and, as
evidence, how often each candidate character and character pair occurs in the rest of the same
text. A repair is kept only when every chosen character is attested and the repaired text is
clearly more plausible than the garbled one; otherwise the span is left exactly as it was.
"""

from __future__ import annotations

import itertools
import logging
import math
import operator
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache, lru_cache

from newscrawl.clean.chars import HAN, SYLLABLE
from newscrawl.clean.pinyin import is_reading, strip_inline_pinyin

logger = logging.getLogger(__name__)

# Bounds on the work one page can cause: characters in a span (an ASCII byte, which any pinyin
# annotation or digit provides, ends the misalignment soon), spans tried per text, and the span
# length up to which a dropped pair is searched for (each position costs ~24k candidate pairs).
_MAX_SPAN = 40
_MAX_SPANS = 32
_MAX_INSERT_SPAN = 16

# ASCII punctuation that stands for a full-width form (！，．：；) folded by an upstream NFKC pass.
_FOLDED_PUNCT = "!,.:;"
_SPAN = re.compile(
    r"[?\ufffd]"
    rf"(?P<body>(?:[^\x00-\x7f\s?\ufffd]|[{_FOLDED_PUNCT}]){{1,{_MAX_SPAN}}}?)"
    # The decode falls back into step at an ASCII byte: either a GBK trail byte (0x40-0x7E) that now
    # stands alone before a bracket or a non-ASCII character, or a lead byte swallowed together with
    # the `(` of a pinyin annotation into one `?`.
    rf"(?:(?P<end>[@-~])(?=[(（]|[^\x00-\x7f])|\?(?=(?P<syllable>{SYLLABLE})[)）]))"
)
_NEXT_READING = re.compile(rf"[(（]({SYLLABLE})[)）]")
_EVIDENCE_CHARS = re.compile(f"[^{HAN}\u3000-\u303f\uff01-\uff5e\u2010-\u2027]+")

# Punctuation frequent enough in any Chinese text to count as attested without evidence.
_COMMON_PUNCT = "。，、；：？！“”‘’《》（）…—·"
_PUNCT_PRIOR = 3
_BIGRAM_WEIGHT = 2.0
_MIN_GAIN = 3.0
"""How much more plausible (in evidence units) the repaired span must be than the garbled one."""
_INSERT_COST = 4.0
"""Evidence a restored dropped pair must add before it is preferred to no insertion."""

_LEADS = range(0x81, 0xFF)
_TRAILS = [b for b in range(0x40, 0xFF) if b != 0x7F]


@cache
def _decode_pair(first: int, second: int) -> str | None:
    try:
        char = bytes((first, second)).decode("gbk")
    except UnicodeDecodeError:
        return None
    return char if len(char) == 1 else None


@lru_cache(maxsize=512)
def _with_first(first: int) -> tuple[tuple[int, str], ...]:
    """(second byte, character) of every valid GBK pair starting with `first`."""
    return tuple((b, c) for b in _TRAILS if (c := _decode_pair(first, b)))


@lru_cache(maxsize=512)
def _with_second(second: int) -> tuple[tuple[int, str], ...]:
    """(first byte, character) of every valid GBK pair ending with `second`."""
    return tuple((b, c) for b in _LEADS if (c := _decode_pair(b, second)))


@dataclass
class _Evidence:
    unigrams: Counter[str]
    bigrams: Counter[str]
    known: frozenset[str] = field(default=frozenset(), init=False)
    """Characters attested in the document, plus common punctuation."""

    @classmethod
    def of(cls, text: str) -> _Evidence:
        # Runs of Han and CJK punctuation, separated by NUL: no candidate holds a NUL, so pairs
        # across a separator are never looked up.
        joined = _EVIDENCE_CHARS.sub("\0", strip_inline_pinyin(text))
        unigrams = Counter(joined)
        del unigrams["\0"]
        return cls(unigrams, Counter(map(operator.add, joined, joined[1:])))

    def __post_init__(self) -> None:
        for char in _COMMON_PUNCT:
            self.unigrams[char] = max(self.unigrams[char], _PUNCT_PRIOR)
        self.known = frozenset(c for c, n in self.unigrams.items() if n > 0)

    def count(self, char: str) -> int:
        return self.unigrams.get(char, 0)

    def attested(self, char: str) -> bool:
        return char in self.known

    def score(self, text: str, left: str = "", right: str = "") -> float:
        """Evidence for `text` between the characters `left` and `right`."""
        total = sum(math.log1p(self.count(c)) for c in text)
        joined = left + text + right
        total += _BIGRAM_WEIGHT * sum(
            math.log1p(self.bigrams[joined[i : i + 2]]) for i in range(len(joined) - 1)
        )
        return total


def _best(candidates: list[str], score: dict[str, float]) -> str | None:
    """The single best candidate, or None when there is none or the top is a tie."""
    ranked = sorted(candidates, key=lambda c: score[c], reverse=True)
    if not ranked or (len(ranked) > 1 and score[ranked[0]] == score[ranked[1]]):
        return None
    return ranked[0]


def _encode_body(body: str) -> list[tuple[int, int]] | None:
    pairs = []
    for char in body:
        if char in _FOLDED_PUNCT:
            char = chr(ord(char) + 0xFEE0)
        try:
            raw = char.encode("gbk")
        except UnicodeEncodeError:
            return None
        if len(raw) != 2:
            return None
        pairs.append((raw[0], raw[1]))
    return pairs


def _repair_span(match: re.Match[str], evidence: _Evidence) -> str | None:
    text = match.string
    left = text[match.start() - 1] if match.start() else ""
    pairs = _encode_body(match.group("body"))
    if pairs is None:
        return None
    syllable = match.group("syllable")
    end = match.group("end")
    if syllable is None:
        follow = _NEXT_READING.match(text, match.end())
        syllable = follow.group(1) if follow else None
    right = "(" if match.group("end") is None else text[match.end() : match.end() + 1]

    # Shifted back by one byte: [lost lead, L0] [T0, L1] ... [T(k-1), end or lost trail].
    middle: list[str] = []
    for (_, trail), (lead, _) in itertools.pairwise(pairs):
        char = _decode_pair(trail, lead)
        middle.append(char or "")
    last_trail = pairs[-1][1]

    # The last character: fixed by the ASCII end byte, or chosen among the trails that give a
    # character the following pinyin annotation is a reading of.
    if end is not None:
        last = _decode_pair(last_trail, ord(end))
        if last is None or (syllable and not is_reading(last, syllable)):
            return None
    else:
        options = [c for _, c in _with_first(last_trail) if evidence.attested(c) and is_reading(c, syllable)]
        last_scores = {c: evidence.score(c, middle[-1] if middle else "", right) for c in options}
        chosen = _best(options, last_scores)
        if chosen is None:
            return None
        last = chosen
    # A pair the first decode could not read may have been dropped between two characters: try
    # restoring one, where that makes two attested characters in place of an unlikely one.
    chars: list[str] | None = [*middle, last]
    if len(pairs) <= _MAX_INSERT_SPAN:
        chars = _restore_dropped_pair(pairs, [*middle, last], end, evidence)
    if chars is None or "" in chars:
        return None

    # The first character: the lost lead byte is unknown, the trail is the first body byte.
    firsts = [c for _, c in _with_second(pairs[0][0]) if evidence.attested(c)]
    first_scores = {c: evidence.score(c, left, chars[0]) for c in firsts}
    first = _best(firsts, first_scores)
    if first is None:
        return None

    repaired = first + "".join(chars)
    original = match.group(0)
    gain = evidence.score(repaired, left, right) - evidence.score(original, left, right)
    if gain < _MIN_GAIN:
        return None
    return repaired + ("(" if end is None else "")


def _restore_dropped_pair(
    pairs: list[tuple[int, int]], chars: list[str], end: str | None, evidence: _Evidence
) -> list[str] | None:
    """`chars` with the most plausible dropped pair restored, unchanged when none is worth it, or
    None when two restorations are equally good (the span is then left alone)."""
    best_gain = _INSERT_COST
    best: list[str] | None = None
    tie = False
    ends = [*(lead for lead, _ in pairs[1:]), *([ord(end)] if end is not None else [])]
    for j, next_lead in enumerate(ends):
        # chars[j] is [T(j), next_lead]; with a dropped pair (p, q) it becomes [T(j), p] [q, next_lead].
        trail = pairs[j][1]
        before = chars[j - 1] if j else ""
        after = chars[j + 1] if j + 1 < len(chars) else ""
        # p and q were read as one pair, so both are lead-byte values (>= 0x81).
        known = evidence.known
        firsts = {p: c for p, c in _with_first(trail) if p >= 0x81 and c in known}
        seconds = {q: c for q, c in _with_second(next_lead) if c in known}
        current = evidence.score(chars[j], before, after)
        for p, c1 in firsts.items():
            for q, c2 in seconds.items():
                if _decode_pair(p, q) is not None:
                    continue  # a valid pair would have been decoded, not dropped
                gain = evidence.score(c1 + c2, before, after) - current
                if gain > best_gain:
                    best_gain, best, tie = gain, [*chars[:j], c1, c2, *chars[j + 1 :]], False
                elif gain == best_gain and best is not None:
                    tie = True
    if tie:
        return None
    return best if best is not None else chars


def repair_misaligned_gbk(text: str, context: str = "") -> str:
    """Repair spans garbled by a one-byte-shifted GBK decode; leave everything else untouched.

    `context` is more text of the same document (e.g. the title) used only as evidence."""
    if "?" not in text and "\ufffd" not in text:
        return text
    matches = list(itertools.islice(_SPAN.finditer(text), _MAX_SPANS))
    if not matches:
        return text
    # Evidence from the document without the suspicious spans themselves.
    clean = _SPAN.sub(" ", text)
    evidence = _Evidence.of(clean + "\n" + context)
    out = []
    pos = 0
    for match in matches:
        repaired = _repair_span(match, evidence)
        if repaired is None:
            logger.debug("left a suspicious span as it is: %r", match.group(0))
            continue
        logger.debug("repaired misaligned GBK span %r -> %r", match.group(0), repaired)
        out.append(text[pos : match.start()])
        out.append(repaired)
        pos = match.end()
    out.append(text[pos:])
    return "".join(out)
