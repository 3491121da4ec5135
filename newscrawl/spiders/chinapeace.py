"""中国长安网 (chinapeace.gov.cn), the site of the 中央政法委员会: national 政法 news.

Region CN. Entry pages: the home page and the list of channel c100007. Articles:
/chinapeace/c<channel>/YYYY-MM/DD/content_<id>.shtml; channel lists /chinapeace/c<channel>/list2020.shtml
(the year names the list template, not the date), further pages list2020_N.shtml.
"""

from __future__ import annotations

from newscrawl.spiders.site import SiteSpider


class ChinapeaceSpider(SiteSpider):
    name = "chinapeace"
    outlet = "中国长安网"
    region = "CN"
    allowed_domains = ["chinapeace.gov.cn"]
    listing_urls = [
        "https://www.chinapeace.gov.cn/",
        "https://www.chinapeace.gov.cn/chinapeace/c100007/list2020.shtml",
    ]
    article_url_pattern = r"/chinapeace/c\d+/\d{4}-\d{2}/\d{2}/content_\d+\.shtml$"
    pagination_url_pattern = r"/chinapeace/c\d+/list\w*_\d+\.shtml$"
