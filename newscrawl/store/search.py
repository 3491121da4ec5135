"""Full-text search over stored articles: SQLite FTS5, trigram tokenizer, Simplified text.

The index (`articles_fts`, migration 40) holds each article's `title_simplified` and
`body_simplified`, kept current by triggers on `articles`, so every writer — the crawl, a script, the
sqlite3 shell — keeps it in step. A query goes through the same normalisation as the stored text
(full-width ASCII to half-width, Traditional to Simplified), so `詐騙` and `诈骗` find the same pages,
Traditional pages included.

A query is whitespace-separated terms, all of which must occur (`"…"` keeps a term with spaces
together). Each term is matched as a substring, never across two articles, two fields or two
paragraphs. How a term is matched depends on its length, because a trigram index knows nothing
shorter than three characters:

- three characters or more: an FTS5 phrase of the term's trigrams;
- two characters: every indexed trigram that starts with the term, read from the index's
  vocabulary (`articles_fts_vocab`); each column ends in a newline, so a term at the end of a title
  starts a trigram too. Exact, and served by the index;
- one character, or a two-character term that starts more than `MAX_EXPANSION` trigrams: a scan of
  the Simplified text of the articles the other terms and filters leave.

Hits are ranked by bm25 (title hits weigh more) unless only scanned terms remain, or the two-character
terms expanded to more than `MAX_RANKED_EXPANSION` trigrams: then they come newest first.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from newscrawl.store import Store
    from newscrawl.store.filters import ArticleFilter

logger = logging.getLogger(__name__)

MAX_EXPANSION = 500
"""Most trigrams a two-character term may expand to before it is matched by a scan instead: at about
600 common trigrams, merging their postings costs as much as reading all the text (`bench/search.py`:
592 trigrams 286 ms against a 378 ms scan, 2,065 trigrams 1 s against 0.34 s, at 100,000 articles)."""
MAX_RANKED_EXPANSION = 64
"""Most trigrams (over all two-character terms of a query) that bm25 ranks; past it, hits come
newest first. bm25 scores every phrase of the expression for every hit, so a query that expanded
to hundreds of trigrams would spend seconds ranking what the index found in a fraction of that."""
TITLE_WEIGHT = 5.0
"""bm25 weight of a title hit relative to a body hit."""

_MAX_WINDOWS = 500
"""Snippet windows tried per article (one per match): bounds the work on a page full of hits."""
_TERM = re.compile(r'"([^"]*)"|(\S+)')
_TITLE_SQL = "COALESCE({a}.title_simplified, {a}.title)"
_BODY_SQL = "COALESCE({a}.body_simplified, {a}.body)"


class QueryError(ValueError):
    """A query that cannot be searched for (empty once normalised); the message says why."""


def normalize_query(text: str) -> str:
    """The query in the form the index holds: the cleaning room's one-line normalisation, then
    Traditional to Simplified."""
    # The store calls back into the cleaning room here, against the one-way flow of the rooms: a
    # query must be normalised exactly as the stored text was, and a second copy of those rules
    # would drift from the first.
    from newscrawl.clean import clean_line, to_simplified

    return to_simplified(clean_line(text))


def split_terms(text: str) -> tuple[str, ...]:
    """Normalised, distinct terms of a query in the order typed."""
    terms: list[str] = []
    for match in _TERM.finditer(text):
        raw = match.group(1) if match.group(1) is not None else match.group(2)
        term = normalize_query(raw)
        if term and term not in terms:
            terms.append(term)
    return tuple(terms)


def _fts_string(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


@dataclass
class CompiledQuery:
    """A query turned into an FTS5 expression and the terms left to a scan."""

    terms: tuple[str, ...]
    """Normalised terms, as matched."""
    match: str | None = None
    """FTS5 MATCH expression over `articles_fts`, or None when every term is scanned for."""
    scanned: tuple[str, ...] = ()
    """Terms matched by `instr` over the Simplified text of the remaining rows."""
    impossible: bool = False
    """A two-character term starts no indexed trigram: nothing can match."""
    expansions: dict[str, int] = field(default_factory=dict)
    """How many trigrams each two-character term expanded to."""

    @property
    def ranked(self) -> bool:
        """Whether bm25 orders the hits (see `MAX_RANKED_EXPANSION`)."""
        return self.match is not None and sum(self.expansions.values()) <= MAX_RANKED_EXPANSION

    def where(self, alias: str = "a") -> tuple[str, list[Any]]:
        """One SQL condition over `articles AS alias` that holds for the matching rows."""
        clauses: list[str] = []
        params: list[Any] = []
        if self.match is not None:
            clauses.append(f"{alias}.rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)")
            params.append(self.match)
        scan_sql, scan_params = self.where_scanned(alias)
        return " AND ".join([*clauses, scan_sql]), params + scan_params

    def where_scanned(self, alias: str = "a") -> tuple[str, list[Any]]:
        """The condition for the scanned terms only (and for a query that cannot match)."""
        if self.impossible:
            return "0", []
        clauses: list[str] = []
        params: list[Any] = []
        for term in self.scanned:
            # lower() folds ASCII only, as the trigram tokenizer does for these scripts; Han has no case.
            clauses.append(
                f"(instr(lower({_TITLE_SQL.format(a=alias)}), ?) > 0"
                f" OR instr(lower({_BODY_SQL.format(a=alias)}), ?) > 0)"
            )
            params += [term.lower(), term.lower()]
        return " AND ".join(clauses) or "1", params


def compile_query(store: Store, text: str) -> CompiledQuery:
    """Turn a user's query into SQL over the index. Raises QueryError when it holds no term."""
    terms = split_terms(text)
    if not terms:
        raise QueryError(f"nothing to search for in {text!r}")
    compiled = CompiledQuery(terms=terms)
    parts: list[str] = []
    scanned: list[str] = []
    for term in terms:
        if len(term) >= 3:
            parts.append(_fts_string(term))
        elif len(term) == 2:
            trigrams = _trigrams_starting_with(store, term.lower())
            compiled.expansions[term] = len(trigrams)
            if not trigrams:
                compiled.impossible = True
            elif len(trigrams) > MAX_EXPANSION:
                scanned.append(term)
            else:
                parts.append("(" + " OR ".join(_fts_string(t) for t in trigrams) + ")")
        else:
            scanned.append(term)
    compiled.match = " AND ".join(parts) or None
    compiled.scanned = tuple(scanned)
    if compiled.scanned:
        logger.debug("query %r: scanning for %s", text, ", ".join(compiled.scanned))
    return compiled


