"""红网 (rednet.cn), the Hunan provincial news portal: 湖南 news, its 法治 channel and the city sub-sites.

Region CN-HN. Entry pages: the 湖南 sub-site home (hn.rednet.cn) and news.rednet.cn. Articles:
https://<sub-site>.rednet.cn/content/YYYY/MM/DD/<id>.html on every sub-site (hn., news., the city
sites xx., yz., jishou., …, moment. for 时刻 short news); before 2018 /c/YYYY/MM/DD/<id>.htm.
Channels: /channel/NNNN.html, further pages /channel/NNNN_N.html. Titles end in `_红网`. The 法治
channel's number could not be confirmed offline: crawl it with
`newscrawl crawl rednet -a listing_url=https://hn.rednet.cn/channel/NNNN.html`.
"""

from __future__ import annotations

from newscrawl.spiders.site import SiteSpider


class RednetSpider(SiteSpider):
    name = "rednet"
    outlet = "红网"
    region = "CN-HN"
    allowed_domains = ["rednet.cn"]
    listing_urls = ["https://hn.rednet.cn/", "https://news.rednet.cn/"]
    article_url_pattern = (
        r"^https?://[a-z0-9-]+\.rednet\.cn/"
        r"(?:content/\d{4}/\d{2}/\d{2}/\d+\.html|c/\d{4}/\d{2}/\d{2}/\d+\.htm)$"
    )
    pagination_url_pattern = r"/channel/\d+_\d+\.html$"
    title_suffixes = ("_红网",)
