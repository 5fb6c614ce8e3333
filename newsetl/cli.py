"""``newsetl``: the command line.

    newsetl run [--raw DIR] [--warehouse DIR] [--batch-size N]
    newsetl sql [--warehouse DIR] [--format table|csv|json] QUERY
    newsetl quarantine list [--warehouse DIR] [--run R] [--check C] [--all] [--format table|csv|json]
    newsetl quarantine replay [--raw DIR] [--warehouse DIR] [--run R] [--check C]
    newsetl report [--warehouse DIR] [--run RUN_ID]
    newsetl docs [--output docs/tables.md]

Prefect is imported only by ``run``, so ``sql`` answers in well under a second.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from newsetl import __version__
from newsetl.settings import Settings

def _parser() -> argparse.ArgumentParser:
    defaults = Settings()
    p = argparse.ArgumentParser(prog="newsetl", description="Raw news pages -> clean, validated, queryable tables.")
    p.add_argument("--version", action="version", version=f"newsetl {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run the ingest flow on raw pages", description=(
        "Run the Prefect ingest flow: every .html, .htm, .html.gz and .txt file under --raw becomes an "
        "article, a quarantine row with its reason, or a counted duplicate. Prints the run's counts; "
        "exits 1 if the run failed, 3 if another run holds the warehouse."))
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


def _quarantine_parser(sub: argparse._SubParsersAction, defaults: Settings) -> None:
    q = sub.add_parser("quarantine", help="show quarantined inputs, or reprocess them after a fix", description=(
        "Every input or record that failed a check is a row of the quarantine table, with its source file "
        "or URL. `list` shows the open ones; `replay` runs their raw inputs again (only those), and rows "
        "whose input now lands are marked resolved."))
    actions = q.add_subparsers(dest="action", required=True, metavar="ACTION")
    show = actions.add_parser("list", help="show open quarantine rows (all rows with --all)")
    replay = actions.add_parser("replay", help="reprocess the raw inputs behind the open quarantine rows")
    replay.add_argument("--raw", type=Path, default=defaults.raw_dir, help="directory of raw pages (default: %(default)s)")
    for action in (show, replay):
        _add_warehouse(action, defaults)
        action.add_argument("--run", metavar="RUN_ID", help="only rows first seen by this run")
        action.add_argument("--check", help="only rows that failed this check (e.g. empty_file)")
    show.add_argument("--all", action="store_true", help="include resolved rows (with when and by which run)")
    show.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format (default: %(default)s)")


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
    columns = _QUARANTINE_COLUMNS + (["resolved_at", "resolved_run_id"] if args.all else [])
    _emit(columns, [tuple(r[c] for c in columns) for r in rows], args.format)
    return 0


def cmd_quarantine_replay(args: argparse.Namespace) -> int:
    from newsetl.dq import open_quarantine

    rows = _quarantine_rows(args)
    if rows is None:
        return 2
    sources = sorted({r["source_uri"] for r in rows})
    missing = [s for s in sources if not (Path(args.raw) / s).is_file()]
    if missing:
        print(f"newsetl quarantine replay: {len(missing)} inputs are no longer under {args.raw} "
              f"(first: {missing[0]}); replaying the others", file=sys.stderr)
    sources = [s for s in sources if s not in missing]
    if not sources:
        print("nothing to replay: no open quarantine row names an input under " + str(args.raw))
        return 0
    row = _ingest("newsetl quarantine replay", raw_dir=str(args.raw), warehouse_dir=str(args.warehouse),
                  only_sources=sources)
    if isinstance(row, int):
        return row
    history = open_quarantine(args.warehouse, include_resolved=True).to_pylist()
    resolved = sum(1 for r in history if r["resolved_run_id"] == row["run_id"])
    still = sum(1 for r in history if r["resolved_at"] is None and r["source_uri"] in set(sources))
    print(f"run {row['run_id']}: {row['status']}: replayed {len(sources)} inputs "
          f"({row['articles']} articles, {row['duplicates']} duplicates, {row['quarantined']} quarantined); "
          f"{resolved} quarantine rows resolved, {still} still open")
    return 0 if row["status"] == "success" else 1


def cmd_quarantine(args: argparse.Namespace) -> int:
    return {"list": cmd_quarantine_list, "replay": cmd_quarantine_replay}[args.action](args)


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
    args = _parser().parse_args(argv)
    return {"run": cmd_run, "sql": cmd_sql, "quarantine": cmd_quarantine, "report": cmd_report,
            "docs": cmd_docs}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
