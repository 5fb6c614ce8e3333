"""``newsetl docs``: the data dictionary, generated from the pandera models (as dbt docs come
from models). It is written to docs/tables.md; a test fails when the committed file is stale.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from newsetl.settings import Settings

HEADER = """# Tables

Generated from the pandera models in `schemas/` by `newsetl docs`; do not edit by hand.
Every table is a Delta table under `warehouse/<table>/` and a table of the same name in
`warehouse/catalog.duckdb` (a copy of its current rows).
"""


def _checks(column) -> str:
    return "; ".join(f"`{c.error or c.name}`" for c in column.checks)


def render() -> str:
    from schemas import TABLES, arrow_schema  # pandera: only this command pays for it

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


def add_parser(sub: argparse._SubParsersAction, defaults: Settings) -> None:
    docs = sub.add_parser("docs", help="write the data dictionary (docs/tables.md) from the pandera models")
    docs.add_argument("--output", type=Path, default=Path("docs/tables.md"), help="where to write it (default: %(default)s)")


def main(args: argparse.Namespace) -> int:
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(), encoding="utf-8")
    print(f"wrote {args.output}")
    return 0
