"""`newscrawl search` as a user runs it: ranked hits with marked snippets, or JSON for scripts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_newscrawl
from tests.samples_export import save, tricky_articles, url


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "a.db"
    save(path, tricky_articles())
    return path


def test_hits_with_marked_snippets(db: Path) -> None:
    proc = run_newscrawl("search", "詐騙", "--db", str(db))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    # Two articles say 诈骗: hnfz/1 (in its title) and twnews/3 (as 詐騙, in title and body).
    titles = [line for line in lines if line[:5].strip().rstrip(".").isdigit()]
    assert len(titles) == 2
    assert "長沙警方破獲電信«詐騙»案" in proc.stdout
    assert "«诈骗»案" in proc.stdout
    assert f"twnews · 2024-04-01 · {url('twnews', 3)}" in proc.stdout
    assert "\x1b[" not in proc.stdout  # no colour codes when stdout is not a terminal


def test_json_lines_for_scripts(db: Path) -> None:
    proc = run_newscrawl("search", "诈骗", "--json", "--limit", "1", "--db", str(db))
    assert proc.returncode == 0, proc.stderr
    (line,) = proc.stdout.splitlines()
    hit = json.loads(line)
    assert hit["rank"] == 1 and hit["canonical_url"] in {url("hnfz", 1), url("twnews", 3)}
    assert [hit["title"][a:b] for a, b in hit["title_highlights"]] in (["诈骗"], ["詐騙"])
    assert set(hit) >= {"score", "site", "published_at", "story_id", "snippet", "highlights"}


def test_filters_and_no_hits(db: Path) -> None:
    proc = run_newscrawl("search", "诈骗", "--site", "hnfz", "--json", "--db", str(db))
    assert [json.loads(x)["canonical_url"] for x in proc.stdout.splitlines()] == [url("hnfz", 1)]
    proc = run_newscrawl("search", "橘子洲", "--db", str(db))
    assert proc.returncode == 0
    assert proc.stdout == "" and "No articles match" in proc.stderr


def test_usage_errors(db: Path) -> None:
    proc = run_newscrawl("search", "   ", "--db", str(db))
    assert proc.returncode == 2 and "nothing to search for" in proc.stderr
    proc = run_newscrawl("search", "诈骗", "--since", "yesterday", "--db", str(db))
    assert proc.returncode == 2 and "expected a date" in proc.stderr
