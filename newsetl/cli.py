"""``newsetl``: the command line.

    newsetl run [--raw DIR] [--warehouse DIR] [--batch-size N]
    newsetl sql [--warehouse DIR] [--format table|csv|json] QUERY
    newsetl runs [--warehouse DIR] [--limit N] [--format table|csv|json]
    newsetl quarantine list [--warehouse DIR] [--run R] [--check C] [--all] [--format table|csv|json]
    newsetl quarantine replay [--raw DIR] [--warehouse DIR] [--run R] [--check C]
    newsetl quarantine dismiss --reason TEXT (--source URI... | --missing) [--raw DIR] [--warehouse DIR]
    newsetl report [--warehouse DIR] [--run RUN_ID]
    newsetl docs [--output docs/tables.md]

Prefect is imported only by ``run`` and ``quarantine replay``, after their arguments and
paths are checked (``newsetl.preflight``), so ``sql`` answers, and a bad argument is
refused, in well under a second. Usage errors are one line and exit code 2.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsetl import __version__
from newsetl.preflight import UsageError
from newsetl.settings import Settings

if TYPE_CHECKING:
    from newsetl.review import Located


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line (``newsetl run: argument --batch-size: invalid int value``), exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    defaults = Settings()
    p = _Parser(prog="newsetl", description="Raw news pages -> clean, validated, queryable tables.")
    p.add_argument("--version", action="version", version=f"newsetl {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run the ingest flow on raw pages", description=(
        "Run the Prefect ingest flow: every .html, .htm, .html.gz and .txt file under --raw becomes an "
        "article, a quarantine row with its reason, or a counted duplicate. Prints the run's counts; "
        "exits 1 if the run failed, 2 if an argument, path or setting is wrong (checked before the flow "
        "starts), 3 if another run holds the warehouse."))
    run.add_argument("--raw", type=Path, default=defaults.raw_dir, help="directory of raw pages (default: %(default)s)")
    _add_warehouse(run, defaults)
    run.add_argument("--batch-size", type=int, default=None, help=f"documents per task (default: {defaults.batch_size})")
    where = run.add_argument_group("where the batch tasks run", "default: local worker processes, one per core (NEWSETL_WORKERS)")
    where.add_argument("--dask-address", metavar="tcp://HOST:PORT", default=None,
                       help="run them on this existing Dask cluster (its workers need PREFECT_API_URL set)")
    where.add_argument("--dask-local", type=int, metavar="N", default=None, help="run them on a local Dask cluster of N workers")
    web = run.add_argument_group("web sources", "fetched into --raw (under web/) before the run reads it")
    web.add_argument("--urls", type=Path, metavar="FILE", help="file of article URLs, one per line, # comments")
    web.add_argument("--feed", action="append", default=[], metavar="URL", help="RSS/Atom feed or sitemap URL (repeatable)")
    web.add_argument("--warc", action="append", default=[], type=Path, metavar="FILE", help="WARC or WARC.gz file (repeatable)")
    web.add_argument("--sources", type=Path, metavar="FILE", help="sources file naming feeds, sitemaps, URL lists, WARCs (e.g. raw/sources.yaml)")

    sql = sub.add_parser("sql", help="run a read-only SQL query on the warehouse", description=(
        "Query the DuckDB catalog (a table per Delta table: articles, mentions, claims, entities, quarantine, "
        "runs, ...). Read-only: one SELECT (SHOW, DESCRIBE and SUMMARIZE too), EXPLAIN [ANALYZE] of one, or "
        "an introspection PRAGMA; the query can open no file and write nothing. Exits 2 when the query is "
        "refused, 1 when it fails or passes a limit."))
    sql.add_argument("query", help="the SQL query")
    _add_warehouse(sql, defaults)
    sql.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format (default: %(default)s)")
    sql.add_argument("--timeout", type=_seconds, metavar="SECONDS", default=None,
                     help=f"stop the query after this long (default: {defaults.sql_timeout_seconds:g})")
    sql.add_argument("--memory-limit", type=_memory_size, metavar="SIZE", default=None,
                     help=f"most memory the query may use, e.g. 512MB; it never spills to disk "
                          f"(default: {defaults.sql_memory_limit})")
    _runs_parser(sub, defaults)
    _quarantine_parser(sub, defaults)
    docs = sub.add_parser("docs", help="write the data dictionary (docs/tables.md) from the pandera models")
    docs.add_argument("--output", type=Path, default=Path("docs/tables.md"), help="where to write it (default: %(default)s)")
    rep = sub.add_parser("report", help="print the path of the latest run's HTML report", description=(
        "Each run writes a self-contained HTML report (counts, checks, quarantine reasons, charts) to "
        "WAREHOUSE/reports/<run_id>.html and latest.html. Prints its path; exits 2 if there is none."))
    _add_warehouse(rep, defaults)
    rep.add_argument("--run", metavar="RUN_ID", help="that run's report instead of the latest")
    return p


def _add_warehouse(parser: argparse.ArgumentParser, defaults: Settings) -> None:
    parser.add_argument("--warehouse", default=defaults.warehouse_dir,
                        help="warehouse directory or s3://bucket/prefix (default: %(default)s)")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _runs_parser(sub: argparse._SubParsersAction, defaults: Settings) -> None:
    runs = sub.add_parser("runs", help="list recent runs: status, counts, duration, why a run failed", description=(
        "The most recent runs from the runs table, newest first: status, start, duration, input and URL "
        "counts, and for a failed run its error class and message."))
    _add_warehouse(runs, defaults)
    runs.add_argument("--limit", type=_positive, default=20, help="how many runs (default: %(default)s)")
    runs.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format (default: %(default)s)")


def _quarantine_parser(sub: argparse._SubParsersAction, defaults: Settings) -> None:
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
        _add_warehouse(action, defaults)
        action.add_argument("--run", metavar="RUN_ID", help="only rows first seen by this run")
        action.add_argument("--check", help="only rows that failed this check (e.g. empty_file)")
    show.add_argument("--all", action="store_true", help="include resolved and dismissed rows (when, by which run, why)")
    show.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format (default: %(default)s)")
    dismiss.add_argument("--reason", required=True, help="why they need nothing more (kept with the rows)")
    which = dismiss.add_mutually_exclusive_group(required=True)
    which.add_argument("--source", action="append", metavar="URI",
                       help="rows of this input (source_uri as `quarantine list` shows it; repeatable)")
    which.add_argument("--missing", action="store_true", help="rows whose input is no longer in its raw directory")


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value


def _print_table(columns: list[str], rows: list[tuple], out) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(*columns, show_lines=False)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    # Piped output has no terminal width to follow; keep rows whole rather than wrapped at 80.
    Console(file=out, width=None if out.isatty() else 200).print(table)


def _seconds(text: str) -> float:
    import math

    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"not a positive number of seconds: {text}")
    return value


def _memory_size(text: str) -> str:
    import re

    from newsetl.settings import MEMORY_SIZE

    if not re.match(MEMORY_SIZE, text):
        raise argparse.ArgumentTypeError(f"not a memory size like 512MB or 2GB: {text}")
    return text


def cmd_sql(args: argparse.Namespace) -> int:
    from newsetl.catalog import OutdatedCatalog, QueryLimitExceeded, ReadOnlyViolation, query

    import duckdb

    settings = Settings()
    timeout = args.timeout or settings.sql_timeout_seconds
    memory_limit = args.memory_limit or settings.sql_memory_limit
    try:
        columns, rows = query(args.warehouse, args.query, timeout_seconds=timeout, memory_limit=memory_limit)
    except (ReadOnlyViolation, FileNotFoundError, OutdatedCatalog) as exc:
        print(f"newsetl sql: {exc}", file=sys.stderr)
        return 2
    except (QueryLimitExceeded, duckdb.Error) as exc:
        print(f"newsetl sql: {exc}", file=sys.stderr)
        return 1
    _emit(columns, rows, args.format)
    return 0


def _emit(columns: list[str], rows: list[tuple], fmt: str) -> None:
    if fmt == "json":
        json.dump([{c: _jsonable(v) for c, v in zip(columns, row, strict=True)} for row in rows],
                  sys.stdout, ensure_ascii=False, indent=1)
        print()
    elif fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows([[_jsonable(v) for v in row] for row in rows])
    else:
        _print_table(columns, rows, sys.stdout)


def _ingest(prog: str, **params: Any) -> dict[str, Any] | int:
    """Run the ingest flow: its runs row, or the exit code of a run that did not finish."""
    from newsetl.warehouse import WarehouseBusy, exclusive

    try:
        # Fail fast and quietly when another run holds the warehouse, before Prefect starts
        # (the flow takes the lock itself; this only spares a traceback in its log).
        with exclusive(params["warehouse_dir"], wait_seconds=Settings().lock_wait_seconds):
            pass
    except WarehouseBusy as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 3
    from flows.ingest import ingest
    from newsetl.dq import DataQualityError

    try:
        return ingest(show_progress=sys.stderr.isatty(), **params)
    except WarehouseBusy as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 3
    except DataQualityError as exc:  # says which check stopped the run; see the dq_results table
        print(f"{prog}: {exc} (see the dq_results and quarantine tables)", file=sys.stderr)
        return 1
    except Exception as exc:  # the flow already logged the traceback
        print(f"{prog}: failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def cmd_run(args: argparse.Namespace) -> int:
    from newsetl import preflight

    # Before Prefect starts: a wrong path or setting is one line and exit 2, at once.
    preflight.settings_for({"raw_dir": args.raw, "warehouse_dir": args.warehouse, "batch_size": args.batch_size,
                            "dask_address": args.dask_address, "dask_local": args.dask_local})
    preflight.check_run(args.raw, str(args.warehouse), urls_file=args.urls, feeds=args.feed, warcs=args.warc,
                        sources_file=args.sources)
    from newsetl.catalog import catalog_path

    row = _ingest(
        "newsetl run", raw_dir=str(args.raw), warehouse_dir=str(args.warehouse), batch_size=args.batch_size,
        urls_file=str(args.urls) if args.urls else None, feeds=args.feed,
        warcs=[str(w) for w in args.warc], sources_file=str(args.sources) if args.sources else None,
        dask_address=args.dask_address, dask_local=args.dask_local,
    )
    if isinstance(row, int):
        return row
    lines = [
        f"run {row['run_id']}: {row['status']}",
        f"  inputs seen   {row['inputs_seen']:>6}  (unchanged since last processed, not read again: "
        f"{row['inputs_skipped_unchanged']})",
        f"  articles      {row['articles']:>6}  (new {row['articles_new']}, updated {row['articles_updated']}, "
        f"unchanged {row['articles_unchanged']})",
        f"  duplicates    {row['duplicates']:>6}",
        f"  quarantined   {row['quarantined']:>6}",
        f"  enriched      {row['articles_enriched']:>6}  (mentions {row['mentions']}, claims {row['claims']}; "
        f"not English {row['enrich_skipped_non_english']}, rows quarantined {row['enrich_quarantined']})",
    ]
    if row["urls_seen"]:
        lines.append(
            f"  urls          {row['urls_seen']:>6}  (fetched {row['urls_fetched']}, unchanged {row['urls_unchanged']}, "
            f"duplicate {row['urls_duplicate']}, robots-excluded {row['urls_robots_excluded']}, "
            f"failed {row['urls_failed']}: see the fetches table)"
        )
    lines.append(f"  warehouse     {args.warehouse}  (DuckDB catalog: {catalog_path(args.warehouse)})")
    print("\n".join(lines))
    return 0 if row["status"] == "success" else 1


_QUARANTINE_COLUMNS = ["source_uri", "table", "check", "reason", "run_id", "quarantined_at"]
_CLOSED_COLUMNS = ["resolved_at", "resolved_run_id", "dismissed_at", "dismissed_reason"]


def _quarantine_rows(args: argparse.Namespace, include_resolved: bool = False) -> list[dict[str, Any]] | None:
    from newsetl.catalog import catalog_path
    from newsetl.dq import open_quarantine

    if not catalog_path(args.warehouse).is_file():  # every run, even a failed one, writes it
        print(f"newsetl quarantine: no warehouse at {args.warehouse}: run `newsetl run` first", file=sys.stderr)
        return None
    return open_quarantine(args.warehouse, args.run, args.check, include_resolved).to_pylist()


def cmd_quarantine_list(args: argparse.Namespace) -> int:
    rows = _quarantine_rows(args, include_resolved=args.all)
    if rows is None:
        return 2
    columns = _QUARANTINE_COLUMNS + (_CLOSED_COLUMNS if args.all else [])
    _emit(columns, [tuple(r[c] for c in columns) for r in rows], args.format)
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
    from newsetl import preflight, review
    from newsetl.dq import open_quarantine

    prog = "newsetl quarantine replay"
    rows = _quarantine_rows(args)
    if rows is None:
        return 2
    found = review.locate(rows, args.raw)
    _say_unreachable(prog, found, missing_hint=True)
    if not found.present:
        print("nothing to replay: no open quarantine row names an input that is still in its raw directory")
        return 0
    preflight.check_warehouse(str(args.warehouse))
    for folder in found.present:
        preflight.check_raw_dir(folder)
    code = 0
    # One run per raw directory: a run reads one directory, and input paths are relative to it.
    for folder, sources in found.present.items():
        row = _ingest(prog, raw_dir=str(folder), warehouse_dir=str(args.warehouse), only_sources=sources)
        if isinstance(row, int):
            return row
        history = open_quarantine(args.warehouse, include_resolved=True, sources=sources).to_pylist()
        resolved = sum(1 for r in history if r["resolved_run_id"] == row["run_id"])
        still = sum(1 for r in history if r["resolved_at"] is None and r["dismissed_at"] is None)
        print(f"run {row['run_id']}: {row['status']}: replayed {len(sources)} inputs "
              f"({row['articles']} articles, {row['duplicates']} duplicates, {row['quarantined']} quarantined) "
              f"from {folder}; {resolved} quarantine rows resolved, {still} still open")
        code = max(code, 0 if row["status"] == "success" else 1)
    return code


def cmd_quarantine_dismiss(args: argparse.Namespace) -> int:
    from newsetl import preflight, review
    from newsetl.warehouse import WarehouseBusy

    prog = "newsetl quarantine dismiss"
    reason = review.one_line(args.reason)
    if not reason:
        raise UsageError("--reason: say why these rows need nothing more")
    settings = preflight.settings_for({"warehouse_dir": args.warehouse})
    rows = _quarantine_rows(args)
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
        count = review.dismiss(args.warehouse, [r["quarantine_id"] for r in chosen], reason, settings)
    except WarehouseBusy as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 3
    print(f"dismissed {count} quarantine rows ({len({r['source_uri'] for r in chosen})} inputs): {reason}")
    return 0


def cmd_quarantine(args: argparse.Namespace) -> int:
    return {"list": cmd_quarantine_list, "replay": cmd_quarantine_replay,
            "dismiss": cmd_quarantine_dismiss}[args.action](args)


def cmd_runs(args: argparse.Namespace) -> int:
    from newsetl.catalog import catalog_path
    from newsetl.runlog import recent_runs

    if not catalog_path(args.warehouse).is_file():  # every run, even a failed one, writes it
        print(f"newsetl runs: no warehouse at {args.warehouse}: run `newsetl run` first", file=sys.stderr)
        return 2
    columns, rows = recent_runs(args.warehouse, args.limit)
    if args.format == "table":
        _print_runs([dict(zip(columns, row, strict=True)) for row in rows], sys.stdout)
    else:
        _emit(columns, rows, args.format)
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
        table.add_row(r["run_id"], r["status"], f"{r['started_at']:%Y-%m-%d %H:%M:%S}",
                      *("" if v is None else str(v) for v in counts), why)
    Console(file=out, width=None if out.isatty() else 200).print(table)


def cmd_report(args: argparse.Namespace) -> int:
    from newsetl.report import report_path

    path = report_path(args.warehouse, args.run)
    if not path.is_file():
        which = f"run {args.run}" if args.run else "any run"
        print(f"newsetl report: no report for {which} in {args.warehouse} (reports are written by `newsetl run`)",
              file=sys.stderr)
        return 2
    print(path)
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from newsetl.datadict import render

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(), encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


def main(argv: list[str] | None = None) -> int:
    from pydantic import ValidationError

    try:
        parser = _parser()
    except ValidationError as exc:  # a NEWSETL_* variable that is not a valid setting
        from newsetl.preflight import describe_settings_error

        print(f"newsetl: {describe_settings_error(exc)}", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    try:
        return {"run": cmd_run, "sql": cmd_sql, "runs": cmd_runs, "quarantine": cmd_quarantine,
                "report": cmd_report, "docs": cmd_docs}[args.command](args)
    except UsageError as exc:
        prog = " ".join(["newsetl", args.command] + ([args.action] if getattr(args, "action", None) else []))
        print(f"{prog}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
