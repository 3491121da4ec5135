"""法制周报 (epaper.voc.com.cn/fzzb), the e-paper of the legal weekly of 湖南日报报业集团.

Region CN-HN. Entry: https://epaper.voc.com.cn/fzzb/, which redirects to the current issue. A Founder
e-paper: pages (版面) /fzzb/html/YYYY-MM/DD/node_N.htm link the articles
/fzzb/html/YYYY-MM/DD/content_N.htm?div=-1 (newer layout: /fzzb/pc/layout/… and /fzzb/pc/content/…).
Quirk: epaper.voc.com.cn serves the group's other papers (湖南日报 /hnrb, 三湘都市报 /sxdsb, …) in the
same shapes, so every pattern is anchored under /fzzb. Until about 2019 the weekly's site was efaw.cn.
"""

from __future__ import annotations

from newscrawl.spiders.families import FOUNDER_ARTICLE, FOUNDER_PAGE, FounderEpaperSpider


class FzzbSpider(FounderEpaperSpider):
    name = "fzzb"
    outlet = "法制周报"
    region = "CN-HN"
    allowed_domains = ["epaper.voc.com.cn"]
    listing_urls = ["https://epaper.voc.com.cn/fzzb/"]
    article_url_pattern = "/fzzb" + FOUNDER_ARTICLE
    pagination_url_pattern = "/fzzb" + FOUNDER_PAGE
