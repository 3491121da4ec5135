"""The HTML engine on pages written here: a noisy regional news page, its variants, structured
data, site hints, and pages that hold no article. Expected values are typed out in this file."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from html import escape

import pytest

from newscrawl.clean import clean_article
from newscrawl.extract import LAYERS, SiteHints, extract
from newscrawl.items import Article, Image, RelatedLink

CST = timezone(timedelta(hours=8))
FETCHED = datetime(2021, 8, 6, 9, 0, tzinfo=CST)
URL = "http://127.0.0.1:8000/fzxw/202108/05/content_4521.html"

PARAGRAPHS = [
    "本报讯（记者 张晓明 见习记者 李雨桐 通讯员 王建国 刘芳）8月4日，湘源市麓川区人民法院对一起涉养老诈骗案件公开宣判，"
    "五名被告人分别被判处有期徒刑三年至十年不等，并处罚金。",
    "法院审理查明，2020年以来，被告人以“养老投资”“以房养老”为名，在多个小区举办所谓健康讲座，"
    "向老年人推销高息理财产品，先后骗取四十余名老人钱款共计三百余万元。",
    "麓川区人民法院副院长介绍，该院在审理中坚持追赃挽损，已为被害人追回损失一百二十余万元。",
    "下一步，该院将继续发挥审判职能，联合社区开展防范养老诈骗宣传，守护老年人的“钱袋子”。",
]
CAPTION = "宣判现场，五名被告人依次接受审判"
CREDIT = "麓川区法院供图"
RELATED = [
    ("/fzxw/202107/20/content_4400.html", "麓川区法院开展防范养老诈骗宣传活动"),
    ("/fzxw/202107/28/content_4470.html", "湘源市公安局破获一起特大养老诈骗案"),
    ("/fzxw/202108/01/content_4502.html", "检察官走进社区讲解反诈知识"),
]


def news_page(
    *,
    head: str = "",
    title_tag: str = "麓川法院宣判一起养老诈骗案_潇水法治网",
    info: str = '<div class="info">2021-08-05 17:24:33  来源：潇水法治报  作者：张晓明 李雨桐  浏览：<em>1024</em></div>',
    paragraphs: list[str] = PARAGRAPHS,
    image: bool = True,
    related_heading: str | None = "相关新闻",
    comments: bool = True,
) -> str:
    nav = "".join(
        f'<li><a href="/c{i}/">{name}</a></li>'
        for i, name in enumerate(["首页", "法院", "检察", "公安", "司法", "专题"])
    )
    hot = "".join(
        f'<li><a href="/fzxw/2021/hot{i}.html">热点新闻标题第{i}条 某地某事引关注</a></li>' for i in range(10)
    )
    body = "".join(f"<p>\u3000\u3000{escape(p)}</p>\n" for p in paragraphs[:2])
    if image:
        body += '<p style="text-align:center"><img src="/images/202108/4521_1.jpg" width="600" height="400"></p>\n'
        body += f'<p style="text-align:center">{CAPTION}　{CREDIT}</p>\n'
    body += "".join(f"<p>{escape(p)}</p>\n" for p in paragraphs[2:])
    related = ""
    if related_heading is not None:
        items = "".join(
            f'<li><a href="{href}">{title}</a><span>2021-08-0{i}</span></li>'
            for i, (href, title) in enumerate(RELATED, 1)
        )
        related = f'<div class="xgxw"><h3>{related_heading}</h3><ul>{items}</ul></div>'
    discussion = ""
    if comments:
        discussion = (
            '<div class="comments"><h3>网友评论</h3>'
            + "".join(
                f'<div class="c"><p>网友{i}：这种骗子就该重判，老人辛辛苦苦攒的钱不容易，希望都能追回来。</p>'
                f'<p class="m">2021-08-05 18:{i:02d} 回复 举报 赞{i}</p></div>'
                for i in range(6)
            )
            + "</div>"
        )
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title_tag}</title>{head}
<script>var _hmt = _hmt || []; document.write("<p>广告</p>");</script>
<style>.info{{color:#999}}</style></head>
<body>
<div class="top">欢迎访问潇水法治网 | <a href="/login">登录</a> | <a href="/reg">注册</a></div>
<div class="nav"><ul>{nav}</ul></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/fzxw/">法治新闻</a> &gt; 正文</div>
<div class="main">
  <div class="left">
    <h1>麓川法院宣判一起养老诈骗案</h1>
    {info}
    <div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> <a href="#">QQ空间</a></div>
    <div class="content" id="zoom">{body}</div>
    <p class="editor">（责任编辑：周婷）</p>
    <div class="qr"><img src="/images/qrcode.png" alt="二维码"><p>扫一扫 关注潇水法治网微信公众号</p></div>
    <div class="pn"><p>上一篇：<a href="/fzxw/202108/04/content_4510.html">某县检察院开展公益诉讼专项监督</a></p>
    <p>下一篇：<a href="/fzxw/202108/06/content_4530.html">某区司法局举办法律援助培训班</a></p></div>
    {related}
    {discussion}
  </div>
  <div class="right"><h3>热点排行</h3><ul>{hot}</ul>
  <div class="ad"><a href="/ad"><img src="/ad/banner.gif" width="300" height="250"></a></div></div>
</div>
<div class="footer"><p><a href="/about">关于我们</a> | <a href="/contact">联系我们</a> | <a href="/map">网站地图</a></p>
<p>版权所有 潇水法治报社 未经授权禁止转载</p><p>湘ICP备12345678号-1</p></div>
</body></html>"""


