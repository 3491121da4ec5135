"""Each site spider's listing logic on real pages: how many article links, and only article links.

The real pages are the home pages (~2018) in `../shared/corpus/lists/legal/` (skipped when the corpus
is absent), read at their original URLs. For each, the expected article links come from a second,
independent reading of the page: lxml over every `<a href>`, resolved against the page URL, filtered
by a description of the site's article URLs written with string operations here (not the spider's
regex). Their number was also counted by hand (grep over the raw page; the notes say where the two
differ and why), and the navigation links listed per site are real links of that page — menus, 更多,
channels, the site's own about pages — that must not pass for articles.

Sites with no page in the corpus are checked on listing pages written for the test in the real URL
shapes (tests/fixtures/sites/), with the expected links typed out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from lxml import html

from tests.sitekit import corpus_page, fixture_page, make_spider

# -- an independent description of each site's article URLs ------------------------------------------


def _path(url: str) -> list[str]:
    return urlsplit(url).path.split("/")[1:]


def _host(url: str) -> str:
    return urlsplit(url).hostname or ""


def _trs_leaf(segments: list[str], extensions: tuple[str, ...]) -> bool:
    """…/YYYYMM/tYYYYMMDD_<id>.<ext>, the date of the file name inside the month of the folder."""
    if len(segments) < 2:
        return False
    folder, leaf = segments[-2], segments[-1]
    stem, _, ext = leaf.partition(".")
    day, _, number = stem[1:].partition("_")
    return (
        ext in extensions
        and len(folder) == 6
        and folder.isdigit()
        and stem.startswith("t")
        and len(day) == 8
        and day.startswith(folder)
        and number.isdigit()
    )


def court_article(url: str) -> bool:
    name = "/".join(_path(url))
    for channel in ("zixun", "fabu", "shenpan"):
        head = f"{channel}-xiangqing-"
        if name.startswith(head) and name.endswith(".html") and name[len(head) : -5].isdigit():
            return _host(url) == "www.court.gov.cn"
    return False


def spp_article(url: str) -> bool:
    return _host(url) == "www.spp.gov.cn" and _trs_leaf(_path(url), ("shtml",))


def moj_article(url: str) -> bool:
    seg = _path(url)  # <section>/content/YYYY-MM/DD/<channel>_<id>.html
    if _host(url) != "www.moj.gov.cn" or len(seg) != 5 or seg[1] != "content" or not seg[4].endswith(".html"):
        return False
    channel, _, number = seg[4][:-5].rpartition("_")
    return number.isdigit() and len(seg[2]) == 7 and seg[3].isdigit() and not channel.startswith("lxfs")


def jcrb_article(url: str) -> bool:
    host, seg = _host(url), _path(url)
    if not host.endswith(".jcrb.com") or host == "jcy.jcrb.com":
        return False
    if host == "www.jcrb.com" and seg[0] in ("gg", "gg2015", "zywsy"):
        return False
    return _trs_leaf(seg, ("html", "shtml"))


def voc_article(url: str) -> bool:
    seg = _path(url)
    return (
        _host(url).endswith(".voc.com.cn")
        and len(seg) == 3
        and seg[0] == "article"
        and len(seg[1]) == 6
        and seg[1].isdigit()
        and seg[2].endswith(".html")
        and seg[2][:-5].isdigit()
        and len(seg[2]) - 5 >= 14
    )


def cpd_article(url: str) -> bool:
    seg = _path(url)
    return (
        _host(url).endswith(".cpd.com.cn")
        and len(seg) >= 3
        and seg[-1] == "content.html"
        and seg[-2].startswith("c")
        and seg[-2][1:].isdigit()
        and all(s.startswith("n") and s[1:].isdigit() for s in seg[:-2])
    )


@dataclass(frozen=True)
class CorpusCase:
    site: str
    file: str
    url: str
    """The page's original URL (corpus manifest)."""
    is_article: Callable[[str], bool]
    count: int
    """Article links on the page, counted by hand."""
    navigation: tuple[str, ...]
    """Links on the page (absolute) that are not articles."""


