"""The demo site itself, fetched over real HTTP on 127.0.0.1: structure, encodings, robots, sitemap,
and that every page shows exactly the hand-written ground truth in articles.json.

Expected values come from the raw JSON (read here, not through `newscrawl.demo.site`), so a slip in
the site builder cannot hide behind its own output.
"""

from __future__ import annotations

import http.client
import itertools
import json
import re
import urllib.error
import urllib.request
import urllib.robotparser
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import parsel
import pytest

from newscrawl.demo import ARTICLE_URL_PATTERN, DemoServer, build_site, is_article_url

DATA_FILE = Path(__file__).resolve().parent.parent / "newscrawl" / "demo" / "articles.json"
SECTIONS = ("court", "procuratorate", "police", "justice")
INDENT = " \t\r\n\xa0\u3000"


def _document() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return data


DOC = _document()
ARTICLES: list[dict[str, Any]] = DOC["articles"]
BY_ID = {a["id"]: a for a in ARTICLES}


def expected_path(article: dict[str, Any]) -> str:
    stamp = article["published_at"]
    return f"/{article['section']}/{stamp[0:4]}{stamp[5:7]}/{stamp[8:10]}/content_{article['id']}.html"


def expected_charset(article: dict[str, Any]) -> str:
    return "gbk" if article["section"] == "justice" else "utf-8"


class Response:
    def __init__(self, status: int, headers: Message, body: bytes, url: str) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.url = url

    @property
    def charset(self) -> str | None:
        return self.headers.get_content_charset()

    def text(self) -> str:
        return self.body.decode(self.charset or "utf-8")


def fetch(url: str, method: str = "GET") -> Response:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return Response(resp.status, resp.headers, resp.read(), resp.geturl())
    except urllib.error.HTTPError as err:
        with err:
            return Response(err.code, err.headers, err.read(), url)


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer() as running:
        yield running


# -- the hand-written data ------------------------------------------------------------------------


def test_ground_truth_has_enough_articles_in_four_sections() -> None:
    assert len(ARTICLES) >= 32
    assert len({a["id"] for a in ARTICLES}) == len(ARTICLES)
    counts = {s: sum(1 for a in ARTICLES if a["section"] == s) for s in SECTIONS}
    assert set(counts) == {s["key"] for s in DOC["sections"]}
    # 3 articles a listing page and at least 3 pages per section.
    assert all(n >= 7 for n in counts.values()), counts


RAW_FORMATS = {
    r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}": "%Y-%m-%d %H:%M:%S",
    r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}": "%Y年%m月%d日 %H:%M",
    r"\d{4}/\d{1,2}/\d{1,2}": "%Y/%m/%d",
    r"\d{4}-\d{2}-\d{2}": "%Y-%m-%d",
}


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: str(a["id"]))
def test_each_article_record_is_consistent(article: dict[str, Any]) -> None:
    assert 12 <= len(article["title"]) <= 30
    assert 4 <= len(article["paragraphs"]) <= 9
    for paragraph in article["paragraphs"]:
        assert 80 <= len(paragraph) <= 300, paragraph[:20]
        assert paragraph == paragraph.strip(INDENT)
    # The raw date text and the ISO value say the same thing.
    published = datetime.fromisoformat(article["published_at"])
    assert published.year == 2024
    assert published.utcoffset() is not None
    assert published.utcoffset().total_seconds() == 8 * 3600  # type: ignore[union-attr]
    raw = article["published_at_raw"]
    fmt = next(f for pattern, f in RAW_FORMATS.items() if re.fullmatch(pattern, raw))
    assert datetime.strptime(raw, fmt).replace(tzinfo=published.tzinfo) == published
    # Byline: every person credited appears in it, trainees are authors.
    assert article["authors"]
    assert set(article["trainee_authors"]) <= set(article["authors"])
    assert len(article["correspondents"]) <= 3
    byline = article["byline"]
    if byline is not None:
        assert article["paragraphs"][0].startswith(byline)
        for name in article["authors"] + article["correspondents"]:
            assert name in byline
        for name in article["trainee_authors"]:
            assert f"见习记者 {name}" in byline
        assert (article["outlet"] is None) == bool(re.match(r"本报讯[（(]记者|本报讯[（(]见习记者", byline))
        if article["outlet"]:
            assert article["outlet"] in byline
    else:
        assert article["outlet"] is None
        assert article["correspondents"] == []
    # Images and related links.
    assert len(article["images"]) <= 2
    for image in article["images"]:
        assert re.fullmatch(r"/images/\d{6}/\d+_\d\.jpg", image["src"])
        assert image["caption"]
        assert 0 <= image["after"] <= len(article["paragraphs"])
    assert 2 <= len(article["related"]) <= 5
    assert len(set(article["related"])) == len(article["related"])
    assert all(r in BY_ID and r != article["id"] for r in article["related"])
    if article["section"] == "justice":
        json.dumps(article, ensure_ascii=False).encode("gbk")


