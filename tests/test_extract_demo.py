"""Every page of the demo site through the engine and the cleaning room, with the demo spider's
hint and with none, against the site's hand-written ground truth (`newscrawl/demo/articles.json`);
and the `scrapy shell` helper on a served page."""

from __future__ import annotations

import subprocess
import sys

import pytest

from newscrawl.clean import clean_article
from newscrawl.demo import DemoServer, build_site
from newscrawl.extract import SiteHints, extract
from newscrawl.paths import PROJECT_ROOT
from newscrawl.spiders.demo import DemoSpider
from tests.conftest import subprocess_env

BASE = "http://127.0.0.1:8642"
SITE = build_site()
HINTS = {"demo spider": SiteHints(body_css=DemoSpider.body_css), "no hints": SiteHints()}


@pytest.mark.parametrize("hints", list(HINTS))
@pytest.mark.parametrize("article_id", [a.id for a in SITE.articles])
def test_every_field_of_every_demo_article(article_id: int, hints: str) -> None:
    article = SITE.article_by_id(article_id)
    page = SITE.pages[article.path]
    result = extract(page.body, article.url(BASE), {"Content-Type": page.content_type}, hints=HINTS[hints])
    assert result.article is not None, result.reason
    got = clean_article(result.article).to_dict()
    truth = article.expected(BASE, SITE)
    encoding = truth.pop("encoding")
    assert got.pop("encoding") == ("gb18030" if encoding == "gbk" else encoding)
    truth.pop("http_status")
    mismatches = {name: (got[name], want) for name, want in truth.items() if got[name] != want}
    assert not mismatches


@pytest.mark.parametrize(
    ("path", "reason"),
    [("/", "listing page"), ("/court/index.html", "listing page"), ("/police/index_2.html", "listing page")],
)
def test_demo_listing_pages_are_no_article(path: str, reason: str) -> None:
    result = extract(SITE.pages[path].body, BASE + path)
    assert result.article is None
    assert result.reason is not None and result.reason.startswith(reason)


def test_demo_404_page_is_an_error_page() -> None:
    result = extract(SITE.not_found.body, BASE + "/nope.html")
    assert result.article is None
    assert result.reason is not None and result.reason.startswith("error page")


def test_the_scrapy_shell_helper_shows_fields_and_layers() -> None:
    article = SITE.article_by_id(21004)
    code = "__import__('newscrawl.shell', fromlist=['inspect']).inspect(response, hints='demo')"
    with DemoServer(SITE) as server:
        proc = subprocess.run(
            [sys.executable, "-m", "scrapy", "shell", server.url(article.path), "-c", code],
            cwd=PROJECT_ROOT,
            env=subprocess_env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = {line.split()[0]: line for line in proc.stdout.splitlines() if line.strip()}
    assert article.title in lines["title"]
    assert "heading" in lines["title"]
    assert "hints" in lines["body"]  # the demo spider's body_css
    assert "['陈立新', '彭子航']" in lines["authors"] and "pattern" in lines["authors"]
    assert "['彭子航']" in lines["trainee_authors"]
    assert article.editor in lines["editor"]
    assert "2024-02-26T16:05:00+08:00" in lines["published_at"]


def test_the_shell_helper_on_a_page_without_article() -> None:
    from scrapy.http import HtmlResponse

    from newscrawl.shell import inspect

    page = SITE.pages["/court/index.html"]
    response = HtmlResponse(
        BASE + "/court/index.html", body=page.body, headers={"Content-Type": page.content_type}
    )
    seen = inspect(response)
    assert seen.article is None
    assert seen.reason is not None and seen.reason.startswith("listing page")
    assert "no article: listing page" in repr(seen)