def run(html: str, **kwargs: object) -> tuple[Article, dict[str, str]]:
    result = extract(
        html.encode("utf-8"), URL, {"Content-Type": "text/html; charset=utf-8"}, fetched_at=FETCHED, **kwargs
    )  # type: ignore[arg-type]
    assert result.article is not None, result.reason
    return clean_article(result.article), result.provenance


def test_every_field_of_a_noisy_news_page() -> None:
    article, provenance = run(news_page())
    assert article.title == "麓川法院宣判一起养老诈骗案"
    assert article.body.split("\n") == PARAGRAPHS
    assert article.published_at == "2021-08-05T17:24:33+08:00"
    assert article.published_at_raw == "2021-08-05 17:24:33"
    assert article.authors == ["张晓明", "李雨桐"]
    assert article.trainee_authors == ["李雨桐"]
    assert article.correspondents == ["王建国", "刘芳"]
    assert article.editor == "周婷"
    assert article.source == "潇水法治报"
    assert article.outlet is None
    assert article.images == [
        Image(url="http://127.0.0.1:8000/images/202108/4521_1.jpg", caption=CAPTION, credit=CREDIT)
    ]
    assert article.related == [RelatedLink(title=t, url="http://127.0.0.1:8000" + h) for h, t in RELATED]
    assert article.encoding == "utf-8"
    assert provenance["body"] == "density"
    assert provenance["published_at"] == "pattern"
    assert set(provenance.values()) <= set(LAYERS)


def test_no_navigation_share_qr_copyright_comments_or_sidebar_in_the_body() -> None:
    article, _ = run(news_page())
    for junk in (
        "首页",
        "分享到",
        "扫一扫",
        "版权所有",
        "ICP",
        "上一篇",
        "热点",
        "网友",
        "回复",
        "广告",
        CAPTION,
    ):
        assert junk not in article.body


def test_related_list_without_a_heading_after_the_article() -> None:
    html = news_page(related_heading=None, comments=False)
    article, _ = run(html)
    # 上一篇/下一篇 and the 热点排行 sidebar are not related articles.
    assert article.body.split("\n") == PARAGRAPHS
    assert article.related == []
    # A list of headline links right under the article is, even without a 相关新闻 heading.
    items = "".join(f'<li><a href="{href}">{title}</a></li>' for href, title in RELATED)
    article, provenance = run(
        html.replace('<p class="editor">', f'<ul class="more">{items}</ul><p class="editor">')
    )
    assert article.body.split("\n") == PARAGRAPHS
    assert [r.title for r in article.related] == [t for _, t in RELATED]
    assert provenance["related"] == "pattern"


