"""``newsetl``: the command line.

    newsetl run [--raw DIR] [--warehouse DIR] [--batch-size N]
    newsetl sql [--warehouse DIR] [--format table|csv|json] QUERY
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
    run.add_argument("--warehouse", type=Path, default=defaults.warehouse_dir, help="warehouse directory (default: %(default)s)")
    run.add_argument("--batch-size", type=int, default=None, help=f"documents per task (default: {defaults.batch_size})")
    web = run.add_argument_group("web sources", "fetched into --raw (under web/) before the run reads it")
    web.add_argument("--urls", type=Path, metavar="FILE", help="file of article URLs, one per line, # comments")
    web.add_argument("--feed", action="append", default=[], metavar="URL", help="RSS/Atom feed or sitemap URL (repeatable)")
    web.add_argument("--warc", action="append", default=[], type=Path, metavar="FILE", help="WARC or WARC.gz file (repeatable)")
    web.add_argument("--sources", type=Path, metavar="FILE", help="sources file naming feeds, sitemaps, URL lists, WARCs (e.g. raw/sources.yaml)")

    sql = sub.add_parser("sql", help="run a read-only SQL query on the warehouse", description=(
        "Query the DuckDB catalog (one view per table: articles, mentions, claims, quarantine, runs). "
        "Read-only: statements other than SELECT, EXPLAIN and PRAGMA are refused, and files outside "
        "the warehouse cannot be read."))
    sql.add_argument("query", help="the SQL query")
    sql.add_argument("--warehouse", type=Path, default=defaults.warehouse_dir, help="warehouse directory (default: %(default)s)")
    sql.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format (default: %(default)s)")
    docs = sub.add_parser("docs", help="write the data dictionary (docs/tables.md) from the pandera models")
    docs.add_argument("--output", type=Path, default=Path("docs/tables.md"), help="where to write it (default: %(default)s)")
    return p


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


def cmd_sql(args: argparse.Namespace) -> int:
    from newsetl.catalog import ReadOnlyViolation, query

    import duckdb

    try:
        columns, rows = query(args.warehouse, args.query)
    except (ReadOnlyViolation, FileNotFoundError) as exc:
        print(f"newsetl sql: {exc}", file=sys.stderr)
        return 2
    except duckdb.Error as exc:
        print(f"newsetl sql: {exc}", file=sys.stderr)
        return 1
    if args.format == "json":
        json.dump([{c: _jsonable(v) for c, v in zip(columns, row, strict=True)} for row in rows],
                  sys.stdout, ensure_ascii=False, indent=1)
        print()
    elif args.format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows([[_jsonable(v) for v in row] for row in rows])
    else:
        _print_table(columns, rows, sys.stdout)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from flows.ingest import ingest
    from newsetl.warehouse import WarehouseBusy

    try:
        row = ingest(
            raw_dir=str(args.raw), warehouse_dir=str(args.warehouse), batch_size=args.batch_size,
            urls_file=str(args.urls) if args.urls else None, feeds=args.feed,
            warcs=[str(w) for w in args.warc], sources_file=str(args.sources) if args.sources else None,
            show_progress=sys.stderr.isatty(),
        )
    except WarehouseBusy as exc:
        print(f"newsetl run: {exc}", file=sys.stderr)
        return 3
    except Exception as exc:  # the flow already logged the traceback
        print(f"newsetl run: failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    lines = [
        f"run {row['run_id']}: {row['status']}",
        f"  inputs seen   {row['inputs_seen']:>6}",
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
    lines.append(f"  warehouse     {args.warehouse}  (DuckDB catalog: {Path(args.warehouse) / 'catalog.duckdb'})")
    print("\n".join(lines))
    return 0 if row["status"] == "success" else 1


def cmd_docs(args: argparse.Namespace) -> int:
    from newsetl.datadict import render

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(), encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return {"run": cmd_run, "sql": cmd_sql, "docs": cmd_docs}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
