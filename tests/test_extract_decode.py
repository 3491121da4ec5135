"""Decoding: declarations are checked against the bytes, wrong ones are recovered from, and damage
is reported rather than hidden. Pages are built here from text written here."""

from __future__ import annotations

import codecs

import pytest

from newscrawl.extract import extract
from newscrawl.extract.decode import decode_html

PARAGRAPHS = [
    "本报讯（记者 张三 通讯员 李四）近日，某区人民法院审结一起涉及电信网络诈骗的案件，依法判处被告人有期徒刑三年。",
    "法院审理查明，被告人通过网络招募他人，冒充客服人员，以退款为名骗取被害人钱款共计十余万元。",
    "法院认为，被告人的行为构成诈骗罪，依法应予惩处。宣判后，被告人当庭表示认罪服判，不上诉。",
]


def page(charset: str | None) -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return f"<html><head>{meta}<title>一起诈骗案宣判_某某网</title></head><body><h1>一起诈骗案宣判</h1><div>{body}</div></body></html>"


def test_utf8_declared_and_served_as_utf8() -> None:
    decoded = decode_html(page("utf-8").encode("utf-8"), {"Content-Type": "text/html; charset=utf-8"})
    assert (decoded.encoding, decoded.warnings, decoded.replaced) == ("utf-8", [], 0)


def test_gbk_served_as_utf8_is_read_as_gbk() -> None:
    data = page("gbk").encode("gbk")
    decoded = decode_html(data, {"Content-Type": "text/html; charset=utf-8"})
    assert decoded.encoding == "gb18030"
    assert PARAGRAPHS[0] in decoded.text
    assert any("not UTF-8" in w for w in decoded.warnings)


def test_utf8_declared_as_gb2312_is_read_as_utf8() -> None:
    decoded = decode_html(page("gb2312").encode("utf-8"))
    assert decoded.encoding == "utf-8"
    assert PARAGRAPHS[1] in decoded.text
    assert any("bytes are UTF-8" in w for w in decoded.warnings)


def test_gb2312_page_with_gbk_only_characters_reads_as_gb18030() -> None:
    # 镕 and 喆 are outside GB2312; pages that declare gb2312 use them anyway.
    text = page("gb2312").replace("张三", "朱镕喆")
    decoded = decode_html(text.encode("gbk"))
    assert decoded.encoding == "gb18030"
    assert "朱镕喆" in decoded.text
    assert decoded.warnings == []


def test_big5_page() -> None:
    text = page("big5").replace("长沙市", "長沙市").replace("本报讯", "本報訊")
    data = text.encode("big5", "replace")
    decoded = decode_html(data)
    assert decoded.encoding == "big5hkscs"
    assert "本報訊" in decoded.text


@pytest.mark.parametrize(
    ("bom", "codec"),
    [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")],
)
def test_a_bom_wins(bom: bytes, codec: str) -> None:
    decoded = decode_html(bom + page("gbk").encode(codec))
    assert decoded.encoding.startswith("utf-")
    assert PARAGRAPHS[2] in decoded.text
    assert not decoded.text.startswith("\ufeff")


def test_a_few_broken_bytes_in_utf8_are_replaced_and_reported() -> None:
    data = page("utf-8").encode("utf-8")
    cut = data.index(PARAGRAPHS[1].encode("utf-8")) + 1  # inside a three-byte character
    damaged = data[:cut] + data[cut + 1 :]
    decoded = decode_html(damaged)
    assert decoded.encoding == "utf-8"
    assert decoded.replaced >= 1
    assert any("U+FFFD" in w for w in decoded.warnings)
    assert PARAGRAPHS[2] in decoded.text


def test_a_gbk_page_with_a_broken_byte_keeps_its_text() -> None:
    data = page("gbk").encode("gbk")
    damaged = data.replace(PARAGRAPHS[2].encode("gbk")[:2], b"\xff\xff", 1)
    decoded = decode_html(damaged, {"Content-Type": "text/html; charset=GBK"})
    assert decoded.encoding == "gb18030"
    assert decoded.replaced >= 1
    assert PARAGRAPHS[1] in decoded.text
    assert decoded.warnings


def test_utf8_decoded_as_latin1_once_is_repaired() -> None:
    mojibake = page("utf-8").encode("utf-8").decode("latin-1").encode("utf-8")
    decoded = decode_html(mojibake)
    assert PARAGRAPHS[0] in decoded.text
    assert any("Latin-1" in w for w in decoded.warnings)


def test_scrapy_style_byte_headers() -> None:
    data = page("gbk").encode("gbk")
    decoded = decode_html(data, {b"Content-Type": [b"text/html; charset=GBK"]})
    assert decoded.encoding == "gb18030"
    assert decoded.declared == "gb18030"
    assert decoded.warnings == []


def test_the_engine_records_the_encoding_and_the_warning() -> None:
    result = extract(
        page("gbk").encode("gbk"), "http://127.0.0.1/a.html", {"Content-Type": "text/html; charset=utf-8"}
    )
    assert result.article is not None
    assert result.encoding == "gb18030"
    assert result.article.encoding == "gb18030"
    assert result.article.body.split("\n") == PARAGRAPHS
    assert result.warnings
