"""Bylines and labelled credits: every form the engine reads, on strings written here.

Roles must never be confused: 记者 are authors (见习记者 / 实习生 also trainees), 通讯员 are
correspondents, 编辑 is the editor, 来源 is the source, 摄 marks a photographer.
"""

from __future__ import annotations

import pytest

from newscrawl.extract.byline import Byline, byline_at_end, byline_at_start, is_name, read_labels, split_names


def credits(found: Byline | None) -> tuple[list[str], list[str], list[str], str | None]:
    assert found is not None
    return found.authors, found.trainees, found.correspondents, found.outlet


@pytest.mark.parametrize(
    ("paragraph", "authors", "trainees", "correspondents", "outlet"),
    [
        (
            "本报讯（记者 张三 通讯员 李四 王五）近日，某区法院审结一起案件。",
            ["张三"],
            [],
            ["李四", "王五"],
            None,
        ),
        ("本报讯(记者 张三 通讯员 李四)近日。", ["张三"], [], ["李四"], None),
        ("本报讯（记者 张三 见习记者 赵六 通讯员 李四）近日。", ["张三", "赵六"], ["赵六"], ["李四"], None),
        ("本报讯（见习记者 赵六）近日。", ["赵六"], ["赵六"], [], None),
        ("本报讯（记者张三 通讯员李四）近日。", ["张三"], [], ["李四"], None),
        ("本报讯（记者 张三、李四 通讯员 王五、钱七）近日。", ["张三", "李四"], [], ["王五", "钱七"], None),
        ("法治日报讯（记者 张三 通讯员 李四）近日。", ["张三"], [], ["李四"], "法治日报"),
        ("湖南日报8月5日讯（记者 张三）近日。", ["张三"], [], [], "湖南日报"),
        ("新华社北京8月5日电（记者 张三、李四）近日。", ["张三", "李四"], [], [], "新华社"),
        ("据新华社长沙8月5日电（记者 欧阳明）近日。", ["欧阳明"], [], [], "新华社"),
        (
            "本报讯（潇湘法治报·潇湘法治网记者 张三 通讯员 李四）近日。",
            ["张三"],
            [],
            ["李四"],
            "潇湘法治报·潇湘法治网",
        ),
        (
            "本报讯（法制周报·新湖南见习记者 张三 通讯员 李四 王五）近日。",
            ["张三"],
            ["张三"],
            ["李四", "王五"],
            "法制周报·新湖南",
        ),
        # Traditional script, with the pinyin a syndication copy inlines.
        (
            "本報(bào)訊(xùn)(法制周報(bào)·新湖南見習(xí)記者 張三 通訊(xùn)員 李四 劉五)針對(duì)近期",
            ["張三"],
            ["張三"],
            ["李四", "劉五"],
            "法制周報·新湖南",
        ),
        ("本报讯（记者 格桑次仁）近日。", ["格桑次仁"], [], [], None),
        ("央视网消息（记者 张三 李四）：近日。", ["张三", "李四"], [], [], "央视网"),
        ("本报讯（记者 买买提·艾力）近日。", ["买买提·艾力"], [], [], None),
    ],
)
def test_dateline_bylines(
    paragraph: str, authors: list[str], trainees: list[str], correspondents: list[str], outlet: str | None
) -> None:
    assert credits(byline_at_start(paragraph)) == (authors, trainees, correspondents, outlet)


@pytest.mark.parametrize(
    ("paragraph", "authors", "trainees", "correspondents"),
    [
        ("本报记者 张三 李四", ["张三", "李四"], [], []),
        ("（本报记者 张三 报道）区法院昨日审结一宗案件。", ["张三"], [], []),
        ("（記者 陳大文 通訊員 李小明）區域法院昨日審結一宗案件。", ["陳大文"], [], ["李小明"]),
        ("□ 本报记者 张三", ["张三"], [], []),
        ("记者 张三 通讯员 李四 报道", ["张三"], [], ["李四"]),
        ("本报实习生 赵六 孙八", ["赵六", "孙八"], ["赵六", "孙八"], []),
        ("文/张三", ["张三"], [], []),
        ("张三 李四/文", ["张三", "李四"], [], []),
        ("文 | 张三 李四", ["张三", "李四"], [], []),
        ("作者：张三", ["张三"], [], []),
        # Two-character names are set with a space inside to line up with three-character ones.
        ("记者 张　三 李四 报道", ["张三", "李四"], [], []),
        # The credit runs into the text: the first word followed by punctuation is text.
        ("【走基层】 光明日报记者 王建宏 张文攀 土豆，听名字就土得掉渣。", ["王建宏", "张文攀"], [], []),
        ("河南商报记者马俊峰/文 受访者供图", ["马俊峰"], [], []),
        ("本报记者 王五 方六 柏七2003-7-24 晚报讯", ["王五", "方六", "柏七"], [], []),
    ],
)
def test_credit_lines_opening_a_paragraph(
    paragraph: str, authors: list[str], trainees: list[str], correspondents: list[str]
) -> None:
    found = byline_at_start(paragraph)
    assert found is not None
    assert (found.authors, found.trainees, found.correspondents) == (authors, trainees, correspondents)


