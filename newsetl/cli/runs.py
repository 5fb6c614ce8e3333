"""``newsetl runs``: the recent runs, and why a failed one failed."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from newsetl.cli.common import add_warehouse, cell_text, emit, positive, settings_of
from newsetl.settings import Settings


def add_parser(sub: argparse._SubParsersAction, defaults: Settings) -> None:
    runs = sub.add_parser("runs", help="list recent runs: status, counts, duration, why a run failed", description=(
        "The most recent runs from the runs table, newest first: status, start, duration, input and URL "
        "counts, and for a failed run its error class and message."))
    add_warehouse(runs, defaults)
    runs.add_argument("--limit", type=positive, default=20, help="how many runs (default: %(default)s)")
    runs.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format (default: %(default)s)")


def main(args: argparse.Namespace) -> int:
    from newsetl.land import Warehouse, catalog_path, locate
    from newsetl.report import recent_runs

    loc = locate(args.warehouse, settings_of(args))
    if not catalog_path(loc).is_file():  # every run, even a failed one, writes it
        print(f"newsetl runs: no warehouse at {args.warehouse}: run `newsetl run` first", file=sys.stderr)
        return 2
    columns, rows = recent_runs(Warehouse(loc), args.limit)
    if args.format == "table":
        _print_runs([dict(zip(columns, row, strict=True)) for row in rows], sys.stdout)
    else:
        emit(columns, rows, args.format)
    return 0


def _print_runs(runs: list[dict[str, Any]], out) -> None:
    """Runs for a terminal: ids and times whole, counts narrow, the failure reason wrapped."""
    from rich.console import Console
    from rich.table import Table

    table = Table()
    for name in ("run_id", "status", "started (UTC)"):
        table.add_column(name, no_wrap=True)
    for name in ("seconds", "inputs", "articles", "new", "dup", "quar", "urls", "failed"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("why it failed", overflow="fold", min_width=30)
    for r in runs:
        why = f"{r['error_class']}: {r['error_message']}" if r["error_class"] else ""
        counts = [r[k] for k in ("duration_s", "inputs_seen", "articles", "articles_new", "duplicates", "quarantined",
                                 "urls_seen", "urls_failed")]
        table.add_row(cell_text(r["run_id"]), cell_text(r["status"]), f"{r['started_at']:%Y-%m-%d %H:%M:%S}",
                      *(cell_text(v) for v in counts), cell_text(why))
    Console(file=out, width=None if out.isatty() else 200).print(table)