CORPUS_CASES = [
    # 80 distinct …-xiangqing- hrefs in the raw page, one of them only inside an HTML comment (先进典型).
    CorpusCase(
        "court",
        "court.gov.cn.html",
        "http://www.court.gov.cn/",
        court_article,
        79,
        (
            "http://www.court.gov.cn/index.html",
            "http://www.court.gov.cn/zixun.html",
            "http://www.court.gov.cn/fabu.html",
            "http://www.court.gov.cn/zixun-gengduo-23.html",
            "http://www.court.gov.cn/fabu-gengduo-14.html",
            "http://www.court.gov.cn/hudong-gengduo-36.html",
            "http://www.court.gov.cn/wenshu/xiangqing-11299.html",
            "http://tingshen.court.gov.cn/live/1049494",
        ),
    ),
    # Absolute and /spp/-relative links, some with a #2 fragment; older ones without the /spp prefix.
    CorpusCase(
        "spp",
        "spp.gov.cn.html",
        "http://www.spp.gov.cn/",
        spp_article,
        75,
        (
            "http://www.spp.gov.cn/spp/index.shtml",
            "http://www.spp.gov.cn/spp/tt/index.shtml",
            "http://www.spp.gov.cn/spp/qwfb/index.shtml",
            "http://www.spp.gov.cn/spp/zhuanlan/jcxl/index.shtml",
            "http://www.spp.gov.cn/spp/wzjs/wzjs.shtml",
            "http://www.spp.gov.cn/ztk/2016/zjyxjcg/index.shtml",
        ),
    ),
    # Half the links are single-quoted; 关于我们 / 法律声明 / 联系我们 are lxfs1_ "articles".
    CorpusCase(
        "moj",
        "moj.gov.cn.html",
        "http://www.moj.gov.cn/",
        moj_article,
        71,
        (
            "http://www.moj.gov.cn/index.html",
            "http://www.moj.gov.cn/news/node_bnyw.html",
            "http://www.moj.gov.cn/government_public/node_tzwj.html",
            "http://www.moj.gov.cn/interaction/node_zxly.html",
            "http://www.moj.gov.cn/subject/node_ztzl.html",
            "http://www.moj.gov.cn/news/content/2017-04/27/lxfs1_3808.html",
            "http://www.moj.gov.cn/news/content/2017-08/30/lxfs1_3807.html",
        ),
    ),
    # Relative ./channel/ links; the site's own pages under /gg/, /gg2015/, /zywsy/ and jcy. are not news.
    CorpusCase(
        "jcrb",
        "jcrb.com.html",
        "http://www.jcrb.com/",
        jcrb_article,
        113,
        (
            "http://www.jcrb.com/procuratorate/",
            "http://news.jcrb.com/chart/index.html",
            "http://www.jcrb.com/gg/200808/t20080814_62718.html",
            "http://www.jcrb.com/gg2015/201803/t20180314_1849989.html",
            "http://www.jcrb.com/zywsy/fwcp/201205/t20120502_853176.html",
            "http://jcy.jcrb.com/fwjs/201611/t20161128_1903230.shtml",
            "http://live.jcrb.com/2018nian/dgjklkljiokn/zfghjk/",
        ),
    ),
    # Articles on a dozen sub-sites; the mobile copy, the forum, the e-papers and hunantoday are not voc's.
    CorpusCase(
        "voc",
        "voc.com.cn.html",
        "http://www.voc.com.cn/",
        voc_article,
        125,
        (
            "http://hunan.voc.com.cn/class/2842.html",
            "http://news.voc.com.cn/class/1922.html",
            "http://m.voc.com.cn/wxhn/article/201803/201803111654148415.html",
            "http://bbs.voc.com.cn/topic-8255555-1-1.html",
            "http://pic.voc.com.cn/pics-71-15967.html",
            "http://epaper.voc.com.cn/sxdsb/",
            "http://www.hunantoday.cn/article/201803/201803180147061790.html",
        ),
    ),
    # Unquoted hrefs, relative n…/c…/content.html links; a regex over the raw text finds 191 because
    # two more sit in a JavaScript string (a floating ad), which is not a link.
    CorpusCase(
        "cpd",
        "cpd.com.cn.html",
        "http://www.cpd.com.cn/",
        cpd_article,
        189,
        (
            "http://news.cpd.com.cn/n3573/index.html",
            "http://www.cpd.com.cn/n10216060/n10216144/index.html",
            "http://www.cpd.com.cn/n15737398/index.html",
            "http://special.cpd.com.cn/n39550231/n39550387/index.html",
            "http://news.cpd.com.cn/n12021581/n12021599",
            "http://sydj.cpd.com.cn",
        ),
    ),
]


def page_links(page: bytes, base: str) -> list[str]:
    """Every <a href> of a page, absolute, without fragment, each once, in page order."""
    root = html.fromstring(page.decode("utf-8"))
    found: list[str] = []
    for href in root.xpath("//a/@href"):
        url = urldefrag(urljoin(base, href.strip()))[0]
        if url not in found:
            found.append(url)
    return found


