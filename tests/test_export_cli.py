"""The export command in the places it runs: a terminal (progress), cron (silence), a pipe, a kill."""

from __future__ import annotations

import csv
import json
import os
import pty
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from newscrawl.paths import PROJECT_ROOT
from tests.conftest import query, run_newscrawl, subprocess_env
from tests.samples_export import save, tricky_articles, url


def start_export(db: Path, out: Path, stderr: int) -> subprocess.Popen[bytes]:
    """`newscrawl export --db DB -o OUT` in the background, its stderr where the test says."""
    return subprocess.Popen(
        [sys.executable, "-m", "newscrawl", "export", "--db", str(db), "-o", str(out)],
        cwd=PROJECT_ROOT,
        env=subprocess_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )


def test_quiet_when_not_on_a_terminal(tmp_path: Path) -> None:
    """As under cron: stdout and stderr are not terminals, and a good export prints nothing."""
    db = tmp_path / "a.db"
    save(db, tricky_articles())
    proc = run_newscrawl("export", "--db", str(db), "-o", str(tmp_path / "out.csv"))
    assert proc.returncode == 0
    assert (proc.stdout, proc.stderr) == ("", "")
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").count("hnfz") >= 2


def test_progress_and_a_closing_line_on_a_terminal(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    save(db, tricky_articles())
    out = tmp_path / "out.jsonl"
    leader, follower = pty.openpty()
    proc = start_export(db, out, stderr=follower)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closes when the child exits (EIO on Linux)
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    assert proc.wait(timeout=60) == 0
    screen = seen.decode("utf-8")
    assert "\rexported 4/4 (100%)" in screen
    assert f"Exported 4 articles to {out}" in screen
    assert len(out.read_text(encoding="utf-8").splitlines()) == 4


def test_a_cell_that_is_not_json_is_exported_as_stored_with_a_warning(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    save(db, tricky_articles())
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE articles SET authors = '张三、李四' WHERE canonical_url = ?", (url("hnfz", 2),))
    conn.close()
    proc = run_newscrawl("export", "--db", str(db), "--format", "jsonl")
    assert proc.returncode == 0, proc.stderr
    records = {r["canonical_url"]: r for r in map(json.loads, proc.stdout.splitlines())}
    assert len(records) == 4
    assert records[url("hnfz", 2)]["authors"] == "张三、李四"
    assert records[url("hnfz", 1)]["authors"] == ["张晓明"]
    assert "column authors is not a JSON array" in proc.stderr


def test_kill_9_mid_export_leaves_the_previous_file_whole(tmp_path: Path) -> None:
    """The export is written to FILE.part and renamed when complete."""
    db = tmp_path / "big.db"
    save(db, tricky_articles())
    # Enough rows that the export is still running when we kill it: copies of one article.
    conn = sqlite3.connect(db)
    with conn:
        columns = [r[1] for r in conn.execute("PRAGMA table_info(articles)") if r[1] != "canonical_url"]
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 59999)"
            f" INSERT INTO articles (canonical_url, {', '.join(columns)})"
            f" SELECT 'http://127.0.0.1:9/copy/' || i, {', '.join(columns)} FROM n, articles"
            " WHERE canonical_url = ?",
            (url("hnfz", 1),),
        )
    conn.close()
    target = tmp_path / "export.csv"
    target.write_text("the previous export\n", encoding="utf-8")
    partial = tmp_path / "export.csv.part"
    proc = start_export(db, target, stderr=subprocess.DEVNULL)
    try:
        while not (partial.exists() and partial.stat().st_size > 0) and proc.poll() is None:
            time.sleep(0.002)
        assert proc.poll() is None, "the export finished before it could be killed; make it bigger"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert target.read_text(encoding="utf-8") == "the previous export\n"
    # The next export completes, replaces the file and leaves no partial file behind.
    done = run_newscrawl("export", "--db", str(db), "-o", str(target))
    assert done.returncode == 0, done.stderr
    assert not partial.exists()
    rows = query(db, "SELECT COUNT(*) FROM articles")[0][0]
    with target.open(encoding="utf-8", newline="") as fh:
        assert sum(1 for _ in csv.reader(fh)) == rows + 1