def test_ground_truth_covers_the_variations_an_extractor_meets() -> None:
    raw_kinds = {next(p for p in RAW_FORMATS if re.fullmatch(p, a["published_at_raw"])) for a in ARTICLES}
    assert raw_kinds == set(RAW_FORMATS)
    with_meta = sum(1 for a in ARTICLES if a["meta_tags"])
    assert with_meta == len(ARTICLES) // 2
    assert len({a["published_at"][:7] for a in ARTICLES}) == 12  # every month of 2024
    assert any(a["trainee_authors"] for a in ARTICLES)
    assert any(a["byline"] and not a["correspondents"] for a in ARTICLES)
    assert any(len(a["authors"]) == 2 for a in ARTICLES)
    assert any(a["byline"] is None for a in ARTICLES)
    assert any(a["outlet"] for a in ARTICLES)
    assert {a["source"] for a in ARTICLES} >= {"潇湘法治报", "法治日报", "湖南日报"}
    credits = [i["credit"] for a in ARTICLES for i in a["images"]]
    assert "警方供图" in credits
    assert any(c and c.endswith(" 摄") for c in credits)
    assert any(c and c.endswith("法院供图") for c in credits)


def test_build_site_matches_the_json() -> None:
    site = build_site()
    assert sorted(a.id for a in site.articles) == sorted(BY_ID)
    for article in site.articles:
        raw = BY_ID[article.id]
        assert article.path == expected_path(raw)
        assert is_article_url("http://127.0.0.1:1" + article.path)
        assert list(article.paragraphs) == raw["paragraphs"]
        assert article.encoding == expected_charset(raw)
    assert not is_article_url("http://127.0.0.1:1/court/index_2.html")


# -- over HTTP ------------------------------------------------------------------------------------


def test_every_article_is_reachable(server: DemoServer) -> None:
    for article in ARTICLES:
        response = fetch(server.url(expected_path(article)))
        assert response.status == 200, article["id"]
        assert response.charset == expected_charset(article)
        assert re.search(ARTICLE_URL_PATTERN, urlsplit(response.url).path)
        assert f"<title>{article['title']}_潇湘法治网</title>" in response.text()


def _links(html: str, base: str) -> list[str]:
    return [urljoin(base, href) for href in parsel.Selector(html).css("a::attr(href)").getall()]


@pytest.mark.parametrize("section", SECTIONS)
def test_pagination_chain_covers_every_article(server: DemoServer, section: str) -> None:
    url: str | None = server.url(f"/{section}/index.html")
    seen_pages: list[str] = []
    found: list[str] = []
    while url:
        response = fetch(url)
        assert response.status == 200
        seen_pages.append(urlsplit(url).path)
        selector = parsel.Selector(response.text())
        items = [urljoin(url, h) for h in selector.css("ul.news-list li h3 a::attr(href)").getall()]
        assert 1 <= len(items) <= 3
        found += [urlsplit(u).path for u in items]
        next_href = selector.xpath('//div[@class="pager"]//a[normalize-space(.)="下一页"]/@href').get()
        url = urljoin(url, next_href) if next_href else None
        assert len(seen_pages) < 20, "pager loops"
    expected = {expected_path(a) for a in ARTICLES if a["section"] == section}
    assert len(seen_pages) >= 3
    assert seen_pages[1] == f"/{section}/index_2.html"
    assert len(found) == len(set(found))
    assert set(found) == expected
    # Newest first.
    dates = [next(a["published_at"] for a in ARTICLES if expected_path(a) == p) for p in found]
    assert dates == sorted(dates, reverse=True)