@pytest.mark.corpus
@pytest.mark.parametrize("case", CORPUS_CASES, ids=lambda c: c.site)
def test_article_links_on_the_real_home_page(corpus: Path, case: CorpusCase) -> None:
    spider = make_spider(case.site)
    response = corpus_page(corpus, case.file, case.url)
    found = spider.article_links(response)
    links = page_links(response.body, case.url)
    expected = [url for url in links if case.is_article(url)]

    assert len(expected) == case.count, "the independent reading disagrees with the hand count"
    assert len(found) == case.count
    assert found == expected
    pattern = re.compile(type(spider).article_url_pattern)
    assert all(pattern.search(url) for url in found)
    for url in case.navigation:
        assert url in links, f"{url} is not on the page; the case is stale"
        assert url not in found
        assert not spider.is_article_url(url), f"{url} passes for an article"


# -- sites with no page in the corpus: listing pages written for the test ---------------------------


@dataclass(frozen=True)
class FixtureCase:
    site: str
    fixture: str
    articles: tuple[str, ...]
    """Article links of the page, in page order, as the spider should fetch them."""
    navigation: tuple[str, ...]
    next_pages: tuple[str, ...] = ()
    """Further listing pages the spider should follow from it."""


FIXTURE_CASES = [
    FixtureCase(
        "fzzb",
        "fzzb_node_1",
        (
            "https://epaper.voc.com.cn/fzzb/html/2024-06/18/content_3101001.htm",
            "https://epaper.voc.com.cn/fzzb/html/2024-06/18/content_3101002.htm",
            "https://epaper.voc.com.cn/fzzb/html/2024-06/18/content_3101003.htm",
        ),
        (
            "https://epaper.voc.com.cn/hnrb/html/2024-06/18/content_2202001.htm?div=-1",
            "https://epaper.voc.com.cn/hnrb/html/2024-06/18/node_1.htm",
            "https://epaper.voc.com.cn/fzzb/images/2024-06/18/01/20240618_01.pdf",
            "https://epaper.voc.com.cn/index.htm",
        ),
        (
            "https://epaper.voc.com.cn/fzzb/html/2024-06/18/node_2.htm",
            "https://epaper.voc.com.cn/fzzb/html/2024-06/18/node_3.htm",
            "https://epaper.voc.com.cn/fzzb/html/2024-06/11/node_1.htm",
        ),
    ),
    FixtureCase(
        "hunantoday",
        "hunantoday_home",
        (
            "https://www.hunantoday.cn/news/xhn/202406/20512345.html",
            "https://www.hunantoday.cn/news/xhn/202406/20512346.html",
            "https://www.hunantoday.cn/article/201803/201803180147061790.html",
            "https://hnrb.hunantoday.cn/article/202406/202406180830123456789.html",
        ),
        (
            "https://www.hunantoday.cn/news/xhn/",
            "https://www.hunantoday.cn/class/2388.html",
            "https://h5.hunantoday.cn/campaigns/66a1b2c3/20240618/index.html",
            "https://www.voc.com.cn/article/202406/202406181010101234.html",
        ),
    ),
    FixtureCase(
        "rednet",
        "rednet_channel",
        (
            "https://hn.rednet.cn/content/2024/06/18/13912345.html",
            "https://hn.rednet.cn/content/2024/06/18/13912346.html",
            "https://moment.rednet.cn/content/2024/06/17/13900001.html",
            "https://xx.rednet.cn/content/2024/06/17/13900002.html",
            "http://hn.rednet.cn/c/2017/05/03/4293124.htm",
        ),
        (
            "https://hn.rednet.cn/channel/7398.html",
            "https://img.rednet.cn/2024/06-18/a1b2c3.jpg",
            "https://hn.rednet.cn/special/2024/fzhn/index.html",
            "https://www.rednet.cn/",
        ),
        ("https://hn.rednet.cn/channel/7397_2.html",),
    ),
    FixtureCase(
        "legaldaily",
        "legaldaily_node_5955",
        (
            "https://www.legaldaily.com.cn/index_article/content/2024-06/18/content_9012345.htm",
            "https://www.legaldaily.com.cn/judicial/content/2024-06/17/content_9012001.html",
            "https://www.legaldaily.com.cn/Court/content/2024-06/17/content_9012002.htm",
        ),
        (
            "https://www.legaldaily.com.cn/judicial/node_80533.html",
            "http://epaper.legaldaily.com.cn/fzrb/content/20240618/Page01TB.htm",
            "https://www.legaldaily.com.cn/",
        ),
        ("https://www.legaldaily.com.cn/index_article/node_5955_2.htm",),
    ),
    FixtureCase(
        "chinacourt",
        "chinacourt_channel",
        (
            "https://www.chinacourt.org/article/detail/2024/06/id/7981234.shtml",
            "https://www.chinacourt.org/article/detail/2024/06/id/7981235.shtml",
            "https://chinacourt.org/article/detail/2024/06/id/7981236.shtml",
        ),
        (
            "http://hunanfy.chinacourt.org/article/detail/2024/06/id/1234567.shtml",
            "https://www.chinacourt.org/article/subjectdetail/id/MzAwNEjPNYABAA%3D%3D.shtml",
            "https://www.chinacourt.org/index.shtml",
        ),
        ("https://www.chinacourt.org/article/index/id/MzAwNDAwMgCRhAEA/page/2.shtml",),
    ),
    FixtureCase(
        "hunanfy",
        "hunanfy_home",
        (
            "http://hunanfy.chinacourt.org/article/detail/2024/06/id/1234567.shtml",
            "http://hunanfy.chinacourt.org/article/detail/2024/06/id/1234568.shtml",
        ),
        (
            "http://cszy.chinacourt.org/article/detail/2024/06/id/55555.shtml",
            "https://www.chinacourt.org/article/detail/2024/06/id/7981234.shtml",
            "http://hunanfy.chinacourt.org/article/index/id/M0g3MzAwNTAwNCACAAA%3D.shtml",
        ),
    ),
    FixtureCase(
        "chinapeace",
        "chinapeace_list",
        (
            "https://www.chinapeace.gov.cn/chinapeace/c100007/2024-06/18/content_12760001.shtml",
            "https://www.chinapeace.gov.cn/chinapeace/c100007/2024-06/17/content_12759999.shtml",
            "https://www.chinapeace.gov.cn/chinapeace/c100045/2024-06/17/content_12759900.shtml",
        ),
        (
            "https://www.chinapeace.gov.cn/chinapeace/c100008/list2020.shtml",
            "https://www.chinapeace.gov.cn/chinapeace/index.shtml",
        ),
        ("https://www.chinapeace.gov.cn/chinapeace/c100007/list2020_2.shtml",),
    ),
    FixtureCase(
        "spp",
        "spp_qwfb",
        (
            "https://www.spp.gov.cn/spp/qwfb/202406/t20240618_659001.shtml",
            "https://www.spp.gov.cn/spp/qwfb/202406/t20240617_658950.shtml",
            "https://www.spp.gov.cn/spp/xwfbh/wsfbt/202406/t20240616_658900.shtml",
        ),
        ("https://www.spp.gov.cn/spp/tt/index.shtml", "https://www.spp.gov.cn/spp/index.shtml"),
        # No pager link on the page: TRS writes it with createPageHTML(8, 0, "index", "shtml").
        ("https://www.spp.gov.cn/spp/qwfb/index_1.shtml",),
    ),
]


