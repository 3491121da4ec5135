"""中国警察网 (cpd.com.cn), the site of 人民公安报 (公安部): police news from every province.

Region CN. Entry pages: the home page and news.cpd.com.cn. Three generations of article URLs, all
still linked: /n<channel>/…/c<id>/content.html (the CMS of 2018, linked relatively from the home
page), TRS /n<channel>/YYYYMM/tYYYYMMDD_<id>.html (from 2019), and /n<channel>/<n>/t_<id>.html
(recent). Channels: /n<channel>/…/index.html. Quirk: under the 2018 CMS the 微警务 account cards
(`+ 加关注`) and expert profiles are content pages too; they match and are later dropped for lack of
body text.
"""

from __future__ import annotations

from newscrawl.spiders.families import TrsSpider


class CpdSpider(TrsSpider):
    name = "cpd"
    outlet = "中国警察网"
    region = "CN"
    allowed_domains = ["cpd.com.cn"]
    listing_urls = ["http://www.cpd.com.cn/", "http://news.cpd.com.cn/"]
    article_url_pattern = (
        r"^https?://[a-z0-9-]+\.cpd\.com\.cn/(?:n\d+/)+"
        r"(?:c\d+/content\.html|\d{6}/t\d{8}_\d+\.html|\d+/t_\d+\.html)$"
    )
