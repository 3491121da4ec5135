"""湖南法院网 (hunanfy.chinacourt.org), the site of the 湖南省高级人民法院, on 中国法院网's CMS.

Region CN-HN. Entry page: the home page. Articles /article/detail/YYYY/MM/id/<id>.shtml, channels
/article/index/id/<channel id>.shtml with …/page/N.shtml pages: the chinacourt.org family. Other
courts' chinacourt.org sites linked from it are outside this spider's domain.
"""

from __future__ import annotations

from newscrawl.spiders.families import ChinacourtSpider


class HunanfySpider(ChinacourtSpider):
    name = "hunanfy"
    outlet = "湖南法院网"
    region = "CN-HN"
    allowed_domains = ["hunanfy.chinacourt.org"]
    listing_urls = ["http://hunanfy.chinacourt.org/index.shtml"]
