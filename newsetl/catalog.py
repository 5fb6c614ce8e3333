"""The DuckDB catalog: ``warehouse/catalog.duckdb`` with one view per table.

Each view reads the Parquet files of its table's current Delta version, so any DuckDB
client opens the catalog with no extension. The catalog is rebuilt in a temporary file
and swapped in with one atomic rename at the end of a run: a reader sees either the
previous run or this one, never a mix.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

CATALOG = "catalog.duckdb"

# Statement types a user query may contain; everything else (INSERT, COPY, ATTACH,
# INSTALL, SET, CREATE, ...) is refused before it reaches DuckDB.
_READ_ONLY = {"SELECT", "EXPLAIN", "PRAGMA", "RELATION"}


class ReadOnlyViolation(ValueError):
    pass


@dataclass(frozen=True)
class TableSnapshot:
    files: list[str]
    schema: pa.Schema


def catalog_path(root: Path) -> Path:
    return Path(root) / CATALOG


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _view_sql(con: duckdb.DuckDBPyConnection, name: str, snap: TableSnapshot) -> str:
    if snap.files:
        files = ", ".join(_literal(f) for f in snap.files)
        return f"CREATE VIEW {_quote(name)} AS SELECT * FROM read_parquet([{files}])"
    # A table with no rows yet has no files; keep its columns and types all the same.
    rel = con.from_arrow(snap.schema.empty_table())
    cols = ", ".join(
        f"CAST(NULL AS {dtype}) AS {_quote(col)}" for col, dtype in zip(rel.columns, rel.types, strict=True)
    )
    return f"CREATE VIEW {_quote(name)} AS SELECT {cols} WHERE false"


def refresh(root: Path, tables: Mapping[str, TableSnapshot], extra_views: Mapping[str, str] = {}) -> Path:
    """Write a new catalog with a view per table (and ``extra_views``: name -> SELECT)."""
    final = catalog_path(root)
    tmp = final.with_name(final.name + ".tmp")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        for name, snap in tables.items():
            con.execute(_view_sql(con, name, snap))
        for name, select in extra_views.items():
            con.execute(f"CREATE VIEW {_quote(name)} AS {select}")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, final)
    return final


def _check_read_only(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    statements = con.extract_statements(sql)
    if not statements:
        raise ReadOnlyViolation("empty query")
    for st in statements:
        kind = st.type.name
        if kind not in _READ_ONLY:
            raise ReadOnlyViolation(
                f"newsetl sql is read-only: {kind} statements are not allowed (only SELECT, EXPLAIN and PRAGMA)"
            )


def connect_read_only(root: Path) -> duckdb.DuckDBPyConnection:
    path = catalog_path(root)
    if not path.is_file():
        raise FileNotFoundError(f"no catalog at {path}: run `newsetl run` first")
    # Files outside the warehouse are off limits, and so are extensions: a query cannot
    # read the rest of the disk or fetch code.
    warehouse = str(Path(root).resolve())
    con = duckdb.connect(
        str(path),
        read_only=True,
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False},
    )
    # Order matters: the allow-list must be set while external access is still on.
    con.execute("SET allowed_directories = [?]", [warehouse + os.sep])
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def query(root: Path, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run a read-only query against the catalog: (column names, rows)."""
    con = connect_read_only(root)
    try:
        _check_read_only(con, sql)
        rel = con.execute(sql)
        columns = [d[0] for d in rel.description] if rel.description else []
        return columns, rel.fetchall()
    finally:
        con.close()
