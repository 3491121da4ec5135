"""`newscrawl errors`: what a run could not fetch, as a user reads it."""

from __future__ import annotations

from pathlib import Path

from newscrawl.store import Store
from newscrawl.store.errors import FetchError, record_fetch_error
from tests.conftest import run_newscrawl


def make_db(path: Path) -> tuple[int, int]:
    with Store(path) as store:
        first, second = store.start_run("news"), store.start_run("news")
        for run, url, kind, status, message in [
            (first, "http://127.0.0.1/a.html", "timeout", None, "no complete answer in time"),
            (second, "http://127.0.0.1/b.html", "gone", 404, "HTTP 404"),
            (second, "http://127.0.0.1/c.html", "not_text", 200, "Content-Type application/pdf"),
            (second, "http://127.0.0.1/d.html", "gone", 410, "HTTP 410"),
        ]:
            error = FetchError(url=url, kind=kind, status=status, message=message)
            record_fetch_error(store, error, run, "2024-05-20T08:00:00+08:00")
    return first, second


def test_the_latest_run_by_default(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    _, second = make_db(db)
    proc = run_newscrawl("errors", "--db", str(db))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == f"3 fetch errors in run {second}: 2 gone, 1 not_text"
    assert lines[1].split("\t") == [str(second), "gone", "404", "http://127.0.0.1/b.html", "HTTP 404"]
    assert len(lines) == 4


def test_one_run_all_runs_one_kind(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    first, _ = make_db(db)
    assert run_newscrawl("errors", "--db", str(db), "--run", str(first)).stdout.splitlines()[0] == (
        f"1 fetch errors in run {first}: 1 timeout"
    )
    assert run_newscrawl("errors", "--db", str(db), "--all").stdout.startswith("4 fetch errors in all runs")
    gone = run_newscrawl("errors", "--db", str(db), "--all", "--kind", "gone").stdout.splitlines()
    assert [line.split("\t")[2] for line in gone[1:]] == ["404", "410"]


def test_mistakes_are_told_plainly(tmp_path: Path) -> None:
    missing = run_newscrawl("errors", "--db", str(tmp_path / "none.db"))
    assert missing.returncode == 1 and "no database" in missing.stderr
    assert not (tmp_path / "none.db").exists()
    db = tmp_path / "a.db"
    make_db(db)
    wrong = run_newscrawl("errors", "--db", str(db), "--kind", "oops")
    assert wrong.returncode == 2 and "unknown kind" in wrong.stderr
