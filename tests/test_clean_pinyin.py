"""strip_inline_pinyin: a bracketed syllable goes only when it is a reading of the Han character before it."""

from __future__ import annotations

import pytest

from newscrawl.clean import strip_inline_pinyin


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("長(zhǎng)沙市公安局", "長沙市公安局"),
        ("长（zhang3）沙", "长沙"),
        ("长(zhang)沙", "长沙"),
        ("長（zhǎng)沙", "長沙"),
        ("重(chóng)庆 重(zhòng)要", "重庆 重要"),
        ("绿(lǜ)色、绿(lü4)地、绿(lv4)化、绿(lu:4)洲", "绿色、绿地、绿化、绿洲"),
        ("我的(de)书、我的(de5)笔", "我的书、我的笔"),
        ("說(shuō)(shuì)服", "說服"),
        ("嗯(ǹg)", "嗯"),
        ("龍(lóng)騰", "龍騰"),
    ],
)
def test_annotations_are_removed(raw: str, expected: str) -> None:
    assert strip_inline_pinyin(raw) == expected


@pytest.mark.parametrize(
    "text",
    [
        "本报讯（记者 杜巧巧）",
        "（记者 杜巧巧）",
        "人工智能(AI)技术",
        "截至(2021)年",
        "第（一）条",
        "国内生产总值(GDP)增长",
        "中国(china)",  # latin, but not a reading of 国
        "中(ma)",  # a syllable, but not a reading of 中
        "长(ZHANG)",  # capitals are not how pages write readings
        "长 (zhǎng)",  # not right after the character
        "a(zhǎng)",  # not after a Han character
        "(zhǎng)开头",
        "长(zhǎng1)",  # tone mark and tone digit together is not a syllable
        "长(AI)(zhǎng)",  # a genuine parenthetical first: the whole run stays
    ],
)
def test_genuine_parentheticals_stay(text: str) -> None:
    assert strip_inline_pinyin(text) == text


def test_reading_must_match_tone() -> None:
    # 长 is cháng / zhǎng: a tone the character does not have is not its reading.
    assert strip_inline_pinyin("长(zhāng)") == "长(zhāng)"
    assert strip_inline_pinyin("长(zhang1)") == "长(zhang1)"
    assert strip_inline_pinyin("长(chang2)") == "长"


def test_only_the_readings_at_the_head_of_a_run_go() -> None:
    assert strip_inline_pinyin("长(zhǎng)(AI)") == "长(AI)"


def test_idempotent() -> None:
    raw = "長(zhǎng)沙(shā)市(shì)公安局(jú)（AI）第（一）"
    once = strip_inline_pinyin(raw)
    assert once == "長沙市公安局（AI）第（一）"
    assert strip_inline_pinyin(once) == once


def test_text_without_brackets_is_returned_as_is() -> None:
    text = "长沙市公安局" * 100
    assert strip_inline_pinyin(text) is text
