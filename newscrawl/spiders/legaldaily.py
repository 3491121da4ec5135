"""法治日报 (legaldaily.com.cn, 法制网 until 2020), the national legal daily of the 中央政法委.

Region CN. Entry pages: the home page and the 要闻 channel (/index_article/node_5955.htm). Channels:
/<section>/node_N.htm (or .html); articles: /<section>/content/YYYY-MM/DD/content_N.htm (or .html),
often with ?node=N, the channel the link came from — one article under several URLs, so the
parameter is dropped. Quirk: article pages come in several templates (per section and per year);
the body is #ShowContent in some and #CONTENT in others.
"""

from __future__ import annotations

from newscrawl.spiders.site import SiteSpider


class LegaldailySpider(SiteSpider):
    name = "legaldaily"
    outlet = "法治日报"
    region = "CN"
    allowed_domains = ["legaldaily.com.cn"]
    listing_urls = [
        "https://www.legaldaily.com.cn/",
        "https://www.legaldaily.com.cn/index_article/node_5955.htm",
    ]
    article_url_pattern = r"/content/\d{4}-\d{2}/\d{2}/content_\d+\.html?$"
    drop_query_params = ("node",)
    body_css = "#ShowContent, #CONTENT"
