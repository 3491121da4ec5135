"""Issue 5 through real crawls: the `newscrawl` command, the Scrapy engine, three sites served on
127.0.0.1 (one port each), one SQLite file shared by successive runs.

- 法制周报 (`fzzb`) carries the seed as the corpus has it: Traditional script with inline pinyin
  (`長(zhǎng)沙`), reached also through a share link with tracking parameters, a mobile page that
  declares the desktop one canonical, and a print view of the same text;
- 华声 (`voc`) carries the Simplified rendering, a retitled copy and a re-bylined copy, and a
  mobile spelling of its URLs that a URL rule (`NEWSCRAWL_URL_RULES`) maps onto the desktop one;
- 湖南法治 (`hnfz`) carries the copy with one paragraph in eight rewritten, and one with all three
  changes; every site also has a story of its own.

The sites are crawled newest copies first, so the first-published seed arrives last and the
similarities stored earlier must follow it. Expectations come from the pages built here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from newscrawl.dedup import comparable_text
from newscrawl.demo import DemoServer, build_site
from newscrawl.demo.site import DemoPage
from newscrawl.store import Store
from newscrawl.store.stories import StoryTables
from tests.conftest import crawl, query
from tests.dedup_variants import seed_raw, variants
from tests.test_dedup_index import UNRELATED
from tests.test_dedup_minhash import python_jaccard

pytestmark = [pytest.mark.corpus, pytest.mark.slow]

HEADLINE_WITH_PINYIN = "長(zhǎng)沙公安全警停休返崗 全力守護人民群眾生命安全"
UNRELATED_HANT = (
    "長沙交警嚴查酒駕醉駕 一夜查處違法行為十二起",
    [
        "本報訊(記者 周曉嵐 通訊員 張偉)8月2日晚，長沙市公安局交警支隊在全市範圍內開展酒駕醉駕集中整治行動，"
        "共查處酒駕違法行為十起、醉駕兩起。",
        "整治期間，交警在城區主幹道和夜宵攤點周邊設置多個檢查點，對過往車輛逐一檢查，"
        "並對涉嫌醉駕的駕駛人依法抽血檢驗。",
        "交警部門提醒，喝酒不開車，開車不喝酒，切莫因一時僥倖釀成大禍。",
    ],
)
UNRELATED_HNFZ = (
    "县法院巡回审判进乡村 一起赡养纠纷当庭调解",
    [
        "本报讯（记者 谭雅雯 通讯员 石磊）8月5日，某县人民法院将巡回法庭开进村部，公开审理一起赡养纠纷案件，"
        "八十二岁的原告与三名子女当庭达成调解协议。",
        "庭审中，法官结合案情讲解了子女赡养父母的法定义务，三名子女表示将轮流照顾老人，并按月支付赡养费。",
        "不少村民到场旁听。大家表示，在家门口看一场庭审，比听十堂普法课都管用。",
    ],
)


@dataclass
class Page:
    headline: str
    paragraphs: list[str]
    published: str
    canonical: str | None = None
    related: tuple[tuple[str, str], ...] = ()
    caption: str | None = None
    footer_lines: tuple[str, ...] = ()


def render(site_name: str, page: Page) -> bytes:
    head = f'<link rel="canonical" href="{escape(page.canonical)}">' if page.canonical else ""
    body = []
    if page.caption:
        body.append('<p><img src="/img/1.jpg"></p>')
        body.append(f"<p>{escape(page.caption)}</p>")
    body += [f"<p>{escape(p)}</p>" for p in page.paragraphs]
    body += [f"<p>{escape(line)}</p>" for line in page.footer_lines]
    related = ""
    if page.related:
        links = "".join(f'<li><a href="{escape(u)}">{escape(t)}</a></li>' for t, u in page.related)
        related = f'<div class="related"><h3>相关新闻</h3><ul>{links}</ul></div>'
    html = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(page.headline)}_{site_name}</title>{head}</head>
<body><div class="nav"><a href="/index.html">首页</a> <a href="/index.html">法治</a></div>
<h1>{escape(page.headline)}</h1>
<div class="info">{page.published}　来源：{site_name}</div>
<div class="article">{"".join(body)}</div>{related}
<div class="footer">{site_name} 版权所有</div></body></html>"""
    return html.encode("utf-8")


