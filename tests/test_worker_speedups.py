"""The shortcuts that make the extraction worker cheaper give what the plain forms they replace give.

Each faster form is checked against the slower one it stands for, computed here independently
(a regex, NFKC of the whole text, an `//*[@a]` XPath), over every code point where the claim is
about characters and over real pages where it is about documents.
"""

from __future__ import annotations

import random
import re
import sys
import unicodedata
from typing import TYPE_CHECKING

import lxml.etree
import lxml.html
import numpy as np
import pytest

from newscrawl.dedup.text import _WIDE_PUNCT, normalize_for_dedup
from newscrawl.extract.content import (
    _BOILERPLATE,
    _BOILERPLATE_LATIN,
    _COMMENT_META,
    _NOTICE,
    _SIGN,
    Block,
    is_link_title,
    weigh,
)
from newscrawl.extract.decode import decode_html
from newscrawl.extract.dom import JUNK_TAGS, collapse, parse, select_first, selector, strip_junk
from newscrawl.extract.engine import _looks_binary, _meta_refresh
from newscrawl.extract.structured import read_structured

if TYPE_CHECKING:
    from pathlib import Path

_SPACES = re.compile(r"\s+")
_NOT_ALNUM = re.compile(r"[\W_]+")


def _pages(corpus: Path) -> list[Path]:
    """The corpus's article pages, in a fixed order."""
    return sorted((corpus / "pages").glob("*/*.html"))


def _reference_normal(text: str) -> str:
    """The dedup normal form as its docstring defines it: NFKC, case folded, letters and digits."""
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", text).casefold())


def _composition_members() -> set[str]:
    """Every character that is the first or second half of a canonical (two-character) decomposition,
    i.e. that canonical composition can join with a neighbour; Hangul jamo compose by algorithm."""
    members: set[str] = set()
    for cp in range(sys.maxunicode + 1):
        mapping = unicodedata.decomposition(chr(cp))
        if mapping and not mapping.startswith("<"):
            parts = mapping.split()
            if len(parts) == 2:
                members.update(chr(int(p, 16)) for p in parts)
    members.update(chr(cp) for cp in range(0x1100, 0x1200))  # conjoining jamo
    members.update(chr(cp) for cp in range(0xAC00, 0xD7A4))  # precomposed syllables take a T jamo
    return members


def test_every_wide_punctuation_mark_folds_to_inert_punctuation() -> None:
    wide = [chr(cp) for cp in range(sys.maxunicode + 1) if _WIDE_PUNCT.fullmatch(chr(cp))]
    assert "，" in wide and "（" in wide and "…" in wide and "\u3000" in wide
    assert not any(ch.isalnum() for ch in wide)
    members = _composition_members()
    for ch in [*wide, " "]:
        folded = unicodedata.normalize("NFKD", ch)
        assert unicodedata.combining(ch) == 0, ch
        assert ch not in members, ch
        for part in folded:
            # A starter that composes with nothing: it blocks composition across it, as a space does.
            assert unicodedata.combining(part) == 0 and part not in members, (ch, part)
        assert _NOT_ALNUM.fullmatch(unicodedata.normalize("NFKC", ch).casefold()), ch


def test_normal_form_equals_plain_nfkc_beside_combining_marks_and_jamo() -> None:
    rng = random.Random(20261201)
    wide = [chr(cp) for cp in range(0xFF01, 0xFF66)] + ["…", "\u3000", "，", "。"]
    tricky = [
        *(chr(cp) for cp in range(0x0300, 0x0370)),  # combining diacritics
        "\u3099",
        "\u309a",
        "\uff9e",
        "\uff9f",  # kana voicing marks, combining and half-width
        *(chr(cp) for cp in range(0x1100, 0x1113)),
        *(chr(cp) for cp in range(0x1161, 0x1176)),
        *(chr(cp) for cp in range(0x11A8, 0x11C3)),  # jamo
        "가",
        "e",
        "A",
        "Å",
        "ß",
        "ﬁ",
        "①",
        "㈠",
        "２",
        "Ｚ",
        "长",
        "沙",
        "か",
        "ｶ",
        " ",
        "\n",
        "_",
    ]
    alphabet = wide + tricky
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        assert normalize_for_dedup(text) == _reference_normal(text), ascii(text)
    # Every code point between a letter and a combining mark, after a wide mark.
    for cp in range(sys.maxunicode + 1):
        text = f"e，{chr(cp)}\u0301（a"
        assert normalize_for_dedup(text) == _reference_normal(text), hex(cp)


