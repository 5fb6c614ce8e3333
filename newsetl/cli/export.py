"""``newsetl export``: a table or view of the catalog as a Parquet or CSV file."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from newsetl.cli.common import add_warehouse, settings_of
from newsetl.settings import Settings


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date like 2026-01-31: {text}") from None


def add_parser(sub: argparse._SubParsersAction, defaults: Settings) -> None:
    exp = sub.add_parser("export", help="write a table or view to a Parquet or CSV file", description=(
        "Write one table or view of the catalog (articles, mentions, claims, entities, claims_by_speaker, ...) "
        "to OUT/<table>.parquet or OUT/<table>.csv, replacing that file. Read-only, like `newsetl sql`; OUT "
        "must be outside the warehouse. Exits 2 when the table, a filter or OUT is wrong, 1 when reading fails."))
    exp.add_argument("--table", required=True, metavar="T", help="table or view name (see `newsetl sql 'SHOW TABLES'`)")
    exp.add_argument("--format", choices=("parquet", "csv"), default="parquet", help="file format (default: %(default)s)")
    exp.add_argument("--out", required=True, type=Path, metavar="DIR", help="directory to write into (made if missing)")
    exp.add_argument("--since", type=_day, metavar="DATE", help="rows from this UTC day on: articles by published_at "
                     "(mentions, claims: their article's), runs by started_at, fetches by fetched_at, ...")
    exp.add_argument("--source", metavar="DOMAIN", help="rows of articles from this domain (e.g. nytimes.com), "
                     "and the mentions and claims of those articles")
    add_warehouse(exp, defaults)


def main(args: argparse.Namespace) -> int:
    import duckdb

    from newsetl.land import catalog_path, locate
    from newsetl.land.catalog import OutdatedCatalog, QueryLimitExceeded
    from newsetl.land.export import ExportError, export

    settings = settings_of(args)
    loc = locate(args.warehouse, settings)
    try:
        done = export(catalog_path(loc), args.table, args.format, args.out, loc.local,
                      memory_limit=settings.sql_memory_limit, since=args.since, source=args.source)
    except (ExportError, FileNotFoundError, OutdatedCatalog) as exc:
        print(f"newsetl export: {exc}", file=sys.stderr)
        return 2
    except (QueryLimitExceeded, duckdb.Error, OSError) as exc:
        print(f"newsetl export: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"{done.path}  ({done.rows} rows)")
    return 0
