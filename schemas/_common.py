"""The base every table contract extends, and field helpers shared by the contracts."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

HEX16 = r"^[0-9a-f]{16}$"
HEX64 = r"^[0-9a-f]{64}$"
UTC_TS = pd.DatetimeTZDtype(unit="us", tz="UTC")


class Contract(pa.DataFrameModel):
    """Every table's contract: exactly its columns, values coerced to their types. Each
    model's own Config adds ``unique`` (its primary key: one column) and ``description``."""

    class Config:
        strict = True
        coerce = True


def key(description: str) -> pa.Field:
    """A 16-hex-digit identifier (a truncated SHA-256, see newsetl.ids)."""
    return pa.Field(str_matches=HEX16, description=description)


def run_id() -> pa.Field:
    return pa.Field(str_length={"min_value": 1}, description="The run that wrote this row.")


def utc_timestamp(description: str, nullable: bool = False) -> pa.Field:
    return pa.Field(nullable=nullable, description=description)
