"""The data dictionary, generated from the pandera models (as dbt docs come from models).

``newsetl docs`` writes it to docs/tables.md; a test fails when the committed file is stale.
"""

from __future__ import annotations

from schemas import TABLES, arrow_schema

HEADER = """# Tables

Generated from the pandera models in `schemas/` by `newsetl docs`; do not edit by hand.
Every table is a Delta table under `warehouse/<table>/` and a table of the same name in
`warehouse/catalog.duckdb` (a copy of its current rows).
"""


def _checks(column) -> str:
    return "; ".join(f"`{c.error or c.name}`" for c in column.checks)


def render() -> str:
    parts = [HEADER]
    for name, table in TABLES.items():
        schema = table.model.to_schema()
        arrow = arrow_schema(table.model)
        parts.append(f"\n## `{name}`\n")
        if schema.description:
            parts.append(f"{schema.description}\n")
        keys = [f"primary key `{table.primary_key}`"]
        keys += [f"`{col}` → `{ref}`" for col, ref in table.foreign_keys]
        parts.append(f"Keys: {', '.join(keys)}.\n")
        parts.append("| column | type | null | checks | description |\n|---|---|---|---|---|")
        for col_name, column in schema.columns.items():
            arrow_type = arrow.field(col_name).type
            description = (column.description or "").replace("|", "\\|")
            checks = _checks(column).replace("|", "\\|")
            parts.append(
                f"| `{col_name}` | {arrow_type} | {'yes' if column.nullable else 'no'} | {checks} | {description} |"
            )
        row_checks = [c.description or c.name for c in schema.checks]
        if row_checks:
            parts.append("\nRow checks: " + "; ".join(row_checks) + ".")
    return "\n".join(parts) + "\n"
