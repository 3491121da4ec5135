"""normalize_text: invisible characters, blanks, full-width ASCII, whitespace runs; punctuation kept."""

from __future__ import annotations

import pytest

from newscrawl.clean import normalize_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("长\u200b沙\u200c市\u200d公\ufeff安\u2060局", "长沙市公安局"),
        ("本报讯\u3000\u3000记者\u3000张三", "本报讯 记者 张三"),
        ("酒驾&nbsp;12起", "酒驾 12起"),
        ("酒驾&amp;nbsp;12起&NBSP;共计", "酒驾 12起 共计"),
        ("共&#160;计&nbsp", "共 计"),
        ("出动警力１２０人次，ＧＤＰ增长ｐｍ２．５", "出动警力120人次，GDP增长pm2．5"),
        ("a \t b\u00a0\u00a0c", "a b c"),
        ("  第一段  \r\n\r\n \n  第二段\u2028第三段  ", "第一段\n第二段\n第三段"),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_chinese_punctuation_is_kept() -> None:
    text = "他说：“你好！”，（一）、《法治日报》；真的吗？……——"
    assert normalize_text(text) == text


def test_normalize_is_idempotent() -> None:
    raw = "\u3000\u3000本报讯　记者&nbsp;张三\n\n\n　第二段ＡＢＣ１２３ "
    once = normalize_text(raw)
    assert normalize_text(once) == once
    assert once == "本报讯 记者 张三\n第二段ABC123"


def test_empty_text() -> None:
    assert normalize_text("") == ""
    assert normalize_text(" \u3000\n\u200b\n") == ""
