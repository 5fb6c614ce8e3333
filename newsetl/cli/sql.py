"""``newsetl sql``: one read-only query on the catalog."""

from __future__ import annotations

import argparse
import sys

from newsetl.cli.common import add_warehouse, emit, settings_of
from newsetl.settings import Settings


def add_parser(sub: argparse._SubParsersAction, defaults: Settings) -> None:
    sql = sub.add_parser("sql", help="run a read-only SQL query on the warehouse", description=(
        "Query the DuckDB catalog (a table per Delta table: articles, mentions, claims, entities, quarantine, "
        "runs, ...). Read-only: one SELECT (SHOW, DESCRIBE and SUMMARIZE too), EXPLAIN [ANALYZE] of one, or "
        "an introspection PRAGMA; the query can open no file and write nothing. Exits 2 when the query is "
        "refused, 1 when it fails or passes a limit."))
    sql.add_argument("query", help="the SQL query")
    add_warehouse(sql, defaults)
    sql.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format (default: %(default)s)")
    sql.add_argument("--timeout", type=_seconds, metavar="SECONDS", default=None,
                     help=f"stop the query after this long (default: {defaults.sql_timeout_seconds:g})")
    sql.add_argument("--memory-limit", type=_memory_size, metavar="SIZE", default=None,
                     help=f"most memory the query may use, e.g. 512MB; it never spills to disk "
                          f"(default: {defaults.sql_memory_limit})")


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


def main(args: argparse.Namespace) -> int:
    from newsetl.land import locate
    from newsetl.land.catalog import OutdatedCatalog, QueryLimitExceeded, ReadOnlyViolation, catalog_path, query

    import duckdb

    settings = settings_of(args)
    timeout = args.timeout or settings.sql_timeout_seconds
    memory_limit = args.memory_limit or settings.sql_memory_limit
    try:
        path = catalog_path(locate(args.warehouse, settings))
        columns, rows = query(path, args.query, timeout_seconds=timeout, memory_limit=memory_limit)
    except (ReadOnlyViolation, FileNotFoundError, OutdatedCatalog) as exc:
        print(f"newsetl sql: {exc}", file=sys.stderr)
        return 2
    except (QueryLimitExceeded, duckdb.Error) as exc:
        print(f"newsetl sql: {exc}", file=sys.stderr)
        return 1
    emit(columns, rows, args.format)
    return 0
