"""Quarantine records: what could not land, where it came from, and why."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from newsetl.ids import short_hash

# The record is kept for diagnosis; a full 2 MB text would bloat the table for nothing.
RECORD_JSON_MAX_TEXT = 10_000


def quarantine_row(
    *, run_id: str, table: str, source_uri: str, check: str, reason: str,
    record_key: str | None = None, record: dict[str, Any] | None = None, now: datetime,
) -> dict[str, Any]:
    # An exception's text may carry a file name that is not UTF-8: kept visible, storable.
    reason = reason.encode("utf-8", "backslashreplace").decode("utf-8")
    record_json = None
    if record is not None:
        shown = dict(record)
        if isinstance(shown.get("text"), str) and len(shown["text"]) > RECORD_JSON_MAX_TEXT:
            shown["text"] = shown["text"][:RECORD_JSON_MAX_TEXT] + "…[cut]"
        record_json = json.dumps(shown, default=str, ensure_ascii=False)
    return {
        "quarantine_id": short_hash(table, source_uri, check, reason),
        "run_id": run_id,
        "table": table,
        "record_key": record_key,
        "source_uri": source_uri,
        "check": check,
        "reason": reason,
        "record_json": record_json,
        "quarantined_at": now,
    }