def test_justice_pages_are_gbk_and_the_rest_utf8(server: DemoServer) -> None:
    site = build_site()
    listing_pages = [p for s in SECTIONS for p in site.listing_paths(s)]
    paths = listing_pages + [expected_path(a) for a in ARTICLES]
    for path in paths:
        response = fetch(server.url(path))
        charset = "gbk" if path.startswith("/justice/") else "utf-8"
        assert response.headers["Content-Type"] == f"text/html; charset={charset}", path
        text = response.body.decode(charset)  # strict: every byte valid
        assert f'<meta charset="{charset}">' in text
        if charset == "gbk":
            with pytest.raises(UnicodeDecodeError):
                response.body.decode("utf-8")
            assert "司法" in text
    for path in ("/", "/about.html", "/special/fanzha.html"):
        response = fetch(server.url(path))
        assert response.charset == "utf-8"
        response.body.decode("utf-8")


def test_robots_txt(server: DemoServer) -> None:
    response = fetch(server.url("/robots.txt"))
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    lines = response.text().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert f"Sitemap: {server.base_url}/sitemap.xml" in lines
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(lines)
    assert not parser.can_fetch("newscrawl", server.url("/admin/"))
    assert parser.can_fetch("newscrawl", server.url(expected_path(ARTICLES[0])))
    assert parser.site_maps() == [f"{server.base_url}/sitemap.xml"]
    # The disallowed page exists, so a crawler that ignored robots.txt would visibly fetch it.
    assert fetch(server.url("/admin/")).status == 200


