"""华声在线 (voc.com.cn), the news portal of 湖南日报报业集团: Hunan news, 社会 and 法治 reports.

Region CN-HN. Entry pages: the portal home and the 湖南 sub-site home. Articles live on every
sub-site under one shape, http(s)://<sub-site>.voc.com.cn/article/YYYYMM/<YYYYMMDDHHMMSS + digits>.html
(hunan., news., opinion., society., travel., …); channels are /class/NNNN.html. Quirks: the home
page also links the mobile copy of articles (m.voc.com.cn/wxhn/article/…), the forum (bbs.) and the
group's e-papers (epaper.), none of them article pages here; 法制周报's e-paper is the `fzzb` spider.
"""

from __future__ import annotations

from newscrawl.spiders.families import VOC_ARTICLE, VocCmsSpider


class VocSpider(VocCmsSpider):
    name = "voc"
    outlet = "华声在线"
    region = "CN-HN"
    allowed_domains = ["voc.com.cn"]
    listing_urls = ["https://www.voc.com.cn/", "https://hunan.voc.com.cn/"]
    # The host is part of the shape: the path must start with /article/ right after it.
    article_url_pattern = r"^https?://[a-z0-9-]+\.voc\.com\.cn" + VOC_ARTICLE
