"""Cleaning and the dedup sketch in the extraction workers (issue 10): the same rows either way.

The same loopback site is crawled by the real `newscrawl` command twice, into two databases: once
extracting, cleaning and sketching on the crawler's own threads (`NEWSCRAWL_EXTRACT_WORKERS=0`),
once in a worker process (`=1`). The site's pages need every kind of cleaning (inline pinyin
`長(zhǎng)沙`, Traditional script, editor/source/caption lines in the body, a related-link title that
cleans to nothing) and are a story told four times: an exact copy under another URL of the same
host, two near-duplicate reprints (one published before the original, so the story's reference
moves), and an unrelated story. Every stored row must be equal.

The rest are the pieces on their own: `Preparation.for_pipelines`, `prepare`, the marker across a
pickle round trip, and a sketch that no longer fits its article being ignored by the index.
"""

from __future__ import annotations

import dataclasses
import json
import pickle
from collections.abc import Iterator
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
from scrapy.settings import Settings

from newscrawl import settings as project_settings
from newscrawl.clean import clean_article
from newscrawl.dedup import StoryIndex, article_fingerprint, sketch_article
from newscrawl.demo import DemoServer
from newscrawl.demo.site import DemoPage
from newscrawl.extract import Extraction
from newscrawl.items import Article, RelatedLink
from newscrawl.pipelines import CleanPipeline
from newscrawl.store import Store
from newscrawl.workers import Preparation, cleaned_by_worker, prepare, prepared, take_sketch
from tests.conftest import crawl, query

ORIGINAL = [
    "本報訊(記者 陳曉明 通訊員 劉建)8月3日，長(zhǎng)沙市公安局開福分局通報，"
    "該局近日破獲一起冒充客服實施電信網絡詐騙的案件，抓獲犯罪嫌疑人五名，為受害群眾追回損失八十餘萬元。",
    "今年7月，長(zhǎng)沙市民李女士接到自稱某購物平臺客服的電話，對方稱其購買的商品存在質量問題，"
    "可以辦理雙倍理賠，隨後誘導她下載一款會議軟件並開啟屏幕共享。",
    "在對方的一步步指引下，李女士先後向所謂的安全賬戶轉賬十二次，直到對方失聯，她才意識到自己被騙，隨即報警。",
    "接警後，開福分局迅速成立專案組，民警連續奮戰二十餘天，梳理資金流水上千條，最終鎖定一個藏身外省的詐騙團夥。",
    "8月1日，專案組赴外省開展集中收網行動，一舉抓獲犯罪嫌疑人五名，現場查獲手機二十餘部、銀行卡四十餘張。",
    "警方提醒，凡是自稱客服要求下載軟件、共享屏幕或者轉賬到安全賬戶的，都是詐騙，請廣大市民提高警惕。",
]
REWRITTEN = (
    "警方介绍，该团伙分工明确，有人负责购买公民信息，有人负责拨打电话，有人负责转移赃款，作案手法十分隐蔽。"
)
UNRELATED = [
    "本报讯（记者 谭雅雯 通讯员 石磊）8月6日，某县人民法院将巡回法庭开进村部，公开审理一起赡养纠纷案件，"
    "八十二岁的原告与三名子女当庭达成调解协议。",
    "庭审中，法官结合案情讲解了子女赡养父母的法定义务，三名子女表示将轮流照顾老人，并按月支付赡养费。",
    "不少村民到场旁听。大家表示，在家门口看一场庭审，比听十堂普法课都管用。",
]
CAPTION = "圖為民警正在清點查獲的作案工具 警方供圖"
ICONS = "\ue61a\ue61a\ue61a\ue61a\ue61a"
FOOTER = ("責任編輯：王芳", "來源：法制周報")


def page(
    headline: str,
    published: str,
    paragraphs: list[str],
    *,
    caption: str | None = None,
    footer: tuple[str, ...] = (),
    related: tuple[tuple[str, str], ...] = (),
) -> DemoPage:
    """An article page: headline, dateline, body (caption and credit lines inside it), related list."""
    lines = []
    if caption:
        lines += ['<p><img src="/img/tools.jpg"></p>', f"<p>{escape(caption)}</p>"]
    lines += [f"<p>{escape(p)}</p>" for p in (*paragraphs, *footer)]
    links = "".join(f'<li><a href="{escape(u)}">{escape(t)}</a></li>' for t, u in related)
    aside = f'<div class="related"><h3>相關新聞</h3><ul>{links}</ul></div>' if related else ""
    html = (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(headline)}_法制周報</title></head>'
        f'<body><div class="nav"><a href="/index.html">首頁</a></div><h1>{escape(headline)}</h1>'
        f'<div class="info">{published}　來源：法制周報</div><div class="article">{"".join(lines)}</div>'
        f"{aside}</body></html>"
    )
    return DemoPage(html.encode("utf-8"), "text/html; charset=utf-8")