@pytest.mark.parametrize("heading", ["相关阅读", "延伸阅读", "【相关新闻】", "相關新聞", "相关报道："])
def test_related_headings(heading: str) -> None:
    article, provenance = run(news_page(related_heading=heading))
    assert [r.title for r in article.related] == [t for _, t in RELATED]
    assert provenance["related"] == "pattern"


@pytest.mark.parametrize(
    ("title_tag", "expected"),
    [
        ("麓川法院宣判一起养老诈骗案_新湖南", "麓川法院宣判一起养老诈骗案"),
        ("麓川法院宣判一起养老诈骗案 - 红网", "麓川法院宣判一起养老诈骗案"),
        ("麓川法院宣判一起养老诈骗案|法治日报", "麓川法院宣判一起养老诈骗案"),
        ("麓川法院宣判一起养老诈骗案_法治新闻_潇水法治网", "麓川法院宣判一起养老诈骗案"),
    ],
)
def test_title_without_the_site_suffix(title_tag: str, expected: str) -> None:
    article, provenance = run(news_page(title_tag=title_tag))
    assert article.title == expected
    assert provenance["title"] == "heading"


def test_title_from_the_title_tag_when_the_page_has_no_heading() -> None:
    html = news_page(title_tag="区法院审结一起合同纠纷案_法治频道_红网").replace(
        "<h1>麓川法院宣判一起养老诈骗案</h1>", ""
    )
    article, provenance = run(html)
    assert article.title == "区法院审结一起合同纠纷案"
    assert provenance["title"] == "title-tag"


@pytest.mark.parametrize(
    ("info", "published_at", "raw"),
    [
        (
            '<div class="info">发布时间：2021年8月5日 17:24 来源：潇水法治报</div>',
            "2021-08-05T17:24:00+08:00",
            "2021年8月5日 17:24",
        ),
        (
            '<div class="info"><span>2021/8/5</span><span>来源：潇水法治报</span></div>',
            "2021-08-05T00:00:00+08:00",
            "2021/8/5",
        ),
        (
            '<div class="info">8月5日 17:24 来源：潇水法治报</div>',
            "2021-08-05T17:24:00+08:00",
            "8月5日 17:24",
        ),
        ('<div class="info">3小时前 来源：潇水法治报</div>', "2021-08-06T06:00:00+08:00", "3小时前"),
    ],
)
def test_dates_in_the_info_bar(info: str, published_at: str, raw: str) -> None:
    article, _ = run(news_page(info=info))
    assert (article.published_at, article.published_at_raw) == (published_at, raw)
    assert article.source == "潇水法治报"


def test_a_future_date_in_the_info_bar_is_rejected_and_the_url_date_used() -> None:
    article, provenance = run(news_page(info='<div class="info">2021-09-30 10:00 来源：潇水法治报</div>'))
    assert article.published_at == "2021-08-05T00:00:00+08:00"
    assert provenance["published_at"] == "url"


def test_structured_data_first_with_the_page_s_own_raw_text() -> None:
    head = '<meta property="article:published_time" content="2021-08-05T09:24:33Z">'
    article, provenance = run(
        news_page(head=head, info='<div class="info">2021年8月5日 来源：潇水法治报</div>')
    )
    assert article.published_at == "2021-08-05T17:24:33+08:00"  # the instant, in +08:00
    assert article.published_at_raw == "2021年8月5日"  # as the page shows it
    assert provenance["published_at"] == "opengraph"


def test_json_ld() -> None:
    data = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "name": "潇水法治网"},
            {
                "@type": "NewsArticle",
                "headline": "麓川法院宣判一起养老诈骗案",
                "datePublished": "2021-08-05T17:24:33+08:00",
                "author": [{"@type": "Person", "name": "张晓明"}, {"@type": "Person", "name": "李雨桐"}],
                "publisher": {"@type": "Organization", "name": "潇水法治网"},
            },
        ],
    }
    head = f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'
    article, provenance = run(news_page(head=head, info=""))
    assert article.published_at == "2021-08-05T17:24:33+08:00"
    assert provenance["published_at"] == "jsonld"
    assert article.authors == ["张晓明", "李雨桐"]
    assert provenance["authors"] == "jsonld"
    # The byline still tells who is a trainee and who are correspondents.
    assert article.trainee_authors == ["李雨桐"]
    assert article.correspondents == ["王建国", "刘芳"]