class ReprintSite:
    """A few static pages, served by the demo server (which asks `get(target, base_url)`)."""

    def __init__(self, name: str, pages: dict[str, Page]) -> None:
        self.name = name
        self.pages = {
            path: DemoPage(render(name, page), "text/html; charset=utf-8") for path, page in pages.items()
        }
        listing = "".join(
            f'<li><a href="{p}">{escape(page.headline)}</a></li>'
            for p, page in pages.items()
            if "/m/" not in p and "/print/" not in p
        )
        self.pages["/index.html"] = DemoPage(
            f'<html><head><meta charset="utf-8"><title>{name}</title></head><body><ul>{listing}</ul></body></html>'.encode(),
            "text/html; charset=utf-8",
        )

    def link(self, extra: str) -> None:
        """Add a link to the listing page (a share link, say)."""
        page = self.pages["/index.html"]
        self.pages["/index.html"] = DemoPage(
            page.body.replace(b"</ul>", f'<li><a href="{extra}">x</a></li></ul>'.encode()), page.content_type
        )

    def get(self, target: str, base_url: str) -> DemoPage:
        return self.pages.get(urlsplit(target).path, DemoPage(b"", "text/html; charset=utf-8", 404))


SEED_PATH = "/2021/08/03/content_1001.html"
SHARE_LINK = SEED_PATH + "?from=timeline&utm_source=wechat&isappinstalled=0"
MOBILE_PATH = "/m/2021/08/03/content_1001.html"
PRINT_PATH = "/print/2021/08/03/content_1001.html"


def fzzb_site() -> ReprintSite:
    raw = seed_raw().rstrip("\n").split("\n")
    caption, paragraphs, footer = raw[0], raw[1:9], tuple(raw[9:11])
    # Link texts of four characters or more: the extractor takes shorter ones for navigation.
    related = (("本文手機版", MOBILE_PATH), ("打印本頁", PRINT_PATH))
    seed = Page(
        HEADLINE_WITH_PINYIN,
        paragraphs,
        "2021-08-03 18:20",
        related=related,
        caption=caption,
        footer_lines=footer,
    )
    site = ReprintSite(
        "法制周報",
        {
            SEED_PATH: seed,
            "/2021/08/02/content_1000.html": Page(*UNRELATED_HANT, "2021-08-02 23:10"),
            MOBILE_PATH: Page(
                HEADLINE_WITH_PINYIN,
                paragraphs,
                "2021-08-03 18:20",
                canonical=SEED_PATH,
                caption=caption,
                footer_lines=footer,
            ),
            PRINT_PATH: Page(
                HEADLINE_WITH_PINYIN, paragraphs, "2021-08-03 18:20", caption=caption, footer_lines=footer
            ),
        },
    )
    site.link(SHARE_LINK)
    return site


def voc_site() -> ReprintSite:
    v = variants()
    site = ReprintSite(
        "华声在线",
        {
            "/article/202108/content_2001.html": Page(*v["simplified"], "2021-08-03 19:05"),
            "/article/202108/content_2002.html": Page(*v["retitled"], "2021-08-04 08:00"),
            "/article/202108/content_2003.html": Page(*v["rebylined"], "2021-08-03 21:30"),
            "/article/202108/content_2000.html": Page(*UNRELATED, "2021-08-04 12:00"),
        },
    )
    site.link("/m/article/202108/content_2001.html")
    site.pages["/m/article/202108/content_2001.html"] = site.pages["/article/202108/content_2001.html"]
    return site


def hnfz_site() -> ReprintSite:
    v = variants()
    return ReprintSite(
        "湖南法治网",
        {
            "/news/2021/0805/content_3001.html": Page(*v["edited"], "2021-08-05 10:00"),
            "/news/2021/0806/content_3002.html": Page(*v["all_three"], "2021-08-06 10:00"),
            "/news/2021/0805/content_3000.html": Page(*UNRELATED_HNFZ, "2021-08-05 16:00"),
        },
    )