class StorySite:
    """The site, served by the demo server (which asks `get(target, base_url)`)."""

    def __init__(self) -> None:
        edited = [*ORIGINAL[:3], REWRITTEN, *ORIGINAL[4:]]
        self.pages = {
            "/2021/08/03/content_101.html": page(
                "長(zhǎng)沙警方破獲一起冒充客服電信詐騙案 追回損失八十餘萬元",
                "2021-08-03 18:20",
                ORIGINAL,
                caption=CAPTION,
                footer=FOOTER,
                related=(
                    ("冒充客服詐騙又出新花樣", "/2021/08/05/content_103.html"),
                    # Icon-font glyphs only, a title that cleans to nothing: still followed.
                    (ICONS, "/2021/08/07/content_107.html"),
                ),
            ),
            # The very same page under another URL of the host: stored once, the URL an alias.
            "/2021/08/03/content_104.html": page(
                "長(zhǎng)沙警方破獲一起冒充客服電信詐騙案 追回損失八十餘萬元",
                "2021-08-03 18:20",
                ORIGINAL,
                caption=CAPTION,
                footer=FOOTER,
            ),
            # Retitled, one paragraph rewritten, and published the day before: the story's reference.
            "/2021/08/02/content_102.html": page(
                "开福警方捣毁一电信诈骗团伙", "2021-08-02 09:00", [_simplified(p) for p in edited]
            ),
            # The Simplified reprint with its own byline, a day later.
            "/2021/08/05/content_103.html": page(
                "长沙警方破获冒充客服诈骗案",
                "2021-08-05 10:00",
                ["记者 周敏", *(_simplified(p) for p in ORIGINAL[1:])],
                footer=("编辑：张伟",),
            ),
            "/2021/08/06/content_105.html": page("县法院巡回审判进乡村", "2021-08-06 16:00", UNRELATED),
            "/2021/08/07/content_107.html": page(
                "县法院巡回审判进乡村 赡养纠纷当庭调解", "2021-08-07 11:00", UNRELATED[:2]
            ),
        }
        listed = [p for p in self.pages if p != "/2021/08/07/content_107.html"]
        items = "".join(f'<li><a href="{p}">第{i}条新闻标题文字</a></li>' for i, p in enumerate(listed))
        self.pages["/index.html"] = DemoPage(
            f'<html><head><meta charset="utf-8"><title>法治</title></head><body><ul>{items}</ul></body></html>'.encode(),
            "text/html; charset=utf-8",
        )

    def get(self, target: str, base_url: str) -> DemoPage:
        return self.pages.get(urlsplit(target).path, DemoPage(b"", "text/html; charset=utf-8", 404))


def _simplified(text: str) -> str:
    return clean_article(Article(url="x", title="x", body=text)).body_simplified or ""


UNSTABLE_ARTICLE_COLUMNS = ("fetched_at", "stored_at", "first_run_id", "last_run_id", "story_id")
"""Times and run ids differ between two crawls; story ids are compared as the stories they make."""


def stored(db: Path) -> dict[str, object]:
    """Everything a user reads back from the database, with story ids as sets of copies."""
    articles = [dict(r) for r in query(db, "SELECT * FROM articles ORDER BY canonical_url")]
    stories: dict[object, list[str]] = {}
    for a in articles:
        stories.setdefault(a["story_id"], []).append(str(a["canonical_url"]))
    docs = [dict(r) for r in query(db, "SELECT * FROM dedup_docs ORDER BY canonical_url")]
    return {
        "articles": [{k: v for k, v in a.items() if k not in UNSTABLE_ARTICLE_COLUMNS} for a in articles],
        "stories": sorted(stories.values()),
        "docs": [{k: v for k, v in d.items() if k not in ("doc_id", "story_id", "indexed_at")} for d in docs],
        "related_links": [tuple(r) for r in query(db, "SELECT * FROM related_links ORDER BY 1, 2")],
        "aliases": [
            tuple(r) for r in query(db, "SELECT alias_url, canonical_url FROM article_aliases ORDER BY 1")
        ],
    }


