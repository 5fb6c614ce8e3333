"""A run's state: its id and warehouse, what it has staged so far, and its counts.

Every input ends as exactly one of: an article (new, updated or unchanged), a duplicate,
or a quarantine row; ``RunCounts`` keeps that sum and the runs table checks it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

from newsetl.land.warehouse import Warehouse
from newsetl.quality import DataQualityError, Result
from newsetl.run.dedup import Ledger
from newsetl.run.incremental import InputLog


@dataclass
class RunCounts:
    inputs_seen: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    articles_unchanged: int = 0
    duplicates: int = 0
    quarantined: int = 0
    # Inputs not read again (see newsetl.run.incremental), also counted under their last outcome.
    inputs_skipped_unchanged: int = 0

    @property
    def articles(self) -> int:
        return self.articles_new + self.articles_updated + self.articles_unchanged

    def as_dict(self) -> dict[str, int]:
        return {**asdict(self), "articles": self.articles}


@dataclass
class Run:
    run_id: str
    warehouse: Warehouse
    source: str  # the raw directory as given
    started_at: datetime
    ledger: Ledger
    raw_dir: str = ""  # the same, absolute: where a replay finds the run's inputs
    inputs_log: InputLog = field(default_factory=InputLog)
    counts: RunCounts = field(default_factory=RunCounts)
    parts: int = 0
    url_counts: dict[str, int] = field(default_factory=dict)
    feeds: list[str] = field(default_factory=list)  # feed and sitemap entries the run followed
    enrich_counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ENRICH_COUNTS, 0))
    updated_ids: list[str] = field(default_factory=list)
    duplicate_sources: list[str] = field(default_factory=list)
    # Data-quality results so far; fail_run lands them when the run fails.
    dq_results: list[Result] = field(default_factory=list)
    # Set when a data-quality check stopped the run: a retried commit raises it again.
    stopped: DataQualityError | None = None
    # Why the run failed, (error_class, error_message), once it has.
    error: tuple[str, str] | None = None



# Run counts of the enrich stage, as columns of the runs table.
ENRICH_COUNTS = ("articles_enriched", "enrich_skipped_non_english", "enrich_skipped_empty", "enrich_failed",
                 "mentions", "claims", "enrich_quarantined")
