"""The listing pass's shortcuts against what they stand for: `urljoin` and w3lib's `safe_url_string`.

`_scan_listing` joins a plain rooted path or a plain file name by concatenation, and keeps a plain
absolute URL as it is instead of making it safe. Here every string the shortcut regexes accept, out
of many thousands drawn from an alphabet of URL-significant characters, is checked against the real
functions. (tests/test_listing_links.py holds the whole pass to Scrapy's LinkExtractor on real pages.)
"""

from __future__ import annotations

import random
from urllib.parse import urljoin

import pytest
from w3lib.url import safe_url_string

from newscrawl.spiders.base import _PLAIN_NAME, _PLAIN_ROOTED, _SAFE_AS_IT_IS, _join_prefixes

ALPHABET = "aZ09-._~!$&'()*+,;=:@/?#%[] \t\\|^`{}\"<>\u00e9中"
"""Letters, digits, every RFC 3986 delimiter, and characters that get quoted or change a parse."""
COMMON = "abcz019-_./"
BASES = [
    "http://127.0.0.1:8000/court/index_3.html",
    "http://example.com/",
    "http://example.com",
    "https://www.example.com/a/b/c.html?x=1#f",
    "http://example.com/a//b/./c/../d.html",
    "http://EXAMPLE.com:80/Dir/",
    "http://user:pw@example.com/x/y",
    "http://example.com/a;p/b.html",
    "http://[::1]:8080/x/",
    "ftp://example.com/pub/",
    "http://例子.测试/路径/页.html",
]


def draw(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(COMMON if rng.random() < 0.8 else ALPHABET) for _ in range(n))


def hrefs(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    found = []
    for _ in range(count):
        tail = draw(rng, rng.randint(0, 24))
        found.append(rng.choice(["/", "", "//", "./", "../"]) + tail)
    return found


@pytest.mark.parametrize("base", BASES)
def test_a_plain_rooted_path_or_file_name_joins_as_urljoin_joins_it(base: str) -> None:
    origin, folder = _join_prefixes(base)
    checked = 0
    for href in hrefs(len(base), 20_000):
        try:
            expected: str | None = urljoin(base, href)
        except ValueError:
            expected = None  # the scan drops such a link: a shortcut must not take it
        if origin and _PLAIN_ROOTED.fullmatch(href) and "/." not in href:
            assert origin + href == expected, (base, href)
            checked += 1
        elif folder and _PLAIN_NAME.fullmatch(href):
            assert folder + href == expected, (base, href)
            checked += 1
    if origin:
        assert checked > 1000  # the shortcut was really exercised
    else:
        assert checked == 0


def test_only_plain_http_bases_take_the_shortcut() -> None:
    assert _join_prefixes("http://127.0.0.1:8000/court/index_3.html") == (
        "http://127.0.0.1:8000",
        "http://127.0.0.1:8000/court/",
    )
    for base in ("ftp://example.com/pub/", "http://[::1]:8080/x/", "http://EXAMPLE.com:80/Dir/"):
        assert _join_prefixes(base) == ("", "")


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_a_url_kept_as_it_is_is_what_safe_url_string_returns(encoding: str) -> None:
    rng = random.Random(7)
    hosts = ["127.0.0.1:8000", "example.com", "www.court.gov.cn", "a-b.c", "-a.b", "a..b", "a_b.c", "a.b."]
    hosts += [
        "EXAMPLE.com",
        "example.com:",
        "example.com:65535",
        "example.com:65536",
        "example.com:0080",
        "example.com:0",
        "example.com:8",
    ]
    hosts += ["example.com:99999", "xn--fiqs8s.cn", "[::1]", "例子.cn"]
    kept = 0
    for _ in range(30_000):
        url = rng.choice(["http://", "https://", "HTTP://", "ftp://"]) + rng.choice(hosts)
        url += rng.choice(["", "/"]) + draw(rng, rng.randint(0, 24))
        if _SAFE_AS_IT_IS.fullmatch(url):
            try:
                made_safe: str | None = safe_url_string(url, encoding=encoding)
            except ValueError:
                made_safe = None  # the scan drops such a link: the shortcut must not keep it
            assert made_safe == url, url
            kept += 1
    assert kept > 1000  # the shortcut was really exercised
