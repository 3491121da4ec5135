"""clean_article on an article the project owns (tests/fixtures/clean/hans_article.txt)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from newscrawl.clean import clean_article
from newscrawl.items import Article, Image, RelatedLink

FIXTURE = Path(__file__).parent / "fixtures" / "clean" / "hans_article.txt"

EXPECTED_BODY = [
    "本报讯（记者 王小明 通讯员 李华）3月12日，某市公安局交警支队在城区开展道路交通安全集中整治行动。",
    "此次行动共出动警力120人次，查处各类交通违法行为356起，其中酒驾 12起。",
    "“我们将持续保持严管态势。”交警支队负责人表示，市民可扫描二维码举报交通违法行为。",
]


def _article(**kwargs: Any) -> Article:
    return Article(url="http://127.0.0.1/a/1.html", body=FIXTURE.read_text(encoding="utf-8"), **kwargs)


def test_fixture_article() -> None:
    cleaned = clean_article(_article(title="某市开展道路交通安全集中整治"))
    assert cleaned.body.split("\n") == EXPECTED_BODY
    assert cleaned.source == "某市日报"
    assert cleaned.editor == "周敏"
    assert cleaned.authors == ["王小明"]
    assert cleaned.images == [Image(url=None, caption="民警在路口查处交通违法行为。", credit="张强 摄")]
    assert cleaned.related == [
        RelatedLink(title="某市开展夏季治安巡防"),
        RelatedLink(title="交警提醒：雨天出行注意安全"),
    ]
    assert cleaned.script == "Hans"
    assert cleaned.body_simplified == cleaned.body
    assert cleaned.title_simplified == "某市开展道路交通安全集中整治"


def test_fields_the_extractor_set_are_cleaned_not_replaced() -> None:
    cleaned = clean_article(
        _article(
            authors=["王小明", "李\u200b华"],
            editor="编(biān)辑部　值班",
            source="某市日报社",
            outlet="某市日報(bào)",
            correspondents=["李华"],
        )
    )
    assert cleaned.authors == ["王小明", "李华"]
    assert cleaned.editor == "编辑部 值班"
    assert cleaned.source == "某市日报社"
    assert cleaned.outlet == "某市日報"
    assert cleaned.correspondents == ["李华"]


def test_credit_line_goes_to_the_extractor_image() -> None:
    image = Image(url="http://127.0.0.1/img/1.jpg")
    cleaned = clean_article(_article(images=[image]))
    assert cleaned.images == [
        Image(url="http://127.0.0.1/img/1.jpg", caption="民警在路口查处交通违法行为。", credit="张强 摄")
    ]


def test_credit_fills_a_figcaption_the_extractor_found() -> None:
    image = Image(url="http://127.0.0.1/img/1.jpg", caption="民警在路口查处交通违法行为")
    cleaned = clean_article(_article(images=[image]))
    assert cleaned.images == [
        Image(url="http://127.0.0.1/img/1.jpg", caption="民警在路口查处交通违法行为", credit="张强 摄")
    ]


def test_credit_only_line_goes_to_the_image_before_it() -> None:
    body = "图为民警在路口执勤。\n记者 张强 摄\n正文第一段。\n正文第二段。"
    cleaned = clean_article(Article(url="u", body=body))
    assert cleaned.images == [Image(url=None, caption="图为民警在路口执勤。", credit="记者 张强 摄")]
    assert cleaned.body == "正文第一段。\n正文第二段。"


def test_related_links_are_not_duplicated() -> None:
    existing = RelatedLink(title="某市开展夏季治安巡防", url="http://127.0.0.1/a/2.html")
    cleaned = clean_article(_article(related=[existing]))
    assert cleaned.related == [existing, RelatedLink(title="交警提醒：雨天出行注意安全")]


def test_clean_article_is_idempotent() -> None:
    once = clean_article(_article(title="長(zhǎng)沙　新聞", images=[Image(url="http://127.0.0.1/i.jpg")]))
    assert clean_article(once) == once
    assert once.title == "長沙 新聞"


def test_input_article_is_not_modified() -> None:
    image = Image(url="http://127.0.0.1/img/1.jpg")
    article = _article(images=[image])
    before = dataclasses.replace(article, images=[dataclasses.replace(image)])
    clean_article(article)
    assert article == before


def test_traditional_article_keeps_its_script() -> None:
    body = "長(zhǎng)沙公安機(jī)關(guān)全力維護(hù)社會(huì)穩(wěn)定。\n責編:萬(wàn)丹"
    cleaned = clean_article(Article(url="u", title="長(zhǎng)沙公安", body=body))
    assert cleaned.script == "Hant"
    assert cleaned.body == "長沙公安機關全力維護社會穩定。"
    assert cleaned.editor == "萬丹"
    assert cleaned.title_simplified == "长沙公安"
    assert cleaned.body_simplified == "长沙公安机关全力维护社会稳定。"
