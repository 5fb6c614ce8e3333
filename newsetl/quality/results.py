"""Results of data-quality checks: one ``dq_results`` row per check, and the errors a
failing check raises."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from newsetl.ids import short_hash

PASS, WARN, FAIL = "pass", "warn", "fail"
RUN = "run"  # the ``table`` of run-level checks
SAMPLE_SIZE = 5


class DataQualityError(RuntimeError):
    """A data-quality check failed; the message says which and why."""


class CircuitBreakerTripped(DataQualityError):
    """A run-level check failed: the run's articles, mentions and claims did not land."""


class CrossTableCheckFailed(DataQualityError):
    """The tables as merged break a cross-table invariant: the run was rolled back."""


class WholeTableCheckFailed(DataQualityError):
    """Landed rows break a cross-table invariant (found by ``maintain``, which checks every
    row): nothing is rolled back, a person decides."""


@dataclass(frozen=True)
class Result:
    table: str
    check_name: str
    status: str
    failure_count: int
    rows_checked: int
    message: str
    observed: float | None = None
    threshold: str | None = None
    sample: tuple[Any, ...] = ()

    def described(self) -> str:
        return f"{self.table} {self.check_name}: {self.message}"


def failures(results: Iterable[Result]) -> list[Result]:
    return [r for r in results if r.status == FAIL]


def rows(run_id: str, results: Iterable[Result], now: datetime) -> list[dict[str, Any]]:
    """The ``dq_results`` rows of a run."""
    return [
        {
            "dq_result_id": short_hash(run_id, r.table, r.check_name),
            "run_id": run_id,
            "table": r.table,
            "check_name": r.check_name,
            "status": r.status,
            "failure_count": r.failure_count,
            "rows_checked": r.rows_checked,
            "observed": r.observed,
            "threshold": r.threshold,
            "sample": json.dumps(list(r.sample[:SAMPLE_SIZE]), default=str, ensure_ascii=False) if r.sample else None,
            "message": r.message,
            "checked_at": now,
        }
        for r in results
    ]


def summary(run_id: str, failed: list[Result]) -> str:
    return f"run {run_id} stopped: " + "; ".join(r.message for r in failed)

