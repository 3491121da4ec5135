"""The text deduplication compares: the normal form, the fingerprint, the comparable part."""

from __future__ import annotations

import pytest

from newscrawl.clean import clean_article
from newscrawl.dedup.text import (
    article_fingerprint,
    comparable_text,
    normalize_for_dedup,
    strip_credits,
    text_fingerprint,
)
from newscrawl.items import Article


def test_normal_form_keeps_letters_and_digits_only() -> None:
    assert (
        normalize_for_dedup("“长沙” 警方，２４小时\n全天候ＡＢＣ！ (通报)") == "长沙警方24小时全天候abc通报"
    )
    assert normalize_for_dedup(" \u3000…—，。") == ""


def test_fingerprint_ignores_width_punctuation_and_whitespace_but_not_words() -> None:
    base = text_fingerprint("某区法院审结一起案件", "第一段，内容。\n第二段：内容！")
    assert text_fingerprint("某区法院审结一起案件 ", "第一段, 内容.\n\n第二段: 内容!") == base
    assert text_fingerprint("某区法院审结一起案件", "第一段，内容。第二段：内容！") == base
    assert text_fingerprint("某区法院审结两起案件", "第一段，内容。\n第二段：内容！") != base
    assert text_fingerprint("某区法院审结一起案件", "第一段，内容。\n第二段：内容") == base
    assert text_fingerprint("某区法院审结一起案件", "第一段，内容。\n第三段：内容！") != base
    assert len(base) == 32 and int(base, 16) >= 0


def test_a_traditional_page_with_inline_pinyin_and_its_simplified_reprint_share_a_fingerprint() -> None:
    hant = clean_article(
        Article(url="u1", title="長(zhǎng)沙警方通報", body="長(zhǎng)沙公安機關全力守護人民群眾生命安全。")
    )
    hans = clean_article(
        Article(url="u2", title="长沙警方通报", body="长沙公安机关全力守护人民群众生命安全。")
    )
    assert hant.script == "Hant" and hans.script == "Hans"
    assert article_fingerprint(hant) == article_fingerprint(hans)


@pytest.mark.parametrize(
    ("body", "kept"),
    [
        ("本报讯（记者 张三 通讯员 李四）今日，某区法院开庭。", "今日，某区法院开庭。"),
        ("本报讯(记者 张三)今日，某区法院开庭。", "今日，某区法院开庭。"),
        ("法治日报讯（记者 孙明哲 通讯员 龙海波）今日开庭。", "今日开庭。"),
        ("湖南日报11月8日讯（记者 欧阳敏 通讯员 王建军）今日开庭。", "今日开庭。"),
        ("新华社长沙8月5日电（记者 张三）今日开庭。", "今日开庭。"),
        ("红网时刻新闻8月3日讯（通讯员 孔奕 刘彬 记者 杜巧巧）今日开庭。", "今日开庭。"),
        ("记者 张三 通讯员 李四\n今日开庭。", "今日开庭。"),
        ("今日开庭。\n（记者 张三 通讯员 李四）", "今日开庭。"),
        ("今日开庭。（完）", "今日开庭。"),
        ("今日开庭。\n(责任编辑：王五)", "今日开庭。"),
        # Not a byline: a sentence ends before the bracket, or it is not at the start.
        ("他说。本报讯（记者 张三）称，案件已审结。", "他说。本报讯（记者 张三）称，案件已审结。"),
        ("今日，法院收到通讯（一封）。", "今日，法院收到通讯（一封）。"),
        ("法院收到通讯（一封）。", "法院收到通讯（一封）。"),
        ("本报讯（张三 李四）今日开庭。", "今日开庭。"),
    ],
)
def test_byline_and_credit_blocks_are_not_compared(body: str, kept: str) -> None:
    assert strip_credits(body) == kept


def test_comparable_text_is_the_normal_form_without_credits() -> None:
    a = comparable_text("本报讯（记者 张三 通讯员 李四）今日，某区法院开庭审理一起案件。")
    b = comparable_text("红网时刻新闻8月3日讯(通讯员 李四 记者 张三) 今日, 某区法院开庭审理一起案件.")
    assert a == b == "今日某区法院开庭审理一起案件"
