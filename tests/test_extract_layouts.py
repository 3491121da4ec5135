"""Page layouts of the kinds of sites newscrawl crawls, written here from how such CMSs lay a page
out (government TRS pages, court and procuratorate sites, portals, old table layouts, mobile pages).
Each expected value is typed out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from newscrawl.clean import clean_article
from newscrawl.extract import extract

CST = timezone(timedelta(hours=8))
FETCHED = datetime(2021, 9, 1, 12, 0, tzinfo=CST)

TEXT = [
    "近日，湘源市中级人民法院召开新闻发布会，通报2021年上半年全市法院审判执行工作情况，并发布十起典型案例。",
    "据介绍，上半年全市法院共受理各类案件四万余件，审结三万八千余件，结案率同比上升五个百分点，审判质效稳中有进。",
    "发布会上，该院相关负责人表示，下一步将持续深化诉源治理，推动矛盾纠纷化解在基层、解决在萌芽状态。",
]


@dataclass
class Layout:
    html: str
    url: str
    title: str
    body: list[str]
    published_at: str | None
    authors: list[str]
    source: str | None
    editor: str | None = None
    correspondents: tuple[str, ...] = ()


def paragraphs(texts: list[str], wrap: str = "<p>{}</p>") -> str:
    return "\n".join(wrap.format(t) for t in texts)


def side_list(n: int = 8) -> str:
    return "".join(
        f'<li><a href="/xw/2021/{i}.html">其他新闻标题第{i}条 某地开展普法宣传</a></li>' for i in range(n)
    )


LAYOUTS = {
    "government TRS page": Layout(
        html=f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta name="ArticleTitle" content="湘源中院通报上半年审判执行工作情况">
<meta name="PubDate" content="2021-08-05 10:23">
<meta name="ContentSource" content="湘源市中级人民法院">
<title>湘源中院通报上半年审判执行工作情况_湘源市人民政府门户网站</title></head><body>
<table width="1000"><tr><td class="top">湘源市人民政府门户网站 | 无障碍 | 长者模式</td></tr>
<tr><td><table><tr><td width="240" class="left"><div class="lmdh">栏目导航</div><ul>{side_list()}</ul></td>
<td width="760"><div class="wzy_bt">湘源中院通报上半年审判执行工作情况</div>
<div class="wzy_xx">发布时间：2021-08-05 10:23 &nbsp; 来源：湘源市中级人民法院 &nbsp; 【字体：<a>大</a> <a>中</a> <a>小</a>】 &nbsp; 浏览次数：<span>328</span></div>
<div class="TRS_Editor"><style>.TRS_Editor P{{margin:0}}</style>{paragraphs(TEXT, '<p style="text-indent:2em">{}</p>')}</div>
<div class="wzy_dy"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
</td></tr></table></td></tr>
<tr><td class="bottom">主办：湘源市人民政府办公室 &nbsp; 湘ICP备05001234号 &nbsp; 网站标识码4301000001</td></tr></table>
</body></html>""",
        url="http://127.0.0.1/zwgk/202108/t20210805_1234567.html",
        title="湘源中院通报上半年审判执行工作情况",
        body=TEXT,
        published_at="2021-08-05T10:23:00+08:00",
        authors=[],
        source="湘源市中级人民法院",
    ),
    "court news page": Layout(
        html=f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>湘源中院通报上半年审判执行工作情况 - 中国法院网</title></head>
<body><div class="header"><ul class="nav">{side_list(6)}</ul></div>
<div class="container"><div class="detail"><div class="title">湘源中院通报上半年审判执行工作情况</div>
<div class="sth_a"><span>作者：李明华 王晓丽</span><span>发布时间：2021-08-05 10:23:11</span><span>来源：人民法院报</span></div>
<div class="txt_txt">{paragraphs(TEXT)}</div>
<div class="sth_b">责任编辑：赵丹</div></div>
<div class="sidebar"><h3>热门文章</h3><ul>{side_list()}</ul></div></div>
<div class="footer">Copyright © 2021 版权所有</div></body></html>""",
        url="http://127.0.0.1/article/detail/2021/08/id/6167012.shtml",
        title="湘源中院通报上半年审判执行工作情况",
        body=TEXT,
        published_at="2021-08-05T10:23:11+08:00",
        authors=["李明华", "王晓丽"],
        source="人民法院报",
        editor="赵丹",
    ),
    "portal page with a dateline and a closing editor": Layout(
        html=f"""<html><head><meta charset="utf-8"><title>湘源中院通报上半年审判执行工作情况--法治--人民网</title>
<meta name="publishdate" content="2021-08-05"><meta name="source" content="来源：人民网－人民日报"></head><body>
<div class="nav">{side_list(5)}</div><div class="layout rm_txt"><div class="col col-1 fl">
<h1>湘源中院通报上半年审判执行工作情况</h1><div class="col-1-1 fl">2021年08月05日08:30 | 来源：<a href="/">人民网－人民日报</a></div>
<div class="rm_txt_con cf">
<p>　　人民网长沙8月5日电 （记者欧阳明、郭芳）{TEXT[0]}</p>
{paragraphs(TEXT[1:], "<p>　　{}</p>")}
<p style="text-align:center">（责编：孙毅、刘洋）</p>
</div></div><div class="col col-2 fr"><h2>热点推荐</h2><ul>{side_list()}</ul></div></div></body></html>""",
        url="http://127.0.0.1/n1/2021/0805/c42510-32183456.html",
        title="湘源中院通报上半年审判执行工作情况",
        body=[f"人民网长沙8月5日电 （记者欧阳明、郭芳）{TEXT[0]}", *TEXT[1:]],
        published_at="2021-08-05T08:30:00+08:00",
        authors=["欧阳明", "郭芳"],
        source="人民网－人民日报",
        editor="孙毅、刘洋",
    ),
    "old table layout with br paragraphs": Layout(
        html=f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>湘源中院通报上半年审判执行工作情况</title></head>
<body><table width="778"><tr><td colspan="2"><a href="/">首页</a> | <a href="/fy">法院</a> | <a href="/jc">检察</a> | <a href="/ga">公安</a></td></tr>
<tr><td width="180" valign="top">{"<br>".join(f'<a href="/x{i}.htm">·普法宣传第{i}期</a>' for i in range(10))}</td>
<td valign="top"><font size="4"><b>湘源中院通报上半年审判执行工作情况</b></font><br>
<font color="#666666">2021-8-5　　作者：钱江波　　来源：湘源日报</font><br><br>
<font size="3">{"<br><br>".join("　　" + t for t in TEXT)}</font><br><br>
<div align="right">【<a href="javascript:print()">打印</a>】【<a href="javascript:close()">关闭</a>】</div></td></tr>
<tr><td colspan="2" align="center">版权所有：湘源日报社 未经许可不得转载</td></tr></table></body></html>""",
        url="http://127.0.0.1/news/2021/0805/1234.htm",
        title="湘源中院通报上半年审判执行工作情况",
        body=TEXT,
        published_at="2021-08-05T00:00:00+08:00",
        authors=["钱江波"],
        source="湘源日报",
    ),
    "mobile page with article and time elements": Layout(
        html=f"""<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta property="og:title" content="湘源中院通报上半年审判执行工作情况"><meta property="og:site_name" content="红网">
<title>湘源中院通报上半年审判执行工作情况_红网手机版</title></head><body>
<header><a href="/">红网</a><nav>{side_list(4)}</nav></header>
<article><h1 class="article-title">湘源中院通报上半年审判执行工作情况</h1>
<div class="meta"><time datetime="2021-08-05T09:15:00+08:00" pubdate>08-05 09:15</time> <span>红网时刻</span></div>
<section class="article-body"><p>红网时刻新闻8月5日讯（通讯员 刘小兵 记者 陈思远）{TEXT[0]}</p>{paragraphs(TEXT[1:])}</section></article>
<section class="recommend"><h2>推荐阅读</h2><ul>{side_list(5)}</ul></section>
<footer>红网版权所有</footer></body></html>""",
        url="http://127.0.0.1/content/2021/08/05/10123456.html",
        title="湘源中院通报上半年审判执行工作情况",
        body=[f"红网时刻新闻8月5日讯（通讯员 刘小兵 记者 陈思远）{TEXT[0]}", *TEXT[1:]],
        published_at="2021-08-05T09:15:00+08:00",
        authors=["陈思远"],
        source=None,
        correspondents=("刘小兵",),
    ),
    "article with an ad box and a pager inside the text": Layout(
        html=f"""<html><head><meta charset="utf-8"><title>湘源中院通报上半年审判执行工作情况_潇水法治网</title>
<script type="application/ld+json">{{"@context":"https://schema.org","@type":"NewsArticle","headline":"湘源中院通报上半年审判执行工作情况",
"datePublished":"2021-08-05T10:23:00+08:00","author":{{"@type":"Person","name":"孙立平"}}}}</script></head><body>
<div class="nav">{side_list(5)}</div><div class="article"><h1>湘源中院通报上半年审判执行工作情况</h1>
<div class="content"><p>{TEXT[0]}</p>
<div class="ad-box"><a href="/ad"><img src="/ad/1.jpg" width="600" height="90"></a><p>限时优惠，点击了解详情，报名立减五百元！</p></div>
<p>{TEXT[1]}</p><p>{TEXT[2]}</p>
<div class="page"><a href="?p=1">1</a> <a href="?p=2">2</a> <a href="?p=2">下一页</a></div></div>
<div class="share">分享到：<a>微信</a> <a>微博</a></div></div></body></html>""",
        url="http://127.0.0.1/a/2021/0805/99.html",
        title="湘源中院通报上半年审判执行工作情况",
        body=TEXT,
        published_at="2021-08-05T10:23:00+08:00",
        authors=["孙立平"],
        source=None,
    ),
    "Traditional page in Big5": Layout(
        html="""<html><head><meta charset="big5"><title>港法院審結一宗詐騙案 - 某某新聞網</title></head><body>
<div class="menu"><a href="/">首頁</a> <a href="/l">本地</a> <a href="/c">中國</a> <a href="/w">國際</a></div>
<h1>港法院審結一宗詐騙案</h1><div class="date">2021年8月5日 星期四 下午3:20</div>
<div class="article"><p>（本報記者 陳大文 報道）區域法院昨日審結一宗網上投資詐騙案，被告被判監禁四年。</p>
<p>案情指，被告於去年透過社交平台結識事主，並以高回報為餌，先後騙取事主二十餘萬元。</p>
<p>法官判刑時指出，此類罪行近年有上升趨勢，法庭有責任判處具阻嚇性的刑罰。</p></div>
<div class="foot">版權所有 不得轉載</div></body></html>""",
        url="http://127.0.0.1/news/20210805/00176_002.html",
        title="港法院審結一宗詐騙案",
        body=[
            "（本報記者 陳大文 報道）區域法院昨日審結一宗網上投資詐騙案，被告被判監禁四年。",
            "案情指，被告於去年透過社交平台結識事主，並以高回報為餌，先後騙取事主二十餘萬元。",
            "法官判刑時指出，此類罪行近年有上升趨勢，法庭有責任判處具阻嚇性的刑罰。",
        ],
        published_at="2021-08-05T15:20:00+08:00",
        authors=["陳大文"],
        source=None,
    ),
}


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_layout(name: str) -> None:
    layout = LAYOUTS[name]
    charset = "gbk" if "gb2312" in layout.html else "big5" if "big5" in layout.html else "utf-8"
    result = extract(layout.html.encode(charset), layout.url, fetched_at=FETCHED)
    assert result.article is not None, result.reason
    article = clean_article(result.article)
    assert article.title == layout.title
    assert article.body.split("\n") == layout.body
    assert article.published_at == layout.published_at
    assert article.authors == layout.authors
    assert article.source == layout.source
    assert article.editor == layout.editor
    assert tuple(article.correspondents) == layout.correspondents
