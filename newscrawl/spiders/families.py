"""Base classes for families of sites that run on the same CMS.

A site file subclasses one of these and adds its name, outlet, region, domains, entry pages and
quirks. Only behaviour a whole family shares lives here; the URL-shape fragments are module constants
so a site can anchor them under its own path (`/fzzb` + `FOUNDER_ARTICLE`).
"""

from __future__ import annotations

import re
from typing import ClassVar

from scrapy.http import TextResponse

from newscrawl.spiders.site import SiteSpider

# -- 湖南日报报业集团 portal CMS --------------------------------------------------------------------

VOC_ARTICLE = r"/article/\d{6}/\d{14,}\.html$"
"""/article/YYYYMM/<YYYYMMDDHHMMSS + 3 to 7 digits>.html (17 to 21 digits in practice)."""


class VocCmsSpider(SiteSpider):
    """The portal CMS of 湖南日报报业集团 (华声在线 voc.com.cn; 新湖南 hunantoday.cn until its 2019 redesign).

    Channel pages: /class/NNNN.html on each sub-site (hunan., news., opinion., society., …);
    articles: /article/YYYYMM/<timestamp id>.html. Article pages keep the body in div#content and
    carry <meta name="publishdate"> and <meta name="source">; titles end in `-华声在线`.
    """

    article_url_pattern = VOC_ARTICLE
    body_css = "div#content"
    title_suffixes: ClassVar[tuple[str, ...]] = ("-华声在线",)


# -- TRS WCM ---------------------------------------------------------------------------------------

TRS_ARTICLE = r"/\d{6}/t\d{8}_\d+\.s?html?$"
"""/<channel path>/YYYYMM/tYYYYMMDD_<id>.html (or .shtml, .htm)."""
TRS_PAGE = r"/index_\d+\.s?html?$"
"""Further pages of a channel: index_1.shtml, index_2.shtml, … (index.shtml is the first)."""

_CREATE_PAGE_HTML = re.compile(
    # createPageHTML(10, 0, "index", "shtml") — some templates pass a container id first.
    r"createPageHTML\(\s*(?:['\"][\w-]*['\"]\s*,\s*)?(\d+)\s*,\s*(\d+)\s*,\s*['\"]([\w-]+)['\"]\s*,\s*['\"](\w+)['\"]"
)


class TrsSpider(SiteSpider):
    """TRS WCM, the CMS of many government and newspaper sites (最高检, 正义网, 司法部, 中国警察网).

    Articles: /<channel path>/YYYYMM/tYYYYMMDD_<id>.s?html; channels: <channel>/index.s?html, then
    index_1, index_2, … Quirk: the pager is written at view time by the page's own script,
    `createPageHTML(pages, current, "index", "shtml")`, so there is no 下一页 link to follow;
    `pagination_links` reads the call instead (current is 0-based: page 0 is index.shtml).
    """

    article_url_pattern = TRS_ARTICLE
    pagination_url_pattern = TRS_PAGE

    def pagination_links(self, response: TextResponse) -> list[str]:
        found = super().pagination_links(response)
        scripted = self._scripted_next_page(response)
        if scripted is not None and scripted not in found:
            found.append(scripted)
        return found

    def next_listing_pages(self, response: TextResponse) -> list[str]:
        # The script's page is the next one: the pager it writes has no 下一页 link in the HTML.
        scripted = self._scripted_next_page(response)
        return [scripted] if scripted is not None else super().next_listing_pages(response)

    def _scripted_next_page(self, response: TextResponse) -> str | None:
        """The page after this one, as the page's `createPageHTML` call says (None on the last)."""
        for script in response.xpath("//script/text()").getall():
            match = _CREATE_PAGE_HTML.search(script)
            if not match:
                continue
            pages, current, name, ext = int(match[1]), int(match[2]), match[3], match[4]
            if current + 1 < pages:
                url = response.urljoin(f"{name}_{current + 1}.{ext}")
                if self.is_allowed(url):
                    return url
        return None


# -- 方正 (Founder) digital newspaper ----------------------------------------------------------------

FOUNDER_ARTICLE = r"(?:/html/\d{4}-\d{2}/\d{2}/content_\d+\.htm|/pc/content/\d{6}/\d{2}/content_\d+\.html)$"
"""An article of an issue: html/YYYY-MM/DD/content_N.htm, or pc/content/YYYYMM/DD/content_N.html."""
FOUNDER_PAGE = r"(?:/html/\d{4}-\d{2}/\d{2}/node_\d+\.htm|/pc/layout/\d{6}/\d{2}/node_\d+\.html)$"
"""A page (版面) of an issue: html/YYYY-MM/DD/node_N.htm, or pc/layout/YYYYMM/DD/node_NN.html."""


class FounderEpaperSpider(SiteSpider):
    """方正 (Founder) digital-newspaper system, behind most Chinese papers' e-paper editions.

    Two generations of URLs: html/YYYY-MM/DD/node_N.htm (a page, 版面) linking content_N.htm
    (articles), and the newer pc/layout/YYYYMM/DD/node_NN.html + pc/content/YYYYMM/DD/content_N.html.
    The paper's home redirects (meta refresh) to the current issue's first page; the issue's other
    pages are its pagination. Article links often carry `?div=-1` (which block of the page image to
    highlight), dropped. The article text sits in div#ozoom.
    """

    article_url_pattern = FOUNDER_ARTICLE
    pagination_url_pattern = FOUNDER_PAGE
    drop_query_params = ("div",)
    body_css = "#ozoom"


# -- 中国法院网 CMS -----------------------------------------------------------------------------------

CHINACOURT_ARTICLE = r"/article/detail/\d{4}/\d{2}/id/\d+\.shtml$"
CHINACOURT_PAGE = r"/article/index/id/[^/]+/page/\d+\.shtml$"


class ChinacourtSpider(SiteSpider):
    """The CMS of 中国法院网, which also hosts provincial court sites (hunanfy.chinacourt.org, …).

    Channels: /article/index/id/<channel id>.shtml (ids are base64-like: MzAwNDAwMgCRhAEA), further
    pages /article/index/id/<channel id>/page/N.shtml; articles /article/detail/YYYY/MM/id/<id>.shtml.
    Article pages: title div.detail_bigtitle; info bar div.detail_thr with span.time, span.source and
    span.writer; body div.detail_txt.
    """

    article_url_pattern = CHINACOURT_ARTICLE
    pagination_url_pattern = CHINACOURT_PAGE
    title_css = "div.detail_bigtitle"
    date_css = "div.detail_thr span.time"
    source_css = "div.detail_thr span.source"
    byline_css = "div.detail_thr span.writer"
    body_css = "div.detail_txt"