@pytest.fixture(scope="module")
def crawls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, str]]:
    folder = tmp_path_factory.mktemp("offload")
    with DemoServer(StorySite()) as server:  # type: ignore[arg-type]
        dbs = []
        for workers in (0, 1):
            db = folder / f"workers{workers}.db"
            # One page at a time, from its download to its commit: both crawls meet the pages in
            # the same order, so the same copy is indexed first. (One download at a time is not
            # enough: with a worker the next page downloads while the last one is extracted, before
            # its related links are queued, and a loaded machine then changes the order.)
            proc = crawl(
                "news",
                db,
                f"start_url={server.base_url}/index.html",
                "name=fzzb",
                settings=(
                    f"NEWSCRAWL_EXTRACT_WORKERS={workers}",
                    "CONCURRENT_REQUESTS=1",
                    "NEWSCRAWL_MAX_IN_FLIGHT=1",
                ),
            )
            assert proc.returncode == 0, proc.stderr[-3000:]
            dbs.append(db)
        yield dbs[0], dbs[1], server.base_url


def run_stats(db: Path) -> dict[str, int]:
    return json.loads(str(query(db, "SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1")[0]["stats"]))


@pytest.mark.slow
def test_rows_are_the_same_with_and_without_workers(crawls: tuple[Path, Path, str]) -> None:
    inline, offloaded, base = crawls
    assert stored(offloaded) == stored(inline)
    # …and the site did exercise what it was built for.
    rows = {r["canonical_url"]: r for r in query(inline, "SELECT * FROM articles")}
    original = rows[base + "/2021/08/03/content_101.html"]
    assert original["title"] == "長沙警方破獲一起冒充客服電信詐騙案 追回損失八十餘萬元"
    assert original["title_simplified"] == "长沙警方破获一起冒充客服电信诈骗案 追回损失八十余万元"
    assert original["script"] == "Hant"
    assert "zhǎng" not in str(original["body"]) and "責任編輯" not in str(original["body"])
    assert original["editor"] == "王芳"
    assert json.loads(str(original["images"]))[0]["credit"] == "警方供圖"
    assert base + "/2021/08/07/content_107.html" in rows  # reached only by the icon link
    assert [r["url"] for r in json.loads(str(original["related"]))] == [base + "/2021/08/05/content_103.html"]
    story = {original["story_id"]}
    for path in ("/2021/08/02/content_102.html", "/2021/08/05/content_103.html"):
        assert rows[base + path]["story_id"] in story
    assert rows[base + "/2021/08/02/content_102.html"]["story_similarity"] == 1.0
    assert 0.5 <= float(original["story_similarity"]) < 1.0
    assert rows[base + "/2021/08/06/content_105.html"]["story_id"] not in story
    assert base + "/2021/08/03/content_104.html" not in rows
    assert [tuple(r) for r in query(inline, "SELECT alias_url, canonical_url FROM article_aliases")] == [
        (base + "/2021/08/03/content_104.html", base + "/2021/08/03/content_101.html")
    ]


@pytest.mark.slow
def test_counters_are_the_same_and_the_worker_did_the_work(crawls: tuple[Path, Path, str]) -> None:
    inline, offloaded, _ = crawls

    def outcomes(stats: dict[str, int]) -> dict[str, int]:
        return {k: v for k, v in stats.items() if k.startswith(("newscrawl/dedup/", "newscrawl/dropped/"))}

    assert outcomes(run_stats(offloaded)) == outcomes(run_stats(inline))
    assert run_stats(offloaded)["newscrawl/dedup/exact_duplicate"] == 1
    assert run_stats(offloaded).get("newscrawl/workers/prepared") == 6
    assert "newscrawl/workers/prepared" not in run_stats(inline)


# -- the pieces ------------------------------------------------------------------------------