def test_normal_form_equals_plain_nfkc_on_real_pages(corpus: Path) -> None:
    checked = 0
    for path in _pages(corpus):
        text = decode_html(path.read_bytes()).text
        assert normalize_for_dedup(text) == _reference_normal(text), path.name
        checked += 1
    assert checked > 100


def test_collapse_takes_exactly_the_regex_whitespace() -> None:
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        for text in (f"a{ch}{ch}b", f"{ch}a {ch}", f"{ch}"):
            assert collapse(text) == _SPACES.sub(" ", text).strip(), hex(cp)


def test_binary_check_counts_what_it_always_counted() -> None:
    def reference(text: str) -> bool:
        sample = text[:2000]
        bad = sum(1 for ch in sample if (ch < " " and ch not in "\t\n\r\f") or ch == "\ufffd")
        return bool(sample) and bad > len(sample) * 0.1

    rng = random.Random(7)
    alphabet = [chr(cp) for cp in range(0x21)] + ["\ufffd", "a", "法", "\x7f", "\x85"]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert _looks_binary(text) == reference(text), ascii(text)
    assert _looks_binary("\x00" * 50) and not _looks_binary("法" * 50) and not _looks_binary("")


def test_boilerplate_pair_matches_one_case_insensitive_pattern(corpus: Path) -> None:
    # The words as one IGNORECASE pattern (the form the pair replaces), written out here.
    one = re.compile(
        r"版权所有|版權所有|Copyright|©|ICP备|ICP證|ICP证|ICP備|公网安备|公網安備|京公网|增值电信|许可证|許可證"
        r"|未经(?:本网|本站|本报|书面)?(?:授权|许可)|不得转载|禁止转载|转载请注明|联系我们|關於我們|关于我们|网站地图|網站地圖"
        r"|免责声明|免責聲明|违法和不良信息|举报电话|舉報電話|举报邮箱|分享到|分享至|扫一扫|掃一掃|二维码|二維碼|打印本页|关闭窗口"
        r"|返回顶部|返回首页|设为首页|加入收藏|手机版|客户端下载|登录|登錄|注册|註冊|上一篇|下一篇|上一页|下一页",
        re.IGNORECASE,
    )

    def pair(text: str) -> bool:
        return bool(_BOILERPLATE.search(text) or _BOILERPLATE_LATIN.search(text))

    # The case-sensitive half holds no character that IGNORECASE would let another code point match.
    uncased = re.compile("[" + re.escape("".join(set(re.findall(r"[^|()?:]", _BOILERPLATE.pattern)))) + "]")
    caseless = re.compile(uncased.pattern, re.IGNORECASE)
    for cp in range(sys.maxunicode + 1):
        assert bool(uncased.match(chr(cp))) == bool(caseless.match(chr(cp))), hex(cp)
    rng = random.Random(5)
    words = re.findall(r"[^|()?:]+", one.pattern)
    for _ in range(3000):
        text = "".join(rng.choice([*words, "x", "法", " ", "ſ", "K"]) for _ in range(rng.randint(1, 4)))
        text = "".join(ch.swapcase() if rng.random() < 0.3 else ch for ch in text)
        assert pair(text) == bool(one.search(text)), text
    checked = 0
    for path in _pages(corpus):
        for line in decode_html(path.read_bytes()).text.splitlines():
            assert pair(line) == bool(one.search(line)), (path.name, line[:80])
            checked += 1
    assert checked > 10000


_TRICKY_HEAD = """<html><head><meta http-equiv="rEfReSh" content="0; url=/a">
<meta http-equiv="REFRESH" content="5;URL='/b'"><meta http-equiv="Refresh "><meta http-equiv="refresh" content="">
<meta http-equiv="ＲＥＦＲＥＳＨ" content="url=/c"><meta http-equiv="refresh" content="url=/d">
<link href="/x" rel="stylesheet"><link rel="alternate\t canonical" href="  "><link rel="canonical\u3000" href="/no">
<link rel="\n canonical\n" href="/yes"><base target="_blank"><base href="  /root/ ">
<title> 一 </title><script type="application/ld+json">{"@type": "NewsArticle", "headline": "标题"}</script>
</head><body><title>二</title><p>正文，内容。</p></body></html>"""


def _xpath_refresh(root: lxml.html.HtmlElement) -> str | None:
    for content in root.xpath("//meta[translate(@http-equiv,'REFSH','refsh')='refresh']/@content"):
        m = re.search(r"url\s*=\s*['\"]?([^'\";\s]+)", content, re.IGNORECASE)
        if m:
            return m.group(1)
    return None