def test_a_site_name_in_meta_author_is_not_an_author() -> None:
    head = '<meta name="author" content="潇水法治网"><meta name="source" content="潇水法治报">'
    article, provenance = run(news_page(head=head, info=""))
    assert article.authors == ["张晓明", "李雨桐"]
    assert provenance["authors"] == "pattern"
    assert article.source == "潇水法治报"
    assert provenance["source"] == "meta"


def test_broken_json_ld_is_ignored() -> None:
    head = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "半截</script>'
    article, _ = run(news_page(head=head))
    assert article.title == "麓川法院宣判一起养老诈骗案"


def test_site_hints_win() -> None:
    hints = SiteHints(
        title_css="div.crumb", body_css="div.content", date_css="p.editor", editor_css="div.top"
    )
    result = extract(news_page().encode(), URL, hints=hints, fetched_at=FETCHED)
    assert result.article is not None
    assert result.provenance["title"] == "hints"
    assert result.article.title == "当前位置：首页 > 法治新闻 > 正文"
    assert result.provenance["body"] == "hints"
    assert result.article.body.split("\n") == PARAGRAPHS
    # The date hint holds no date: the next layer answers.
    assert result.provenance["published_at"] == "pattern"


def test_a_bad_selector_fails_when_the_hints_are_made() -> None:
    with pytest.raises(ValueError, match="body_css"):
        SiteHints(body_css="div[[")


def test_byline_at_the_end_and_author_line() -> None:
    paragraphs = [
        p.replace("本报讯（记者 张晓明 见习记者 李雨桐 通讯员 王建国 刘芳）", "") for p in PARAGRAPHS
    ]
    paragraphs[-1] += "（记者 张晓明 通讯员 王建国）"
    article, _ = run(news_page(paragraphs=paragraphs, info='<div class="info">2021-08-05</div>'))
    assert article.authors == ["张晓明"]
    assert article.correspondents == ["王建国"]


def test_a_gbk_page_without_declaration() -> None:
    html = news_page().replace('<meta charset="utf-8">', "")
    result = extract(html.encode("gbk"), URL, fetched_at=FETCHED)
    assert result.article is not None
    assert result.encoding == "gb18030"
    assert clean_article(result.article).body.split("\n") == PARAGRAPHS


# --- no article ---------------------------------------------------------------------------------


def listing_page() -> str:
    items = "".join(
        f'<li><h3><a href="/fzxw/202108/0{i}/content_{i}.html">某地法院审结第{i}起典型案件 当事人握手言和</a></h3>'
        f"<p>近日，某地法院通过诉前调解，成功化解一起纠纷，双方当事人当场履行完毕，并向法院赠送锦旗……</p>"
        f"<span>2021-08-0{i}</span></li>"
        for i in range(1, 9)
    )
    return (
        '<html><head><meta charset="utf-8"><title>法院动态_潇水法治网</title></head><body>'
        f'<div class="nav"><a href="/">首页</a></div><h2>法院动态</h2><ul class="list">{items}</ul>'
        '<div class="pager"><a href="index_2.html">下一页</a></div><div class="footer">版权所有</div></body></html>'
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty page"),
        (b"   \n\t ", "empty page"),
        (bytes(range(256)) * 40, "not html"),
        (b"\x89PNG\r\n\x1a\n" + bytes(2000), "not html"),
        (listing_page().encode(), "listing page"),
        (
            "<html><head><title>404 页面不存在</title></head><body><h1>抱歉，您访问的页面不存在</h1>"
            '<p>页面可能已被删除，<a href="/">返回首页</a>。</p></body></html>'.encode(),
            "error page",
        ),
        (
            b'<html><head><meta http-equiv="refresh" content="0;url=http://127.0.0.1/index.html"></head><body></body></html>',
            "redirect page",
        ),
        (
            '<html><body><div><a href="/a">首页</a> <a href="/b">新闻</a></div></body></html>'.encode(),
            "no body text",
        ),
    ],
)
def test_pages_without_an_article_say_why(body: bytes, reason: str) -> None:
    result = extract(body, URL, fetched_at=FETCHED)
    assert result.article is None
    assert result.reason is not None and result.reason.startswith(reason)


