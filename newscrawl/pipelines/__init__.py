"""Item pipelines, in order: validate (100) → clean (200) → dedup (300) → store (400).

Each is a thin adapter over a room that can be tested without a crawler; stats keys are namespaced
`newscrawl/…`.
"""

from __future__ import annotations

from newscrawl.pipelines.clean import CleanPipeline
from newscrawl.pipelines.dedup import DedupPipeline
from newscrawl.pipelines.store import StorePipeline
from newscrawl.pipelines.validate import ValidatePipeline

__all__ = ["CleanPipeline", "DedupPipeline", "StorePipeline", "ValidatePipeline"]