def _trigrams_starting_with(store: Store, prefix: str) -> list[str]:
    # A range over the vocabulary's term column is answered from the index's term b-tree.
    rows = store.conn.execute(
        "SELECT term FROM articles_fts_vocab WHERE term > ? AND term < ? LIMIT ?",
        (prefix, prefix + "\U0010ffff", MAX_EXPANSION + 1),
    )
    return [r[0] for r in rows]


# -- results -----------------------------------------------------------------------------------


@dataclass
class Hit:
    """One search result."""

    rank: int
    """1 for the best hit."""
    score: float | None
    """bm25 relevance (higher is better); None when the hits are not ranked (newest first)."""
    canonical_url: str
    url: str
    site: str
    title: str
    published_at: str | None
    story_id: int | None
    title_highlights: list[tuple[int, int]]
    """[start, end) character spans of matched terms in `title`."""
    snippet: str
    """A window of the body around the matches, newlines shown as spaces, `…` where cut."""
    highlights: list[tuple[int, int]]
    """[start, end) character spans of matched terms in `snippet`."""

    def to_dict(self) -> dict[str, Any]:
        out = dict(vars(self))
        out["title_highlights"] = [list(s) for s in self.title_highlights]
        out["highlights"] = [list(s) for s in self.highlights]
        return out


