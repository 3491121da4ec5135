"""司法部 (moj.gov.cn), the Ministry of Justice: its news, policy explanations and notices.

Region CN. Entry page: the home page. The current site is TRS WCM: articles
/pub/sfbgw/<channel path>/YYYYMM/tYYYYMMDD_<id>.html, channels …/index.html. The 2018 site, still
linked from older pages: articles /<section>/content/YYYY-MM/DD/<channel>_<id>.html, channels
/<section>/node_<channel>.html. Quirk: there 关于我们 / 法律声明 / 联系我们 are articles of the lxfs
channel (/news/content/…/lxfsN_<id>.html); denied.
"""

from __future__ import annotations

from newscrawl.spiders.families import TRS_ARTICLE, TrsSpider


class MojSpider(TrsSpider):
    name = "moj"
    outlet = "司法部"
    region = "CN"
    allowed_domains = ["moj.gov.cn"]
    listing_urls = ["https://www.moj.gov.cn/"]
    article_url_pattern = r"(?:" + TRS_ARTICLE + r"|/content/\d{4}-\d{2}/\d{2}/[a-z0-9]+_\d+\.html$)"
    article_url_deny = r"/content/\d{4}-\d{2}/\d{2}/lxfs\d*_"
