"""A crawl killed with SIGKILL in the middle leaves a database the next run completes: every page
stored once, every copy in its story, the index consistent with the rows."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newscrawl.demo import DemoServer
from newscrawl.demo.site import DemoPage
from tests.conftest import FAST, crawl, query, subprocess_env
from tests.dedup_variants import variants
from tests.test_dedup_crawl import Page, ReprintSite
from tests.test_dedup_index import UNRELATED

pytestmark = [pytest.mark.corpus, pytest.mark.slow]


class SlowSite(ReprintSite):
    """Article pages take a while, so the crawl can be killed between two of them."""

    def get(self, target: str, base_url: str) -> DemoPage:
        if "content_" in target:
            time.sleep(0.4)
        return super().get(target, base_url)


def test_a_killed_crawl_is_completed_by_the_next_run(tmp_path: Path) -> None:
    db = tmp_path / "killed.db"
    pages = {
        f"/article/202108/content_{n}.html": Page(*v, f"2021-08-0{n} 10:00")
        for n, v in enumerate(variants().values(), 1)
    }
    pages["/article/202108/content_9.html"] = Page(*UNRELATED, "2021-08-09 10:00")
    with DemoServer(SlowSite("华声在线", pages)) as server:  # type: ignore[arg-type]
        args = [
            "crawl",
            "news",
            "--db",
            str(db),
            "-a",
            f"start_url={server.base_url}/index.html",
            "-a",
            "name=voc",
        ]
        for setting in (*FAST, "CONCURRENT_REQUESTS=1"):
            args += ["-s", setting]
        proc = subprocess.Popen(
            [sys.executable, "-m", "newscrawl", *args],
            env=subprocess_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 60
            stored = 0
            while time.monotonic() < deadline and proc.poll() is None:
                if db.exists():
                    try:
                        stored = query(db, "SELECT COUNT(*) FROM articles")[0][0]
                    except Exception:  # the schema may not exist yet
                        stored = 0
                if stored >= 2:
                    break
                time.sleep(0.05)
            assert proc.poll() is None, "the crawl finished before it could be killed"
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait(timeout=30)
            assert proc.stderr is not None
            proc.stderr.close()
        assert proc.returncode == -signal.SIGKILL
        killed_with = query(db, "SELECT COUNT(*) FROM articles")[0][0]
        assert 2 <= killed_with < len(pages)
        again = crawl("news", db, f"start_url={server.base_url}/index.html", "name=voc")
        assert again.returncode == 0, again.stderr[-3000:]
    rows = query(db, "SELECT canonical_url, story_id, story_similarity, text_fingerprint FROM articles")
    assert len(rows) == len(pages)
    assert all(r["story_id"] is not None and r["text_fingerprint"] for r in rows)
    by_path = {r["canonical_url"].split(server.base_url)[1]: r for r in rows}
    copies = {by_path[f"/article/202108/content_{n}.html"]["story_id"] for n in range(1, 6)}
    assert len(copies) == 1 and by_path["/article/202108/content_9.html"]["story_id"] not in copies
    # The index holds each stored page once, and nothing else.
    docs = query(db, "SELECT canonical_url FROM dedup_docs")
    assert sorted(d[0] for d in docs) == sorted(r["canonical_url"] for r in rows)
    assert query(db, "SELECT copies FROM stories WHERE story_id = ?", copies.pop())[0][0] == 5
