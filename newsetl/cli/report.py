"""``newsetl report``: the path of a run's HTML report."""

from __future__ import annotations

import argparse
import sys

from newsetl.cli.common import add_warehouse, settings_of
from newsetl.settings import Settings


def add_parser(sub: argparse._SubParsersAction, defaults: Settings) -> None:
    rep = sub.add_parser("report", help="print the path of the latest run's HTML report", description=(
        "Each run writes a self-contained HTML report (counts, checks, quarantine reasons, charts) to "
        "WAREHOUSE/reports/<run_id>.html and latest.html. Prints its path; exits 2 if there is none."))
    add_warehouse(rep, defaults)
    rep.add_argument("--run", metavar="RUN_ID", help="that run's report instead of the latest")


def main(args: argparse.Namespace) -> int:
    from newsetl.land import locate
    from newsetl.report import report_path

    path = report_path(locate(args.warehouse, settings_of(args)).local, args.run)
    if not path.is_file():
        which = f"run {args.run}" if args.run else "any run"
        print(f"newsetl report: no report for {which} in {args.warehouse} (reports are written by `newsetl run`)",
              file=sys.stderr)
        return 2
    print(path)
    return 0
