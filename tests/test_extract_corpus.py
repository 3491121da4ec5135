"""Quality floors on the shared corpus of real pages (skipped when the corpus is absent).

The floors sit just under what `bench/extract_quality.py` measured (bench/RESULTS.md): a change
that makes extraction worse on these pages fails here. Scoring is `bench/scoring.py`, the same code
the bench uses, against the human annotations beside each page — never against our own output.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bench.scoring import Score, TruthPage, truth_pages
from newscrawl.clean import clean_article
from newscrawl.extract import extract
from newscrawl.paths import corpus_dir

pytestmark = pytest.mark.corpus

BODY_F1_FLOOR = 0.96
DATE_FLOOR = 0.96
AUTHOR_FLOOR = 0.82


@pytest.fixture(scope="module")
def scored() -> tuple[Score, list[tuple[TruthPage, float]]]:
    """Extraction + cleaning (what the crawl stores) scored on every page with truth, once."""
    root = corpus_dir()
    if not root.is_dir():
        pytest.skip(f"shared corpus not found at {root} (set NEWSCRAWL_CORPUS to its location)")
    logging.disable(logging.WARNING)
    try:
        score = Score()
        pages = list(truth_pages(root))
        if not pages:
            pytest.skip(f"no pages with truth under {root}/pages")
        per_page = []
        for page in pages:
            result = extract(page.path.read_bytes(), page.url)
            article = clean_article(result.article) if result.article else None
            before = score.f1_sum
            score.add(
                page,
                article.body if article else "",
                article.published_at if article else None,
                article.authors if article else None,
            )
            per_page.append((page, score.f1_sum - before))
        return score, per_page
    finally:
        logging.disable(logging.NOTSET)


def test_body_f1(scored: tuple[Score, list[tuple[TruthPage, float]]]) -> None:
    score, per_page = scored
    worst = sorted(per_page, key=lambda item: item[1])[:5]
    assert score.f1 >= BODY_F1_FLOOR, (
        f"body F1 {score.f1:.3f}; worst: {[(p.id, round(f, 2)) for p, f in worst]}"
    )


def test_date_accuracy(scored: tuple[Score, list[tuple[TruthPage, float]]]) -> None:
    score, _ = scored
    assert score.dates >= 25
    assert score.date_accuracy is not None and score.date_accuracy >= DATE_FLOOR


def test_author_accuracy(scored: tuple[Score, list[tuple[TruthPage, float]]]) -> None:
    score, _ = scored
    assert score.authors >= 25
    assert score.author_accuracy is not None and score.author_accuracy >= AUTHOR_FLOOR


def test_listing_and_home_pages_are_no_article(corpus: Path) -> None:
    """Every listing / channel / home page of the corpus, except the one a benchmark annotated with
    a body (a journal's table of contents), yields no article and says why."""
    checked = 0
    for page in sorted((corpus / "lists").glob("*/*.html")):
        if page.with_name(page.stem + ".truth.json").exists():
            continue
        result = extract(page.read_bytes(), "")
        assert result.article is None, f"{page.name}: extracted {result.article.title!r}"
        assert result.reason and result.reason.split(" ")[0] in ("listing", "no"), (page.name, result.reason)
        checked += 1
    assert checked >= 10


def test_a_redirect_page_is_no_article(corpus: Path) -> None:
    pages = sorted((corpus / "pages").glob("*/*redirect*.html"))
    if not pages:
        pytest.skip("no redirect page in this corpus")
    for page in pages:
        result = extract(page.read_bytes(), "")
        assert result.article is None
        assert result.reason and result.reason.startswith("redirect page")


def test_article_pages_without_truth_give_articles(corpus: Path) -> None:
    """The sets without annotations (rendered DOMs of big portals) are article pages: nearly all
    must give a title and a body, and most a date."""
    pages = sorted((corpus / "pages" / "gne").glob("tests_*.html")) + sorted(
        (corpus / "pages" / "gerapy").glob("*.html")
    )
    if len(pages) < 20:
        pytest.skip("the gne/gerapy sets are not in this corpus")
    articles = [extract(p.read_bytes(), "").article for p in pages]
    found = [a for a in articles if a is not None and a.title and len(a.body) >= 100]
    dated = [a for a in found if a.published_at]
    assert len(found) >= 0.9 * len(pages)
    assert len(dated) >= 0.8 * len(found)
