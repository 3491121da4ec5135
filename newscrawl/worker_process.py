"""The extraction worker's side of `newscrawl.workers`: what runs in a worker process, and the
records that travel between it and the crawler.

A worker is started as `python -c "…worker_process.main…"` (`BOOTSTRAP`), not through
multiprocessing's spawn: spawn would make the child import the crawler's main module again (the
`newscrawl` or `scrapy` script, hence the command line, Scrapy and Twisted) and unpickle its target
from `newscrawl.workers`, which imports Scrapy too. This module imports only the rooms a worker
runs (extraction, cleaning, the dedup sketch) and the items, never Scrapy or Twisted, so a worker
is ready to take a page in a fraction of the time and memory. Nothing of the crawler's main script
runs in it either, whether or not the script guards its crawl with `if __name__ == "__main__":`.

Once its imports are done, a worker extracts a small page of its own (`WARM_UP_PAGE`) so that the
engine's lazily built tables (converters, patterns) are in place before the first real page, then
says it is ready (the first message on its result pipe, before any result) and serves tasks.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import pickle
import signal
import struct
import sys
import time
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from newscrawl import gctune
from newscrawl.clean import clean_article
from newscrawl.dedup.sketch import ArticleSketch, sketch_article
from newscrawl.extract import SiteHints, extract
from newscrawl.items import missing_fields

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

    from newscrawl.extract import Extraction
    from newscrawl.items import Article

logger = logging.getLogger(__name__)

BOOTSTRAP = (
    "import sys; sys.path[:] = sys.argv[2:]; from newscrawl.worker_process import main; main(sys.argv[1])"
)
"""The worker's program (`python -c`): the crawler's `sys.path` (as spawn would set it), then `main`
with its settings as JSON. Arguments: the settings, then the path entries."""

_PR_SET_PDEATHSIG = 1

HEADER = struct.Struct("!Q")
"""The length of each message on a worker's pipes, before it."""


PREPARED = "_newscrawl_prepared"
"""The attribute of an Article that holds its `Prepared` record."""


@dataclass(frozen=True)
class Preparation:
    """What a worker does to an article after extracting it (see `newscrawl.workers`)."""

    clean: bool = False
    """Apply `clean_article`, as `CleanPipeline` would."""
    sketch: bool = False
    """Compute the dedup sketch of the (cleaned) article, as the story index would."""

    @classmethod
    def for_pipelines(cls, settings: BaseSettings) -> Preparation:
        """What the crawl's `ITEM_PIPELINES` let a worker do ahead of them. Cleaning moves only when
        nothing but the required-fields gate runs before `CleanPipeline` (another pipeline there
        could change the text it cleans); the sketch only when the dedup pipeline runs and reads
        the text a worker can produce (the cleaned one, or the extracted one when nothing cleans)."""
        # Imported here: the crawler decides this, and a worker must not import Scrapy.
        from scrapy.utils.conf import build_component_list
        from scrapy.utils.misc import load_object

        from newscrawl.pipelines.clean import CleanPipeline
        from newscrawl.pipelines.dedup import DedupPipeline
        from newscrawl.pipelines.validate import ValidatePipeline

        pipelines = [load_object(p) for p in build_component_list(settings.getwithbase("ITEM_PIPELINES"))]
        clean = CleanPipeline in pipelines and all(
            p is ValidatePipeline for p in pipelines[: pipelines.index(CleanPipeline)]
        )
        sketch = DedupPipeline in pipelines and (clean or CleanPipeline not in pipelines)
        return cls(clean=clean, sketch=sketch)


@dataclass(frozen=True)
class Prepared:
    """What a worker did to an extracted article beyond extracting it."""

    title: str
    body: str
    """The title and body string objects the worker left on the article: a pipeline that replaces
    either makes the article one the worker did not clean (`cleaned_by_worker`)."""
    cleaned: bool
    sketch: ArticleSketch | None


