"""The story index on a real SQLite file: issue 5 point 1 through the room's functions, and the
index's own rules (exact duplicates, reference copies, updates, persistence, rebuilds)."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest

from newscrawl.clean import clean_article
from newscrawl.dedup import DUPLICATE, JOINED, NEW_STORY, UNCHANGED, Placement, StoryIndex, comparable_text
from newscrawl.dedup.minhash import Layout
from newscrawl.items import Article
from newscrawl.store import Store
from tests.conftest import query
from tests.dedup_variants import (
    HEADLINE_HANT,
    as_article,
    mainland_paragraphs,
    stored_seed,
    variants,
)
from tests.test_dedup_minhash import python_jaccard

PUBLISHED = {
    "seed": "2021-08-03T18:20:00+08:00",
    "simplified": "2021-08-03T19:05:00+08:00",
    "retitled": "2021-08-04T08:00:00+08:00",
    "rebylined": "2021-08-03T21:30:00+08:00",
    "edited": "2021-08-05T10:00:00+08:00",
    "all_three": "2021-08-06T10:00:00+08:00",
}
SITES = {
    "seed": "http://www.fzzb-news.cn/2021-08/03/c_1001.html",
    "simplified": "https://hunan.voc.com.cn/article/202108/202108031905.html",
    "retitled": "https://www.rednet.cn/content/2021/08/04/10001.html",
    "rebylined": "https://news.example-portal.com/a/20210803/77.shtml",
    "edited": "http://www.hnfz.example.org/news/2021/0805/5.html",
    "all_three": "https://syndication.example.net/p/123456",
}

# Another story of the same beat, written for this test: police, epidemic, Changsha.
UNRELATED = (
    "长沙警方通报一起涉疫谣言案件 当事人被依法处罚",
    [
        "本报讯（记者 王小明 通讯员 陈红）8月4日，长沙市公安局岳麓分局通报，一名男子在微信群内编造"
        "“某小区全员隔离”的虚假信息，造成不良社会影响，已被依法行政拘留。",
        "经查，该男子为博取关注，将网络上的旧图片配上不实文字后转发至多个微信群，引发部分居民恐慌。"
        "民警迅速核实情况，于当晚将其查获，其对违法事实供认不讳。",
        "警方提醒，疫情防控期间，广大市民应通过官方渠道获取信息，不造谣、不信谣、不传谣，对编造、"
        "传播涉疫谣言的违法行为，公安机关将依法严厉打击。",
    ],
)


def keep(store: Store, index: StoryIndex, article: Article) -> Placement:
    """What the pipelines do with an article: place it, store it unless it is an exact duplicate."""
    placement = index.place(article)
    if placement.outcome != DUPLICATE:
        store.save_article(
            dataclasses.replace(
                article,
                canonical_url=placement.canonical_url,
                text_fingerprint=placement.fingerprint,
                story_id=placement.story_id,
                story_similarity=placement.similarity,
            )
        )
    return placement


def seed_copy() -> Article:
    seed = stored_seed(SITES["seed"])
    return dataclasses.replace(
        clean_article(dataclasses.replace(seed, title=HEADLINE_HANT)),
        canonical_url=SITES["seed"],
        site="fzzb",
        published_at=PUBLISHED["seed"],
    )


def copies() -> dict[str, Article]:
    out = {"seed": seed_copy()}
    for name, (headline, paragraphs) in variants().items():
        out[name] = as_article(SITES[name], name, headline, paragraphs, PUBLISHED[name])
    return out


def rows(db: Path) -> dict[str, dict[str, object]]:
    return {r["canonical_url"]: dict(r) for r in query(db, "SELECT * FROM articles")}


@pytest.mark.corpus
def test_seed_and_its_reprints_are_one_story(db_path: Path) -> None:
    """Point 1: the seed (Traditional + inline pinyin), a Simplified rendering on another site, and
    copies with a changed headline, another byline block, 10% of paragraphs edited — one story;
    another story of the same beat stays apart."""
    articles = copies()
    assert articles["seed"].script == "Hant" and articles["simplified"].script == "Hans"
    with Store(db_path) as store:
        index = StoryIndex(store)
        placements = {name: keep(store, index, a) for name, a in articles.items()}
        other = keep(
            store,
            index,
            as_article(
                "https://www.rednet.cn/content/2021/08/04/10002.html",
                "rednet",
                *UNRELATED,
                "2021-08-04T12:00:00+08:00",
            ),
        )
    assert placements["seed"].outcome == NEW_STORY
    assert {p.outcome for n, p in placements.items() if n != "seed"} == {JOINED}
    story = placements["seed"].story_id
    stored = rows(db_path)
    assert {stored[SITES[n]]["story_id"] for n in articles} == {story}
    assert other.outcome == NEW_STORY and other.story_id != story

    # Similarity to the first-published copy (the seed), Jaccard over 4-character shingles.
    reference = comparable_text(articles["seed"].body_simplified or "")
    for name, article in articles.items():
        want = python_jaccard(reference, comparable_text(article.body_simplified or ""), 4)
        assert stored[SITES[name]]["story_similarity"] == pytest.approx(want), name
    assert stored[SITES["simplified"]]["story_similarity"] == 1.0
    assert 0.5 <= stored[SITES["edited"]]["story_similarity"] < 0.9  # type: ignore[operator]

    view = query(db_path, "SELECT * FROM stories WHERE story_id = ?", story)[0]
    assert (view["copies"], view["sites"]) == (6, 6)
    assert (view["first_published_at"], view["last_published_at"]) == (
        PUBLISHED["seed"],
        PUBLISHED["all_three"],
    )


@pytest.mark.corpus
def test_an_earlier_copy_found_later_becomes_the_reference(db_path: Path) -> None:
    articles = copies()
    with Store(db_path) as store:
        index = StoryIndex(store)
        for name in ("edited", "simplified", "seed"):
            keep(store, index, dataclasses.replace(articles[name], published_at=PUBLISHED[name]))
        # The seed came last but was published first: every similarity is now against it.
        late_first = dataclasses.replace(articles["retitled"], published_at="2021-08-01T00:00:00+08:00")
        keep(store, index, late_first)
    stored = rows(db_path)
    reference = comparable_text(late_first.body_simplified or "")
    for name in ("edited", "simplified", "seed", "retitled"):
        want = python_jaccard(reference, comparable_text(articles[name].body_simplified or ""), 4)
        assert stored[SITES[name]]["story_similarity"] == pytest.approx(want), name
    assert stored[SITES["retitled"]]["story_similarity"] == 1.0
    assert len({r["story_id"] for r in stored.values()}) == 1


@pytest.mark.corpus
def test_the_index_survives_closing_the_database(db_path: Path) -> None:
    articles = copies()
    with Store(db_path) as store:
        first = keep(store, StoryIndex(store), articles["seed"])
    with Store(db_path) as store:
        index = StoryIndex(store)
        assert index.catch_up() == 0
        later = keep(store, index, articles["all_three"])
        again = index.place(articles["seed"])
    assert later.outcome == JOINED and later.story_id == first.story_id
    assert again.outcome == UNCHANGED and again.story_id == first.story_id


@pytest.mark.corpus
def test_same_text_on_one_host_is_a_duplicate_but_on_another_host_a_copy(db_path: Path) -> None:
    headline, paragraphs = variants()["simplified"]
    url = "https://hunan.voc.com.cn/article/202108/1.html"
    with Store(db_path) as store:
        index = StoryIndex(store)
        first = keep(store, index, as_article(url, "voc", headline, paragraphs, PUBLISHED["simplified"]))
        # The same page under another URL of the same host (a print view): one row.
        dup = keep(
            store,
            index,
            as_article(
                "https://hunan.voc.com.cn/print/1.html", "voc", headline, paragraphs, PUBLISHED["simplified"]
            ),
        )
        # Its mobile host is the same publisher.
        mobile = keep(
            store,
            index,
            as_article(
                "http://m.hunan.voc.com.cn/article/1.html",
                "voc",
                headline,
                paragraphs,
                PUBLISHED["simplified"],
            ),
        )
        # Another channel of the same portal is another publisher: its own row, same story.
        other = keep(
            store,
            index,
            as_article(
                "https://news.voc.com.cn/article/1.html", "voc", headline, paragraphs, PUBLISHED["simplified"]
            ),
        )
    assert (dup.outcome, dup.duplicate_of) == (DUPLICATE, url)
    assert (mobile.outcome, mobile.duplicate_of) == (DUPLICATE, url)
    assert (other.outcome, other.story_id, other.similarity) == (JOINED, first.story_id, 1.0)
    assert sorted(rows(db_path)) == [
        "https://hunan.voc.com.cn/article/202108/1.html",
        "https://news.voc.com.cn/article/1.html",
    ]


def test_texts_too_short_to_compare_are_stories_of_their_own(db_path: Path) -> None:
    caption = ["图为民警在执勤。"]
    with Store(db_path) as store:
        index = StoryIndex(store)
        a = keep(
            store,
            index,
            as_article("http://a.example.cn/1.html", "a", "图片新闻", caption, "2024-01-01T00:00:00+08:00"),
        )
        b = keep(
            store,
            index,
            as_article("http://b.example.cn/1.html", "b", "图片新闻", caption, "2024-01-01T00:00:00+08:00"),
        )
        # Not even on one host: a stock caption can belong to different photo pages.
        c = keep(
            store,
            index,
            as_article("http://a.example.cn/2.html", "a", "图片新闻", caption, "2024-01-02T00:00:00+08:00"),
        )
    assert {a.outcome, b.outcome, c.outcome} == {NEW_STORY}
    assert len({a.story_id, b.story_id, c.story_id}) == 3
    assert query(db_path, "SELECT COUNT(*) FROM dedup_bands")[0][0] == 0


@pytest.mark.corpus
def test_a_page_whose_text_changes_is_placed_again(db_path: Path) -> None:
    articles = copies()
    with Store(db_path) as store:
        index = StoryIndex(store)
        seed = keep(store, index, articles["seed"])
        keep(store, index, articles["simplified"])
        keep(store, index, articles["edited"])
        # The seed's URL now carries another story entirely: it leaves, and the next
        # first-published copy becomes the story's reference.
        replaced = dataclasses.replace(
            articles["seed"],
            title=UNRELATED[0],
            body="\n".join(UNRELATED[1]),
            title_simplified=None,
            body_simplified=None,
        )
        moved = keep(store, index, clean_article(replaced))
    assert moved.outcome == NEW_STORY and moved.story_id != seed.story_id
    stored = rows(db_path)
    assert stored[SITES["simplified"]]["story_similarity"] == 1.0
    want = python_jaccard(
        comparable_text(articles["simplified"].body_simplified or ""),
        comparable_text(articles["edited"].body_simplified or ""),
        4,
    )
    assert stored[SITES["edited"]]["story_similarity"] == pytest.approx(want)
    assert stored[SITES["edited"]]["story_id"] == seed.story_id


def test_articles_stored_without_the_index_are_indexed_on_catch_up(db_path: Path) -> None:
    paragraphs = [
        p * 3
        for p in (
            "某区法院今日公开开庭审理一起电信网络诈骗案件，被告人当庭认罪。",
            "法院经审理认为，被告人的行为已构成诈骗罪，依法判处有期徒刑。",
        )
    ]
    with Store(db_path) as store:
        for n, day in ((1, "03"), (2, "01"), (3, "02")):
            store.save_article(
                as_article(
                    f"http://site{n}.example.cn/a.html",
                    f"s{n}",
                    "诈骗案宣判",
                    paragraphs,
                    f"2024-05-{day}T09:00:00+08:00",
                )
            )
        index = StoryIndex(store)
        assert index.catch_up() == 3
        assert index.catch_up() == 0
    stored = rows(db_path)
    assert len({r["story_id"] for r in stored.values()}) == 1
    assert all(r["story_similarity"] == 1.0 and r["text_fingerprint"] for r in stored.values())
    # The reference is the first-published copy (site2), whatever order they were stored in.
    reference = query(
        db_path, "SELECT d.canonical_url FROM dedup_stories s JOIN dedup_docs d ON d.doc_id = s.reference_doc"
    )
    assert [r[0] for r in reference] == ["http://site2.example.cn/a.html"]


@pytest.mark.corpus
def test_an_index_of_another_layout_is_rebuilt(db_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    articles = copies()
    with Store(db_path) as store:
        index = StoryIndex(store)
        for a in articles.values():
            keep(store, index, a)
    with Store(db_path) as store, caplog.at_level(logging.WARNING):
        index = StoryIndex(store, layout=Layout(bins=64, bands=16, rows=4))
        assert index.catch_up() == len(articles)
    assert "rebuilding" in caplog.text
    assert query(db_path, "SELECT value FROM dedup_meta WHERE name = 'layout'")[0][0] == "oph1-k4-b64x16-16x4"
    assert len({r["story_id"] for r in rows(db_path).values()}) == 1


def test_threshold_must_be_a_jaccard_index(db_path: Path) -> None:
    with Store(db_path) as store:
        for bad in (0.0, -0.1, 1.5):
            with pytest.raises(ValueError, match="threshold"):
                StoryIndex(store, threshold=bad)


@pytest.mark.corpus
def test_a_copy_indexed_but_not_stored_is_judged_on_its_sketch(db_path: Path) -> None:
    """Another crawler's copy in flight (indexed by its index, row not yet written), or one whose
    store failed in an earlier run."""
    articles = copies()
    with Store(db_path) as store:
        ghost = StoryIndex(store).place(articles["seed"])  # never stored
        later = keep(store, StoryIndex(store), articles["simplified"])
    assert later.outcome == JOINED and later.story_id == ghost.story_id
    assert later.matched is not None and not later.matched.exact


def test_a_copy_placed_by_this_index_is_verified_exactly_before_its_row_is_written(tmp_path: Path) -> None:
    """The crawl's own previous copy, its row still queued behind the decision: the outcome is the
    one the stored row would give, however far the writer has got."""
    articles = copies()
    with Store(tmp_path / "queued.db") as store:
        index = StoryIndex(store)
        index.place(articles["seed"])  # its row is written after the next decision
        queued = keep(store, index, articles["simplified"])
    with Store(tmp_path / "stored.db") as store:
        index = StoryIndex(store)
        keep(store, index, articles["seed"])
        stored = keep(store, index, articles["simplified"])
    assert queued.matched is not None and queued.matched.exact
    assert (queued.outcome, queued.similarity) == (stored.outcome, stored.similarity)


@pytest.mark.corpus
def test_a_declared_canonical_url_holding_another_text_is_refused(db_path: Path) -> None:
    articles = copies()
    with Store(db_path) as store:
        index = StoryIndex(store)
        keep(store, index, articles["seed"])
        unrelated = as_article(
            "http://www.fzzb-news.cn/2021-08/04/c_1002.html", "fzzb", *UNRELATED, PUBLISHED["seed"]
        )
        assert not index.agrees_with_stored(SITES["seed"], unrelated)
        assert index.agrees_with_stored(SITES["seed"], articles["edited"])
        assert index.agrees_with_stored("http://www.fzzb-news.cn/nothing-here.html", unrelated)


def test_mainland_rendering_is_simplified(corpus: Path) -> None:
    paragraphs = mainland_paragraphs()
    assert "长沙公安机关" in paragraphs[0] and "長" not in "".join(paragraphs)
