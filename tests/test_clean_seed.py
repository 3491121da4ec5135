"""Issue 4, point 1, on the cleaning side: the seed page through clean_article.

The seed is read from the shared corpus at test time. Every expectation below comes from the issue
text or from the raw page through this test's own regexes, never from the cleaning code.
"""

from __future__ import annotations

import re

import pytest

from newscrawl.clean import clean_article, normalize_text, strip_inline_pinyin
from newscrawl.items import Article, Image, RelatedLink
from newscrawl.paths import corpus_dir

pytestmark = pytest.mark.corpus

SEED = corpus_dir() / "seed" / "000_0f022602a2c961b3.txt"

_LATIN = "a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü"
# Any bracketed run of lower-case (pinyin) letters, and the ones right after a Han character.
BRACKETED_LATIN = re.compile(rf"[(（][{_LATIN}]+[1-5]?[)）]")
AFTER_HAN = re.compile(rf"(?<=[\u3400-\u4dbf\u4e00-\u9fff]){BRACKETED_LATIN.pattern}")

# The garbled spans and what they should read. The first and third are quoted by the issue; the
# second is the same misaligned decode of 。”城管大隊 (A1A3 A1B1 B3C7 B9DC B4F3 EAA0 in GBK).
GARBLED = {
    "?!搬t(yī)": "。“醫",
    "?!背枪艽箨?duì)": "。”城管大隊",
    "?!笔泄簿窒嚓P(guān)": "。”市公安局相關",
}
CAPTION = "長沙市公安局開福分局城管大隊民警在長沙市公共衛生救治中心開展巡邏防控。"


@pytest.fixture(scope="module")
def raw() -> str:
    if not SEED.is_file():
        pytest.skip(f"the seed page is not at {SEED}: the shared corpus is absent (set NEWSCRAWL_CORPUS)")
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def lines(raw: str) -> list[str]:
    return raw.rstrip("\n").split("\n")


@pytest.fixture(scope="module")
def expected_paragraphs(lines: list[str]) -> list[str]:
    paragraphs = []
    for line in lines[1:9]:
        for garbled, fixed in GARBLED.items():
            line = line.replace(garbled, fixed)
        paragraphs.append(AFTER_HAN.sub("", line))
    return paragraphs


@pytest.fixture(scope="module")
def expected_related(lines: list[str]) -> list[str]:
    # `- ` bullet and the `?` left by an icon removed, pinyin removed.
    return [AFTER_HAN.sub("", line.removeprefix("- ").lstrip("?")) for line in lines[11:]]


@pytest.fixture(scope="module")
def cleaned(raw: str) -> Article:
    return clean_article(Article(url="file:///seed.txt", body=raw))


def test_the_seed_is_the_page_the_issue_describes(raw: str, lines: list[str]) -> None:
    assert len(AFTER_HAN.findall(raw)) == 327
    assert len(lines) == 27
    for garbled in GARBLED:
        assert garbled in raw


def test_all_annotations_removed(raw: str, cleaned: Article) -> None:
    texts = [
        cleaned.title,
        cleaned.body,
        cleaned.body_simplified or "",
        cleaned.editor or "",
        cleaned.source or "",
        *(i.caption or "" for i in cleaned.images),
        *(r.title for r in cleaned.related),
    ]
    for text in texts:
        assert BRACKETED_LATIN.findall(text) == []
    # Every Han character of the raw page is still there (only annotations and boilerplate went):
    # the 327 annotated characters are kept, their annotations removed.
    han = re.compile(r"[\u4e00-\u9fff]")
    kept = "".join(
        [cleaned.body, *(i.caption or "" for i in cleaned.images), *(r.title for r in cleaned.related)]
    )
    garbled_han = sum(len(han.findall(g)) for g in GARBLED)
    fixed_han = sum(len(han.findall(f)) for f in GARBLED.values())
    boilerplate_han = len(han.findall("責編萬丹來源法制周報警方供圖"))
    assert len(han.findall(kept)) == len(han.findall(raw)) - garbled_han + fixed_han - boilerplate_han


