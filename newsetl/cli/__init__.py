"""``newsetl``: the command line, one module per command group.

    newsetl run [--raw DIR] [--warehouse DIR] [--batch-size N]
    newsetl sql [--warehouse DIR] [--format table|csv|json] QUERY
    newsetl runs [--warehouse DIR] [--limit N] [--format table|csv|json]
    newsetl status [--warehouse DIR]
    newsetl export --table T --out DIR [--format parquet|csv] [--since DATE] [--source DOMAIN] [--warehouse DIR]
    newsetl quarantine list [--warehouse DIR] [--run R] [--check C] [--all] [--format table|csv|json]
    newsetl quarantine replay [--raw DIR] [--warehouse DIR] [--run R] [--check C]
    newsetl quarantine dismiss --reason TEXT (--source URI... | --missing) [--raw DIR] [--warehouse DIR]
    newsetl report [--warehouse DIR] [--run RUN_ID]
    newsetl maintain [--warehouse DIR] [--retention-hours H]
    newsetl docs [--output docs/tables.md]

Prefect is imported only by ``run`` and ``quarantine replay``, after their arguments and
paths are checked (``preflight``), so ``sql`` answers, and a bad argument is refused, in
well under a second. Usage errors are one line and exit code 2.
"""

from __future__ import annotations

import argparse
import sys

from newsetl import __version__
from newsetl.cli import docs, export, maintain, quarantine, report, run, runs, sql, status
from newsetl.cli.common import Parser
from newsetl.cli.preflight import UsageError
from newsetl.settings import Settings

# The command groups, in the order --help lists them.
_GROUPS = {"run": run, "sql": sql, "runs": runs, "status": status, "export": export, "quarantine": quarantine,
           "docs": docs, "report": report, "maintain": maintain}


def _parser() -> argparse.ArgumentParser:
    defaults = Settings()
    p = Parser(prog="newsetl", description="Raw news pages -> clean, validated, queryable tables.")
    p.add_argument("--version", action="version", version=f"newsetl {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in _GROUPS.values():
        group.add_parser(sub, defaults)
    return p


def main(argv: list[str] | None = None) -> int:
    from pydantic import ValidationError

    try:
        parser = _parser()
    except ValidationError as exc:  # a NEWSETL_* variable that is not a valid setting
        from newsetl.cli.preflight import describe_settings_error

        print(f"newsetl: {describe_settings_error(exc)}", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    try:
        return _GROUPS[args.command].main(args)
    except UsageError as exc:
        prog = " ".join(["newsetl", args.command] + ([args.action] if getattr(args, "action", None) else []))
        print(f"{prog}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
