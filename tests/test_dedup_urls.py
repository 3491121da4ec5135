"""Canonical URLs: every expectation is typed out here from the issue's list of what folds."""

from __future__ import annotations

import pytest

from newscrawl.dedup.urls import (
    UrlRule,
    canonicalize_url,
    host_key,
    parse_url_rules,
    resolve_canonical,
    same_publisher,
    same_site,
    site_key,
)


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        # scheme and host case, default port, fragment, query order
        ("HTTP://News.Example.CN:80/Fzxw/1.html?b=2&a=1#top", "http://news.example.cn/Fzxw/1.html?a=1&b=2"),
        ("https://www.example.cn:443/a.html", "https://www.example.cn/a.html"),
        # a port that is not the default is part of the address
        ("http://127.0.0.1:8642/court/index.html", "http://127.0.0.1:8642/court/index.html"),
        ("https://example.cn:8443/a", "https://example.cn:8443/a"),
        # tracking parameters: utm_*, spm, from, share*, WeChat's
        (
            "http://www.example.cn/a.html?utm_source=wechat&utm_medium=social&id=7",
            "http://www.example.cn/a.html?id=7",
        ),
        ("http://www.example.cn/a.html?spm=a2c4e.1&from=timeline", "http://www.example.cn/a.html"),
        (
            "http://www.example.cn/a.html?share_token=x&shareId=9&isappinstalled=0&scene=1",
            "http://www.example.cn/a.html",
        ),
        ("http://www.example.cn/a.html?UTM_Campaign=x&page=2", "http://www.example.cn/a.html?page=2"),
        # percent-escapes normalised, non-ASCII path encoded once
        ("http://www.example.cn/a%2fb?x=%e4%b8%ad", "http://www.example.cn/a%2Fb?x=%E4%B8%AD"),
        ("http://www.example.cn/新闻/1.html", "http://www.example.cn/%E6%96%B0%E9%97%BB/1.html"),
        # empty path, credentials, surrounding blanks
        ("http://www.example.cn", "http://www.example.cn/"),
        ("  http://user:secret@www.example.cn/a  ", "http://www.example.cn/a"),
        # a parameter that is not tracking stays, even when it only differs in case from one
        ("http://www.example.cn/show.asp?ID=3&id=4", "http://www.example.cn/show.asp?ID=3&id=4"),
    ],
)
def test_canonical_spelling(url: str, canonical: str) -> None:
    assert canonicalize_url(url) == canonical
    assert canonicalize_url(canonical) == canonical


def test_other_schemes_are_left_alone() -> None:
    for url in ("file:///tmp/seed.txt", "mailto:news@example.cn", "javascript:void(0)", "not a url"):
        assert canonicalize_url(url) == url


def test_site_rules_map_mobile_spellings_onto_one() -> None:
    rules = parse_url_rules(
        [
            [r"^(https?://www\.example\.cn)/m/content/", r"\1/content/"],
            [r"^(https?://)m\.example\.cn/", r"\1www.example.cn/"],
        ]
    )
    desktop = "http://www.example.cn/content/2021-08/03/c_1.html"
    for variant in (
        desktop,
        "http://www.example.cn/m/content/2021-08/03/c_1.html",
        "http://M.Example.cn/content/2021-08/03/c_1.html?from=groupmessage",
    ):
        assert canonicalize_url(variant, rules) == desktop
    # The rule is per site: another host's /m/ path is not touched.
    assert canonicalize_url("http://other.cn/m/content/1.html", rules) == "http://other.cn/m/content/1.html"


def test_url_rules_from_json_and_bad_rules() -> None:
    assert parse_url_rules('[["^a", "b"]]') == (UrlRule("^a", "b"),)
    assert parse_url_rules("") == ()
    assert parse_url_rules(None) == ()
    with pytest.raises(ValueError, match="JSON"):
        parse_url_rules("[[not json")
    with pytest.raises(ValueError, match="pattern, replacement"):
        parse_url_rules([["only one"]])
    with pytest.raises(ValueError, match="not a valid regex"):
        parse_url_rules([["(unclosed", "x"]])


def test_sites_and_publishers() -> None:
    assert site_key("http://m.voc.com.cn/a") == "voc.com.cn"
    assert site_key("https://www.hunan.gov.cn/x") == "hunan.gov.cn"
    assert site_key("http://127.0.0.1:8001/a") == "127.0.0.1:8001"
    assert site_key("http://localhost/a") == "localhost"
    assert same_site("http://m.voc.com.cn/a", "https://www.voc.com.cn/b")
    assert not same_site("http://www.sohu.com/a", "http://www.rednet.cn/a")
    assert not same_site("http://127.0.0.1:8001/a", "http://127.0.0.1:8002/a")
    # Provincial departments share hunan.gov.cn but are different publishers.
    assert same_site("http://gat.hunan.gov.cn/a", "http://www.hunan.gov.cn/a")
    assert not same_publisher("http://gat.hunan.gov.cn/a", "http://www.hunan.gov.cn/a")
    assert same_publisher("http://m.rednet.cn/a", "https://www.rednet.cn/b")
    assert host_key("http://WWW.Example.cn:8080/") == "example.cn:8080"


def test_declared_canonical_on_the_same_site_is_honoured_and_the_fetched_url_kept() -> None:
    choice = resolve_canonical(
        "http://m.voc.com.cn/content/1.html?from=groupmessage", "https://www.voc.com.cn/content/1.html"
    )
    assert choice.canonical_url == "https://www.voc.com.cn/content/1.html"
    assert choice.declared_honoured and choice.reason == "declared"
    assert choice.aliases == (
        "http://m.voc.com.cn/content/1.html?from=groupmessage",
        "http://m.voc.com.cn/content/1.html",
    )


@pytest.mark.parametrize(
    ("declared", "reason"),
    [
        ("https://www.rednet.cn/content/1.html", "declared-other-site"),
        ("http://www.sohu.com/", "declared-index-page"),
        ("http://www.sohu.com/index.html", "declared-index-page"),
        ("ftp://www.sohu.com/a/1.html", "declared-not-http"),
    ],
)
def test_declared_canonical_that_is_not_believed(declared: str, reason: str) -> None:
    choice = resolve_canonical("http://www.sohu.com/a/1.html?spm=x", declared)
    assert choice.canonical_url == "http://www.sohu.com/a/1.html"
    assert choice.reason == reason and not choice.declared_honoured
    assert choice.aliases == ("http://www.sohu.com/a/1.html?spm=x",)


def test_no_declared_canonical() -> None:
    choice = resolve_canonical("http://www.example.cn/a.html")
    assert (choice.canonical_url, choice.aliases, choice.declared, choice.reason) == (
        "http://www.example.cn/a.html",
        (),
        None,
        "fetched",
    )