@pytest.mark.parametrize(
    "paragraph",
    [
        "记者了解到，今年以来全市法院共审结案件一万余件。",
        "记者近日从市公安局获悉，一起电信诈骗案告破。",
        "今天记者走进社区，看到志愿者正在忙碌。",
        "来源：法治日报",
        "新闻发布会在长沙举行。",
    ],
)
def test_prose_is_not_a_byline(paragraph: str) -> None:
    found = byline_at_start(paragraph)
    assert found is None or not found.authors


def test_a_photographer_is_not_an_author() -> None:
    found = byline_at_start("本报讯（记者 张三 通讯员 李四 王五摄）近日。")
    assert found is not None
    assert found.authors == ["张三"]
    assert found.correspondents == []
    assert byline_at_end("民警在街头巡逻。 记者 张三 摄") is None


@pytest.mark.parametrize(
    ("paragraph", "authors"),
    [
        ("……推动作用。（总台记者 张倩）", ["张倩"]),
        ("……推动作用。（记者 张三 通讯员 李四）", ["张三"]),
        ("……服务计划。 记者 刘涛", ["刘涛"]),
        ("……服务计划。□ 本报记者 葛灵丹", ["葛灵丹"]),
        ("……一位自甘清贫的医生。 （袁源）", ["袁源"]),
        ("……一位自甘清贫的医生。（张三 李四）", ["张三", "李四"]),
        ("……融会贯通。 文：眉间尺", ["眉间尺"]),
    ],
)
def test_credits_closing_a_paragraph(paragraph: str, authors: list[str]) -> None:
    found = byline_at_end(paragraph)
    assert found is not None and found.authors == authors


@pytest.mark.parametrize(
    "paragraph",
    [
        "这是结尾。（完）",
        "消息来源于此。（新华社）",
        "据记者了解",
        "会议在北京举行（图）",
        "总投资约20亿元（人民币）",
        "他说：这是第一次。（上）",
    ],
)
def test_closing_words_that_are_not_credits(paragraph: str) -> None:
    assert byline_at_end(paragraph) is None


def test_labels_are_kept_apart() -> None:
    labels = read_labels("来源：法治日报 作者：张三 李四 责任编辑：王五")
    assert labels.source == "法治日报"
    assert labels.authors == ["张三", "李四"]
    assert labels.editor == "王五"


@pytest.mark.parametrize(
    ("line", "editor", "source", "authors"),
    [
        ("責編:萬丹", "萬丹", None, []),
        ("责编：萬丹", "萬丹", None, []),
        ("来源：法治日报", None, "法治日报", []),
        ("來源:法制周報", None, "法制周報", []),
        ("（责任编辑：张三）", "张三", None, []),
        ("(责编：胡永秋、杨光宇)", "胡永秋、杨光宇", None, []),
        ("【责任编辑：严玉洁】", "严玉洁", None, []),
        (
            "编辑： 金金 来源： 21世纪经济报道 作者：宋怡 杨志华 我要说说 打印",
            "金金",
            "21世纪经济报道",
            ["宋怡", "杨志华"],
        ),
        ("2004年7月16日08:19 来源：[ 国际金融报 ] 页面功能", None, "国际金融报", []),
        (
            "发布时间：2024-01-12 09:30:12 来源：潇湘法治报 作者：周晓岚 浏览量：",
            None,
            "潇湘法治报",
            ["周晓岚"],
        ),
        ("作者：芊草凡凡 时间：2005-08-22 19:13:18", None, None, ["芊草凡凡"]),
        ("作者: 赵 培：某某大学", None, None, ["赵培"]),
        ("【作者】张三 【来源】人民网", None, "人民网", ["张三"]),
        ("【责编】李四", "李四", None, []),
    ],
)
def test_labelled_fields(line: str, editor: str | None, source: str | None, authors: list[str]) -> None:
    labels = read_labels(line)
    assert (labels.editor, labels.source, labels.authors) == (editor, source, authors)


def test_source_is_never_an_author() -> None:
    labels = read_labels("来源：新华网")
    assert (labels.source, labels.authors) == ("新华网", [])
    # The label and its value are not taken for the outlet of a byline either.
    assert byline_at_start("来源：新华网 记者 张三") is None
    labels = read_labels("来源：新华网 作者：张三")
    assert (labels.source, labels.authors) == ("新华网", ["张三"])


def test_words_in_label_position_that_are_not_labels() -> None:
    # 来源 inside a word is not the 来源 label; 文 inside 原文 is not the author label.
    assert read_labels("图片来源：视觉中国").source is None
    assert read_labels("原文：某某").authors == []


@pytest.mark.parametrize(
    ("token", "strict", "expected"),
    [
        ("张三", True, True),
        ("欧阳明华", True, True),
        ("劉彬", True, True),  # Traditional surname
        ("土豆", True, False),  # no surname
        ("关闭", True, False),  # a button, though 关 is a surname
        ("新华社", False, False),  # an outlet
        ("市公安局", False, False),  # an office
        ("duscha", False, True),  # a forum user, when a label says so
        ("duscha", True, False),
        ("记者", False, False),
        ("阿卜杜·热合曼", True, True),
    ],
)
def test_names(token: str, strict: bool, expected: bool) -> None:
    assert is_name(token, strict=strict) is expected


def test_split_names_stops_at_the_first_non_name() -> None:
    assert split_names("宋怡 杨志华 我要说说 打印", strict_after_first=True) == ["宋怡", "杨志华"]
    assert split_names("张三、李四，王五") == ["张三", "李四", "王五"]
