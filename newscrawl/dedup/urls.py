"""Canonical URLs: one spelling per page, whatever link or share button led to it.

`canonicalize_url` folds what never changes the page: scheme and host case, default ports,
fragments, percent-encoding, query order, tracking parameters (`utm_*`, `spm`, `from`, `share*`,
WeChat's `isappinstalled`/`scene`/…). Site rules (`UrlRule`) then map a site's other spellings of
the same page — mobile hosts or paths — onto one.

`resolve_canonical` decides between the URL a page was fetched from and the one the page declares
(`<link rel=canonical>` / og:url, as the extraction room reads it): the declared one is honoured only
when it is on the same site (registrable domain, from the public suffix list) and is not a site's
home or index page, which many CMSs put on every article. Every other spelling is kept as an alias.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import unquote_plus, urlsplit, urlunsplit

import tldextract
import w3lib.url

TRACKING_PARAMS = frozenset(
    {
        "spm",
        "from",
        "isappinstalled",
        "scene",
        "clicktime",
        "enterid",
        "wxfrom",
        "wxshare_count",
        "subscene",
        "sessionid",
        "fbclid",
        "gclid",
        "mc_cid",
        "mc_eid",
        "timestamp",
        "_t",
        "tt_from",
    }
)
"""Query parameters that only say how a reader arrived (share sheets, WeChat, analytics)."""
TRACKING_PREFIXES = ("utm_", "share")
"""Prefixes of such parameters: `utm_source`, `share_token`, `shareuid`, …"""

_DEFAULT_PORTS = {"http": 80, "https": 443}
_INDEX_PATH = re.compile(r"^/(?:(?:index|default|home)\.(?:s?html?|php|aspx?|jsp))?$", re.I)

# The bundled public suffix list only: tldextract would otherwise fetch a fresh list from the
# internet on first use, and newscrawl's code never leaves the sites it crawls.
_SUFFIXES = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@dataclass(frozen=True)
class UrlRule:
    """A site's other spelling of its pages: a regex over the canonical URL and its replacement
    (`re.sub` syntax). Example, a mobile path prefix:
    `UrlRule(r"^(https?://www\\.example\\.cn)/m/content/", r"\\1/content/")`."""

    pattern: str
    replacement: str

    def __post_init__(self) -> None:
        try:
            re.compile(self.pattern)
        except re.error as exc:
            raise ValueError(f"URL rule {self.pattern!r} is not a valid regex: {exc}") from None

    def apply(self, url: str) -> str:
        return _compiled(self.pattern).sub(self.replacement, url, count=1)


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def parse_url_rules(value: Any) -> tuple[UrlRule, ...]:
    """URL rules from a setting or spider attribute: `UrlRule`s, `[pattern, replacement]` pairs,
    or JSON text of such pairs (as `-s NEWSCRAWL_URL_RULES='[["^…", "…"]]'` gives it)."""
    if not value:
        return ()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"URL rules must be JSON [[pattern, replacement], …]: {exc}") from None
    rules: list[UrlRule] = []
    for item in value:
        if isinstance(item, UrlRule):
            rules.append(item)
        elif isinstance(item, Sequence) and not isinstance(item, str) and len(item) == 2:
            rules.append(UrlRule(str(item[0]), str(item[1])))
        else:
            raise ValueError(f"a URL rule is [pattern, replacement], got {item!r}")
    return tuple(rules)


def is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonicalize_url(url: str, rules: Iterable[UrlRule] = ()) -> str:
    """The canonical spelling of an http(s) URL (other schemes come back as they are).

    `HTTP://News.Example.CN:80/a/1.html?utm_source=wx&b=2&a=1#top` -> `http://news.example.cn/a/1.html?a=1&b=2`.
    """
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return url
    query = "&".join(
        piece
        for piece in parts.query.split("&")
        if piece and not is_tracking_param(unquote_plus(piece.partition("=")[0]))
    )
    # w3lib (the library Scrapy's own request fingerprints use) lower-cases the host, IDNA-encodes
    # it, normalises percent-escapes and sorts the query.
    netloc = parts.netloc.rsplit("@", 1)[-1]
    cleaned = w3lib.url.canonicalize_url(
        urlunsplit((scheme, netloc, parts.path or "/", query, "")), keep_fragments=False
    )
    out = urlsplit(cleaned)
    host = out.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = out.port
    netloc = host if port is None or port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    canonical = urlunsplit((scheme, netloc, out.path or "/", out.query, ""))
    for rule in rules:
        canonical = rule.apply(canonical)
    return canonical


def site_key(url: str) -> str:
    """The site a URL belongs to: its registrable domain (`m.voc.com.cn` -> `voc.com.cn`,
    `www.hunan.gov.cn` -> `hunan.gov.cn`); for an IP address or a single-label host, host and
    port, since there every port may be a different server."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        ipaddress.ip_address(host)
        is_ip = True
    except ValueError:
        is_ip = False
    if not is_ip and "." in host:
        registered = _SUFFIXES(host).top_domain_under_public_suffix
        if registered:
            return registered
    port = parts.port
    return f"{host}:{port}" if port else host


