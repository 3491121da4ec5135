"""`newscrawl savefixture URL`: a live page recorded (bytes, URL, headers, fetch time) for a test.

Run against the demo site on 127.0.0.1; the expectations are the bytes and headers the demo server
sends, and the demo's hand-written ground truth for what the page says.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from newscrawl.demo import DemoServer, build_site
from newscrawl.demo.site import DemoPage
from newscrawl.extract import extract
from newscrawl.sites.fixture import FixtureError, fixture_name, load_fixture
from tests.conftest import run_newscrawl

GBK_ARTICLE_ID = 27099  # a 司法行政 page, served as GBK


def savefixture(url: str, out: Path, *args: str) -> tuple[int, str, str]:
    proc = run_newscrawl(
        "savefixture", url, "--out", str(out), "-s", "DOWNLOAD_DELAY=0", "-s", "RETRY_TIMES=0", *args
    )
    return proc.returncode, proc.stdout, proc.stderr


def test_records_the_bytes_url_headers_and_fetch_time_of_a_page(tmp_path: Path) -> None:
    site = build_site()
    article = site.article_by_id(GBK_ARTICLE_ID)
    served = site.pages[article.path]
    with DemoServer(site) as server:
        url = server.url(article.path)
        status, out, err = savefixture(url, tmp_path, "--name", "justice_27099")
    assert status == 0, err[-2000:]
    html_path, meta_path = tmp_path / "justice_27099.html", tmp_path / "justice_27099.json"
    assert str(html_path) in out
    assert html_path.read_bytes() == served.body
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    assert meta["url"] == url
    assert meta["final_url"] == url
    assert meta["status"] == 200
    assert meta["headers"]["Content-Type"] == [served.content_type]
    assert "gbk" in served.content_type.lower()
    fetched = datetime.fromisoformat(meta["fetched_at"])
    assert meta["fetched_at"].endswith("+08:00")
    assert abs((datetime.now(fetched.tzinfo) - fetched).total_seconds()) < 300
    assert meta["recorded_by"].startswith("newscrawl ")


def test_a_recorded_page_replays_for_the_extractor_and_the_spiders(tmp_path: Path) -> None:
    site = build_site()
    article = site.article_by_id(GBK_ARTICLE_ID)
    with DemoServer(site) as server:
        status, _, err = savefixture(server.url(article.path), tmp_path)
        base = server.base_url
    assert status == 0, err[-2000:]
    [html_path] = tmp_path.glob("*.html")
    assert html_path.stem == fixture_name(base + article.path)
    page = load_fixture(html_path)
    response = page.response()
    assert response.url == base + article.path
    assert response.headers[b"Content-Type"].decode() == site.pages[article.path].content_type
    assert response.text.count(article.title) >= 1  # decoded as GBK from the recorded header
    result = extract(page.body, page.final_url, {k: ",".join(v) for k, v in page.headers.items()})
    assert result.article is not None
    assert result.article.title == article.title
    assert result.article.encoding in ("gbk", "gb18030", "gb2312")


def test_redirects_are_followed_and_the_final_url_kept(tmp_path: Path) -> None:
    site = build_site()
    article = site.article_by_id(21004)
    site.pages["/old/21004.html"] = DemoPage(b"", "text/html", status=301, headers={"Location": article.path})
    with DemoServer(site) as server:
        status, _, err = savefixture(server.url("/old/21004.html"), tmp_path, "--name", "moved")
        final = server.url(article.path)
    assert status == 0, err[-2000:]
    meta = json.loads((tmp_path / "moved.json").read_text(encoding="utf-8"))
    assert meta["url"].endswith("/old/21004.html")
    assert meta["final_url"] == final
    assert (tmp_path / "moved.html").read_bytes() == site.pages[article.path].body


@pytest.mark.parametrize(
    ("path", "reason"),
    [("/court/209901/01/content_1.html", "HTTP 404"), ("/admin/", "forbidden by robots.txt")],
)
def test_a_page_that_cannot_be_recorded_writes_nothing(tmp_path: Path, path: str, reason: str) -> None:
    with DemoServer() as server:
        status, _out, err = savefixture(server.url(path), tmp_path / "out")
    assert status == 1
    assert reason in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_an_existing_fixture_is_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "same.html").write_bytes(b"keep me")
    with DemoServer() as server:
        status, _, err = savefixture(server.url("/court/index.html"), tmp_path, "--name", "same")
    assert status == 1
    assert "exists" in err
    assert (tmp_path / "same.html").read_bytes() == b"keep me"
    assert not (tmp_path / "same.json").exists()


def test_fixture_names_and_unreadable_fixtures(tmp_path: Path) -> None:
    assert fixture_name("https://hunan.voc.com.cn/article/202406/202406180830123456.html") == (
        "hunan_voc_com_cn_article_202406_202406180830123456"
    )
    assert fixture_name("https://www.court.gov.cn/zixun-gengduo-23.html?page=2") == (
        "www_court_gov_cn_zixun_gengduo_23_page_2"
    )
    assert fixture_name("https://www.spp.gov.cn/") == "www_spp_gov_cn"
    with pytest.raises(FixtureError, match="cannot read fixture"):
        load_fixture(tmp_path / "missing.html")
