"""The `newscrawl` command and the Scrapy commands, run as a user runs them."""

from __future__ import annotations

import csv
import json
import socket
import subprocess
import sys
from pathlib import Path

from newscrawl.demo import DemoServer, build_site
from newscrawl.paths import PROJECT_ROOT
from tests.conftest import query, run_newscrawl, subprocess_env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_demo_command_end_to_end_and_idempotent(tmp_path: Path) -> None:
    db, out = tmp_path / "demo.db", tmp_path / "demo.csv"
    port = str(free_port())
    first = run_newscrawl("demo", "--db", str(db), "--csv", str(out), "--port", port)
    assert first.returncode == 0, first.stderr[-3000:]
    n = len(build_site().articles)
    assert f"{n} new" in first.stdout
    assert "demo" in first.stdout
    assert "date" in first.stdout
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == n
    assert all(r["title"] and r["body"] for r in rows)
    second = run_newscrawl("demo", "--db", str(db), "--csv", str(out), "--port", port)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "0 new" in second.stdout
    assert query(db, "SELECT COUNT(*) FROM articles")[0][0] == n


def test_extract_prints_one_json_line_per_file(tmp_path: Path) -> None:
    site = build_site()
    article = site.article_by_id(21735)
    page = tmp_path / "page.html"
    page.write_bytes(site.pages[article.path].body)
    listing = tmp_path / "listing.html"
    listing.write_bytes(site.pages["/court/index.html"].body)
    proc = run_newscrawl("extract", str(page), "--url", "http://127.0.0.1:8642" + article.path, "--explain")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert data["title"] == article.title
    assert data["body"] == article.body
    assert data["published_at"] == article.published_at
    assert data["images"][0]["url"] == "http://127.0.0.1:8642" + article.images[0].src
    assert data["provenance"]["title"]
    # A listing page is not an article: it says so, with a reason, and the exit status says so too.
    proc = run_newscrawl("extract", str(listing))
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data["article"] is None
    assert data["reason"]


def test_extract_reads_txt_as_one_paragraph_per_line(tmp_path: Path) -> None:
    page = tmp_path / "a.txt"
    page.write_text(
        "本报讯（记者 张三 通讯员 李四）某区法院近日审结一起案件。\n\n第二段内容。\n", encoding="utf-8"
    )
    proc = run_newscrawl("extract", str(page))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["body"] == "本报讯（记者 张三 通讯员 李四）某区法院近日审结一起案件。\n第二段内容。"


def test_list_command_names_spiders_with_region() -> None:
    proc = run_newscrawl("list")
    assert proc.returncode == 0, proc.stderr
    lines = {line.split()[0]: line for line in proc.stdout.splitlines()}
    assert "news" in lines
    assert "CN-HN" in lines["demo"]


def test_unknown_spider_is_a_usage_error(tmp_path: Path) -> None:
    proc = run_newscrawl("crawl", "no_such_site", "--db", str(tmp_path / "x.db"))
    assert proc.returncode == 2
    assert "unknown spider" in proc.stderr


def scrapy(*args: str, cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        cwd=cwd,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_scrapy_shell_on_a_saved_page_uses_project_settings(tmp_path: Path) -> None:
    site = build_site()
    article = site.article_by_id(21004)
    page = tmp_path / "page.html"
    page.write_bytes(site.pages[article.path].body)
    proc = scrapy("shell", str(page), "-c", "(settings['BOT_NAME'], response.css('h1::text').get())")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"('newscrawl', '{article.title}')" in proc.stdout


def test_scrapy_shell_on_a_url(tmp_path: Path) -> None:
    site = build_site()
    article = site.article_by_id(21004)
    with DemoServer(site) as server:
        proc = scrapy(
            "shell", server.url(article.path), "-c", "(response.status, response.css('h1::text').get())"
        )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"(200, '{article.title}')" in proc.stdout