@pytest.mark.parametrize("case", FIXTURE_CASES, ids=lambda c: c.site)
def test_article_links_on_a_listing_page_in_the_site_shapes(case: FixtureCase) -> None:
    spider = make_spider(case.site)
    response = fixture_page(case.fixture)
    found = spider.article_links(response)
    assert found == list(case.articles)
    links = page_links(response.body, response.url)
    for url in case.navigation:
        assert url in links, f"{url} is not on the page; the case is stale"
        assert not spider.is_article_url(url) or not spider.is_allowed(url), f"{url} passes for an article"
        assert url not in found
    assert sorted(spider.pagination_links(response)) == sorted(case.next_pages)


def test_trs_pagination_counts_on_from_the_current_page() -> None:
    spider = make_spider("jcrb")
    page = fixture_page("spp_qwfb")
    middle = page.replace(
        url="http://news.jcrb.com/jxsw/index_3.html",
        body=page.body.replace(
            b'createPageHTML(8, 0, "index", "shtml")', b"createPageHTML('page', 8, 3, 'index', 'html')"
        ),
    )
    assert spider.pagination_links(middle) == ["http://news.jcrb.com/jxsw/index_4.html"]
    last = page.replace(
        url="http://news.jcrb.com/jxsw/index_7.html",
        body=page.body.replace(
            b'createPageHTML(8, 0, "index", "shtml")', b'createPageHTML(8, 7, "index", "html")'
        ),
    )
    assert spider.pagination_links(last) == []


def test_court_channel_pages_follow_the_page_parameter() -> None:
    spider = make_spider("court")
    page = fixture_page("spp_qwfb").replace(
        url="https://www.court.gov.cn/zixun-gengduo-23.html",
        body=(
            '<html><body><a href="/zixun-xiangqing-465361.html">一条资讯</a>'
            '<div class="page"><a href="/zixun-gengduo-23.html?page=1">1</a>'
            '<a href="/zixun-gengduo-23.html?page=2">2</a>'
            '<a href="/zixun-gengduo-23.html?page=2">下一页</a></div></body></html>'
        ).encode(),
    )
    assert spider.article_links(page) == ["https://www.court.gov.cn/zixun-xiangqing-465361.html"]
    assert spider.pagination_links(page) == [
        "https://www.court.gov.cn/zixun-gengduo-23.html?page=1",
        "https://www.court.gov.cn/zixun-gengduo-23.html?page=2",
    ]
