"""Field helpers shared by the table contracts."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

HEX16 = r"^[0-9a-f]{16}$"
HEX64 = r"^[0-9a-f]{64}$"
UTC_TS = pd.DatetimeTZDtype(unit="us", tz="UTC")


def key(description: str) -> pa.Field:
    """A 16-hex-digit identifier (a truncated SHA-256, see newsetl.extract.identity)."""
    return pa.Field(str_matches=HEX16, description=description)


def run_id() -> pa.Field:
    return pa.Field(str_length={"min_value": 1}, description="The run that wrote this row.")


def utc_timestamp(description: str, nullable: bool = False) -> pa.Field:
    return pa.Field(nullable=nullable, description=description)
