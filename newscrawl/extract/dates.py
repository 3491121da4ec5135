"""Publication dates as Chinese pages write them, resolved against the page's fetch time.

Absolute forms: `2021-08-05 17:24:33`, `2021年8月5日 17:24`, `2021/8/5`, `2021.08.05`, `二〇二一年八月五日`,
`05/08/2021 17:24` (day first unless the numbers say otherwise), ISO 8601 from structured data
(`2021-08-05T09:24:33Z`). Forms needing the fetch time: year-less `8月5日` / `08-05 17:24` (the most
recent such day not after the fetch), `3小时前`, `刚刚`, `昨天 17:24`.

Every date is checked: impossible ones (`2月30日`, `25:61`), ones before the web (< 1990) and ones
after the fetch time are rejected. Times without an offset are China Standard Time; every result is
expressed in +08:00 so stored dates sort as strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

CST = timezone(timedelta(hours=8))
MIN_YEAR = 1990
"""Nothing was published on a web page before this year; earlier dates in a page are history."""
CLOCK_SKEW = timedelta(minutes=10)
"""A time this far after the fetch still counts (server clocks and our own drift)."""

_CN_DIGITS = {
    "〇": 0,
    "○": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}

_TIME = (
    # An optional weekday between date and time: `2021年8月5日 星期四 下午3:20`.
    r"(?:\s*(?:[（(]?(?:星期|周|週|禮拜|礼拜)[一二三四五六日天][）)]?)?\s*(?:T|\s)?\s*(?P<ampm1>上午|下午|晚上|凌晨|中午|早上)?\s*(?P<H>\d{1,2})\s*(?::|：|时|時|点|點)\s*(?P<M>\d{1,2})"
    r"(?:\s*(?::|：|分)\s*(?P<S>\d{1,2})(?:\.\d+)?\s*秒?)?(?!\d)\s*分?"
    r"\s*(?P<ampm2>[AaPp]\.?[Mm]\.?(?![A-Za-z]))?"
    r"(?P<tz>\s*(?:Z|[+-]\d{2}:?\d{2}|(?:GMT|UTC)\s*[+-]\s*\d{1,2}(?::?\d{2})?)(?![\w]))?)?"
)
_ABSOLUTE = re.compile(
    # 2021-08-05 / 2021/8/5 / 2021.08.05 / 2021年8月5日 (one kind of separator throughout)
    r"(?<![\d.])(?P<y>(?:19|20)\d{2})\s*(?:(?P<sep>[-/.])\s*(?P<m1>\d{1,2})\s*(?P=sep)\s*(?P<d1>\d{1,2})(?![\d.])"
    r"|年\s*(?P<m2>\d{1,2})\s*月\s*(?P<d2>\d{1,2})\s*[日号號]?)" + _TIME
)
_DAY_FIRST = re.compile(
    r"(?<![\d./-])(?P<a>\d{1,2})[/.](?P<b>\d{1,2})[/.](?P<y>(?:19|20)\d{2})(?![\d./])" + _TIME
)
_CN_NUMERALS = re.compile(
    r"(?P<y>[〇○零一二三四五六七八九]{4})年(?P<m>十[一二]?|[一二三四五六七八九])月"
    r"(?P<d>[一二]?十[一二三四五六七八九]?|三十[一]?|[一二三四五六七八九])日"
)
_YEARLESS = re.compile(r"(?<![\d年/.-])(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号號]" + _TIME)
_YEARLESS_NUMERIC = re.compile(
    # `08-05 17:24`: only with a time, since `8-5` alone is as often a score or a range.
    r"(?<![\d/.-])(?P<m>\d{1,2})-(?P<d>\d{1,2})\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?![\d:])"
)
_RELATIVE = re.compile(
    r"(?P<n>\d{1,3}|[一二两兩三四五六七八九十]{1,2})\s*(?P<unit>秒|分钟|分鐘|小时|小時|个小时|個小時|天|日|周|週|星期)\s*前"
    r"|(?P<now>刚刚|剛剛|刚才|剛才)"
    # 今天 / 昨天 only with a time: alone they are words of the running text.
    r"|(?P<day>今天|今日|昨天|昨日|前天)\s*(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?"
)
_COMPACT = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)(?!\d)")
_URL_DATE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})[-_/]?(?P<m>[01]\d)[-_/]?(?P<d>[0-3]\d)(?!\d)"
    r"|/(?P<y2>(?:19|20)\d{2})[-_/]?(?P<m2>[01]?\d)/(?P<d2>[0-3]?\d)/"
)
_ISO = re.compile(
    r"^\s*(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[T\s]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?)?\s*$"
)
_NUMBER = {"两": 2, "兩": 2, "十": 10}


@dataclass(frozen=True)
class FoundDate:
    """A date found in text."""

    value: datetime
    """Aware datetime in +08:00."""
    raw: str
    """The text it was read from, as written."""
    has_time: bool
    """Whether the text gave a time of day (else `value` is midnight)."""
    start: int = 0
    """Where `raw` starts in the text searched."""

    @property
    def iso(self) -> str:
        return self.value.isoformat()


def _cn_number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if len(text) == 4:  # 二〇二一
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
    return _NUMBER.get(text) or _CN_DIGITS.get(text, 0)


def _offset(text: str | None) -> timezone | None:
    if not text:
        return None
    text = text.strip().upper().replace("GMT", "").replace("UTC", "").replace(" ", "")
    if text in ("Z", ""):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text.lstrip("+-").replace(":", "")
    if len(digits) <= 2:
        hours, minutes = int(digits), 0
    else:
        hours, minutes = int(digits[:-2]), int(digits[-2:])
    if hours > 14 or minutes > 59:
        return None
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _hour(hour: int, ampm: str | None) -> int:
    if not ampm:
        return hour
    ampm = ampm.replace(".", "").upper()
    if ampm in ("PM", "下午", "晚上") and hour < 12:
        return hour + 12
    if ampm in ("AM", "凌晨") and hour == 12:
        return 0
    return hour


def _build(
    y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0, tz: timezone | None = None
) -> datetime | None:
    try:
        value = datetime(y, m, d, hh, mm, ss, tzinfo=tz or CST)
    except ValueError:
        return None
    return value.astimezone(CST)


def plausible(value: datetime, has_time: bool, fetched_at: datetime) -> bool:
    """Not before the web, not after the fetch (a bare date: not after the fetch day)."""
    if value.year < MIN_YEAR:
        return False
    if has_time:
        return value <= fetched_at + CLOCK_SKEW
    return value.date() <= fetched_at.astimezone(CST).date()


def _time_parts(m: re.Match[str]) -> tuple[int, int, int, bool] | None:
    groups = m.groupdict()
    if groups.get("H") is None:
        return 0, 0, 0, False
    hh, mm, ss = int(groups["H"]), int(groups["M"]), int(groups.get("S") or 0)
    hh = _hour(hh, groups.get("ampm1") or groups.get("ampm2"))
    if hh > 23 or mm > 59 or ss > 59:
        return None
    return hh, mm, ss, True


def _absolute(m: re.Match[str]) -> tuple[datetime, bool] | None:
    y = int(m.group("y"))
    month, day = (m.group("m1"), m.group("d1")) if m.group("m1") else (m.group("m2"), m.group("d2"))
    parts = _time_parts(m)
    if parts is None:
        # `2021-08-05 25:00`: the date stands without the impossible time.
        parts = (0, 0, 0, False)
    hh, mm, ss, has_time = parts
    value = _build(y, int(month), int(day), hh, mm, ss, _offset(m.group("tz")) if has_time else None)
    return (value, has_time) if value else None


def _day_first(m: re.Match[str], prefer_month_first: bool) -> tuple[datetime, bool] | None:
    a, b, y = int(m.group("a")), int(m.group("b")), int(m.group("y"))
    if a > 12 or (b <= 12 and not prefer_month_first):
        day, month = a, b
    else:
        month, day = a, b
    parts = _time_parts(m) or (0, 0, 0, False)
    hh, mm, ss, has_time = parts
    value = _build(y, month, day, hh, mm, ss, _offset(m.group("tz")) if has_time else None)
    return (value, has_time) if value else None


def _yearless(
    month: int, day: int, hh: int, mm: int, ss: int, has_time: bool, fetched: datetime
) -> datetime | None:
    """The most recent `month`-`day` not after the fetch time."""
    for year in (fetched.year, fetched.year - 1):
        value = _build(year, month, day, hh, mm, ss)
        if value is None:
            if month == 2 and day == 29:
                continue  # a leap day: try the year before
            return None
        if plausible(value, has_time, fetched):
            return value
    return None


def _relative(m: re.Match[str], fetched: datetime) -> tuple[datetime, bool] | None:
    if m.group("now"):
        return fetched, True
    if m.group("day"):
        back = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}[m.group("day")]
        day = (fetched - timedelta(days=back)).date()
        parts = _time_parts(m) or (0, 0, 0, False)
        hh, mm, ss, has_time = parts
        return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=CST), has_time
    n = _cn_number(m.group("n"))
    unit = m.group("unit")
    if unit == "秒":
        delta = timedelta(seconds=n)
    elif unit in ("分钟", "分鐘"):
        delta = timedelta(minutes=n)
    elif unit in ("小时", "小時", "个小时", "個小時"):
        delta = timedelta(hours=n)
    elif unit in ("天", "日"):
        delta = timedelta(days=n)
    else:
        delta = timedelta(weeks=n)
    # `3天前` has day precision only: keep the day, drop the made-up time of day.
    value = fetched - delta
    if unit in ("天", "日", "周", "週", "星期"):
        return datetime(value.year, value.month, value.day, tzinfo=CST), False
    return value.replace(microsecond=0), True


def find_dates(
    text: str,
    fetched_at: datetime,
    *,
    relative: bool = True,
    month_first: bool = False,
    rejected: list[str] | None = None,
) -> Iterator[FoundDate]:
    """Every plausible date in `text`, in text order; year-less and relative forms resolved
    against `fetched_at`. `month_first` reads an ambiguous `05/08/2021` as May 8. Dates written in
    full but impossible (`2024-02-30`) or later than the fetch go to `rejected`, as written."""
    fetched = fetched_at.astimezone(CST)
    found: list[FoundDate] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, value: datetime | None, has_time: bool, *, full: bool = False) -> None:
        if any(s < end and start < e for s, e in taken):
            return
        taken.append((start, end))
        if value is not None and plausible(value, has_time, fetched):
            found.append(FoundDate(value, text[start:end].strip(), has_time, start))
        elif full and rejected is not None:
            rejected.append(text[start:end].strip())

    for m in _ABSOLUTE.finditer(text):
        result = _absolute(m)
        add(m.start(), m.end(), *(result or (None, False)), full=True)
    if "/" in text or "." in text:
        for m in _DAY_FIRST.finditer(text):
            result = _day_first(m, month_first)
            add(m.start(), m.end(), *(result or (None, False)))
    if "年" in text:
        for m in _CN_NUMERALS.finditer(text):
            value = _build(_cn_number(m.group("y")), _cn_number(m.group("m")), _cn_number(m.group("d")))
            add(m.start(), m.end(), value, False)
    if "月" in text:
        for m in _YEARLESS.finditer(text):
            clock = _time_parts(m) or (0, 0, 0, False)
            value = _yearless(int(m.group("m")), int(m.group("d")), *clock, fetched)
            add(m.start(), m.end(), value, clock[3])
    if "-" in text:
        for m in _YEARLESS_NUMERIC.finditer(text):
            stamp = _time_parts(m)
            if stamp is None:
                continue
            value = _yearless(int(m.group("m")), int(m.group("d")), *stamp, fetched)
            add(m.start(), m.end(), value, True)
    if relative:
        for m in _RELATIVE.finditer(text):
            result = _relative(m, fetched)
            add(m.start(), m.end(), *(result or (None, False)))
    found.sort(key=lambda f: f.start)
    yield from found


def first_date(
    text: str, fetched_at: datetime, *, relative: bool = True, month_first: bool = False
) -> FoundDate | None:
    """The first plausible date in `text`, or None."""
    return next(find_dates(text, fetched_at, relative=relative, month_first=month_first), None)


def parse_structured(value: str, fetched_at: datetime) -> FoundDate | None:
    """A machine-written date (JSON-LD, `<meta>`, `<time datetime>`): ISO 8601, epoch seconds or
    milliseconds, else any form `find_dates` knows."""
    value = value.strip()
    if not value:
        return None
    fetched = fetched_at.astimezone(CST)
    m = _ISO.match(value)
    if m:
        has_time = m.group("H") is not None
        built = _build(
            int(m.group("y")),
            int(m.group("m")),
            int(m.group("d")),
            int(m.group("H") or 0),
            int(m.group("M") or 0),
            int(m.group("S") or 0),
            _offset(m.group("tz")),
        )
        if built is not None and plausible(built, has_time, fetched):
            return FoundDate(built, value, has_time)
        return None
    if value.isdigit() and len(value) in (10, 13):
        seconds = int(value) / (1000 if len(value) == 13 else 1)
        stamp = datetime.fromtimestamp(seconds, CST)
        return FoundDate(stamp, value, True) if plausible(stamp, True, fetched) else None
    m2 = _COMPACT.fullmatch(value)
    if m2:
        built = _build(int(m2.group("y")), int(m2.group("m")), int(m2.group("d")))
        return FoundDate(built, value, False) if built and plausible(built, False, fetched) else None
    return first_date(value, fetched_at, relative=False)


def date_from_url(url: str, fetched_at: datetime) -> FoundDate | None:
    """The day a CMS put in the article URL: `/2021-08/05/`, `/202108/05/`, `t20210805_123`."""
    path = url.split("?", 1)[0]
    for m in _URL_DATE.finditer(path):
        y, mo, d = (m.group("y"), m.group("m"), m.group("d")) if m.group("y") else m.group("y2", "m2", "d2")
        built = _build(int(y), int(mo), int(d))
        if built is not None and plausible(built, False, fetched_at.astimezone(CST)):
            return FoundDate(built, m.group(0), False)
    return None


def same_day(a: datetime, b: datetime) -> bool:
    return a.astimezone(CST).date() == b.astimezone(CST).date()


__all__ = [
    "CST",
    "FoundDate",
    "date_from_url",
    "find_dates",
    "first_date",
    "parse_structured",
    "plausible",
    "same_day",
]