@dataclass
class Crawled:
    db: Path
    urls: dict[str, str]
    """Site name -> base URL."""
    runs: list[dict[str, object]]


def run(db: Path, server: DemoServer, name: str, *settings: str) -> dict[str, object]:
    proc = crawl("news", db, f"start_url={server.base_url}/index.html", f"name={name}", settings=settings)
    assert proc.returncode == 0, proc.stderr[-3000:]
    row = dict(query(db, "SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1")[0])
    row["stats"] = json.loads(str(row["stats"]))
    return row


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    db = tmp_path_factory.mktemp("dedup") / "reprints.db"
    with DemoServer(fzzb_site()) as fzzb, DemoServer(voc_site()) as voc, DemoServer(hnfz_site()) as hnfz:  # type: ignore[arg-type]
        rule = json.dumps([[f"^({voc.base_url})/m/", r"\1/"]])
        runs = [
            run(db, hnfz, "hnfz"),
            run(db, voc, "voc", f"NEWSCRAWL_URL_RULES={rule}"),
            run(db, fzzb, "fzzb"),
            # The next scheduled run, told to fetch stored pages again (without --refresh they are
            # skipped): everything seen, nothing moves.
            run(db, fzzb, "fzzb", "NEWSCRAWL_REFRESH=True"),
        ]
        yield Crawled(db, {"fzzb": fzzb.base_url, "voc": voc.base_url, "hnfz": hnfz.base_url}, runs)


def article(c: Crawled, site: str, path: str) -> dict[str, object]:
    rows = query(c.db, "SELECT * FROM articles WHERE canonical_url = ?", c.urls[site] + path)
    assert len(rows) == 1, (
        site,
        path,
        [r["canonical_url"] for r in query(c.db, "SELECT canonical_url FROM articles")],
    )
    return dict(rows[0])


COPIES = {
    "fzzb": [SEED_PATH],
    "voc": [
        "/article/202108/content_2001.html",
        "/article/202108/content_2002.html",
        "/article/202108/content_2003.html",
    ],
    "hnfz": ["/news/2021/0805/content_3001.html", "/news/2021/0806/content_3002.html"],
}
OWN_STORIES = {
    "fzzb": "/2021/08/02/content_1000.html",
    "voc": "/article/202108/content_2000.html",
    "hnfz": "/news/2021/0805/content_3000.html",
}


def test_one_row_per_page(crawled: Crawled) -> None:
    stored = sorted(r[0] for r in query(crawled.db, "SELECT canonical_url FROM articles"))
    expected = sorted(crawled.urls[s] + p for s, paths in COPIES.items() for p in [*paths, OWN_STORIES[s]])
    assert stored == expected


def test_the_seed_and_every_reprint_are_one_story(crawled: Crawled) -> None:
    copies = [article(crawled, s, p) for s, paths in COPIES.items() for p in paths]
    seed = article(crawled, "fzzb", SEED_PATH)
    assert seed["script"] == "Hant" and "(zh" not in str(seed["body"])
    assert {c["story_id"] for c in copies} == {seed["story_id"]}
    story = query(crawled.db, "SELECT * FROM stories WHERE story_id = ?", seed["story_id"])[0]
    assert (story["copies"], story["sites"]) == (6, 3)
    assert story["first_published_at"] == "2021-08-03T18:20:00+08:00" == seed["published_at"]
    assert story["last_published_at"] == "2021-08-06T10:00:00+08:00"


def test_similarity_is_to_the_first_published_copy(crawled: Crawled) -> None:
    seed = article(crawled, "fzzb", SEED_PATH)
    assert seed["story_similarity"] == 1.0
    reference = comparable_text(str(seed["body_simplified"]))
    for site, paths in COPIES.items():
        for path in paths:
            row = article(crawled, site, path)
            want = python_jaccard(reference, comparable_text(str(row["body_simplified"])), 4)
            assert row["story_similarity"] == pytest.approx(want), (site, path)
    edited = article(crawled, "hnfz", "/news/2021/0805/content_3001.html")
    assert 0.5 <= float(edited["story_similarity"]) < 0.95  # type: ignore[arg-type]
    assert article(crawled, "voc", "/article/202108/content_2001.html")["story_similarity"] > 0.95  # type: ignore[operator]