def prepare(article: Article, preparation: Preparation) -> Article:
    """The article as `preparation` says, with its `Prepared` record (the article itself when
    nothing was done)."""
    cleaned = False
    # An article the gate drops as extracted, or one that cleaning leaves without a title or a body
    # (which the gate lets through, since it judges the text as extracted), keeps the reactor's path.
    if preparation.clean and not missing_fields(article):
        done = clean_article(article)
        if not missing_fields(done):
            # Mostly the Simplified forms equal the text: one string then travels back, not two.
            if done.title_simplified == done.title:
                done.title_simplified = done.title
            if done.body_simplified == done.body:
                done.body_simplified = done.body
            article, cleaned = done, True
    # Not cleaned here though it should have been: the reactor cleans it into new text, which a
    # sketch of this one would not fit.
    sketchable = cleaned or not preparation.clean
    sketch = sketch_article(article) if preparation.sketch and sketchable else None
    if cleaned or sketch is not None:
        setattr(article, PREPARED, Prepared(article.title, article.body, cleaned, sketch))
    return article


def prepared(article: Article) -> Prepared | None:
    """The `Prepared` record of an article a worker extracted, if any."""
    record = article.__dict__.get(PREPARED)
    return record if isinstance(record, Prepared) else None


def cleaned_by_worker(article: Article) -> bool:
    """Whether a worker applied `clean_article` to this article's current title and body."""
    record = prepared(article)
    return (
        record is not None
        and record.cleaned
        and article.title is record.title
        and article.body is record.body
    )


def take_sketch(article: Article) -> ArticleSketch | None:
    """The dedup sketch a worker computed, removed from the article (the last pipeline to read the record)."""
    record = article.__dict__.pop(PREPARED, None)
    return record.sketch if isinstance(record, Prepared) else None


def extract_in_worker(
    body: bytes,
    url: str,
    headers: dict[str, str],
    hints: SiteHints,
    fetched_at: datetime,
    preparation: Preparation,
) -> Extraction:
    """The task a crawl sends its workers for each article page."""
    result = extract(body, url, headers, hints=hints, fetched_at=fetched_at)
    if result.article is not None:
        result.article = prepare(result.article, preparation)
    return result


# -- warming up --------------------------------------------------------------------------------------

