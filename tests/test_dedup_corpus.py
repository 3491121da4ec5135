"""Issue 5, point 2: zero false merges among the articles of the shared corpus and of the demo site.

Every article page of `../shared/corpus/pages` goes through the extraction and cleaning rooms as the
crawl would; where the corpus has a human-extracted body (`<id>.truth.json`) that text goes in as
well, as a copy on another host. A merge is right only between two texts of one page, or between
pages the corpus manifest records under the same original URL (two captures of one article). The
grouping comes from the manifest, never from the code under test.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

from newscrawl.clean import clean_article
from newscrawl.dedup import DUPLICATE, StoryIndex
from newscrawl.demo import build_site
from newscrawl.extract import extract
from newscrawl.items import Article
from newscrawl.store import Store
from tests.test_dedup_index import keep


def raw_title(path: Path) -> str | None:
    """The page's <title> as the raw bytes give it (read here, not by the extractor), if long enough."""
    match = re.search(rb"<title>([^<]{10,})</title>", path.read_bytes(), re.I)
    return match.group(1).decode("utf-8", "replace").strip() if match else None


def corpus_texts(corpus: Path) -> tuple[list[tuple[str, Article]], list[str]]:
    """(page group, article) for every text of every article page; and the pages with no text."""
    texts: list[tuple[str, Article]] = []
    unreadable: list[str] = []
    with (corpus / "manifest.tsv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    for row in rows:
        rel = row["file"]
        if row["kind"] != "article" or not rel.startswith("pages/"):
            continue
        # Pages of one article: the same original URL, or — where the manifest has none — the same
        # headline in the raw <title> (gne holds one 澎湃 article captured three times).
        group = row["original_url"] or raw_title(corpus / rel) or rel
        set_name, page_id = rel.split("/")[1], Path(rel).stem
        page_url = f"http://{set_name}.corpus.test/{page_id}.html"
        found = False
        extraction = extract((corpus / rel).read_bytes(), page_url)
        if extraction.article is not None:
            texts.append((group, clean_article(extraction.article)))
            found = True
        truth_path = (corpus / rel).with_suffix(".truth.json")
        if truth_path.is_file():
            truth = json.loads(truth_path.read_text(encoding="utf-8"))
            url = f"http://truth.{set_name}.corpus.test/{page_id}.html"
            article = Article(
                url=url, canonical_url=url, site="truth", title=truth.get("title") or "", body=truth["body"]
            )
            texts.append((group, clean_article(article)))
            found = True
        if not found:
            unreadable.append(rel)
    return texts, unreadable


@pytest.mark.corpus
@pytest.mark.slow
def test_no_two_different_corpus_articles_share_a_story(corpus: Path, db_path: Path) -> None:
    texts, unreadable = corpus_texts(corpus)
    pages = {group for group, _ in texts}
    # The corpus README lists 136 article pages; most must take part, or this proves nothing.
    assert len(pages) >= 100, (len(pages), unreadable)
    groups_of_story: dict[int, set[str]] = defaultdict(set)
    with Store(db_path) as store:
        index = StoryIndex(store)
        duplicates = []
        for group, article in texts:
            # An exact duplicate (same host, same text) is merged into the stored article's story.
            placement = keep(store, index, article)
            assert placement.story_id is not None
            groups_of_story[placement.story_id].add(group)
            if placement.outcome == DUPLICATE:
                duplicates.append(group)
    merged_wrongly = {story: groups for story, groups in groups_of_story.items() if len(groups) > 1}
    assert merged_wrongly == {}
    # The one true duplicate the corpus holds, ifeng's article captured twice (the manifest records
    # one original URL for both), is found: same host, same text, so stored once.
    ifeng = "https://news.ifeng.com/c/7kQcQG2peWU"
    extracted = [a for g, a in texts if g == ifeng and a.site != "truth"]
    if len(extracted) == 2 and extracted[0].body == extracted[1].body:
        assert duplicates == [ifeng]


def demo_articles() -> list[Article]:
    """The demo site's articles as its ground truth gives them (not extracted), uncleaned."""
    site = build_site()
    base = "http://127.0.0.1:8642"
    articles = []
    for demo in site.articles:
        truth = demo.expected(base, site)
        articles.append(
            Article(
                url=truth["url"],
                canonical_url=truth["url"],
                site="demo",
                title=truth["title"],
                body=truth["body"],
                published_at=truth["published_at"],
            )
        )
    return articles


def test_no_two_demo_articles_share_a_story(db_path: Path) -> None:
    """The demo site's ground truth holds no reprint: 32 articles, 32 stories."""
    articles = demo_articles()
    with Store(db_path) as store:
        index = StoryIndex(store)
        stories = [keep(store, index, clean_article(article)).story_id for article in articles]
    assert len(stories) == len(articles) >= 30
    assert len(set(stories)) == len(stories)
