"""最高人民法院 (court.gov.cn), the Supreme People's Court: its news (法院资讯) and releases (权威发布).

Region CN. Entry page: the home page. Articles: /zixun-xiangqing-<id>.html (news),
/fabu-xiangqing-<id>.html (releases: judicial interpretations, guiding cases, hearing notices) and
/shenpan-xiangqing-<id>.html (审判业务); the current site writes the same with slashes
(/zixun/xiangqing/<id>.html). Channels: /zixun-gengduo-<n>.html, further pages ?page=N. Quirks:
/wenshu/xiangqing-<id>.html are judgments (裁判文书), documents rather than news, left out; the
sub-sites (tingshen., wenshu., shixin., …) are services, not crawled.
"""

from __future__ import annotations

from newscrawl.spiders.site import SiteSpider


class CourtSpider(SiteSpider):
    name = "court"
    outlet = "最高人民法院"
    region = "CN"
    allowed_domains = ["www.court.gov.cn"]
    listing_urls = ["https://www.court.gov.cn/"]
    article_url_pattern = r"/(?:zixun|fabu|shenpan)[-/]xiangqing[-/]\d+\.html$"
    pagination_url_pattern = r"/(?:zixun|fabu|shenpan)[-/]gengduo[-/]\d+(?:\.html)?\?page=\d+$"
