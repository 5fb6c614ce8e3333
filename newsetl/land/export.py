"""``newsetl export``: a table or view of the catalog as one Parquet or CSV file, for
analysts who want files (docs/decisions.md, D65).

It reads through the same read-only, locked-down connection as ``newsetl sql`` (D3): the
connection can open no file, so DuckDB writes nothing; the rows are streamed out in
batches and pyarrow writes them, into a directory outside the warehouse. The table is
named, never written as SQL: it must be one of the catalog's own tables or views, and the
filters are parameters.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from newsetl.land.catalog import _quote, connect_read_only

FORMATS = ("parquet", "csv")
BATCH_ROWS = 50_000  # rows per batch streamed from DuckDB to the file
# The column --since compares with, per table; tables with article_id and none of these
# take their article's published_at.
SINCE_COLUMNS = {"articles": "published_at", "entities": "last_seen", "quarantine": "quarantined_at",
                 "runs": "started_at", "fetches": "fetched_at", "inputs": "processed_at", "dq_results": "checked_at"}


class ExportError(ValueError):
    """The export cannot be done as asked (unknown table, filter that does not apply, bad
    output directory); nothing was written."""


@dataclass(frozen=True)
class Exported:
    path: Path
    rows: int


def exportable(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The catalog's tables and views, by name (its bookkeeping schema left out)."""
    return [name for (name,) in con.execute("""
        SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT internal
        UNION SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal
        ORDER BY 1""").fetchall()]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    return {name: type_ for name, type_, *_ in con.execute(f"DESCRIBE SELECT * FROM {_quote(table)}").fetchall()}


def _filters(table: str, columns: dict[str, str], since: date | None, source: str | None) -> tuple[list[str], list]:
    """WHERE conditions and their parameters for --since and --source."""
    where: list[str] = []
    params: list = []
    via_article = "article_id" in columns and table != "articles"
    article = "article_id IN (SELECT article_id FROM articles WHERE {})"
    if since is not None:
        start = f"{since.isoformat()} 00:00:00+00"  # a day in UTC, as every time in the warehouse
        if (column := SINCE_COLUMNS.get(table)) and column in columns:
            where.append(f"{_quote(column)} >= CAST(? AS TIMESTAMPTZ)")
        elif via_article:
            where.append(article.format("published_at >= CAST(? AS TIMESTAMPTZ)"))
        else:
            raise ExportError(f"--since: {table} has no date to filter on")
        params.append(start)
    if source is not None:
        if "domain" in columns:
            where.append("domain = ?")
        elif via_article:
            where.append(article.format("domain = ?"))
        else:
            raise ExportError(f"--source: {table} has no article domain to filter on")
        params.append(source.removeprefix("www.").lower())
    return where, params


def _select(fmt: str, columns: dict[str, str]) -> str:
    """The columns as they are for Parquet; for CSV, nested values as JSON and bytes as
    base64 text (a CSV cell holds text)."""
    if fmt == "parquet":
        return "*"

    def cell(name: str, type_: str) -> str:
        if type_ == "BLOB":
            return f"to_base64({_quote(name)}) AS {_quote(name)}"
        if type_.endswith("]") or type_.startswith(("STRUCT", "MAP", "UNION")):
            return f"CAST(to_json({_quote(name)}) AS VARCHAR) AS {_quote(name)}"
        return _quote(name)

    return ", ".join(cell(n, t) for n, t in columns.items())


def check_output(out_dir: Path, warehouse_root: Path) -> Path:
    """The output directory, made if missing; never inside the warehouse."""
    out = out_dir.expanduser().resolve()
    root = warehouse_root.expanduser().resolve()
    if out == root or out.is_relative_to(root):
        raise ExportError(f"--out {out_dir}: inside the warehouse ({warehouse_root}); choose a directory outside it")
    if out.exists() and not out.is_dir():
        raise ExportError(f"--out {out_dir}: exists and is not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"--out {out_dir}: cannot make it ({exc.strerror})") from None
    return out


def _write(reader: pa.RecordBatchReader, fmt: str, path: Path) -> int:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    rows = 0
    writer = (pq.ParquetWriter(path, reader.schema, compression="zstd") if fmt == "parquet"
              else pacsv.CSVWriter(path, reader.schema))
    with writer:
        for batch in reader:
            writer.write_batch(batch)
            rows += batch.num_rows
    return rows


def export(catalog: Path, table: str, fmt: str, out_dir: Path, warehouse_root: Path, *, memory_limit: str,
           since: date | None = None, source: str | None = None) -> Exported:
    """Write ``table`` (filtered) to ``out_dir/<table>.<fmt>``, replacing it whole: a
    reader sees the old file or the new one, never half of one."""
    if fmt not in FORMATS:
        raise ExportError(f"--format {fmt}: not one of {', '.join(FORMATS)}")
    con = connect_read_only(catalog, memory_limit)
    try:
        names = exportable(con)
        if table not in names:
            raise ExportError(f"--table {table}: no such table or view; one of: {', '.join(names)}")
        columns = _columns(con, table)
        where, params = _filters(table, columns, since, source)
        sql = f"SELECT {_select(fmt, columns)} FROM {_quote(table)}" + (f" WHERE {' AND '.join(where)}" if where else "")
        out = check_output(out_dir, warehouse_root)
        path = out / f"{table}.{fmt}"
        tmp = out / f".{table}.{fmt}.{os.getpid()}.tmp"
        try:
            rows = _write(con.sql(sql, params=params).to_arrow_reader(BATCH_ROWS), fmt, tmp)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    finally:
        con.close()
    return Exported(path, rows)
