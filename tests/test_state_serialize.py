"""How the frontier serializes a request: `RequestSerializer.to_dict` gives the dict Scrapy's
`Request.to_dict(spider=...)` gives — on the first request with a callback and on every one after,
when the name comes from its cache — fails as Scrapy fails, and reads back as the request it was.
"""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from scrapy import Request, Spider
from scrapy.http import FormRequest, JsonRequest
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.request import request_from_dict

from newscrawl.spiders.demo import DemoSpider
from newscrawl.spiders.news import GenericNewsSpider
from newscrawl.spiders.voc import VocSpider
from newscrawl.state.frontier import PICKLE_PROTOCOL, RequestSerializer

BASE = "http://127.0.0.1:8000"


class AliasSpider(Spider):
    """Two names for one function: Scrapy names it by the first member in sorted order."""

    name = "alias"

    def parse_b(self, response: object) -> None:
        pass

    parse_a = parse_b

    def on_error(self, failure: object) -> None:
        pass

    def other(self, response: object) -> None:
        pass


class Helper:
    def parse(self, response: object) -> None:
        pass


def requests_for(spider: Any) -> list[Request]:
    """Requests as spiders make them: bound callbacks and errbacks, none, other request classes."""
    url = f"{BASE}/court/202403/15/content_1.html"
    made = [
        Request(url),
        Request(url, callback=spider.parse_article, errback=spider.on_error, priority=3),
        Request(url, callback=spider.parse_listing, meta={"depth": 2, "newscrawl_kind": "listing"}),
        Request(url, errback=spider.on_error, headers={"If-None-Match": '"abc"'}, cookies={"a": "1"}),
        Request(url, callback=spider.parse_article, dont_filter=True, flags=["x"], cb_kwargs={"n": 1}),
        FormRequest(url, formdata={"q": "法治"}, callback=spider.parse_listing),
        JsonRequest(url, data={"page": 2}, callback=spider.parse_article, errback=spider.on_error),
    ]
    if hasattr(spider, "parse_sitemap"):
        made.append(Request(url, callback=spider.parse_sitemap, errback=spider.on_error))
    return made


def spiders() -> list[Spider]:
    return [DemoSpider(base_url=BASE), GenericNewsSpider(start_url=f"{BASE}/fzxw/"), VocSpider()]


@pytest.mark.parametrize("spider", spiders(), ids=lambda s: s.name)
def test_the_dict_is_scrapys_on_the_first_request_and_from_the_cache(spider: Spider) -> None:
    serializer = RequestSerializer(spider)
    for _ in range(3):  # first: learnt through Scrapy; then: from the cache
        for request in requests_for(spider):
            assert serializer.to_dict(request) == request.to_dict(spider=spider)


@pytest.mark.parametrize("spider", spiders(), ids=lambda s: s.name)
def test_the_request_reads_back_as_it_was(spider: Spider) -> None:
    serializer = RequestSerializer(spider)
    for request in requests_for(spider) * 2:
        blob = pickle.dumps(serializer.to_dict(request), protocol=PICKLE_PROTOCOL)
        loaded = request_from_dict(pickle.loads(blob), spider=spider)
        assert type(loaded) is type(request)
        assert loaded.callback == request.callback and loaded.errback == request.errback
        assert loaded.to_dict(spider=spider) == request.to_dict(spider=spider)
        assert loaded.body == request.body and loaded.meta == request.meta


def test_another_instance_of_the_spider_class_is_named_as_scrapy_names_it() -> None:
    spider, other = DemoSpider(base_url=BASE), DemoSpider(base_url=BASE)
    serializer = RequestSerializer(spider)
    request = Request(BASE, callback=other.parse_article, errback=other.on_error)
    for _ in range(2):
        assert serializer.to_dict(request) == request.to_dict(spider=spider)
        assert serializer.to_dict(request)["callback"] == "parse_article"


def test_an_alias_gets_scrapys_name() -> None:
    spider = AliasSpider()
    serializer = RequestSerializer(spider)
    for callback in (spider.parse_b, spider.parse_a, spider.parse_b):
        request = Request(BASE, callback=callback, errback=spider.on_error)
        assert serializer.to_dict(request) == request.to_dict(spider=spider)
        assert serializer.to_dict(request)["callback"] == "parse_a"


def scrapys_error(request: Request, spider: Spider) -> tuple[type[BaseException], str]:
    try:
        request.to_dict(spider=spider)
    except Exception as exc:
        return type(exc), str(exc)
    raise AssertionError("Scrapy serialized it")


@pytest.mark.parametrize(
    "callback",
    [
        pytest.param(lambda response: None, id="lambda"),
        pytest.param(Helper().parse, id="method-of-another-object"),
        pytest.param(NO_CALLBACK, id="NO_CALLBACK"),
    ],
)
def test_a_callback_that_is_not_a_spider_method_fails_as_in_scrapy(callback: Any) -> None:
    spider = AliasSpider()
    serializer = RequestSerializer(spider)
    for request in (Request(BASE, callback=callback), Request(BASE, errback=callback)):
        expected = scrapys_error(request, spider)
        for _ in range(2):
            with pytest.raises(expected[0]) as raised:
                serializer.to_dict(request)
            assert str(raised.value) == expected[1]


def test_a_rebound_attribute_is_not_answered_from_the_cache() -> None:
    spider = AliasSpider()
    serializer = RequestSerializer(spider)
    request = Request(BASE, callback=spider.other)
    assert serializer.to_dict(request)["callback"] == "other"
    # The spider replaces the attribute: Scrapy no longer finds the function, and neither may we.
    spider.other = spider.on_error  # type: ignore[method-assign]
    expected = scrapys_error(request, spider)
    with pytest.raises(expected[0]) as raised:
        serializer.to_dict(request)
    assert str(raised.value) == expected[1]