def test_a_short_article_with_a_number_in_its_title_is_not_an_error_page() -> None:
    html = (
        '<html><head><meta charset="utf-8"><title>500名群众参加普法活动_潇水法治网</title></head><body>'
        "<h1>500名群众参加普法活动</h1><p>8月5日，某区司法局在文化广场举办普法宣传活动，500名群众到场参加，"
        "律师现场解答法律咨询六十余人次。</p></body></html>"
    )
    result = extract(html.encode(), URL, fetched_at=FETCHED)
    assert result.article is not None, result.reason
    assert result.article.title == "500名群众参加普法活动"


def test_str_input_and_naive_fetch_time() -> None:
    result = extract(news_page(), URL, fetched_at=datetime(2021, 8, 6, 9, 0))  # noqa: DTZ001 - naive on purpose
    assert result.article is not None
    assert result.article.published_at == "2021-08-05T17:24:33+08:00"
    assert result.encoding is None  # nothing was decoded


@pytest.mark.parametrize(
    "html",
    [
        "<div>" * 3000
        + "本报讯（记者 张三）某法院审结一起案件，依法判处被告人有期徒刑三年。"
        + "</div>" * 3000,
        "<html><body><p>未闭合的段落，法院依法审理了此案。<p>又一段，被告人当庭认罪。<table><tr><td>表格里的字",
        '<?xml version="1.0" encoding="gbk"?><html><body><p>带XML声明的页面，法院依法判决。</p></body></html>',
        "<html><body>" + "<p>段落内容，法院依法判决，被告人服判。</p>" * 5000 + "</body></html>",
    ],
)
def test_hostile_markup_does_not_raise(html: str) -> None:
    result = extract(html.encode("utf-8"), URL, fetched_at=FETCHED)
    assert result.article is not None or result.reason


# --- pages of several posts -----------------------------------------------------------------------


def test_a_blog_archive_page_gives_its_first_post() -> None:
    posts = [
        (
            "周末去法院旁听了一场庭审",
            "2021-08-05 21:10:33",
            "今天第一次去法院旁听了一场庭审，法官问得很细，双方律师你来我往，整个过程严肃又有序。"
            "散庭以后，书记员还耐心地给我们几个旁听的人讲了讲诉讼流程，收获很大，下次还想再去。",
        ),
        (
            "读书笔记",
            "2021-08-03 09:02:11",
            "这几天在读一本讲合同法的小书，作者把很多生活里的例子讲得清清楚楚，推荐给朋友们。",
        ),
        (
            "夏天的晚上",
            "2021-08-01 22:45:00",
            "晚上和家人在江边散步，风很凉快，很多人在跳广场舞，小朋友在放风筝，热闹极了。",
        ),
    ]
    entries = "".join(
        f'<div class="post"><h3>{title}</h3><p class="time">{when}</p><p>{text}</p>'
        f'<p><a href="/print">[打印]</a> 阅读(12) 评论(3)</p></div>'
        for title, when, text in posts
    )
    html = (
        '<html><head><meta charset="utf-8"><title>张小满的博客</title></head><body>'
        f'<div class="nav"><a href="/">首页</a> <a href="/a">文章</a></div><div class="list">{entries}</div>'
        "</body></html>"
    )
    result = extract(html.encode(), "http://127.0.0.1/blog/archive.html", fetched_at=FETCHED)
    assert result.article is not None
    article = clean_article(result.article)
    assert article.body == posts[0][2]
    assert article.title == posts[0][0]  # the post's heading, not the blog's name
    assert article.published_at == "2021-08-05T21:10:33+08:00"
    assert article.authors == ["张小满"]  # the blog's owner, from the title