def _xpath_head(root: lxml.html.HtmlElement) -> tuple[str, str | None, str | None]:
    titles = root.xpath("//title")
    links = root.xpath(
        "//link[@href][contains(concat(' ', normalize-space(@rel), ' '), ' canonical ')]/@href"
    )
    bases = root.xpath("//base/@href")
    return (
        collapse(titles[0].text_content()) if titles else "",
        next((h.strip() for h in links if h.strip()), None),
        next((h.strip() for h in bases if h.strip()), None),
    )


def test_head_elements_found_by_tag_are_the_xpath_ones(corpus: Path) -> None:
    pages = [_TRICKY_HEAD.encode()] + [p.read_bytes() for p in sorted(corpus.glob("*/*/*.html"))]
    for data in pages:
        decoded = decode_html(data)
        root = parse(decoded.text, decoded.utf8)
        if root is None:
            continue
        structured = read_structured(root)
        head = (structured.title_tag, structured.canonical_url, structured.base_url)
        assert head == _xpath_head(root)
        assert _meta_refresh(root) == _xpath_refresh(root)
    root = parse(_TRICKY_HEAD)
    assert root is not None
    assert _meta_refresh(root) == "/a"
    assert (read_structured(root).canonical_url, read_structured(root).base_url) == ("/yes", "/root/")
    assert read_structured(root).is_article
    assert len(pages) > 100


def test_every_furniture_line_holds_a_sign_character(corpus: Path) -> None:
    patterns = (_BOILERPLATE, _BOILERPLATE_LATIN, _COMMENT_META, _NOTICE)

    def check(text: str) -> None:
        if any(p.search(text) for p in patterns):
            assert _SIGN.search(text), text

    # The patterns' own words (every literal run of their sources), alone and inside text.
    for pattern in patterns:
        for word in re.findall(r"[^|()?:\[\]{}*+^$\\]+", pattern.pattern):
            for text in (word, f"本站{word}", f"{word}：", f"【{word}】", f"{word} 12", f"x{word}(3)"):
                check(text)
    # A cased first letter in any code point that IGNORECASE may take for it.
    for cp in range(sys.maxunicode + 1):
        for rest in ("opyright", "CP备", "otice:"):
            text = chr(cp) + rest
            if _BOILERPLATE_LATIN.search(text) or _NOTICE.search(text):
                assert _SIGN.search(text), hex(cp)
    checked = 0
    for path in _pages(corpus):
        for line in decode_html(path.read_bytes()).text.splitlines():
            check(line[:400])
            checked += 1
    assert checked > 10000


def test_link_share_tests_in_integers_are_the_float_ones() -> None:
    owner = lxml.html.fromstring("<p>x</p>")
    for chars in range(1, 400):
        for link_chars in range(chars + 1):
            block = Block(0, owner, [], "法" * chars, chars, link_chars, 1, None, 1)
            density = link_chars / chars
            assert is_link_title(block) == (density >= 0.8 and 6 <= chars <= 80), (chars, link_chars)
            assert (weigh(block) == -float(link_chars) and link_chars > 0) == (density > 0.5), (
                chars,
                link_chars,
            )
    assert not is_link_title(Block(0, owner, [], "", 0, 0, 0, None, 1))


def test_first_selected_element_is_the_first_of_all_selected(corpus: Path) -> None:
    import importlib
    import pkgutil

    import newscrawl.spiders

    selectors = {
        "div.article-content",
        "div.content, #content, article",
        "p",
        "h1, h2",
        "a[href]",
        "li:nth-child(2) a",
    }
    # Every site file's own selectors.
    for info in pkgutil.iter_modules(newscrawl.spiders.__path__):
        module = importlib.import_module(f"newscrawl.spiders.{info.name}")
        for value in vars(module).values():
            for name in (
                "title_css",
                "body_css",
                "date_css",
                "byline_css",
                "source_css",
                "editor_css",
                "related_css",
            ):
                css = getattr(value, name, None) if isinstance(value, type) else None
                if isinstance(css, str) and css:
                    selectors.add(css)
    assert len(selectors) > 10
    pages = [p.read_bytes() for p in sorted(corpus.glob("*/*/*.html"))]
    for data in pages:
        decoded = decode_html(data)
        root = parse(decoded.text, decoded.utf8)
        if root is None:
            continue
        for css in selectors:
            every = selector(css)(root)
            assert select_first(root, css) is (every[0] if every else None), css
    assert len(pages) > 100


