"""正义网 (jcrb.com), the site of 检察日报: procuratorate news, cases, anti-corruption and commentary.

Region CN. Entry pages: the home page and news.jcrb.com. TRS WCM: articles
/<channel path>/YYYYMM/tYYYYMMDD_<id>.html on www., news., yq., tech. (tv. uses .shtml); the home
page links many of them relatively (./procuratorate/…). Quirk: the site's own pages share the article
shape — about, licences and contact (/gg/…), procurement notices (/gg2015/…), product pages
(/zywsy/…) and the website-building service (jcy.jcrb.com) — and are denied.
"""

from __future__ import annotations

from newscrawl.spiders.families import TrsSpider


class JcrbSpider(TrsSpider):
    name = "jcrb"
    outlet = "正义网"
    region = "CN"
    allowed_domains = ["jcrb.com"]
    listing_urls = ["http://www.jcrb.com/", "http://news.jcrb.com/"]
    article_url_deny = r"^https?://(?:jcy\.jcrb\.com/|www\.jcrb\.com/(?:gg\d*|zywsy)/)"