def test_robots_and_sitemap_follow_the_host_header(server: DemoServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", "/robots.txt", headers={"Host": f"localhost:{server.port}"})
        assert f"Sitemap: http://localhost:{server.port}/sitemap.xml" in conn.getresponse().read().decode()
        conn.request("GET", "/sitemap.xml", headers={"Host": f"localhost:{server.port}"})
        body = conn.getresponse().read().decode()
    finally:
        conn.close()
    assert f"<loc>http://localhost:{server.port}/" in body
    assert "127.0.0.1" not in body


def test_sitemap_lists_every_article_with_lastmod(server: DemoServer) -> None:
    response = fetch(server.url("/sitemap.xml"))
    assert response.status == 200
    assert "xml" in response.headers["Content-Type"]
    ns = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root = ET.fromstring(response.body)
    entries = {
        url.findtext("sm:loc", namespaces=ns): url.findtext("sm:lastmod", namespaces=ns)
        for url in root.findall("sm:url", ns)
    }
    expected = {server.url(expected_path(a)): a["published_at"] for a in ARTICLES}
    assert entries == expected


def test_related_links_point_at_existing_articles(server: DemoServer) -> None:
    for article in ARTICLES:
        url = server.url(expected_path(article))
        selector = parsel.Selector(fetch(url).text())
        anchors = selector.css("div.related li a")
        assert [a.css("::text").get() for a in anchors] == [BY_ID[r]["title"] for r in article["related"]]
        hrefs = anchors.css("::attr(href)").getall()
        assert hrefs == [expected_path(BY_ID[r]) for r in article["related"]]
        assert all(fetch(urljoin(url, h)).status == 200 for h in hrefs)


def test_every_internal_link_resolves(server: DemoServer) -> None:
    """Crawl the whole site from the home page: no internal link is dead, every article is reached."""
    queue = [server.url("/")]
    seen: set[str] = set(queue)
    reached_articles: set[str] = set()
    while queue:
        url = queue.pop()
        response = fetch(url)
        assert response.status == 200, url
        if not response.headers["Content-Type"].startswith("text/html"):
            continue
        if is_article_url(url):
            reached_articles.add(urlsplit(url).path)
        selector = parsel.Selector(response.text())
        images = [urljoin(url, s) for s in selector.css("img::attr(src)").getall()]
        targets = _links(response.text(), url) + images
        for target in targets:
            parts = urlsplit(target)
            if parts.scheme != "http" or parts.netloc != urlsplit(server.base_url).netloc:
                continue
            target = target.split("#")[0]
            if target not in seen:
                seen.add(target)
                queue.append(target)
    assert reached_articles == {expected_path(a) for a in ARTICLES}


def test_unknown_paths_are_404(server: DemoServer) -> None:
    unknown = ("/nope.html", "/court/index_99.html", "/court/202401/12/content_99999.html", "/images/x.jpg")
    for path in unknown:
        response = fetch(server.url(path))
        assert response.status == 404, path
        assert "页面不存在" in response.text()


def test_section_directory_redirects_to_first_listing(server: DemoServer) -> None:
    response = fetch(server.url("/police/"))
    assert response.status == 200
    assert urlsplit(response.url).path == "/police/index.html"


def test_images_are_jpeg(server: DemoServer) -> None:
    for article in ARTICLES:
        for image in article["images"]:
            response = fetch(server.url(image["src"]))
            assert response.status == 200
            assert response.headers["Content-Type"] == "image/jpeg"
            assert response.body[:3] == b"\xff\xd8\xff"
            assert response.body[-2:] == b"\xff\xd9"


def test_home_page_navigation(server: DemoServer) -> None:
    html = fetch(server.url("/")).text()
    selector = parsel.Selector(html)
    nav = selector.css("div.nav a::attr(href)").getall()
    assert [f"/{s}/index.html" for s in SECTIONS] == [h for h in nav if h.endswith("/index.html")]
    assert "/about.html" in nav
    assert "湘ICP备" in html
    assert "Copyright" in html
    assert selector.css("div.slider img")
    assert "热点排行" in html
    assert "专题" in html
    about = fetch(server.url("/about.html"))
    assert about.status == 200
    assert not is_article_url(about.url)


# -- each article page shows its ground truth -------------------------------------------------------


def _visible(node: parsel.Selector) -> str:
    return "".join(node.xpath(".//text()").getall()).strip(INDENT)


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: str(a["id"]))
def test_article_page_shows_its_ground_truth(server: DemoServer, article: dict[str, Any]) -> None:
    response = fetch(server.url(expected_path(article)))
    selector = parsel.Selector(response.text())
    assert selector.css("h1::text").get() == article["title"]
    info = _visible(selector.css("div.info")[0])
    assert article["published_at_raw"] in info
    assert f"来源：{article['source']}" in info
    assert f"作者：{' '.join(article['authors'])}" in info
    meta_date = selector.css('meta[name="publishdate"]::attr(content)').get()
    meta_source = selector.css('meta[name="source"]::attr(content)').get()
    if article["meta_tags"]:
        assert meta_date is not None
        assert meta_date.startswith(article["published_at"][:10])
        if ":" in article["published_at_raw"]:
            assert meta_date == article["published_at"][:19].replace("T", " ")
        assert meta_source == article["source"]
    else:
        assert meta_date is None
        assert meta_source is None
    assert selector.css("p.editor::text").get() == f"责任编辑：{article['editor']}"
    assert "扫一扫 关注潇湘法治网微信公众号" in response.text()
    assert "分享到：" in response.text()

    # Body: paragraphs and image blocks in order; caption lines end with the credit.
    blocks = [p for p in selector.css("div.article-content p") if _visible(p) or p.css("img")]
    expected: list[tuple[str, Any]] = []
    for image in (i for i in article["images"] if i["after"] == 0):
        expected.append(("image", image))
    for index, paragraph in enumerate(article["paragraphs"], start=1):
        expected.append(("text", paragraph))
        expected += [("image", i) for i in article["images"] if i["after"] == index]
    position = 0
    for kind, value in expected:
        block = blocks[position]
        if kind == "text":
            assert _visible(block) == value
            position += 1
        else:
            assert block.css("img::attr(src)").get() == value["src"]
            line = _visible(blocks[position + 1])
            assert line.startswith(value["caption"])
            rest = line[len(value["caption"]) :]
            if value["credit"]:
                assert rest.endswith(value["credit"])
                assert rest[: -len(value["credit"])].strip(INDENT) == ""
                assert rest[: -len(value["credit"])]  # some separator between caption and credit
            else:
                assert rest == ""
            position += 2
    assert position == len(blocks)


# -- the server ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "10.0.0.1", "example.com", "::"])
def test_server_refuses_non_loopback_hosts(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        DemoServer(host=host)


def test_server_records_requests_and_stops() -> None:
    with DemoServer() as running:
        base = running.base_url
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base)
        first = expected_path(ARTICLES[0])
        fetch(running.url(first))
        fetch(running.url(first + "?from=home"))
        head = fetch(running.url("/"), method="HEAD")
        fetch(running.url("/nope"))
        assert head.status == 200
        assert head.body == b""
        assert int(head.headers["Content-Length"]) > 0
        log = running.requests
        assert [(r.method, r.path) for r in log] == [
            ("GET", first),
            ("GET", first + "?from=home"),
            ("HEAD", "/"),
            ("GET", "/nope"),
        ]
        assert all(a.at <= b.at for a, b in itertools.pairwise(log))
        assert running.hits(first) == 1
        running.clear_requests()
        assert running.requests == []
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(base + "/", timeout=2)
    running.stop()  # a second stop is harmless
