"""Contract of the ``dq_results`` table: one row per data-quality check per run."""

from __future__ import annotations

import pandera.pandas as pa
from pandera.typing import Series

from schemas._common import UTC_TS, Contract, key, run_id, utc_timestamp

STATUSES = ["pass", "warn", "fail"]


class DqResultModel(Contract):
    dq_result_id: Series[str] = key("Hash of (run_id, table, check_name).")
    run_id: Series[str] = run_id()
    table: Series[str] = pa.Field(
        str_length={"min_value": 1}, description="The table checked, or `run` for checks of the run as a whole."
    )
    check_name: Series[str] = pa.Field(str_length={"min_value": 1}, description="Name of the check.")
    status: Series[str] = pa.Field(isin=STATUSES, description="pass, warn or fail (a fail stops the run).")
    failure_count: Series["int64"] = pa.Field(ge=0, description="Rows (or inputs) that failed the check.")
    rows_checked: Series["int64"] = pa.Field(ge=0, description="Rows (or inputs) the check looked at.")
    observed: Series["float64"] = pa.Field(
        nullable=True, description="The measured value, e.g. the share of inputs quarantined."
    )
    threshold: Series[str] = pa.Field(nullable=True, description='The thresholds applied, e.g. "warn>0.1 fail>0.5".')
    sample: Series[str] = pa.Field(nullable=True, description="JSON list of at most 5 failing values.")
    message: Series[str] = pa.Field(str_length={"min_value": 1}, description="What was found, in one line for people.")
    checked_at: Series[UTC_TS] = utc_timestamp("When the check ran.")

    class Config:
        unique = ["dq_result_id"]
        description = "Data-quality check results, one row per check per run (primary key dq_result_id)."
