"""The life of a quarantine row after it lands: open until a later run resolves it (its
input lands, or its article is analysed again without the problem) or a person dismisses
it with a reason (D23)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

import pyarrow as pa

from schemas import TABLES, arrow_schema

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

INPUT_TABLES = ("input", "articles")  # quarantine rows about an input as a whole
ENRICH_TABLES = ("mentions", "claims")  # rows about one article's analysis


OPEN = "resolved_at IS NULL AND dismissed_at IS NULL"  # what still needs a person


def open_quarantine(con: DuckDBPyConnection, run_id: str | None = None, check: str | None = None,
                    include_resolved: bool = False, sources: Iterable[str] | None = None) -> pa.Table:
    """Quarantine rows, oldest first: open ones (neither resolved nor dismissed) unless
    ``include_resolved``, each with ``raw_dir``, the raw directory of the run that first
    saw it (null for runs recorded before runs.raw_dir existed). ``con`` shows the
    quarantine and runs tables."""
    where, params = [f"(? OR ({OPEN}))"], [include_resolved]
    if run_id:
        where.append("q.run_id = ?")
        params.append(run_id)
    if check:
        where.append('"check" = ?')
        params.append(check)
    if sources is not None:
        where.append("list_contains(?, source_uri)")
        params.append(sorted(set(sources)))
    return con.sql(
        f"""SELECT q.*, r.raw_dir FROM quarantine q LEFT JOIN runs r USING (run_id)
            WHERE {' AND '.join(where)} ORDER BY quarantined_at, source_uri""", params=params
    ).to_arrow_table()


def dismissed_quarantine(rows: pa.Table, reason: str, now: datetime) -> pa.Table:
    """Quarantine rows (as ``open_quarantine`` gives them) marked dismissed with ``reason``,
    ready to merge: the person's word that they need nothing more."""
    schema = arrow_schema(TABLES["quarantine"].model)
    n = rows.num_rows
    rows = rows.select(schema.names).cast(schema)
    rows = rows.set_column(schema.get_field_index("dismissed_at"), schema.field("dismissed_at"),
                           pa.array([now] * n, schema.field("dismissed_at").type))
    return rows.set_column(schema.get_field_index("dismissed_reason"), schema.field("dismissed_reason"),
                           pa.array([reason] * n, pa.string()))


def resolved_quarantine(con: DuckDBPyConnection, landed: set[str], analysed: set[str], still_failing: list[str],
                        run_id: str, now: datetime) -> pa.Table:
    """Open quarantine rows that a run fixed, with resolved_at/resolved_run_id set:
    rows about an input that ``landed`` (as an article or duplicate), and rows about the
    analysis of an article the run ``analysed`` again, unless the run saw the same
    problem again (``still_failing`` quarantine ids). ``con`` shows the quarantine table."""
    schema = arrow_schema(TABLES["quarantine"].model)
    if not landed and not analysed:
        return schema.empty_table()
    con.register("landed", pa.table({"source_uri": pa.array(sorted(landed), pa.string())}))
    con.register("analysed", pa.table({"source_uri": pa.array(sorted(analysed), pa.string())}))
    con.register("failing", pa.table({"quarantine_id": pa.array(still_failing, pa.string())}))
    fixed = con.sql(
        f"""SELECT * REPLACE (?::TIMESTAMPTZ AS resolved_at, ?::VARCHAR AS resolved_run_id)
            FROM quarantine q
            WHERE resolved_at IS NULL
              AND ((q."table" IN {INPUT_TABLES} AND source_uri IN (SELECT source_uri FROM landed))
                OR (q."table" IN {ENRICH_TABLES} AND source_uri IN (SELECT source_uri FROM analysed)))
              AND quarantine_id NOT IN (SELECT quarantine_id FROM failing)""",
        params=[now, run_id],
    ).to_arrow_table()
    return fixed.select(schema.names).cast(schema)

