"""The runs table for people: the recent runs, with their counts and why a failed one failed."""

from __future__ import annotations

from typing import Any

from newsetl.land.warehouse import Warehouse

# What `newsetl runs` shows, in this order (duration_s is computed).
COLUMNS = ["run_id", "status", "started_at", "duration_s", "inputs_seen", "articles", "articles_new",
           "duplicates", "quarantined", "urls_seen", "urls_failed", "error_class", "error_message"]


def recent_runs(warehouse: Warehouse, limit: int) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The ``limit`` most recent runs, newest first, as (columns, rows). A warehouse whose
    runs table predates the error columns shows them empty."""
    con = warehouse.connect(("runs",))
    try:
        con.execute("SET TimeZone = 'UTC'")
        rows = con.execute(
            """SELECT run_id, status, started_at,
                      round(epoch(finished_at) - epoch(started_at), 1) AS duration_s,
                      inputs_seen, articles, articles_new, duplicates, quarantined, urls_seen, urls_failed,
                      error_class, error_message
               FROM runs ORDER BY started_at DESC, run_id DESC LIMIT ?""", [limit]).fetchall()
    finally:
        con.close()
    return COLUMNS, rows
