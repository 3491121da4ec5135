"""Full-text search (FTS5 trigram over the Simplified text): scripts, short terms, boundaries, and
an index that every writer keeps current. Expected hits are typed out from the texts below."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from newscrawl.store import Store
from newscrawl.store import search as search_module
from newscrawl.store.filters import ArticleFilter
from newscrawl.store.search import QueryError, search
from tests.old_schema import database_before
from tests.samples_export import article, save, url


def hits(db: Path, text: str, **filters: object) -> list[str]:
    with Store(db) as store:
        return [h.canonical_url for h in search(store, ArticleFilter(query=text, **filters), limit=50)]  # type: ignore[arg-type]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "search.db"
    save(
        path,
        [
            # Traditional page with inline pinyin: found through its Simplified column.
            article(
                "tw",
                1,
                "長沙警方破獲電信詐騙案",
                "長(zhǎng)沙市公安局開福分局近日破獲一起電信網絡詐騙案。\n民警提醒：陌生來電要警惕。",
                published_at="2024-05-02T10:00:00+08:00",
            ),
            # Simplified page.
            article(
                "hn",
                2,
                "湘江新区法院审结一起非法集资案",
                "湘江新区人民法院近日公开宣判一起非法吸收公众存款案。\n被告人当庭认罪。",
                published_at="2024-03-01T09:00:00+08:00",
            ),
            # Ends with 电信; the next article starts with 诈骗. No term may span the two.
            article(
                "hn",
                3,
                "反诈宣传走进校园",
                "民警向学生讲解如何识别电信",
                published_at="2024-03-02T09:00:00+08:00",
            ),
            article(
                "hn",
                4,
                "法院发布典型案例",
                "诈骗团伙主犯被判处有期徒刑十年。",
                published_at="2024-03-03T09:00:00+08:00",
            ),
            # Title ends in the two-character term 审结; the body never says it.
            article(
                "hn",
                5,
                "一起合同纠纷案审结",
                "双方当事人达成调解协议。",
                published_at="2024-03-04T09:00:00+08:00",
            ),
            # The title/body boundary and a paragraph boundary: 电信 | 诈骗 again.
            article("hn", 6, "案情通报：电信", "诈骗分子已落网。\n另据通报电信\n诈骗损失已追回。"),
        ],
    )
    return path


def test_a_simplified_query_finds_a_traditional_page(db: Path) -> None:
    assert hits(db, "开福分局") == [url("tw", 1)]
    assert hits(db, "电信网络诈骗") == [url("tw", 1)]
    # Inline pinyin is not in the index: 長(zhǎng)沙 is found as 长沙.
    assert hits(db, "长沙市公安局") == [url("tw", 1)]


def test_a_traditional_query_finds_simplified_and_traditional_pages(db: Path) -> None:
    assert hits(db, "湘江新區法院") == [url("hn", 2)]
    assert hits(db, "電信網絡詐騙") == [url("tw", 1)]


def test_a_two_character_term(db: Path) -> None:
    # 诈骗 occurs in 1 (as 詐騙), 4 and 6; 审结 in the title of 2, and at the very end of 5's title.
    assert set(hits(db, "诈骗")) == {url("tw", 1), url("hn", 4), url("hn", 6)}
    assert set(hits(db, "审结")) == {url("hn", 2), url("hn", 5)}
    assert hits(db, "詐騙", sites=("tw",)) == [url("tw", 1)]
    assert hits(db, "落网") == [url("hn", 6)]
    assert hits(db, "无此") == []


def test_a_two_character_term_by_scan_gives_the_same_hits(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expanded = set(hits(db, "诈骗"))
    monkeypatch.setattr(search_module, "MAX_EXPANSION", 1)
    with Store(db) as store:
        compiled = search_module.compile_query(store, "诈骗")
    assert compiled.scanned == ("诈骗",) and compiled.match is None
    assert set(hits(db, "诈骗")) == expanded


def test_a_large_expansion_is_not_ranked_but_finds_the_same(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ranked = set(hits(db, "诈骗"))
    monkeypatch.setattr(search_module, "MAX_RANKED_EXPANSION", 0)
    with Store(db) as store:
        found = search(store, ArticleFilter(query="诈骗"), limit=50)
    assert {h.canonical_url for h in found} == ranked
    assert all(h.score is None for h in found)
    # Newest first, the undated one (6) last.
    assert [h.canonical_url for h in found] == [url("tw", 1), url("hn", 4), url("hn", 6)]


def test_a_one_character_term(db: Path) -> None:
    assert set(hits(db, "骗")) == {url("tw", 1), url("hn", 4), url("hn", 6)}
    assert set(hits(db, "骗 落网")) == {url("hn", 6)}


def test_no_term_matches_across_articles_fields_or_paragraphs(db: Path) -> None:
    # 3 ends with 电信 and 4 starts with 诈骗; 6's title ends 电信 and its body starts 诈骗; 6's
    # second paragraph ends 电信 and its third starts 诈骗. Only 1 says 電信詐騙 (in its title).
    assert hits(db, "电信诈骗") == [url("tw", 1)]
    assert hits(db, "信诈") == [url("tw", 1)]
    assert hits(db, "识别电信诈骗") == []
    assert hits(db, "通报电信诈骗") == []
    # …while the words on their own are there.
    assert url("hn", 3) in hits(db, "电信") and url("hn", 4) in hits(db, "诈骗团伙")


def test_all_terms_must_occur(db: Path) -> None:
    assert hits(db, "法院 认罪") == [url("hn", 2)]
    assert hits(db, "法院 落网") == []
    assert hits(db, '"陌生來電 要"') == []  # a quoted term keeps its space: not in the text
    assert hits(db, '"来电要警惕"') == [url("tw", 1)]


def test_site_and_date_filters(db: Path) -> None:
    assert set(hits(db, "法院", sites=("hn",))) == {url("hn", 2), url("hn", 4)}
    assert hits(db, "法院", sites=("hn",), since="2024-03-02", until="2024-03-03") == [url("hn", 4)]
    assert hits(db, "诈骗", until="2024-03") == [url("hn", 4)]


def test_ranking_prefers_the_title_and_snippets_mark_the_terms(db: Path) -> None:
    with Store(db) as store:
        found = search(store, ArticleFilter(query="法院"), limit=10)
    # 法院 is in the titles of 2 and 4 (2 has it in the body too), only in the body of none else.
    assert {found[0].canonical_url, found[1].canonical_url} == {url("hn", 2), url("hn", 4)}
    first = next(h for h in found if h.canonical_url == url("hn", 2))
    assert [first.title[a:b] for a, b in first.title_highlights] == ["法院"]
    assert [first.snippet[a:b] for a, b in first.highlights] == ["法院"]
    with Store(db) as store:
        (tw,) = search(store, ArticleFilter(query="诈骗 民警"), limit=10)
    # The Traditional page's snippet is its own text, marked where the Simplified form matched.
    assert [tw.snippet[a:b] for a, b in tw.highlights] == ["詐騙", "民警"]
    assert tw.snippet.startswith("長沙市公安局開福分局")


def test_an_empty_query_is_an_error(db: Path) -> None:
    with Store(db) as store, pytest.raises(QueryError):
        search(store, ArticleFilter(query="  \u3000 "))


def write_with_plain_sqlite(db: Path, statements: list[tuple[str, tuple[object, ...]]]) -> None:
    """Writes as the sqlite3 shell or another program would: recursive triggers off."""
    conn = sqlite3.connect(db, isolation_level=None)
    assert conn.execute("PRAGMA recursive_triggers").fetchone()[0] == 0
    for sql, params in statements:
        conn.execute(sql, params)
    conn.close()


def check_index(db: Path) -> None:
    """FTS5's own integrity check, and one index row per article with the article's text."""
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', 1)")
    indexed = dict(conn.execute("SELECT rowid, body FROM articles_fts"))
    stored = dict(conn.execute("SELECT rowid, COALESCE(body_simplified, body) || char(10) FROM articles"))
    conn.close()
    assert indexed == stored


def test_every_writer_keeps_the_index_current(db: Path) -> None:
    check_index(db)
    write_with_plain_sqlite(
        db,
        [
            # Replace without recursive triggers: the old text must leave the index.
            (
                "INSERT OR REPLACE INTO articles (canonical_url, url, site, title, body, stored_at)"
                " VALUES (?, ?, 'hn', '改写的标题', '全新正文提到洞庭湖。', '2024-06-01')",
                (url("hn", 2), url("hn", 2)),
            ),
            # An upsert that touches no text column, on a row that exists.
            (
                "INSERT INTO articles (canonical_url, url, site, title, body, stored_at, story_id)"
                " VALUES (?, ?, 'hn', 'x', 'x', 'x', 9) ON CONFLICT (canonical_url) DO UPDATE SET story_id = 9",
                (url("hn", 5), url("hn", 5)),
            ),
            (
                "UPDATE articles SET body_simplified = '调解协议已履行完毕。' WHERE canonical_url = ?",
                (url("hn", 5),),
            ),
            ("DELETE FROM articles WHERE canonical_url = ?", (url("hn", 4),)),
            ("UPDATE articles SET story_id = 3", ()),
        ],
    )
    check_index(db)
    assert hits(db, "洞庭湖") == [url("hn", 2)]
    assert hits(db, "湘江新区") == []
    assert hits(db, "已履行") == [url("hn", 5)]
    assert hits(db, "一起合同纠纷") == [url("hn", 5)]  # the title was not touched
    assert hits(db, "诈骗团伙") == []
    # And through the Store (sqlite-utils turns recursive triggers on).
    save(db, [article("hn", 2, "再次改写", "第三版正文：橘子洲。")])
    check_index(db)
    assert hits(db, "橘子洲") == [url("hn", 2)] and hits(db, "洞庭湖") == []


def test_an_existing_database_gets_its_index_when_upgraded(tmp_path: Path) -> None:
    """A database made before migration 40 is indexed in place on open."""
    db = tmp_path / "old.db"
    conn = database_before(db, 40)
    conn.execute(
        "INSERT INTO articles (canonical_url, url, site, title, body, body_simplified, stored_at)"
        " VALUES ('http://127.0.0.1:9/old', 'http://127.0.0.1:9/old', 'hn', '旧文章', '舊文章提到嶽麓山。',"
        " '旧文章提到岳麓山。', '2024-01-01')"
    )
    conn.close()
    assert hits(db, "岳麓山") == ["http://127.0.0.1:9/old"]
    check_index(db)


@pytest.mark.corpus
def test_the_seed_page_is_found_by_simplified_and_traditional_queries(corpus: Path, tmp_path: Path) -> None:
    """The project's seed document (Traditional with inline pinyin), through extraction and cleaning."""
    from newscrawl.clean import clean_article
    from newscrawl.extract import extract_plain_text

    seed = corpus / "seed" / "000_0f022602a2c961b3.txt"
    result = extract_plain_text(seed.read_bytes(), "http://127.0.0.1:9/seed.html")
    assert result.article is not None
    seed_article = clean_article(result.article)
    seed_article.site = "seed"
    db = tmp_path / "seed.db"
    save(db, [seed_article])
    # Words of the seed's first lines, as typed by a user in either script.
    for query in ("长沙市公安局开福分局", "長沙市公安局開福分局", "城管大队", "疫情防控", "停休"):
        assert hits(db, query) == ["http://127.0.0.1:9/seed.html"], query
    assert hits(db, "zhǎng") == []  # the pinyin readings are not indexed