def test_body_is_the_eight_paragraphs(cleaned: Article, expected_paragraphs: list[str]) -> None:
    paragraphs = cleaned.body.split("\n")
    assert len(paragraphs) == 8
    assert paragraphs[0].startswith("本報訊(法制周報·新湖南見習記者 杜巧巧 通訊員 孔奕 劉彬)")
    assert paragraphs[-1].endswith("硬仗。")
    assert paragraphs == expected_paragraphs


def test_garbled_spans_are_repaired(cleaned: Article) -> None:
    assert "此地。“醫院內" in cleaned.body
    assert "。”市公安局相關負責人表示" in cleaned.body
    assert "?!" not in cleaned.body


def test_image_caption_and_credit(cleaned: Article) -> None:
    assert cleaned.images == [Image(url=None, caption=CAPTION, credit="警方供圖")]


def test_fields_from_boilerplate_lines(cleaned: Article) -> None:
    assert cleaned.editor == "萬丹"
    assert cleaned.source == "法制周報"


def test_related_titles(cleaned: Article, expected_related: list[str]) -> None:
    assert len(cleaned.related) == 16
    assert [r.title for r in cleaned.related] == expected_related
    assert cleaned.related[1].title == "最高法上線“多元解紛案例庫”"
    assert all(r.url is None for r in cleaned.related)


def test_script_and_simplified_form(cleaned: Article) -> None:
    assert cleaned.script == "Hant"
    assert "长沙公安机关按照省公安厅" in (cleaned.body_simplified or "")
    assert "長沙公安機關按照省公安廳" in cleaned.body


def test_idempotent(cleaned: Article) -> None:
    assert clean_article(cleaned) == cleaned


def test_extractor_shaped_input(raw: str, cleaned: Article) -> None:
    """As the extraction room hands it over: byline fields parsed, body already pinyin-free."""
    article = Article(
        url="file:///seed.txt",
        body=normalize_text(strip_inline_pinyin(raw)),
        authors=["杜巧巧"],
        trainee_authors=["杜巧巧"],
        correspondents=["孔奕", "劉彬"],
        outlet="法制周報(bào)·新湖南",
    )
    result = clean_article(article)
    assert result.authors == ["杜巧巧"]
    assert result.trainee_authors == ["杜巧巧"]
    assert result.correspondents == ["孔奕", "劉彬"]
    assert result.outlet == "法制周報·新湖南"
    assert result.body == cleaned.body
    assert result.images == cleaned.images
    assert result.related == cleaned.related
    assert (result.editor, result.source, result.script) == ("萬丹", "法制周報", "Hant")


def test_html_shaped_input(
    lines: list[str], expected_paragraphs: list[str], expected_related: list[str]
) -> None:
    """As an HTML extraction may hand it over: the image with its URL (and the caption line still
    in the body), related titles as links with URLs, pinyin and icons still in their text."""
    image = Image(url="http://127.0.0.1:8000/img/1.jpg")
    related = [
        RelatedLink(title=line.removeprefix("- "), url=f"http://127.0.0.1:8000/a/{i}.html")
        for i, line in enumerate(lines[11:])
    ]
    article = Article(
        url="http://127.0.0.1:8000/a/0.html", body="\n".join(lines[:11]), images=[image], related=related
    )
    result = clean_article(article)
    assert result.images == [Image(url=image.url, caption=CAPTION, credit="警方供圖")]
    assert result.body.split("\n") == expected_paragraphs
    assert [r.title for r in result.related] == expected_related
    assert [r.url for r in result.related] == [r.url for r in related]
    assert (result.editor, result.source, result.script) == ("萬丹", "法制周報", "Hant")
    assert clean_article(result) == result


def test_caption_with_credit_from_the_extractor(lines: list[str]) -> None:
    image = Image(url="http://127.0.0.1:8000/img/1.jpg", caption=lines[0])
    result = clean_article(Article(url="u", body="\n".join(lines[:11]), images=[image]))
    assert result.images == [Image(url=image.url, caption=CAPTION, credit="警方供圖")]
