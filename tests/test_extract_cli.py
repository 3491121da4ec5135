"""`newscrawl extract FILE… [--url URL] [--explain] [--fetched-at TIME]`, run as a user runs it."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

from newscrawl.demo import build_site
from newscrawl.extract import LAYERS
from tests.conftest import run_newscrawl

FIELDS = (
    "title",
    "published_at",
    "authors",
    "correspondents",
    "editor",
    "source",
    "body",
    "images",
    "related",
    "encoding",
    "script",
)

PAGE = """<html><head><meta charset="utf-8"><title>区法院审结一起劳动争议案_潇水法治网</title></head><body>
<div class="nav"><a href="/">首页</a> <a href="/fy/">法院</a> <a href="/jc/">检察</a></div>
<h1>区法院审结一起劳动争议案</h1><div class="info">{when} 来源：潇水法治报</div>
<div class="text"><p>本报讯（记者 张晓明 通讯员 王建国）近日，某区人民法院审结一起劳动争议案件，依法支持了劳动者的诉讼请求。</p>
<p>法院审理查明，用人单位未与劳动者签订书面劳动合同，也未依法缴纳社会保险，劳动者离职后申请仲裁未果，遂诉至法院。</p>
<p>法院认为，用人单位应当依法支付双倍工资差额，并为劳动者补缴社会保险费用。</p></div>
<p>责任编辑：周婷</p><div class="footer">版权所有 潇水法治报社</div></body></html>"""


def write(path: Path, when: str) -> Path:
    path.write_text(PAGE.replace("{when}", when), encoding="utf-8")
    return path


def test_one_json_line_per_file_with_the_fields_and_their_layers(tmp_path: Path) -> None:
    page = write(tmp_path / "a.html", "2021-08-05 17:24")
    listing = tmp_path / "list.html"
    listing.write_bytes(build_site().pages["/court/index.html"].body)
    proc = run_newscrawl("extract", str(page), str(listing), "--url", "http://127.0.0.1/a.html", "--explain")
    assert proc.returncode == 1  # one of the files holds no article
    first, second = (json.loads(line) for line in proc.stdout.strip().splitlines())
    assert set(FIELDS) <= set(first)
    assert first["title"] == "区法院审结一起劳动争议案"
    assert first["published_at"] == "2021-08-05T17:24:00+08:00"
    assert (first["authors"], first["correspondents"]) == (["张晓明"], ["王建国"])
    assert (first["editor"], first["source"]) == ("周婷", "潇水法治报")
    assert first["body"].count("\n") == 2
    assert (first["encoding"], first["script"]) == ("utf-8", "Hans")
    assert set(first["provenance"].values()) <= set(LAYERS)
    assert first["provenance"]["body"] == "density"
    assert first["warnings"] == []
    assert second["article"] is None
    assert second["reason"].startswith("listing page")
    assert second["file"] == str(listing)


def test_relative_dates_resolve_against_the_fetch_time(tmp_path: Path) -> None:
    page = write(tmp_path / "b.html", "3小时前")
    proc = run_newscrawl("extract", str(page), "--fetched-at", "2021-08-06T10:00:00+08:00")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["published_at"] == "2021-08-06T07:00:00+08:00"
    assert data["published_at_raw"] == "3小时前"
    assert data["fetched_at"] == "2021-08-06T10:00:00+08:00"


def test_the_file_time_is_the_default_fetch_time(tmp_path: Path) -> None:
    page = write(tmp_path / "c.html", "8月5日 17:24")
    saved = datetime(2022, 1, 3, 12, 0, tzinfo=timezone(timedelta(hours=8)))
    os.utime(page, (saved.timestamp(), saved.timestamp()))
    proc = run_newscrawl("extract", str(page))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    # Saved in January 2022, so 8月5日 is the August before.
    assert data["published_at"] == "2021-08-05T17:24:00+08:00"
    assert data["fetched_at"].startswith("2022-01-03T12:00:00")


def test_a_date_after_the_fetch_time_is_rejected(tmp_path: Path) -> None:
    page = write(tmp_path / "d.html", "2021-08-07 09:00")
    proc = run_newscrawl("extract", str(page), "--fetched-at", "2021-08-06T10:00:00+08:00")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["published_at"] is None


def test_a_bad_fetch_time_is_a_usage_error(tmp_path: Path) -> None:
    page = write(tmp_path / "e.html", "2021-08-05")
    proc = run_newscrawl("extract", str(page), "--fetched-at", "yesterday")
    assert proc.returncode == 2
    assert "ISO 8601" in proc.stderr


def test_a_missing_file_is_reported_and_the_others_still_run(tmp_path: Path) -> None:
    page = write(tmp_path / "f.html", "2021-08-05")
    proc = run_newscrawl("extract", str(tmp_path / "nope.html"), str(page))
    assert proc.returncode == 1
    assert "cannot read" in proc.stderr
    assert json.loads(proc.stdout)["title"] == "区法院审结一起劳动争议案"


def test_a_wrong_charset_is_worked_around_and_said(tmp_path: Path) -> None:
    page = tmp_path / "g.html"
    page.write_bytes(PAGE.replace("{when}", "2021-08-05").encode("gbk"))  # declares utf-8, is GBK
    proc = run_newscrawl("extract", str(page), "--explain")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["encoding"] == "gb18030"
    assert data["title"] == "区法院审结一起劳动争议案"
    assert any("not UTF-8" in w for w in data["warnings"])
