"""Contract of the ``quarantine`` table: every input or record that could not land, with why.

A row is open until a later run resolves it (the input lands, or its article is analysed
again without the problem) or a person dismisses it (``newsetl quarantine dismiss``: the
input is gone, or will never be fixed), with a reason. ``quarantine list`` shows open rows.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas._common import UTC_TS, Contract, key, run_id, utc_timestamp

STAGES = ["input", "articles", "mentions", "claims"]
# What a row says about the problem, in the order ``newsetl quarantine list`` shows it;
# the columns from ``resolved_at`` on say how it was closed (``--all`` shows them too).
PROBLEM_COLUMNS = ["source_uri", "table", "check", "reason", "run_id", "quarantined_at"]


class QuarantineModel(Contract):
    quarantine_id: Series[str] = key("Hash of (table, source_uri, check, reason): the same problem is one row.")
    run_id: Series[str] = run_id()
    table: Series[str] = pa.Field(
        isin=STAGES, description="`input` for unreadable inputs, else the table the record was meant for."
    )
    record_key: Series[str] = pa.Field(nullable=True, description="Primary key of the failed record, if any.")
    source_uri: Series[str] = pa.Field(description="The input file (path under raw_dir) or URL.")
    check: Series[str] = pa.Field(str_length={"min_value": 1}, description="Name of the failed check.")
    reason: Series[str] = pa.Field(str_length={"min_value": 1}, description="What was wrong, for people.")
    record_json: Series[str] = pa.Field(nullable=True, description="The failed record as JSON (text cut at 10k chars).")
    quarantined_at: Series[UTC_TS] = utc_timestamp("When the problem was first seen.")
    resolved_at: Series[UTC_TS] = utc_timestamp(
        "When a later run landed the input (as an article or duplicate) or re-analysed the article "
        "without the problem; null while the problem is open.", nullable=True
    )
    resolved_run_id: Series[str] = pa.Field(nullable=True, description="The run that resolved the problem.")
    dismissed_at: Series[UTC_TS] = utc_timestamp(
        "When a person dismissed the problem (`newsetl quarantine dismiss`); null unless dismissed.", nullable=True
    )
    dismissed_reason: Series[str] = pa.Field(
        nullable=True, str_length={"min_value": 1}, description="Why it was dismissed, as the person gave it."
    )

    class Config:
        unique = ["quarantine_id"]
        # Rows are built open: the resolution columns are only ever set by a later run,
        # the dismissal columns by a person.
        add_missing_columns = True
        description = "Inputs and records that failed a check (primary key quarantine_id)."

    @pa.dataframe_check(description="dismissed_at and dismissed_reason are set together")
    def dismissed_says_why(cls, df: pd.DataFrame) -> Series[bool]:
        return df["dismissed_at"].notna() == df["dismissed_reason"].notna()


# The columns that say how a row was closed: by a later run, or by a person.
_COLUMNS = list(QuarantineModel.to_schema().columns)
CLOSED_COLUMNS = _COLUMNS[_COLUMNS.index("resolved_at"):]
