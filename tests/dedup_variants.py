"""Copies of the seed story as other sites would carry them (issue 5, point 1), built here from the
seed page of the shared corpus. Used by the room-level and the crawl tests.

The seed (Traditional script, inline pinyin) goes through `extract_plain_text` + `clean_article`,
which gives its stored form. Its copies:

- `simplified`: the same text in Simplified script (OpenCC t2s, called here directly) with
  full-width punctuation, as a mainland portal typesets it;
- `retitled`: that copy under another headline;
- `rebylined`: that copy with the portal's own dateline/byline block instead of 本報訊(…);
- `edited`: that copy with one paragraph in eight (at least 10%) rewritten;
- `all_three`: headline, byline and the paragraph edit together.

Headlines, byline and rewritten text are written for these tests.
"""

from __future__ import annotations

import dataclasses
import math
from functools import cache
from pathlib import Path

import opencc
import pytest

from newscrawl.clean import clean_article
from newscrawl.extract import extract_plain_text
from newscrawl.items import Article
from newscrawl.paths import corpus_dir

SEED_NAME = "000_0f022602a2c961b3.txt"

HEADLINE_HANT = "長沙公安全警停休返崗 全力守護人民群眾生命安全"
HEADLINE_HANS = "长沙公安全警停休返岗 全力守护人民群众生命安全"
OTHER_HEADLINE = "战疫情保平安：长沙七千余人次警力投入社会面巡逻防控"
OLD_BYLINE = "本报讯（法制周报·新湖南见习记者 杜巧巧 通讯员 孔奕 刘彬）"
NEW_BYLINE = "红网时刻新闻8月3日讯（通讯员 孔奕 刘彬 见习记者 杜巧巧 编辑 李明）"
EDITED_PARAGRAPH = 4
"""Which paragraph (0-based) the `edited` copy rewrites: the one about the treatment centre."""
REWRITE = (
    "长沙市公共卫生救治中心是省市两级定点医院，正在集中收治本轮疫情的确诊病例。开福分局城管大队派出"
    "十四名民警，分两组三班，昼夜守在医院内外：一组守护扩建工地的治安，一组负责院内安全和人员疏导，"
    "配合医护人员做好隔离和查缉。"
)

_PUNCTUATION = str.maketrans({",": "，", "(": "（", ")": "）", ":": "：", ";": "；", "?": "？", "!": "！"})


def seed_path() -> Path:
    return corpus_dir() / "seed" / SEED_NAME


def seed_raw() -> str:
    path = seed_path()
    if not path.is_file():
        pytest.skip(f"the seed page is not at {path}: the shared corpus is absent (set NEWSCRAWL_CORPUS)")
    return path.read_text(encoding="utf-8")


@cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_mainland(text: str) -> str:
    """Simplified script, full-width punctuation."""
    return _t2s().convert(text).translate(_PUNCTUATION)


def stored_seed(url: str = "http://127.0.0.1/seed.txt") -> Article:
    """The seed as newscrawl stores it."""
    extraction = extract_plain_text(seed_raw(), url)
    assert extraction.article is not None
    return clean_article(extraction.article)


def seed_paragraphs() -> list[str]:
    """The stored seed's body paragraphs (Traditional script, pinyin removed)."""
    paragraphs = stored_seed().body.split("\n")
    assert len(paragraphs) == 8, paragraphs
    return paragraphs


def mainland_paragraphs() -> list[str]:
    paragraphs = [to_mainland(p) for p in seed_paragraphs()]
    assert paragraphs[0].startswith(OLD_BYLINE), paragraphs[0][:40]
    return paragraphs


def variants() -> dict[str, tuple[str, list[str]]]:
    """Name -> (headline, body paragraphs) of each copy other sites carry."""
    base = mainland_paragraphs()
    edits = max(1, math.ceil(len(base) * 0.1))
    assert edits == 1
    rebylined = [NEW_BYLINE + base[0].removeprefix(OLD_BYLINE), *base[1:]]
    edited = list(base)
    edited[EDITED_PARAGRAPH] = REWRITE
    all_three = list(rebylined)
    all_three[EDITED_PARAGRAPH] = REWRITE
    return {
        "simplified": (HEADLINE_HANS, base),
        "retitled": (OTHER_HEADLINE, base),
        "rebylined": (HEADLINE_HANS, rebylined),
        "edited": (HEADLINE_HANS, edited),
        "all_three": (OTHER_HEADLINE, all_three),
    }


def as_article(url: str, site: str, headline: str, paragraphs: list[str], published_at: str) -> Article:
    """A copy as the crawl would hand it to the dedup room: extracted fields, then cleaned."""
    return clean_article(
        Article(
            url=url,
            canonical_url=url,
            site=site,
            title=headline,
            body="\n".join(paragraphs),
            published_at=published_at,
        )
    )


def with_story(article: Article, story_id: int | None, similarity: float | None, fingerprint: str) -> Article:
    return dataclasses.replace(
        article, story_id=story_id, story_similarity=similarity, text_fingerprint=fingerprint
    )
