"""Boilerplate lines of a body: fields, image credits, related titles, junk, stray icons."""

from __future__ import annotations

import pytest

from newscrawl.clean.boilerplate import (
    ImageNote,
    is_junk,
    parse_image_line,
    parse_meta_line,
    split_body,
    split_names,
)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("责任编辑：张三", {"editor": "张三"}),
        ("责编：万丹", {"editor": "万丹"}),
        ("責編:萬丹", {"editor": "萬丹"}),
        ("編輯：李四", {"editor": "李四"}),
        ("【责任编辑：李四】", {"editor": "李四"}),
        ("[责任编辑:王五]", {"editor": "王五"}),
        ("來源:法制周報", {"source": "法制周報"}),
        ("来源：法治日报 作者：王五 编辑：赵六", {"source": "法治日报", "author": "王五", "editor": "赵六"}),
        ("发布时间：2021-08-05 10:00 来源：红网", {"source": "红网"}),
        ("来源：新华社 | 浏览次数：123", {"source": "新华社"}),
        ("作者：本报记者 张三、李四", {"author": "本报记者 张三、李四"}),
        ("审核：孙七 校对：周八", {}),
    ],
)
def test_meta_lines(line: str, expected: dict[str, str]) -> None:
    assert parse_meta_line(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "编辑部认为：这件事很重要，值得关注。",  # a label word in a sentence
        "时间：8月5日 地点：市民广场",  # a notice in the body, no field label
        "来源：据知情人士透露，该公司已经停产。",  # a sentence after the colon
        "他说，来源：不明",  # the label is not at the start
    ],
)
def test_body_lines_are_not_meta(line: str) -> None:
    assert parse_meta_line(line) is None


def test_split_names() -> None:
    assert split_names("本报记者 张三、李四") == ["张三", "李四"]
    assert split_names("記者 劉彬，通訊員 孔奕") == ["劉彬", "孔奕"]


@pytest.mark.parametrize(
    ("line", "caption", "credit"),
    [
        ("長沙民警在巡邏防控。 警方供圖", "長沙民警在巡邏防控。", "警方供圖"),
        ("民警在路口执勤。（记者 李四 摄）", "民警在路口执勤。", "记者 李四 摄"),
        ("民警讲解防诈知识。张三、李四 摄", "民警讲解防诈知识。", "张三、李四 摄"),
        ("民警在巡逻 张三 摄", "民警在巡逻", "张三 摄"),
        ("新华社记者 张三 摄", None, "新华社记者 张三 摄"),
        ("（张三 摄）", None, "张三 摄"),
        ("本报记者 王五/摄", None, "本报记者 王五/摄"),
        ("图/视觉中国", None, "图/视觉中国"),
        ("图片来源：新华社", None, "图片来源：新华社"),
        ("资料图", None, "资料图"),
        ("图为民警在路口执勤。", "图为民警在路口执勤。", None),
    ],
)
def test_image_lines(line: str, caption: str | None, credit: str | None) -> None:
    assert parse_image_line(line) == ImageNote(caption=caption, credit=credit)


@pytest.mark.parametrize(
    "line",
    [
        "这一幕被路人拍摄",
        "航拍摄",
        "据悉，该案由警方供图说明情况并正在调查中，市民如有线索请拨打电话。",
        "本报讯（记者 张三）3月12日，市公安局开展集中整治行动。",
    ],
)
def test_body_lines_are_not_image_lines(line: str) -> None:
    assert parse_image_line(line) is None


@pytest.mark.parametrize(
    "line",
    [
        "分享到：",
        "扫一扫，关注我们",
        "扫描二维码",
        "【打印】 【关闭】",
        "上一篇：某市开展夏季治安巡防",
        "点击进入专题",
        "字号：大 中 小",
        "版权所有 © 2021 新湖南",
        "Copyright 2021 voc.com.cn All Rights Reserved",
        "未经本网授权，不得转载。",
        "?",
        "———",
    ],
)
def test_junk_lines(line: str) -> None:
    assert is_junk(line)


@pytest.mark.parametrize(
    "line",
    [
        "市民可扫描二维码进行预约。",
        "接到群众举报后迅速出击",
        "被告人未经许可转载原告享有著作权的文章，法院判决其赔偿损失并在报纸刊登声明，"
        "同时认定禁止转载的声明有效，此案判决现已生效。",
        "（完）",
        "。”",  # a fragment of the text, not a separator
        "“……”",
    ],
)
def test_body_lines_are_not_junk(line: str) -> None:
    assert not is_junk(line)


def test_related_list_after_the_editor_block() -> None:
    body = (
        "第一段正文内容。\n第二段正文内容。\n责编：万丹\n来源：法制周报\n"
        "- 标题一\n- ?标题二\n- 标题三 2021-08-05"
    )
    parts = split_body(body)
    assert parts.paragraphs == ["第一段正文内容。", "第二段正文内容。"]
    assert parts.editor == "万丹"
    assert parts.source == "法制周报"
    assert parts.related == ["标题一", "标题二", "标题三"]


def test_related_list_under_a_header_without_bullets() -> None:
    body = "正文第一段。\n相关新闻：\n某市开展夏季治安巡防\n1.交警提醒雨天出行注意安全"
    parts = split_body(body)
    assert parts.paragraphs == ["正文第一段。"]
    assert parts.related == ["某市开展夏季治安巡防", "交警提醒雨天出行注意安全"]


def test_keywords_after_the_editor_line_are_not_related() -> None:
    parts = split_body("正文第一段。\n(编辑：文静)\n关键字：\nCPI")
    assert parts.editor == "文静"
    assert parts.related == []
    assert parts.paragraphs == ["正文第一段。", "CPI"]


def test_trailing_bullets_without_marker_need_two_lines() -> None:
    assert split_body("正文。\n- 标题一\n- 标题二").related == ["标题一", "标题二"]
    one = split_body("正文。\n- 最后一条要点")
    assert one.related == []
    assert one.paragraphs == ["正文。", "- 最后一条要点"]


def test_list_inside_the_body_stays() -> None:
    body = "措施如下：\n- 加强巡逻\n- 设卡查缉\n上述措施自即日起施行，请市民予以配合。"
    parts = split_body(body)
    assert parts.related == []
    assert parts.paragraphs == body.split("\n")


def test_a_top_source_line_does_not_turn_the_body_into_related() -> None:
    body = "来源：新华社\n短讯一则\n另一则短讯"
    parts = split_body(body)
    assert parts.source == "新华社"
    assert parts.related == []
    assert parts.paragraphs == ["短讯一则", "另一则短讯"]


def test_trailing_bracketed_editor() -> None:
    parts = split_body("正文第一段。\n正文最后一段。（责任编辑：周敏）")
    assert parts.paragraphs == ["正文第一段。", "正文最后一段。"]
    assert parts.editor == "周敏"


def test_stray_icons() -> None:
    parts = split_body("?本报讯 正文。\n\ue60a 第二段。\n他问：这是真的吗?是的。\n分享 \ue601 到朋友圈后再说")
    assert parts.paragraphs == ["本报讯 正文。", "第二段。", "他问：这是真的吗?是的。", "分享 到朋友圈后再说"]


def test_private_use_characters_inside_text_stay() -> None:
    # Inside a run of text a private-use character comes from a bad decode, not an icon.
    line = "裴逸群表示\ue0de挥芯\ue132哟"
    assert split_body(line).paragraphs == [line]


def test_known_captions_are_not_body() -> None:
    parts = split_body("民警在路口执勤\n正文。", known_captions=frozenset({"民警在路口执勤"}))
    assert parts.paragraphs == ["正文。"]
    assert parts.images == []