def same_site(a: str, b: str) -> bool:
    """Same registrable domain: where a page may declare another URL as its canonical one."""
    return site_key(a) == site_key(b)


_MIRROR_PREFIX = re.compile(r"^(?:www|m|wap|3g|mobile)\.")


def host_key(url: str) -> str:
    """The host a URL is served by, its `www.`/`m.`/`wap.`/`3g.`/`mobile.` prefix dropped, with
    any port: `gat.hunan.gov.cn` and `www.hunan.gov.cn` are different publishers although they
    share a registrable domain."""
    parts = urlsplit(url)
    host = _MIRROR_PREFIX.sub("", (parts.hostname or "").lower())
    port = parts.port
    return f"{host}:{port}" if port else host


def same_publisher(a: str, b: str) -> bool:
    """Same host (mirror prefixes aside): where the same text under two URLs is one page."""
    return host_key(a) == host_key(b)


@dataclass(frozen=True)
class CanonicalChoice:
    """Which URL identifies a fetched page, and the other spellings it was reached by."""

    canonical_url: str
    """The URL the page is stored under."""
    aliases: tuple[str, ...]
    """The fetched URL (as fetched and canonicalised) where it differs from `canonical_url`."""
    declared: str | None
    """The page's own canonical URL, canonicalised (None when it declared none)."""
    declared_honoured: bool
    """Whether `canonical_url` is the declared URL."""
    reason: str
    """Why: `fetched` (no other URL declared), `declared` (the declared URL, on the same site),
    or why the declared one was not taken: `declared-other-site`, `declared-index-page`,
    `declared-not-http`."""


def resolve_canonical(
    fetched_url: str, declared_url: str | None = None, rules: Iterable[UrlRule] = ()
) -> CanonicalChoice:
    """Choose the canonical URL of a page fetched from `fetched_url` that declares `declared_url`."""
    rules = tuple(rules)
    fetched = canonicalize_url(fetched_url, rules)
    declared = canonicalize_url(declared_url, rules) if declared_url else None
    chosen, reason = fetched, "fetched"
    if declared and declared != fetched:
        if urlsplit(declared).scheme not in _DEFAULT_PORTS:
            reason = "declared-not-http"
        elif not same_site(declared, fetched):
            reason = "declared-other-site"
        elif _INDEX_PATH.match(urlsplit(declared).path) and not urlsplit(declared).query:
            reason = "declared-index-page"
        else:
            chosen, reason = declared, "declared"
    aliases = tuple(dict.fromkeys(u for u in (fetched_url.strip(), fetched) if u and u != chosen))
    return CanonicalChoice(chosen, aliases, declared, chosen == declared and declared is not None, reason)
