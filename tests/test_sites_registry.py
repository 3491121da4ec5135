"""Point 2 of issue 9: every spider imports, its file name is its name, it has tests; `newscrawl sites`."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import re
from pathlib import Path

import pytest
import scrapy

import newscrawl.spiders
from newscrawl.spiders.site import SiteSpider
from tests.conftest import run_newscrawl
from tests.test_sites_listings import CORPUS_CASES, FIXTURE_CASES

SUPPORT_MODULES = {"base", "site", "families"}
"""Modules of newscrawl/spiders that hold base classes, not spiders."""
REQUIRED_SITES = {
    # The sites issue 9 names, plus 湖南法院网 (the second member of the chinacourt.org family).
    "voc": ("华声在线", "CN-HN"),
    "fzzb": ("法制周报", "CN-HN"),
    "hunantoday": ("新湖南", "CN-HN"),
    "rednet": ("红网", "CN-HN"),
    "legaldaily": ("法治日报", "CN"),
    "chinacourt": ("中国法院网", "CN"),
    "hunanfy": ("湖南法院网", "CN-HN"),
    "chinapeace": ("中国长安网", "CN"),
    "jcrb": ("正义网", "CN"),
    "cpd": ("中国警察网", "CN"),
    "court": ("最高人民法院", "CN"),
    "spp": ("最高人民检察院", "CN"),
    "moj": ("司法部", "CN"),
}
TESTS = Path(__file__).parent


def spider_modules() -> dict[str, list[type[scrapy.Spider]]]:
    """Each module of newscrawl/spiders and the named spiders it defines."""
    found: dict[str, list[type[scrapy.Spider]]] = {}
    for info in pkgutil.iter_modules(newscrawl.spiders.__path__):
        module = importlib.import_module(f"newscrawl.spiders.{info.name}")
        found[info.name] = [
            obj
            for _, obj in inspect.getmembers(module, inspect.isclass)
            if issubclass(obj, scrapy.Spider)
            and obj.__module__ == module.__name__
            and getattr(obj, "name", None)
        ]
    return found


def site_classes() -> list[type[SiteSpider]]:
    return [cls for classes in spider_modules().values() for cls in classes if issubclass(cls, SiteSpider)]


def test_every_spider_module_imports_and_is_named_after_its_spider() -> None:
    modules = spider_modules()
    assert set(modules) >= SUPPORT_MODULES
    for module, classes in modules.items():
        if module in SUPPORT_MODULES:
            assert classes == [], f"{module}.py is a support module and must not define a spider"
            continue
        assert len(classes) == 1, f"{module}.py should define exactly one spider, found {classes}"
        assert classes[0].name == module, f"{module}.py defines spider {classes[0].name!r}"


def test_the_sites_of_the_issue_are_there_with_outlet_and_region() -> None:
    sites = {cls.name: cls for cls in site_classes()}
    assert set(sites) == set(REQUIRED_SITES)
    for name, (outlet, region) in REQUIRED_SITES.items():
        assert (sites[name].outlet, sites[name].region) == (outlet, region)


@pytest.mark.parametrize("cls", site_classes(), ids=lambda c: c.name)
def test_site_file_is_documented_and_consistent(cls: type[SiteSpider]) -> None:
    doc = inspect.getmodule(cls).__doc__ or ""  # type: ignore[union-attr]
    assert cls.outlet and cls.outlet in doc.splitlines()[0], "the docstring opens with the outlet"
    assert re.fullmatch(r"CN(-[A-Z]{2})?", cls.region or ""), "ISO 3166-2 region code"
    assert f"Region {cls.region}." in doc
    assert cls.allowed_domains and cls.listing_urls
    spider = cls()
    for url in cls.listing_urls:
        assert spider.is_allowed(url), f"{url} is outside {cls.allowed_domains}"
        assert not spider.is_article_url(url), f"the entry page {url} passes for an article"
    re.compile(cls.article_url_pattern)
    # Site files hold class attributes only; behaviour lives in SiteSpider and the family bases.
    own = {k for k, v in vars(cls).items() if callable(v) and not k.startswith("__")}
    assert own == set(), f"{cls.name} defines methods {own}"


@pytest.mark.parametrize("cls", site_classes(), ids=lambda c: c.name)
def test_every_site_has_a_listing_test(cls: type[SiteSpider]) -> None:
    tested = {case.site for case in CORPUS_CASES} | {case.site for case in FIXTURE_CASES}
    assert cls.name in tested, f"add a case for {cls.name} to tests/test_sites_listings.py"


def test_spiders_that_are_not_sites_have_crawl_tests() -> None:
    others = [
        cls.name
        for classes in spider_modules().values()
        for cls in classes
        if not issubclass(cls, SiteSpider)
    ]
    assert sorted(others) == ["demo", "news"]
    text = "\n".join(p.read_text(encoding="utf-8") for p in TESTS.glob("test_*.py"))
    for name in others:
        assert re.search(rf'\bcrawl\(\s*"{name}"', text), f"no crawl test for {name}"


# -- newscrawl sites --------------------------------------------------------------------------------


def test_sites_command_lists_every_site_as_json() -> None:
    proc = run_newscrawl("sites", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = {row["name"]: row for row in map(json.loads, proc.stdout.splitlines())}
    assert set(rows) == set(REQUIRED_SITES)
    assert rows["voc"]["outlet"] == "华声在线"
    assert rows["voc"]["region"] == "CN-HN"
    assert rows["voc"]["domains"] == ["voc.com.cn"]
    assert rows["voc"]["listing_urls"] == ["https://www.voc.com.cn/", "https://hunan.voc.com.cn/"]
    assert rows["fzzb"]["domains"] == ["epaper.voc.com.cn"]
    assert rows["fzzb"]["listing_urls"] == ["https://epaper.voc.com.cn/fzzb/"]
    assert rows["court"]["region"] == "CN"


def test_sites_command_prints_a_table_and_rejects_unknown_sites() -> None:
    proc = run_newscrawl("sites", "spp", "hunanfy")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split()[:3] == ["spp", "CN", "最高人民检察院"]
    assert "https://www.spp.gov.cn/spp/qwfb/index.shtml" in proc.stdout
    assert any(line.split()[:3] == ["hunanfy", "CN-HN", "湖南法院网"] for line in lines)
    proc = run_newscrawl("sites", "nosuchsite")
    assert proc.returncode == 2
    assert "nosuchsite" in proc.stderr
