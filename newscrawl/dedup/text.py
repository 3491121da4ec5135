"""The text deduplication compares: one normal form for both scripts, a fingerprint, the shingled part.

Input is the cleaning room's `title_simplified` / `body_simplified` (Simplified script, inline pinyin
removed), so a Traditional page with `長(zhǎng)沙` and its Simplified reprint already read alike; what
is left to fold here is width, case, whitespace and punctuation, which reprints change freely.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from newscrawl.items import Article

_NOT_ALNUM = re.compile(r"[\W_]+")
"""Everything but letters and digits (Unicode-aware: Han characters are letters)."""
_WIDE_PUNCT = re.compile("[\u2026\u3000\uff01-\uff0f\uff1a\uff1b\uff1f\uff20\uff3b-\uff40\uff5b-\uff65]")
"""The full-width punctuation, ideographic space and `…` of Chinese text: NFKC changes them, so one
`，` sends a whole page down CPython's slow path (decompose and recompose every character) rather
than its quick check. Each NFKC-folds to punctuation that composes with nothing and that
`_NOT_ALNUM` removes, so a space in its place (which also composes with nothing, and is removed)
leaves the normal form unchanged; tests/test_worker_speedups.py checks both claims for every one.
(Not `＜＝＞`: their folds `<=>` compose with U+0338 into `≮≠≯`.)"""

# The dateline/byline block that opens a body: `本报讯（记者 张三 通讯员 李四）`,
# `法治日报讯(记者 …)`, `湖南日报11月8日讯（…）`, `新华社长沙8月5日电（记者 …）`,
# `红网时刻新闻8月3日讯(通讯员 …)`. A reprint rewrites it in its own house style, so it is not
# part of what makes two texts the same story. At most 40 characters before 讯/电, none of them
# ending a sentence or clause, and inside the brackets a reporter's role (or a bare 本报讯), so a
# body that merely opens on 通讯（…） is left alone.
_LEADING_BYLINE = re.compile(
    r"^(?P<prefix>[^\n。！？!?，,；;：:]{0,40}?)[讯电訊電]\s*[（(](?P<inside>[^（()）\n]{0,80})[)）]\s*"
)
_ROLE = re.compile(r"记者|記者|通讯员|通訊員|实习生|實習生|特约|特約|摄影|攝影|编辑|編輯|供稿|作者")
_OWN_OUTLET = ("本报", "本報", "本网", "本網", "本台")
# A credit block closing the body: `（记者 张三 通讯员 李四）`, `(完)`, `（责任编辑：王五）`.
_TRAILING_CREDIT = re.compile(
    r"\s*[（(](?:本报)?(?:记者|通讯员|实习生|见习记者|编辑|责任编辑|责编|作者|来源|完)[^（()）\n]{0,60}[)）]\s*$"
)
# A reporters line standing alone at either end: `记者 张三 通讯员 李四`.
_CREDIT_LINE = re.compile(
    r"^(?:本报)?(?:见习记者|记者|通讯员|实习生)[\s：:]*[\u4e00-\u9fff·]{2,5}"
    r"(?:[\s、，,]+(?:(?:见习记者|记者|通讯员|实习生)[\s：:]*)?[\u4e00-\u9fff·]{2,5})*$"
)


def normalize_for_dedup(text: str) -> str:
    """Letters and digits only: NFKC (full-width to half-width), case folded, whitespace and
    punctuation removed. `“长沙” 警方，２４小时` -> `长沙警方24小时`."""
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", _WIDE_PUNCT.sub(" ", text)).casefold())


def strip_credits(body: str) -> str:
    """The body without its opening dateline/byline block and closing credit, which reprints
    replace with their own."""
    lines = body.strip().split("\n")
    while lines and _CREDIT_LINE.match(lines[0].strip()):
        lines.pop(0)
    while lines and _CREDIT_LINE.match(lines[-1].strip()):
        lines.pop()
    if lines:
        first = lines[0].strip()
        m = _LEADING_BYLINE.match(first)
        if m and (m["prefix"].endswith(_OWN_OUTLET) or _ROLE.search(m["inside"])):
            lines[0] = first[m.end() :]
        lines[-1] = _TRAILING_CREDIT.sub("", lines[-1])
    return "\n".join(line for line in lines if line.strip())


def split_credits(body: str) -> tuple[str, str, str]:
    """`body` cut in three, `head + kept + tail == body`: what `strip_credits` removes from its start
    (surrounding whitespace, credit lines, the dateline/byline block), what it keeps, and what it
    removes from its end. `normalize_for_dedup(kept) == comparable_text(body)`, and the normal forms
    of the three pieces add up to the body's: the sketch normalises each character once instead of
    twice (once for the fingerprint, once after `strip_credits`).

    Why the normal forms add up: every cut has, on one side, a line break, whitespace or a bracket —
    a starter that composes with nothing and stops canonical reordering — so NFKC cannot reach
    across it; the rest of `normalize_for_dedup` maps one character at a time."""
    start, end = len(body) - len(body.lstrip()), len(body.rstrip())
    # The same steps as `strip_credits`, on offsets into `body` instead of a list of lines.
    while start < end:
        nl = body.find("\n", start, end)
        if not _CREDIT_LINE.match(body[start : end if nl < 0 else nl].strip()):
            break
        start = end if nl < 0 else nl + 1
    while start < end:
        nl = body.rfind("\n", start, end)
        if not _CREDIT_LINE.match(body[start if nl < 0 else nl + 1 : end].strip()):
            break
        end = start if nl < 0 else nl
    if start < end:
        nl = body.find("\n", start, end)
        raw_first = body[start : end if nl < 0 else nl]
        first = raw_first.strip()
        m = _LEADING_BYLINE.match(first)
        if m and (m["prefix"].endswith(_OWN_OUTLET) or _ROLE.search(m["inside"])):
            start += len(raw_first) - len(raw_first.lstrip()) + m.end()
        nl = body.rfind("\n", start, end)
        last_start = start if nl < 0 else nl + 1
        credit = _TRAILING_CREDIT.search(body, last_start, end)
        if credit:
            end = credit.start()
    if start > end:
        start = end
    return body[:start], body[start:end], body[end:]


def simplified_title(article: Article) -> str:
    return article.title_simplified if article.title_simplified is not None else article.title


def simplified_body(article: Article) -> str:
    return article.body_simplified if article.body_simplified is not None else article.body


def text_fingerprint(title: str, body: str) -> str:
    """Hex digest of the normal form of title and body: equal exactly when the two texts read the
    same letter for letter (any script, width, punctuation, whitespace, inline pinyin)."""
    return normal_fingerprint(normalize_for_dedup(title), normalize_for_dedup(body))


def normal_fingerprint(title_normal: str, body_normal: str) -> str:
    """`text_fingerprint` from the normal forms (`normalize_for_dedup`) of title and body."""
    data = title_normal + "\x1f" + body_normal
    return hashlib.blake2b(data.encode("utf-8"), digest_size=16).hexdigest()


def article_fingerprint(article: Article) -> str:
    """`text_fingerprint` of an article's Simplified title and body (its own text if not cleaned)."""
    return text_fingerprint(simplified_title(article), simplified_body(article))


def comparable_text(body: str) -> str:
    """What near-duplicate detection shingles: the normal form of a Simplified body without its
    byline and credit blocks. The headline is left out on purpose: reprints retitle stories."""
    return normalize_for_dedup(strip_credits(body))


def article_comparable_text(article: Article) -> str:
    """`comparable_text` of an article's Simplified body."""
    return comparable_text(simplified_body(article))
