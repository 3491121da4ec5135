"""Pages for the hostile server: articles and listings written for these tests (fictional news).

An `Story` is the ground truth of one article page; `article_page()` renders it the way a small
regional site does (title suffix, an info bar with date and 来源, the body in div.article-content),
in any charset, declared or not, correctly or not.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

DISTRICTS = (
    "芙蓉区",
    "天心区",
    "岳麓区",
    "开福区",
    "雨花区",
    "望城区",
    "浏阳市",
    "宁乡市",
    "长沙县",
    "湘潭县",
)
TOPICS = (
    (
        "{d}人民法院审结一起电信网络诈骗案",
        (
            "本报讯 近日，{d}人民法院公开开庭审理了一起电信网络诈骗案件，被告人当庭表示认罪认罚。",
            "经审理查明，被告人以兼职刷单为名，通过社交软件诱骗{n}名被害人向指定账户转账，涉案金额共计{m}万余元。",
            "法院认为，被告人以非法占有为目的，利用电信网络骗取他人财物，数额巨大，其行为已构成诈骗罪。",
            "综合考虑被告人的犯罪事实、情节及退赃情况，法院依法作出判决，并责令其退赔全部违法所得。",
            "承办法官提醒，凡是要求先垫付资金的兼职都是诈骗，市民应提高警惕，守好自己的钱袋子。",
        ),
    ),
    (
        "{d}检察院开展未成年人法治宣传进校园活动",
        (
            "本报讯 为增强青少年的法治意识，{d}人民检察院近日走进辖区{n}所中小学开展法治宣传活动。",
            "活动中，检察官结合真实案例，以案释法，讲解了校园欺凌、网络沉迷和个人信息保护等问题。",
            "同学们踊跃提问，检察官一一作答，现场气氛热烈，共发放宣传资料{m}百余份。",
            "该院相关负责人表示，将持续推进法治副校长工作，把法治教育做深做实。",
            "据悉，今年以来该院已累计开展此类活动二十余场，覆盖师生一万余人次。",
        ),
    ),
    (
        "{d}公安分局破获一起盗窃电动车系列案",
        (
            "本报讯 {d}公安分局日前成功破获一起系列盗窃电动车案件，抓获犯罪嫌疑人{n}名。",
            "今年以来，辖区多个小区接连发生电动车被盗案件，群众反映强烈，分局随即成立专案组开展侦查。",
            "民警通过调取监控、走访排查，锁定了嫌疑人的活动轨迹，并在其租住地将其抓获，现场缴获电动车{m}辆。",
            "经审讯，嫌疑人对其作案事实供认不讳，目前已被依法采取刑事强制措施，案件正在进一步办理中。",
            "警方提醒，停放电动车时应选择有监控的区域，并加装防盗锁，发现可疑情况请及时报警。",
        ),
    ),
)


@dataclass(frozen=True)
class Story:
    """The ground truth of one article page."""

    slug: str
    title: str
    paragraphs: tuple[str, ...]
    date_text: str = "2024-05-20 09:30"
    source: str = "潇湘法治报"

    @property
    def path(self) -> str:
        return f"/news/{self.slug}.html"

    @property
    def body(self) -> str:
        return "\n".join(self.paragraphs)


def story(n: int, slug: str | None = None, date_text: str = "2024-05-20 09:30") -> Story:
    """The n-th story: each n gives a different title and body."""
    district = DISTRICTS[n % len(DISTRICTS)]
    title_t, paragraphs_t = TOPICS[n % len(TOPICS)]
    fill = {"d": district, "n": 3 + n, "m": 12 + 7 * n}
    title = title_t.format(**fill) + f"（第{n}期）"
    return Story(
        slug=slug or f"story-{n}",
        title=title,
        paragraphs=tuple(p.format(**fill) for p in paragraphs_t),
        date_text=date_text,
    )


def article_html(
    s: Story,
    *,
    meta_charset: str | None = "utf-8",
    canonical: str | None = None,
    head_extra: str = "",
    related: tuple[tuple[str, str], ...] = (),
) -> str:
    charset = f'<meta charset="{meta_charset}">' if meta_charset else ""
    link = f'<link rel="canonical" href="{escape(canonical)}">' if canonical else ""
    paragraphs = "".join(f"<p>{escape(p)}</p>\n" for p in s.paragraphs)
    rel = ""
    if related:
        items = "".join(f'<li><a href="{escape(h)}">{escape(t)}</a></li>' for h, t in related)
        rel = f'<div class="related"><h3>相关新闻</h3><ul>{items}</ul></div>'
    return (
        f"<!DOCTYPE html><html><head>{charset}<title>{escape(s.title)}_湘江法治网</title>{link}{head_extra}"
        "</head><body>"
        '<div class="nav"><a href="/index.html">首页</a> <a href="/index.html">法治要闻</a></div>'
        f'<div class="article"><h1>{escape(s.title)}</h1>'
        f'<div class="info">发布时间：{escape(s.date_text)} 来源：{escape(s.source)}</div>'
        f'<div class="article-content">\n{paragraphs}</div>{rel}</div>'
        '<div class="footer">湘江法治网 版权所有</div>'
        "</body></html>"
    )


def article_page(s: Story, encoding: str = "utf-8", **kwargs: object) -> bytes:
    """The page's bytes in `encoding` (the declared charset is set separately, via `meta_charset`)."""
    return article_html(s, **kwargs).encode(encoding)  # type: ignore[arg-type]


def listing_page(
    links: list[tuple[str, str]], next_href: str | None = None, title: str = "法治要闻"
) -> bytes:
    items = "".join(f'<li><a href="{escape(h)}">{escape(t)}</a></li>\n' for h, t in links)
    pager = f'<div class="pager"><a href="{escape(next_href)}">下一页</a></div>' if next_href else ""
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)}_湘江法治网</title></head>'
        f'<body><h2>{escape(title)}</h2><ul class="list">\n{items}</ul>{pager}</body></html>'
    ).encode()
