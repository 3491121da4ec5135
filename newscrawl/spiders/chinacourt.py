"""中国法院网 (chinacourt.org), the national court news site of 人民法院报 and the 最高人民法院.

Region CN. Entry pages: the home page and the 审判 channel. Articles:
/article/detail/YYYY/MM/id/<id>.shtml on www.chinacourt.org (also linked without www.); channels
/article/index/id/<channel id>.shtml, further pages …/page/N.shtml. Quirk: the same CMS hosts the
provincial court sites (hunanfy.chinacourt.org, …) under the same shapes; their articles belong to
their own spiders (`hunanfy`), so the host is part of the pattern.
"""

from __future__ import annotations

from newscrawl.spiders.families import CHINACOURT_ARTICLE, ChinacourtSpider


class ChinacourtOrgSpider(ChinacourtSpider):
    name = "chinacourt"
    outlet = "中国法院网"
    region = "CN"
    allowed_domains = ["chinacourt.org"]
    listing_urls = [
        "https://www.chinacourt.org/index.shtml",
        "https://www.chinacourt.org/article/index/id/MzAwNDAwMgCRhAEA.shtml",
    ]
    article_url_pattern = r"^https?://(?:www\.)?chinacourt\.org" + CHINACOURT_ARTICLE