def search(store: Store, filters: ArticleFilter, limit: int = 20, snippet_chars: int = 80) -> list[Hit]:
    """Best `limit` articles for `filters.query` within the other filters.

    Ranked by bm25 (title hits weigh `TITLE_WEIGHT` times a body hit), newest first among equals;
    newest first altogether when the query is not `ranked`.
    """
    if filters.query is None:
        raise QueryError("search needs a query")
    compiled = compile_query(store, filters.query)
    fields_sql, params = filters.where_fields("a")
    scan_sql, scan_params = compiled.where_scanned("a")
    where, params = f"{fields_sql} AND {scan_sql}", params + scan_params
    columns = (
        "a.canonical_url, a.url, a.site, a.title, a.published_at, a.story_id, a.title_simplified,"
        " a.body, a.body_simplified"
    )
    if compiled.ranked:
        # The MATCH sits on articles_fts itself (not inside `where`) so bm25() can rank it.
        sql = (
            f"SELECT {columns}, -bm25(articles_fts, {TITLE_WEIGHT}, 1.0) AS score"
            " FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid"
            f" WHERE articles_fts MATCH ? AND {where}"
            " ORDER BY score DESC, a.published_at DESC LIMIT ?"
        )
        params = [compiled.match, *params, limit]
    else:
        if compiled.match is not None:
            where = f"a.rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?) AND {where}"
            params = [compiled.match, *params]
        sql = (
            f"SELECT {columns}, NULL AS score FROM articles a WHERE {where}"
            " ORDER BY a.published_at DESC LIMIT ?"
        )
        params = [*params, limit]
    hits: list[Hit] = []
    for n, row in enumerate(store.conn.execute(sql, params), start=1):
        (canonical_url, url, site, title, published_at, story_id, title_s, body, body_s, score) = row
        snippet, spans = make_snippet(body, body_s, compiled.terms, snippet_chars)
        hits.append(
            Hit(
                rank=n,
                score=None if score is None else round(float(score), 4),
                canonical_url=canonical_url,
                url=url,
                site=site,
                title=title,
                published_at=published_at,
                story_id=story_id,
                title_highlights=find_spans(title, title_s, compiled.terms),
                snippet=snippet,
                highlights=spans,
            )
        )
    return hits


def _terms_pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    # Longest first, so that `诈骗案` wins over `诈骗` where both would match at one place.
    alternatives = sorted(terms, key=len, reverse=True)
    return re.compile("|".join(re.escape(t) for t in alternatives), re.IGNORECASE)


def find_spans(text: str, simplified: str | None, terms: tuple[str, ...]) -> list[tuple[int, int]]:
    """Where the terms occur in `text`, found in its Simplified form.

    The two forms line up character by character whenever conversion kept the length (nearly always:
    t2s maps characters one to one outside rare phrases), and then a Traditional text shows the
    spans its Simplified form matched; otherwise the original text is searched directly.
    """
    haystack = simplified if simplified is not None and len(simplified) == len(text) else text
    return [m.span() for m in _terms_pattern(terms).finditer(haystack)]


def make_snippet(
    text: str, simplified: str | None, terms: tuple[str, ...], width: int = 80
) -> tuple[str, list[tuple[int, int]]]:
    """A window of about `width` characters of `text` holding as many distinct terms as possible,
    with the spans of the terms inside it."""
    spans = find_spans(text, simplified, terms)
    if not spans:
        window_start, window_end = 0, min(len(text), width)
    else:
        haystack = simplified if simplified is not None and len(simplified) == len(text) else text
        found = [haystack[a:b].lower() for a, b in spans]
        best: tuple[int, int] = (0, 0)  # (distinct terms, matches) in the best window so far
        first = spans[0][0]
        end = 0
        # Windows that start at a match; spans are in text order, so `end` only moves forward.
        for i, (start, _) in enumerate(spans[:_MAX_WINDOWS]):
            end = max(end, i)
            while end < len(spans) and spans[end][1] <= start + width:
                end += 1
            key = (len(set(found[i:end])), end - i)
            if key > best:
                best, first = key, start
        # A little context before the first match, when the text has it.
        window_start = max(0, first - width // 5)
        window_end = min(len(text), window_start + width)
        window_start = max(0, window_end - width)
    snippet = text[window_start:window_end].replace("\n", " ")
    prefix = "…" if window_start > 0 else ""
    suffix = "…" if window_end < len(text) else ""
    offset = len(prefix) - window_start
    inside = [(a + offset, b + offset) for a, b in spans if a >= window_start and b <= window_end]
    return prefix + snippet + suffix, inside
