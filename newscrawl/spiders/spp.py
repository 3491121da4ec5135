"""最高人民检察院 (spp.gov.cn), the Supreme People's Procuratorate: its news, releases and cases.

Region CN. Entry pages: the home page and the 权威发布 channel. TRS WCM: articles
/spp/<channel path>/YYYYMM/tYYYYMMDD_<id>.shtml, and (older, still linked) the same without the /spp
prefix; channels /spp/<channel>/index.shtml, paged by createPageHTML. Quirk: links to one part of a
press-release page end in #2; the fragment is dropped.
"""

from __future__ import annotations

from newscrawl.spiders.families import TrsSpider


class SppSpider(TrsSpider):
    name = "spp"
    outlet = "最高人民检察院"
    region = "CN"
    allowed_domains = ["www.spp.gov.cn"]
    listing_urls = ["https://www.spp.gov.cn/", "https://www.spp.gov.cn/spp/qwfb/index.shtml"]