def test_parsed_elements_are_plain_html_elements() -> None:
    root = parse("<html><body><form><label>名</label><input name=q><p>正文，内容。</p></form></body></html>")
    assert root is not None
    # One class for every element (no per-tag lookup in Python), with every HtmlElement method.
    assert {type(el) for el in root.iter()} == {lxml.html.HtmlElement}
    form = root.find(".//form")
    assert form is not None and form.text_content() == "名正文，内容。"
    form.find("label").drop_tree()
    assert form.text_content() == "正文，内容。"


@pytest.mark.parametrize("attribute", ["itemprop", "hidden", "style", "class", "id"])
def test_attribute_xpath_finds_the_elements_the_element_xpath_finds(corpus: Path, attribute: str) -> None:
    found = 0
    made = f'<html><body><div {attribute}="x"><p {attribute}="y">一</p></div><p>二</p></body></html>'
    for text in [made, *(decode_html(path.read_bytes()).text for path in _pages(corpus))]:
        root = parse(text)
        assert root is not None
        expected = root.xpath(f"//*[@{attribute}]")
        assert root.xpath(f"//@{attribute}/..") == expected, text[:200]
        found += len(expected)
    assert found >= 2


def test_hidden_elements_are_stripped_as_the_element_xpath_strips_them(corpus: Path) -> None:
    def reference(root: lxml.html.HtmlElement) -> None:
        lxml.etree.strip_elements(root, *JUNK_TAGS, with_tail=False)
        for el in root.xpath("//*[@style][contains(@style,'none') or contains(@style,'hidden')]"):
            style = el.get("style", "")
            if (
                re.search(r"display\s*:\s*none|visibility\s*:\s*hidden", style, re.I)
                and el.getparent() is not None
            ):
                el.drop_tree()
        for el in root.xpath("//*[@hidden]"):
            if el.getparent() is not None:
                el.drop_tree()

    html = '<html><body><p style="display: none">藏</p><div hidden><p>也藏</p></div><p>见</p></body></html>'
    pages = [html.encode()] + [p.read_bytes() for p in _pages(corpus)]
    for body in pages:
        text = decode_html(body).text
        ours, theirs = parse(text), parse(text)
        assert ours is not None and theirs is not None
        strip_junk(ours)
        reference(theirs)
        assert lxml.html.tostring(ours) == lxml.html.tostring(theirs)


def test_shingle_hashes_are_numpys_unique_of_the_shingle_hashes() -> None:
    from newscrawl.dedup import minhash

    def reference(text: str, k: int) -> np.ndarray:
        codes = [ord(ch) for ch in text]
        n = max(len(codes) - k + 1, 1)
        acc = np.zeros(n, dtype=np.uint64)
        for i in range(min(k, len(codes))):
            acc += np.array(codes[i : i + n], dtype=np.uint64) * np.uint64(minhash._POSITION_MULTIPLIERS[i])
        return np.unique(minhash._mix(acc))

    rng = random.Random(3)
    for length in [*range(0, 12), 100, 1000, 5000]:
        for k in (1, 3, 4, 8):
            text = "".join(rng.choice("长沙法院审结一起案件abc１２") for _ in range(length))
            if not text:
                assert len(minhash.shingle_hashes(text, k)) == 0
                continue
            ours = minhash.shingle_hashes(text, k)
            assert ours.dtype == np.uint64
            assert np.array_equal(ours, reference(text, k)), (length, k)


def test_the_bytes_handed_to_the_parser_are_the_text_in_utf8(corpus: Path) -> None:
    made = [
        "<html><body><p>法治，新闻。</p></body></html>".encode(),
        b"\xef\xbb\xbf<html><body><p>\xe6\xb3\x95</p></body></html>",  # BOM: decoded past it
        "<html><head><meta charset=gbk></head><body><p>法治新闻</p></body></html>".encode("gbk"),
        b"<html><body><p>ascii only</p></body></html>",
        ("<html><body><p>" + "法治".encode().decode("latin-1") * 30 + "</p></body></html>").encode(),
        "<html><body><p>法治</p></body></html>".encode() + b"\xff",  # one broken byte
    ]
    kept = 0
    for body in [*made, *(path.read_bytes() for path in _pages(corpus))]:
        decoded = decode_html(body)
        if decoded.utf8 is not None:
            kept += 1
            assert decoded.utf8 == decoded.text.encode("utf-8", "surrogatepass")
        ours, theirs = parse(decoded.text, decoded.utf8), parse(decoded.text)
        assert ours is not None and theirs is not None
        assert lxml.html.tostring(ours) == lxml.html.tostring(theirs)
    assert decode_html(made[1]).utf8 is None and decode_html(made[2]).utf8 is None
    assert decode_html(made[4]).utf8 is None  # repaired double UTF-8: new text
    assert kept > 50
