"""新湖南 (hunantoday.cn), the news site and app of 湖南日报: Hunan news.

Region CN-HN. Entry page: the home page. Articles come in two shapes, both still linked:
/news/xhn/YYYYMM/<id>.html on the current site, and /article/YYYYMM/<YYYYMMDDHHMMSS + digits>.html
from the group's portal CMS (the 2018 site, and hnrb.hunantoday.cn, the 湖南日报 paper's pages);
channels of the 2018 site are /class/NNNN.html. Quirk: h5.hunantoday.cn holds campaign pages (H5),
not articles.
"""

from __future__ import annotations

from newscrawl.spiders.families import VOC_ARTICLE, VocCmsSpider


class HunantodaySpider(VocCmsSpider):
    name = "hunantoday"
    outlet = "新湖南"
    region = "CN-HN"
    allowed_domains = ["hunantoday.cn"]
    listing_urls = ["https://www.hunantoday.cn/"]
    article_url_pattern = (
        r"^https?://(?:www\.|hnrb\.)?hunantoday\.cn(?:/news/xhn/\d{6}/\d+\.html$|" + VOC_ARTICLE + ")"
    )
    title_suffixes = ("_新湖南", "-新湖南")
