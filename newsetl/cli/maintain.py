"""``newsetl maintain``: give stories to articles without one, compact and vacuum the Delta
tables, then refresh the catalog."""

from __future__ import annotations

import argparse
import sys

from newsetl.cli.common import add_warehouse, print_table
from newsetl.settings import MIN_RETENTION_HOURS, Settings


def add_parser(sub: argparse._SubParsersAction, defaults: Settings) -> None:
    m = sub.add_parser("maintain", help="compact small files, delete old versions' files, refresh the catalog",
                       description=(
        "First give a story to every article landed without one (before stories existed) and compute "
        "again the signatures of an older story scheme. Then, for each Delta table: rewrite its small files into few large ones (one commit), then delete the "
        "files no version younger than the retention reads; then refresh the catalog. Takes the run lock: "
        "never runs during a run (exit 3 if one holds it). Prints files and bytes per table, before and "
        "after. Then checks every row across tables (keys, references, spans): exit 1 if a check fails."))
    add_warehouse(m, defaults)
    m.add_argument("--retention-hours", type=_retention, default=None, metavar="H", help=(
        f"keep replaced files this long, at least {MIN_RETENTION_HOURS} (default: "
        f"{defaults.maintain_retention_hours}, NEWSETL_MAINTAIN_RETENTION_HOURS)"))


def _retention(text: str) -> int:
    value = int(text)
    if value < MIN_RETENTION_HOURS:
        raise argparse.ArgumentTypeError(f"must be at least {MIN_RETENTION_HOURS} (readers outside the lock), got {value}")
    return value


def main(args: argparse.Namespace) -> int:
    from newsetl.cli.preflight import settings_for
    from newsetl.land import Warehouse, WarehouseBusy
    from newsetl.run.storyfill import maintain

    settings = settings_for({"warehouse_dir": args.warehouse, "maintain_retention_hours": args.retention_hours})
    warehouse = Warehouse.at(settings.warehouse_dir, settings)
    if not warehouse.loc.remote and not warehouse.local.is_dir():
        print(f"newsetl maintain: no warehouse at {args.warehouse}", file=sys.stderr)
        return 2
    try:
        done, filled = maintain(warehouse, settings)
    except WarehouseBusy as exc:
        print(f"newsetl maintain: {exc}", file=sys.stderr)
        return 3
    # files and bytes: the current version's; on disk: every data file, old versions' too.
    columns = ["table", "files before", "files after", "bytes before", "bytes after", "on disk before",
               "on disk after", "vacuumed files"]
    rows = [(t.table, t.before.files, t.after.files, t.before.bytes, t.after.bytes,
             t.before.stored_bytes, t.after.stored_bytes, t.vacuumed) for t in done.tables]
    print_table(columns, rows, sys.stdout)
    if filled.storied or filled.rekeyed:
        print(f"stories: {filled.storied} articles given a story ({filled.joined} of them near-duplicates of an "
              f"earlier one), {filled.rekeyed} signatures computed again")
    for check in done.failed_checks:  # landed rows a run's own checks could not see: a person decides
        print(f"newsetl maintain: check failed over the whole table: {check.described()}", file=sys.stderr)
    return 1 if done.failed_checks else 0