WARM_UP_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>县法院开展法治宣传进社区活动_法治要闻</title>
<meta name="publishdate" content="2024-03-15 09:30"><meta name="source" content="示例法治报">
<link rel="canonical" href="http://worker.invalid/article/202403/1.html"></head>
<body><div class="nav"><a href="/">首页</a> | <a href="/fzyw/">法治要闻</a> | <a href="/tzgg/">通知公告</a></div>
<div id="main"><h1>县法院开展法治宣传进社区活动</h1>
<p class="info">来源：示例法治报　记者 周明　通讯员 吴芳　2024-03-15 09:30</p>
<div id="content">
<p>3月14日上午，县人民法院组织干警走进城东社区，开展“法治宣传进社区”主题活动，向居民讲解与日常生活密切相关的法律知识。</p>
<p>活动现场，干警们通过发放宣传资料、设置咨询台、以案说法等方式，围绕婚姻家庭、邻里纠纷、借贷合同等问题为群众答疑解惑。</p>
<p>“以前遇到纠纷不知道找谁，今天法官讲得清楚明白。”居民老陈说。據介紹，該院今年將繼續推進訴源治理工作，把矛盾化解在基層。</p>
<p>此次活动共发放宣传资料三百余份，现场解答法律咨询四十余人次，进一步增强了群众的法治意识（fǎzhì yìshí）和依法维权能力。</p>
<p>下一步，县法院将持续开展形式多样的普法活动，推动法治宣传教育常态化，为建设平安社区提供有力的司法保障。</p>
</div>
<p class="editor">（责任编辑：郑洁）</p>
<div class="related"><h3>相关阅读</h3><ul>
<li><a href="/article/202403/2.html">县法院召开执行工作推进会</a></li>
<li><a href="/article/202403/3.html">县检察院开展公益诉讼专项监督</a></li></ul></div>
</div><div class="footer">版权所有 示例法治报社　备案号：示ICP备00000000号</div></body></html>
""".encode()
"""A small article page of newscrawl's own, with the parts the engine looks for (title, byline,
dates, a body of several paragraphs, Traditional characters, inline pinyin, related links)."""

_WARM_UP_FETCHED_AT = datetime(2024, 3, 15, 12, 0, tzinfo=timezone(timedelta(hours=8)))


def warm_up(preparation: Preparation) -> bool:
    """Extract and prepare `WARM_UP_PAGE` as a crawl's page would be; False (logged) if that fails:
    the worker then serves as it is, and its first real page builds what is missing."""
    try:
        extract_in_worker(
            WARM_UP_PAGE,
            "http://worker.invalid/article/202403/1.html",
            {"Content-Type": "text/html; charset=utf-8"},
            SiteHints(),
            _WARM_UP_FETCHED_AT,
            preparation,
        )
    except Exception:
        logger.debug("Warming up the extraction worker failed", exc_info=True)
        return False
    return True


# -- the worker process ------------------------------------------------------------------------------


def die_with_parent(parent: int) -> None:
    """The kernel sends SIGKILL when the crawler process dies (Linux)."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    # The parent may have died before the prctl took effect.
    if os.getppid() != parent:
        os._exit(1)
    # Ctrl-C goes to the whole process group: the crawler decides what stops, not its workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def main(config: str) -> None:
    """A worker process (see `BOOTSTRAP`): `config` is the JSON of its pipes' descriptors, the
    crawler's pid, the garbage collector threshold and the crawl's `Preparation`."""
    settings = json.loads(config)
    die_with_parent(settings["parent"])
    imported_at = time.monotonic()
    warmed = warm_up(Preparation(clean=settings["clean"], sketch=settings["sketch"]))
    ready = pickle.dumps({"imported_at": imported_at, "ready_at": time.monotonic(), "warmed": warmed})
    # A crawler that closed its end (it stopped, or closed its pool) has no use for what is left.
    with contextlib.suppress(BrokenPipeError):
        serve(settings["tasks"], settings["results"], settings["gc_threshold"], ready, warmed)


def serve(task_fd: int, result_fd: int, gc_threshold: int, ready: bytes, warmed: bool) -> None:
    """Send `ready` (the worker's timings, before any result), then run each task read from
    `task_fd`, sending back (ok, value, traceback text) on `result_fd`.

    Once warmed up (or after its first task), the worker's imports and the engine's lazily built
    tables are in place: then the garbage collector is set for the long run (`gctune`)."""
    if gc_threshold and warmed:
        gctune.tune(gc_threshold)
        gc_threshold = 0
    _write_all(result_fd, HEADER.pack(len(ready)) + ready)
    while True:
        header = _read_exactly(task_fd, HEADER.size)
        if header is None:
            return  # the crawler closed the pipe: done
        (size,) = HEADER.unpack(header)
        payload = _read_exactly(task_fd, size)
        if payload is None:
            return
        message = run_task(payload)
        _write_all(result_fd, HEADER.pack(len(message)) + message)
        del payload, message
        if gc_threshold:
            gctune.tune(gc_threshold)
            gc_threshold = 0


def run_task(payload: bytes) -> bytes:
    """The pickled reply to one pickled task."""
    reply: tuple[bool, Any, str | None]
    try:
        function, args = pickle.loads(payload)
        reply = (True, function(*args), None)
    except BaseException as exc:
        reply = (False, exc, traceback.format_exc())
    try:
        return pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # a result or an exception that does not pickle
        return pickle.dumps((False, RuntimeError(f"unpicklable worker result: {exc!r}"), None))


def _read_exactly(fd: int, size: int) -> bytes | None:
    parts: list[bytes] = []
    while size:
        data = os.read(fd, min(size, 1 << 20))
        if not data:
            return None
        parts.append(data)
        size -= len(data)
    return b"".join(parts)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
