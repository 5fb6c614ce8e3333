"""Validate stage: check records against their pandera contract, lazily.

Valid rows go on; every failing row becomes one quarantine record that names each
check it failed. Nothing is dropped silently.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pandera.pandas as pa

from newsetl.quality.quarantine import quarantine_row
from schemas import TABLES, arrow_schema

_MAX_VALUE_CHARS = 80


@dataclass
class Validated:
    valid: pd.DataFrame
    quarantine: list[dict[str, Any]]


def empty_frame(table: str) -> pd.DataFrame:
    return arrow_schema(TABLES[table].model).empty_table().to_pandas()


def _row_schema(table: str) -> pa.DataFrameSchema:
    # Uniqueness is a property of the whole table, settled by dedup and by merging on
    # the primary key; as a row check it would quarantine both copies of a duplicate.
    schema = copy.deepcopy(TABLES[table].model.to_schema())
    schema.unique = None
    return schema


def _describe(cases: pd.DataFrame) -> tuple[str, str]:
    """(check names, human reason) for the failure cases of one row."""
    checks: list[str] = []
    reasons: list[str] = []
    for case in cases.itertuples(index=False):
        check = str(case.check)
        if case.schema_context == "Column":
            value = str(case.failure_case)
            if len(value) > _MAX_VALUE_CHARS:
                value = value[:_MAX_VALUE_CHARS] + "…"
            reason = f"{case.column}: {check} (got {value!r})"
        else:
            reason = check
        if reason not in reasons:
            reasons.append(reason)
        if check not in checks:
            checks.append(check)
    return ", ".join(checks), "; ".join(reasons)


def validate_records(table: str, records: list[dict[str, Any]], run_id: str) -> Validated:
    if not records:
        return Validated(empty_frame(table), [])
    df = pd.DataFrame.from_records(records)
    schema = _row_schema(table)
    try:
        return Validated(schema.validate(df, lazy=True), [])
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    row_cases = cases[cases["index"].notna()]
    if len(row_cases) < len(cases):
        # A failure not tied to a row (a missing column, a wrong type for the whole
        # frame) is a bug in the pipeline, not bad data: fail loudly.
        raise ValueError(f"{table}: records do not fit the contract:\n{cases[cases['index'].isna()]}")
    now = datetime.now(UTC)
    key = TABLES[table].primary_key
    quarantine = []
    bad = set()
    for index, group in row_cases.groupby("index", sort=True):
        i = int(index)
        bad.add(i)
        record = records[i]
        check, reason = _describe(group)
        quarantine.append(
            quarantine_row(
                run_id=run_id, table=table, source_uri=str(record.get("source_uri") or record.get("article_id", "")),
                check=check, reason=reason, record_key=record.get(key), record=record, now=now,
            )
        )
    good = df.drop(index=sorted(bad))
    valid = schema.validate(good.reset_index(drop=True), lazy=True) if len(good) else empty_frame(table)
    return Validated(valid, quarantine)


def require_valid(table: str, records: list[dict[str, Any]], run_id: str) -> pd.DataFrame:
    """Validate rows the pipeline builds itself (runs, entities, dq_results, inputs,
    quarantine rows): one that breaks its contract is a bug, not bad data, so it raises
    instead of being quarantined."""
    checked = validate_records(table, records, run_id)
    if checked.quarantine:
        raise ValueError(f"{table} rows break their contract: {checked.quarantine[0]['reason']}")
    return checked.valid