def test_what_a_worker_may_do_follows_the_pipelines() -> None:
    def preparation(changes: dict[str, int | None]) -> Preparation:
        """With the project's ITEM_PIPELINES changed as given (None turns one off)."""
        settings = Settings()
        settings.setmodule(project_settings)
        settings.set("ITEM_PIPELINES", {**project_settings.ITEM_PIPELINES, **changes})
        return Preparation.for_pipelines(settings)

    assert preparation({}) == Preparation(clean=True, sketch=True)  # the project's own
    other = "newscrawl.distributed.pipelines.RedisItemPipeline"
    assert preparation({other: 500}) == Preparation(clean=True, sketch=True)
    # Something of a user's ahead of cleaning may change the text: nothing moves.
    assert preparation({other: 150}) == Preparation(clean=False, sketch=False)
    assert preparation({"newscrawl.pipelines.CleanPipeline": None}) == Preparation(clean=False, sketch=True)
    assert preparation({"newscrawl.pipelines.DedupPipeline": None}) == Preparation(clean=True, sketch=False)
    only_redis = {k: None for k in project_settings.ITEM_PIPELINES} | {other: 100}
    assert preparation(only_redis) == Preparation()


def raw_article() -> Article:
    return Article(
        url="http://127.0.0.1/2021/08/03/content_101.html",
        title="長(zhǎng)沙警方破獲一起冒充客服電信詐騙案",
        body="\n".join([CAPTION, *ORIGINAL, *FOOTER]),
        related=[
            RelatedLink("冒充客服詐騙又出新花樣", "http://127.0.0.1/a.html"),
            RelatedLink(ICONS, "http://127.0.0.1/b.html"),
        ],
    )


def test_prepare_cleans_and_sketches_as_the_pipelines_would() -> None:
    # As `_extract_in_worker` does: the extraction is made, then its article prepared.
    raw = raw_article()
    result = Extraction(raw)
    result.article = article = prepare(raw, Preparation(clean=True, sketch=True))
    assert article.to_dict() == clean_article(raw_article()).to_dict()
    record = prepared(article)
    assert record is not None and record.cleaned and cleaned_by_worker(article)
    assert result.related_urls == ("http://127.0.0.1/a.html", "http://127.0.0.1/b.html")
    assert [r.url for r in article.related] == ["http://127.0.0.1/a.html"]
    expected = sketch_article(clean_article(raw_article()))
    assert record.sketch is not None and record.sketch.fingerprint == article_fingerprint(article)
    for name in ("hashes", "sketch", "keys"):
        assert np.array_equal(getattr(record.sketch, name), getattr(expected, name))
    # The record is not a field: not stored, not exported, not read back from a record.
    assert "_newscrawl_prepared" not in article.to_dict()
    assert prepared(Article.from_dict({**article.to_dict(), "_newscrawl_prepared": record})) is None


def test_the_marker_survives_the_trip_back_and_not_a_change_of_text() -> None:
    article = pickle.loads(pickle.dumps(prepare(raw_article(), Preparation(clean=True, sketch=True))))
    assert cleaned_by_worker(article)
    assert CleanPipeline().process_item(article) is article
    article.body = article.body + "\n長(zhǎng)沙警方再次提醒"
    assert not cleaned_by_worker(article)
    again = CleanPipeline().process_item(article)
    assert isinstance(again, Article) and again.body.endswith("\n長沙警方再次提醒")
    # A copy the pipelines make (dataclasses.replace) carries no record; the dedup pipeline takes it away.
    assert prepared(dataclasses.replace(article)) is None
    assert take_sketch(article) is not None and prepared(article) is None


def test_an_article_the_gate_would_judge_differently_is_left_to_the_pipelines() -> None:
    empty_title = Article(url="http://127.0.0.1/1.html", title="", body="正文第一段。")
    assert prepare(empty_title, Preparation(clean=True, sketch=True)) is empty_title
    assert prepared(empty_title) is None
    # Cleaning leaves no body (every line is a credit or an editor line): the gate, which judges the
    # text as extracted, lets it through, so the reactor cleans it, as without workers.
    only_credits = Article(
        url="http://127.0.0.1/2.html", title="标题文字", body="责任编辑：王芳\n来源：法制周报"
    )
    assert clean_article(only_credits).body == ""
    assert prepare(only_credits, Preparation(clean=True, sketch=True)) is only_credits
    assert prepared(only_credits) is None


def test_a_sketch_that_no_longer_fits_is_computed_again(tmp_path: Path) -> None:
    article = prepare(raw_article(), Preparation(clean=True, sketch=True))
    sketch = take_sketch(article)
    assert sketch is not None
    changed = dataclasses.replace(article, body_simplified=_simplified("\n".join(UNRELATED)))
    with Store(tmp_path / "index.db") as store:
        placement = StoryIndex(store).place(changed, sketch=sketch)
    assert placement.fingerprint == article_fingerprint(changed) != sketch.fingerprint
