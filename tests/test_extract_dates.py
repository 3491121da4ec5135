"""Dates as Chinese pages write them, with time frozen to a fetch time. Every string is written here."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from newscrawl.extract.dates import date_from_url, find_dates, first_date, parse_structured

CST = timezone(timedelta(hours=8))
FETCHED = datetime(2021, 8, 6, 10, 30, tzinfo=CST)
"""The fetch time every test below is frozen to."""


def iso(text: str, fetched: datetime = FETCHED) -> str | None:
    found = first_date(text, fetched)
    return found.iso if found else None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("发布时间：2021-08-05 17:24:33", "2021-08-05T17:24:33+08:00"),
        ("2021年8月5日 17:24", "2021-08-05T17:24:00+08:00"),
        ("2021年08月05日17:24", "2021-08-05T17:24:00+08:00"),
        ("2021/8/5", "2021-08-05T00:00:00+08:00"),
        ("2021.08.05", "2021-08-05T00:00:00+08:00"),
        ("2021-8-5 9:05", "2021-08-05T09:05:00+08:00"),
        ("2021年8月5日", "2021-08-05T00:00:00+08:00"),
        ("2021年8月5号", "2021-08-05T00:00:00+08:00"),
        ("二〇二一年八月五日", "2021-08-05T00:00:00+08:00"),
        ("二〇二〇年十二月三十一日", "2020-12-31T00:00:00+08:00"),
        ("2021年8月5日 下午3:20", "2021-08-05T15:20:00+08:00"),
        ("2021-08-05 17时24分", "2021-08-05T17:24:00+08:00"),
        ("5/8/2021 9:23:57 PM", "2021-08-05T21:23:57+08:00"),
    ],
)
def test_absolute_forms(text: str, expected: str) -> None:
    assert iso(text) == expected


def test_the_raw_text_is_kept_as_written() -> None:
    found = first_date("来源：法治日报  2021年8月5日 17:24  浏览：120", FETCHED)
    assert found is not None
    assert found.raw == "2021年8月5日 17:24"
    assert found.has_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13/08/2020", "2020-08-13T00:00:00+08:00"),  # day first: 13 is no month
        ("08/13/2020", "2020-08-13T00:00:00+08:00"),  # month first: 13 is no month
        ("05/08/2021", "2021-08-05T00:00:00+08:00"),  # ambiguous: day first, as most of the world
    ],
)
def test_numeric_day_month_order(text: str, expected: str) -> None:
    assert iso(text) == expected


def test_month_first_when_asked() -> None:
    found = first_date("05/08/2021", FETCHED, month_first=True)
    assert found is not None and found.iso == "2021-05-08T00:00:00+08:00"


@pytest.mark.parametrize(
    ("text", "fetched", "expected"),
    [
        ("8月5日 17:24", FETCHED, "2021-08-05T17:24:00+08:00"),
        ("8月5日", FETCHED, "2021-08-05T00:00:00+08:00"),
        # A day later in the year than the fetch: last year's.
        ("12月30日", FETCHED, "2020-12-30T00:00:00+08:00"),
        ("8月7日", FETCHED, "2020-08-07T00:00:00+08:00"),
        # Fetched on 3 January: 30 December is the year before.
        ("12月30日 08:00", datetime(2022, 1, 3, tzinfo=CST), "2021-12-30T08:00:00+08:00"),
        ("08-05 17:24", FETCHED, "2021-08-05T17:24:00+08:00"),
        # 29 February: the most recent leap year's.
        ("2月29日", datetime(2021, 8, 6, tzinfo=CST), "2020-02-29T00:00:00+08:00"),
    ],
)
def test_year_less_dates_resolve_against_the_fetch_time(text: str, fetched: datetime, expected: str) -> None:
    assert iso(text, fetched) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3小时前", "2021-08-06T07:30:00+08:00"),
        ("3 小时前", "2021-08-06T07:30:00+08:00"),
        ("5分钟前", "2021-08-06T10:25:00+08:00"),
        ("30秒前", "2021-08-06T10:29:30+08:00"),
        ("2天前", "2021-08-04T00:00:00+08:00"),
        ("两天前", "2021-08-04T00:00:00+08:00"),
        ("1周前", "2021-07-30T00:00:00+08:00"),
        ("刚刚", "2021-08-06T10:30:00+08:00"),
        ("昨天 17:24", "2021-08-05T17:24:00+08:00"),
        ("前天 08:00", "2021-08-04T08:00:00+08:00"),
        ("今天 09:15", "2021-08-06T09:15:00+08:00"),
    ],
)
def test_relative_dates_are_frozen_to_the_fetch_time(text: str, expected: str) -> None:
    assert iso(text) == expected


def test_a_day_word_without_a_time_is_running_text() -> None:
    assert iso("他今天在赛后说") is None


@pytest.mark.parametrize(
    "text",
    [
        "2021-02-30",  # no such day
        "2021年13月5日",  # no such month
        "2021-08-07 09:00",  # after the fetch
        "2021年8月7日",  # a day after the fetch day
        "今天 11:30",  # later today than the fetch
        "1989年4月15日",  # before the web: history, not a publication date
    ],
)
def test_impossible_and_future_dates_are_rejected(text: str) -> None:
    assert iso(text) is None


def test_an_impossible_time_leaves_the_date() -> None:
    assert iso("2021-08-05 25:61") == "2021-08-05T00:00:00+08:00"


def test_a_time_later_the_same_day_within_clock_skew_counts() -> None:
    assert iso("2021-08-06 10:35") == "2021-08-06T10:35:00+08:00"


def test_every_date_in_text_order() -> None:
    text = "2021-08-01 发布；更新于 2021年8月3日 10:00；3天前转载"
    assert [f.iso for f in find_dates(text, FETCHED)] == [
        "2021-08-01T00:00:00+08:00",
        "2021-08-03T10:00:00+08:00",
        "2021-08-03T00:00:00+08:00",
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-08-05T17:24:33+08:00", "2021-08-05T17:24:33+08:00"),
        # An instant in UTC is expressed in +08:00, so stored dates sort as strings.
        ("2021-08-05T09:24:33Z", "2021-08-05T17:24:33+08:00"),
        ("2021-08-04T20:00:00-05:00", "2021-08-05T09:00:00+08:00"),
        ("2021-08-05 17:24:33", "2021-08-05T17:24:33+08:00"),
        ("2021-08-05", "2021-08-05T00:00:00+08:00"),
        ("20210805", "2021-08-05T00:00:00+08:00"),
        ("1628155473", "2021-08-05T17:24:33+08:00"),
        ("1628155473000", "2021-08-05T17:24:33+08:00"),
        ("2021年8月5日 17:24", "2021-08-05T17:24:00+08:00"),
    ],
)
def test_structured_values(value: str, expected: str) -> None:
    found = parse_structured(value, FETCHED)
    assert found is not None and found.iso == expected


@pytest.mark.parametrize("value", ["", "2099-01-01T00:00:00+08:00", "not a date", "2021-02-30T00:00:00Z"])
def test_structured_values_rejected(value: str) -> None:
    assert parse_structured(value, FETCHED) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://a.cn/fzxw/2021-08/05/content_123.htm", "2021-08-05T00:00:00+08:00"),
        ("http://a.cn/fzxw/202108/05/content_123.htm", "2021-08-05T00:00:00+08:00"),
        ("http://a.cn/fzxw/202108/t20210805_123456.html", "2021-08-05T00:00:00+08:00"),
        ("http://a.cn/n1/2021/0805/c1004-123.html", "2021-08-05T00:00:00+08:00"),
        ("http://a.cn/2021/8/5/123.html", "2021-08-05T00:00:00+08:00"),
        ("http://a.cn/article/12345678.html", None),
        ("http://a.cn/2099/01/01/x.html", None),
    ],
)
def test_dates_in_urls(url: str, expected: str | None) -> None:
    found = date_from_url(url, FETCHED)
    assert (found.iso if found else None) == expected


@pytest.mark.parametrize(
    ("shown", "kept_raw"),
    [
        ("发布时间：2099-01-01 10:00", "2099-01-01 10:00"),  # after the fetch
        ("发布时间：2021-02-30 09:00", "2021-02-30 09:00"),  # no such day
        ("发布时间：2021-13-05 09:00", "2021-13-05 09:00"),  # no such month
    ],
)
def test_a_page_showing_only_an_impossible_date_is_flagged_not_dated(shown: str, kept_raw: str) -> None:
    from newscrawl.extract import extract

    paragraphs = "".join(
        f"<p>第{n}段：麓川区人民法院近日审结一起电信网络诈骗案，被告人当庭认罪悔罪，法院依法作出判决。</p>"
        for n in range(1, 5)
    )
    html = (
        '<html><head><meta charset="utf-8"><title>某案宣判_测试网</title></head><body>'
        f'<h1>某案宣判</h1><div class="info">{shown}　来源：测试报</div>'
        f'<div class="content">{paragraphs}</div></body></html>'
    )
    result = extract(html.encode(), "http://127.0.0.1/news/content_1.html", fetched_at=FETCHED)
    assert result.article is not None
    assert result.article.published_at is None
    assert result.article.published_at_raw == kept_raw
    assert result.provenance["published_at_raw"] == "rejected"
    assert any(kept_raw in warning for warning in result.warnings)
