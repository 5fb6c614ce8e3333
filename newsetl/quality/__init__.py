"""Quality stage: the gate every row passes, and the checks every run passes.

* ``validate``     - rows against their pandera contract; a failing row becomes a quarantine row;
* ``quarantine``   - a quarantine row: what could not land, where it came from, why;
* ``spans``        - mention and claim spans against their article's text;
* ``results``      - a check's result, its ``dq_results`` row, the errors that stop a run;
* ``run_checks``   - run-level checks before anything lands (the circuit breaker);
* ``table_checks`` - cross-table checks after the merges, before the commit point;
* ``resolution``   - open quarantine rows resolved by a later run or dismissed by a person.

The stages that make rows (extract, enrich) use the gate, so this package sits below
them; the checks that read the warehouse are given a DuckDB connection by the caller,
so it imports nothing of the land stage.
"""

from newsetl.quality.quarantine import quarantine_row
from newsetl.quality.resolution import OPEN, dismissed_quarantine, open_quarantine, resolved_quarantine
from newsetl.quality.results import (
    FAIL, PASS, WARN, CircuitBreakerTripped, CrossTableCheckFailed, DataQualityError, Result, failures, rows, summary,
)
from newsetl.quality.run_checks import RunFacts, run_checks
from newsetl.quality.spans import check_spans
from newsetl.quality.table_checks import cross_table_checks
from newsetl.quality.validate import Validated, empty_frame, require_valid, validate_records

__all__ = ["FAIL", "OPEN", "PASS", "WARN", "CircuitBreakerTripped", "CrossTableCheckFailed", "DataQualityError",
           "Result", "RunFacts", "Validated", "check_spans", "cross_table_checks", "dismissed_quarantine",
           "empty_frame", "failures", "open_quarantine", "quarantine_row", "require_valid", "resolved_quarantine",
           "rows", "run_checks", "summary", "validate_records"]