def test_a_forum_thread_gives_the_opening_post() -> None:
    opening = (
        "楼主想请教一下：租房合同还有半年才到期，房东突然要求提前收回房子，说是要卖房，只肯退押金，"
        "不愿意赔偿我的搬家费和损失。这样合法吗？我该怎么维权？合同里写了违约金，但是房东说不算数。"
    )
    replies = [
        "可以先协商，协商不成可以向法院起诉，要求对方承担违约责任，记得保留好合同和聊天记录。",
        "同意楼上，另外可以打12348法律援助热线咨询一下，他们会告诉你具体怎么做。",
    ]
    posts = [("法律新手", "2021-08-05 10:20:00", opening)] + [
        (f"热心网友{i}", f"2021-08-05 1{i}:00:00", text) for i, text in enumerate(replies, 1)
    ]
    rows = "".join(
        f'<table class="t"><tr><td class="u">{who}</td><td><p>{text}</p>'
        f"<p>发表于 {when}</p></td></tr></table>"
        for who, when, text in posts
    )
    html = (
        '<html><head><meta charset="utf-8"><title>租房合同提前解除怎么办 - 法律咨询 - 某某论坛</title></head>'
        f'<body><div class="crumb">论坛 » 法律咨询 » 帖子</div><div id="thread">{rows}</div></body></html>'
    )
    result = extract(html.encode(), "http://127.0.0.1/thread-1.html", fetched_at=FETCHED)
    assert result.article is not None
    article = clean_article(result.article)
    assert article.body == opening  # the poster's name and the 发表于 line are not text
    assert article.published_at == "2021-08-05T10:20:00+08:00"


def test_prose_in_comment_and_recommendation_boxes_is_not_the_article() -> None:
    box = "".join(
        f'<div class="recommend-item"><p>推荐阅读第{i}篇：某地法院发布典型案例，涉及民间借贷、劳动争议、婚姻家庭等多个领域，'
        f"引发社会关注，专家解读称具有示范意义。</p></div>"
        for i in range(6)
    )
    article, _ = run(
        news_page(comments=False).replace(
            '<p class="editor">', f'<div class="recommend">{box}</div><p class="editor">'
        )
    )
    assert article.body.split("\n") == PARAGRAPHS


def test_avatars_and_ads_are_not_article_images() -> None:
    extra = (
        '<div class="user-avatar"><img src="/u/1.jpg"></div>'
        '<div class="ad-box"><img src="/promo/summer.jpg" width="640" height="200"></div>'
    )
    article, _ = run(news_page().replace('<p class="editor">', extra + '<p class="editor">'))
    assert [i.url for i in article.images] == ["http://127.0.0.1:8000/images/202108/4521_1.jpg"]


def test_the_site_s_own_notice_ends_the_article() -> None:
    notice = (
        "<p>特别声明：以上内容为自媒体平台用户上传并发布，本平台仅提供信息存储服务。</p>"
        "<p>Notice: The content above is uploaded and posted by a user, which is a social media platform.</p>"
        "<p>反侵权公告：未经书面许可，擅自转载本报社作品的，将涉嫌侵犯著作权人合法权益，本报社将追究其法律责任。</p>"
        "<p>一、任何单位或个人使用本报社原创内容，必须事先取得书面授权，否则本报社将依法追究侵权责任。</p>"
    )
    article, _ = run(news_page(comments=False).replace('<p class="editor">', notice + '<p class="editor">'))
    assert article.body.split("\n") == PARAGRAPHS


def test_a_report_on_a_copyright_case_keeps_its_text() -> None:
    paragraphs = [
        *PARAGRAPHS[:2],
        "法院审理认为，被告未经授权转载原告享有著作权的作品，侵犯了原告的信息网络传播权，应当承担停止侵权、赔偿损失的责任。",
        PARAGRAPHS[3],
    ]
    article, _ = run(news_page(paragraphs=paragraphs, comments=False))
    assert article.body.split("\n") == paragraphs