def test_other_stories_of_the_same_beat_stay_apart(crawled: Crawled) -> None:
    seed_story = article(crawled, "fzzb", SEED_PATH)["story_id"]
    own = [article(crawled, s, p)["story_id"] for s, p in OWN_STORIES.items()]
    assert seed_story not in own and len(set(own)) == 3
    counts = query(crawled.db, "SELECT copies FROM stories WHERE story_id IN (?, ?, ?)", *own)
    assert [r[0] for r in counts] == [1, 1, 1]


def test_other_urls_of_a_page_are_aliases(crawled: Crawled) -> None:
    fzzb, voc = crawled.urls["fzzb"], crawled.urls["voc"]
    aliases = {tuple(r) for r in query(crawled.db, "SELECT alias_url, canonical_url FROM article_aliases")}
    assert aliases == {
        (fzzb + SHARE_LINK, fzzb + SEED_PATH),  # tracking parameters
        (fzzb + MOBILE_PATH, fzzb + SEED_PATH),  # declares the desktop page canonical
        (fzzb + PRINT_PATH, fzzb + SEED_PATH),  # same text, same host: an exact duplicate
        (voc + "/m/article/202108/content_2001.html", voc + "/article/202108/content_2001.html"),  # URL rule
    }


def test_runs_count_what_dedup_did(crawled: Crawled) -> None:
    hnfz, voc, fzzb, again = (r["stats"] for r in crawled.runs)
    assert (
        isinstance(fzzb, dict)
        and isinstance(again, dict)
        and isinstance(voc, dict)
        and isinstance(hnfz, dict)
    )
    assert hnfz["newscrawl/dedup/new_story"] == 2 and hnfz["newscrawl/dedup/joined"] == 1
    assert fzzb["newscrawl/dedup/exact_duplicate"] == 1
    assert fzzb["newscrawl/dedup/joined"] == 1 and fzzb["newscrawl/dedup/new_story"] == 1
    # 2001 joins the story hnfz's copies started, 2002 and 2003 join it too.
    assert voc["newscrawl/dedup/joined"] == 3 and voc["newscrawl/dropped/duplicate_url"] == 1
    # The second run of the same site finds every page unchanged, in the story it had.
    assert again["newscrawl/dedup/unchanged"] == 2
    assert "newscrawl/dedup/joined" not in again and "newscrawl/dedup/new_story" not in again
    assert again["newscrawl/articles/unchanged"] == 2


def test_demo_site_articles_are_all_different_stories(tmp_path: Path) -> None:
    """Point 2 on the crawl: the demo site's 32 articles are 32 stories."""
    db = tmp_path / "demo.db"
    site = build_site()
    with DemoServer(site) as server:
        proc = crawl("demo", db, f"base_url={server.base_url}", settings=("NEWSCRAWL_MAX_LISTING_PAGES=50",))
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = query(db, "SELECT story_id, story_similarity, text_fingerprint FROM articles")
    assert len(rows) == len(site.articles)
    assert len({r["story_id"] for r in rows}) == len(rows)
    assert {r["story_similarity"] for r in rows} == {1.0}
    assert all(r["text_fingerprint"] for r in rows)
    assert query(db, "SELECT MAX(copies) FROM stories")[0][0] == 1


def test_story_counts_per_site(crawled: Crawled) -> None:
    with Store(crawled.db) as store:
        counts = {r["site"]: r for r in StoryTables(store.conn).site_story_counts()}
    # fzzb: the seed and its own story; voc: three copies of one story and its own; hnfz: two and one.
    assert {s: (r["articles"], r["stories"]) for s, r in counts.items()} == {
        "fzzb": (2, 2),
        "voc": (4, 2),
        "hnfz": (3, 2),
    }
    assert counts["voc"]["duplicate_ratio"] == pytest.approx(0.5)
    assert counts["hnfz"]["duplicate_ratio"] == pytest.approx(1 / 3)
    assert counts["fzzb"]["duplicate_ratio"] == 0.0
