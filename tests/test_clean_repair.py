"""repair_misaligned_gbk on spans garbled the way issue 4 describes (a GBK decode one byte out of step)."""

from __future__ import annotations

import pytest

from newscrawl.clean import clean_article, repair_misaligned_gbk
from newscrawl.items import Article


def garble(text: str, at: str) -> str:
    """What a GBK decoder that loses step at the first `at` in `text` makes of it.

    The orphan lead byte comes out as `?`; pairs are then read across characters (a pair that is
    not GBK is dropped, a lead byte followed by an ASCII byte comes out as one `?`) until an ASCII
    byte brings the decode back in step; the full-width punctuation of the garbled part is then
    NFKC-folded to ASCII, as the seed page shows (`?!搬t`)."""
    start = text.index(at)
    raw = text.encode("gbk")
    pos = len(text[:start].encode("gbk"))
    garbled = ["?"]
    i = pos + 1
    while i < len(raw) and raw[i] >= 0x80:
        pair = raw[i : i + 2]
        i += 2
        if len(pair) == 2 and pair[1] < 0x40:
            garbled.append("?")
            break
        try:
            garbled.append(pair.decode("gbk"))
        except UnicodeDecodeError:
            continue
    folded = "".join(chr(ord(c) - 0xFEE0) if "\uff01" <= c <= "\uff5e" else c for c in "".join(garbled))
    return raw[:pos].decode("gbk") + folded + raw[i:].decode("gbk")


# Text written for these tests: the words of the garbled spans occur elsewhere in it, as they do in
# any real article, and some characters carry inline pinyin, as on the seed page.
DOC = (
    "市交警支队负责人介绍，城区道路安全形势总体平稳，交警支队在各路口设卡查缉。\n"
    "今年以来，交警支队联合市公安局各分局查处酒驾一百余起，相关案件已移送起诉。\n"
    "民警在路口执勤。“道(dào)路安全是重中之重。”交警支队负(fù)责人表示，将持续开展夜查行动。\n"
    "全市公安机关将加大查处力度，设卡查缉等工作。”市公安局相(xiāng)关(guān)负责人表示，"
    "市公安局相关部门将持续跟进。\n"
)


def test_garble_reproduces_the_seed_mechanism() -> None:
    # The issue's own example, checked on the helper before the helper is trusted.
    assert garble("駐守此地。“醫(yī)院內", "。“") == "駐守此地?!搬t(yī)院內"
    assert garble("工作。”市公安局相關(guān)負", "。”") == "工作?!笔泄簿窒嚓P(guān)負"


@pytest.mark.parametrize(
    "at",
    [
        "。“道",  # realigned at an ASCII trail byte
        "。”市",  # a dropped pair and a lead byte swallowed with the `(` of the annotation
    ],
)
def test_garbled_span_is_repaired(at: str) -> None:
    garbled = garble(DOC, at)
    assert garbled != DOC
    assert repair_misaligned_gbk(garbled) == DOC


def test_seed_spans_with_context() -> None:
    # The two spans the issue quotes, in a paragraph whose other sentences attest their words.
    text = (
        "長沙市公共衛生救治中心作為定點救治醫院。醫院內外事務很多，市公安局相關部門駐守此地?!搬t(yī)院內外。\n"
        "市公安局相關負責人表示，全市公安機關全力做好工作?!笔泄簿窒嚓P(guān)負責人表示。"
    )
    repaired = repair_misaligned_gbk(text)
    assert "駐守此地。“醫(yī)院內外。" in repaired
    assert "全力做好工作。”市公安局相關(guān)負責人表示。" in repaired


@pytest.mark.parametrize(
    "text",
    [
        "你知道吗?市民张先生说AI(人工智能)能帮忙。",
        "- ?最高法上线“多元解纷案例库”",
        "在市公安局?jǐn)?shù)據核查專班的大力支持下",
        "真的吗?他说P图很常见。",  # looks like a span, but nothing in the text supports a repair
        "没有问号的文本。",
    ],
)
def test_other_question_marks_are_left_alone(text: str) -> None:
    assert repair_misaligned_gbk(text) == text


def test_unrepairable_span_is_kept_in_its_paragraph() -> None:
    # The annotation says the last character reads duì, but no character with that reading occurs
    # anywhere else in this text: no repair is safe, so the span stays exactly as it came, and
    # clean_article keeps the whole paragraph.
    text = "第一段。\n防控壓力很大?!背枪艽箨?duì)負責人介紹。\n第三段。"
    assert repair_misaligned_gbk(text) == text
    cleaned = clean_article(Article(url="u", body=text))
    assert cleaned.body == text
