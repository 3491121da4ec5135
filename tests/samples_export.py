"""Hand-written articles for the export, search and stats tests, saved through the real Store API.

Every expected value in those tests is typed out from what is written here, never read back from
the code under test. The texts are our own.
"""

from __future__ import annotations

from pathlib import Path

from newscrawl.clean import clean_article
from newscrawl.items import Article, Image, RelatedLink
from newscrawl.store import Store

BASE = "http://127.0.0.1:9"


def url(site: str, n: int) -> str:
    return f"{BASE}/{site}/2024/content_{n}.html"


def article(site: str, n: int, title: str, body: str, **fields: object) -> Article:
    """A cleaned article: the Simplified columns filled as a crawl would fill them."""
    raw = Article(url=url(site, n), canonical_url=url(site, n), site=site, title=title, body=body)
    for name, value in fields.items():
        setattr(raw, name, value)
    return clean_article(raw)


def tricky_articles() -> list[Article]:
    """Values that break naive CSV/JSON writers: quotes, commas, newlines, formulas, Traditional
    script, emoji, missing values, a negative-looking title, objects with None inside."""
    return [
        article(
            "hnfz",
            1,
            "某区法院审结一起“套路贷”诈骗案，涉案金额逾千万",
            "本报讯（记者 张晓明 通讯员 李静）某区法院近日审结一起案件。\n"
            '被告人称："我只是打工的", 法院未予采信。\n'
            "第三段，含逗号, 和英文 comma。",
            published_at="2024-03-15T09:30:00+08:00",
            published_at_raw="2024-03-15 09:30",
            authors=["张晓明"],
            correspondents=["李静", "王芳"],
            editor="赵六",
            source="潇湘法治报",
            images=[
                Image(url=f"{BASE}/img/1.jpg", caption="庭审现场", credit="法院供图"),
                Image(url=None, caption="被告人当庭认罪", credit=None),
            ],
            related=[
                RelatedLink(title="另一起诈骗案宣判", url=url("hnfz", 2)),
                RelatedLink(title="只有标题的链接", url=None),
            ],
            region="CN-HN",
            encoding="utf-8",
            http_status=200,
            fetched_at="2024-03-15T10:00:00+08:00",
            text_fingerprint="f1",
            story_id=7,
            story_similarity=1.0,
        ),
        article(
            "hnfz",
            2,
            '=HYPERLINK("http://127.0.0.1:9/x","点击查看")',
            "+86 热线电话公布。\n-这一行以减号开头\n@所有人 注意防范。",
            published_at="2024-03-16T08:00:00+08:00",
            authors=["陈一", "刘二"],
            trainee_authors=["刘二"],
            story_id=8,
            story_similarity=1.0,
        ),
        article(
            "twnews",
            3,
            "長沙警方破獲電信詐騙案",
            "長(zhǎng)沙市公安局近日破獲一起電信詐騙案，追回贓款 120 萬元。\n民警提醒市民提高警惕 👮。",
            published_at="2024-04-01T12:00:00+08:00",
            authors=["林小華"],
            source="法制周報",
            story_id=7,
            story_similarity=0.93,
        ),
        article("twnews", 4, "没有日期的简讯", "只有一段正文。"),
    ]


def save(db: Path, articles: list[Article]) -> None:
    with Store(db) as store:
        for a in articles:
            store.save_article(a)
