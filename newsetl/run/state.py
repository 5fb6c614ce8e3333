"""A run's state: its id and warehouse, what it has staged so far, and its counts.

Every input ends as exactly one of: an article (new, updated or unchanged), a duplicate,
or a quarantine row; ``RunCounts`` keeps that sum and the runs table checks it.

The steps that stage a batch do not change the run: they return what the batch adds
(``BatchResult``, ``AnalysisResult``) and the run folds it in, once per batch. A step
retried after a failure stages the same part again (replacing it) and counts nothing
twice.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

import pandas as pd

from newsetl.land.warehouse import Warehouse
from newsetl.quality import DataQualityError, Result
from newsetl.report.data import ReportData
from newsetl.run.dedup import Kept, Ledger
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

    def adds_up(self) -> bool:
        return self.articles + self.duplicates + self.quarantined == self.inputs_seen

    def add(self, other: RunCounts) -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)

    def as_dict(self) -> dict[str, int]:
        return {**asdict(self), "articles": self.articles}


@dataclass
class BatchResult:
    """What staging one batch adds to the run."""

    part: int  # the batch's index in the run: its staged files are named after it
    counts: RunCounts
    articles: pd.DataFrame  # new and changed articles: what the enrich stage analyses
    kept: Kept  # the articles the batch keeps, for dedup of the batches after it
    updated_ids: list[str]  # articles whose text changed: their old mentions and claims go
    duplicate_sources: list[str]
    outcomes: dict[str, int]  # for the log: new/updated/unchanged/duplicate/quarantined/inputs/skipped


@dataclass
class AnalysisResult:
    """What staging one batch's analysis adds to the run."""

    part: int
    counts: dict[str, int]  # ENRICH_COUNTS


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
    url_counts: dict[str, int] = field(default_factory=dict)
    feeds: list[str] = field(default_factory=list)  # feed and sitemap entries the run followed
    enrich_counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ENRICH_COUNTS, 0))
    updated_ids: list[str] = field(default_factory=list)
    duplicate_sources: list[str] = field(default_factory=list)
    # Data-quality results so far; fail_run lands them when the run fails.
    dq_results: list[Result] = field(default_factory=list)
    # Set when a data-quality check stopped the run: a retried commit raises it again.
    stopped: DataQualityError | None = None
    # The figures its report was written from: the flow's artifacts show the same ones.
    report: ReportData | None = None
    # Why the run failed, (error_class, error_message), once it has.
    error: tuple[str, str] | None = None
    # (step, part) of every result folded in: a second fold of one is a bug, not a retry.
    folded: set[tuple[str, int]] = field(default_factory=set)

    def fold_batch(self, result: BatchResult) -> None:
        """Take in a staged batch. Batches are folded in input order: dedup of a batch
        reads the articles the batches before it kept."""
        if not result.counts.adds_up():
            raise AssertionError(f"batch {result.part} counts do not add up: {result.counts.as_dict()}")
        self._once("batch", result.part)
        self.counts.add(result.counts)
        self.ledger.take(result.kept)
        self.updated_ids.extend(result.updated_ids)
        self.duplicate_sources.extend(result.duplicate_sources)

    def fold_analysis(self, result: AnalysisResult) -> None:
        self._once("analysis", result.part)
        for key, value in result.counts.items():
            self.enrich_counts[key] += value

    def _once(self, step: str, part: int) -> None:
        if (step, part) in self.folded:
            raise ValueError(f"{step} {part} of run {self.run_id} is already counted")
        self.folded.add((step, part))


# Run counts of the enrich stage, as columns of the runs table.
ENRICH_COUNTS = ("articles_enriched", "enrich_skipped_non_english", "enrich_skipped_empty", "enrich_failed",
                 "mentions", "claims", "enrich_quarantined")
