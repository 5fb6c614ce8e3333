"""``newsetl quarantine list | replay | dismiss``: open quarantine rows, their inputs
processed again after a fix, or closed with a reason."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsetl.cli.common import add_warehouse, emit, settings_of
from newsetl.cli.preflight import UsageError
from newsetl.cli.run import ingest
from newsetl.settings import Settings

if TYPE_CHECKING:
    from newsetl.run.review import Located


def add_parser(sub: argparse._SubParsersAction, defaults: Settings) -> None:
    q = sub.add_parser("quarantine", help="show quarantined inputs, reprocess them after a fix, or dismiss them",
                       description=(
        "Every input or record that failed a check is a row of the quarantine table, with its source file "
        "or URL. `list` shows the open ones (neither resolved nor dismissed); `replay` runs their raw inputs "
        "again (only those, from the raw directory of the run that quarantined them), and rows whose input "
        "now lands are marked resolved; `dismiss` closes rows that need nothing more, with a reason."))
    actions = q.add_subparsers(dest="action", required=True, metavar="ACTION")
    show = actions.add_parser("list", help="show open quarantine rows (all rows with --all)")
    replay = actions.add_parser("replay", help="reprocess the raw inputs behind the open quarantine rows")
    dismiss = actions.add_parser("dismiss", help="close open quarantine rows that need nothing more, with a reason",
                                 description="Mark open quarantine rows dismissed: they leave `quarantine list` "
                                 "(`--all` still shows them, with the reason) and `replay`.")
    raw_help = "look for the inputs here instead of in the raw directory of the run that quarantined them"
    for action in (replay, dismiss):
        action.add_argument("--raw", type=Path, default=None, metavar="DIR", help=raw_help)
    for action in (show, replay, dismiss):
        add_warehouse(action, defaults)
        action.add_argument("--run", metavar="RUN_ID", help="only rows first seen by this run")
        action.add_argument("--check", help="only rows that failed this check (e.g. empty_file)")
    show.add_argument("--all", action="store_true", help="include resolved and dismissed rows (when, by which run, why)")
    show.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format (default: %(default)s)")
    dismiss.add_argument("--reason", required=True, help="why they need nothing more (kept with the rows)")
    which = dismiss.add_mutually_exclusive_group(required=True)
    which.add_argument("--source", action="append", metavar="URI",
                       help="rows of this input (source_uri as `quarantine list` shows it; repeatable)")
    which.add_argument("--missing", action="store_true", help="rows whose input is no longer in its raw directory")


def _open_rows(args: argparse.Namespace, settings: Settings, include_resolved: bool = False,
               sources: list[str] | None = None) -> list[dict[str, Any]]:
    from newsetl.land import Warehouse
    from newsetl.quality import open_quarantine

    with Warehouse.at(args.warehouse, settings).connect(("quarantine", "runs")) as con:
        run, check = (args.run, args.check) if sources is None else (None, None)
        return open_quarantine(con, run, check, include_resolved, sources=sources).to_pylist()


def _quarantine_rows(args: argparse.Namespace, settings: Settings,
                     include_resolved: bool = False) -> list[dict[str, Any]] | None:
    from newsetl.land import catalog_path, locate

    if not catalog_path(locate(args.warehouse, settings)).is_file():  # every run, even a failed one, writes it
        print(f"newsetl quarantine: no warehouse at {args.warehouse}: run `newsetl run` first", file=sys.stderr)
        return None
    return _open_rows(args, settings, include_resolved)


def cmd_quarantine_list(args: argparse.Namespace) -> int:
    rows = _quarantine_rows(args, settings_of(args), include_resolved=args.all)
    if rows is None:
        return 2
    from schemas.quarantine import CLOSED_COLUMNS, PROBLEM_COLUMNS

    columns = PROBLEM_COLUMNS + (CLOSED_COLUMNS if args.all else [])
    emit(columns, [tuple(r[c] for c in columns) for r in rows], args.format)
    return 0


def _say_unreachable(prog: str, found: Located, missing_hint: bool) -> None:
    """Tell on stderr which inputs a replay or dismissal cannot look at, and why."""
    if found.missing and missing_hint:
        first = found.missing[0]
        print(f"{prog}: {len(found.missing_inputs)} inputs are no longer in their raw directory (first: "
              f"{first['source_uri']} in {first.get('raw_dir') or '--raw'}); `newsetl quarantine dismiss --missing "
              f"--reason TEXT` closes their rows", file=sys.stderr)
    if found.unknown:
        sources = sorted({r["source_uri"] for r in found.unknown})
        print(f"{prog}: {len(sources)} inputs have no raw directory to look in (their run predates runs.raw_dir, "
              f"or the directory is gone; first: {sources[0]}): pass --raw DIR", file=sys.stderr)


def cmd_quarantine_replay(args: argparse.Namespace) -> int:
    from newsetl.cli import preflight
    from newsetl.run import review

    prog = "newsetl quarantine replay"
    settings = settings_of(args)
    rows = _quarantine_rows(args, settings)
    if rows is None:
        return 2
    found = review.locate(rows, args.raw)
    _say_unreachable(prog, found, missing_hint=True)
    if not found.present:
        print("nothing to replay: no open quarantine row names an input that is still in its raw directory")
        return 0
    preflight.check_warehouse(str(args.warehouse), settings)
    for folder in found.present:
        preflight.check_raw_dir(folder)
    code = 0
    # One run per raw directory: a run reads one directory, and input paths are relative to it.
    for folder, sources in found.present.items():
        row = ingest(prog, settings, raw_dir=str(folder), warehouse_dir=str(args.warehouse), only_sources=sources)
        if isinstance(row, int):
            return row
        history = _open_rows(args, settings, include_resolved=True, sources=sources)
        resolved = sum(1 for r in history if r["resolved_run_id"] == row["run_id"])
        still = sum(1 for r in history if r["resolved_at"] is None and r["dismissed_at"] is None)
        print(f"run {row['run_id']}: {row['status']}: replayed {len(sources)} inputs "
              f"({row['articles']} articles, {row['duplicates']} duplicates, {row['quarantined']} quarantined) "
              f"from {folder}; {resolved} quarantine rows resolved, {still} still open")
        code = max(code, 0 if row["status"] == "success" else 1)
    return code


def cmd_quarantine_dismiss(args: argparse.Namespace) -> int:
    from newsetl.land import Warehouse, WarehouseBusy
    from newsetl.run import review

    prog = "newsetl quarantine dismiss"
    reason = review.one_line(args.reason)
    if not reason:
        raise UsageError("--reason: say why these rows need nothing more")
    settings = settings_of(args)
    rows = _quarantine_rows(args, settings)
    if rows is None:
        return 2
    if args.missing:
        found = review.locate(rows, args.raw)
        _say_unreachable(prog, found, missing_hint=False)
        chosen = found.missing
    else:
        chosen = [r for r in rows if r["source_uri"] in set(args.source)]
        if unmatched := sorted(set(args.source) - {r["source_uri"] for r in chosen}):
            more = f" (and {len(unmatched) - 1} more)" if len(unmatched) > 1 else ""
            print(f"{prog}: no open quarantine row names {unmatched[0]}{more}", file=sys.stderr)
            if not chosen:
                return 1
    if not chosen:
        print("nothing to dismiss: every open quarantine row names an input that is still there")
        return 0
    try:
        count = review.dismiss(Warehouse.at(args.warehouse, settings), [r["quarantine_id"] for r in chosen],
                               reason, settings)
    except WarehouseBusy as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 3
    print(f"dismissed {count} quarantine rows ({len({r['source_uri'] for r in chosen})} inputs): {reason}")
    return 0


def main(args: argparse.Namespace) -> int:
    return {"list": cmd_quarantine_list, "replay": cmd_quarantine_replay,
            "dismiss": cmd_quarantine_dismiss}[args.action](args)
