"""The DuckDB catalog: ``warehouse/catalog.duckdb`` with one view per table.

Each view reads the Parquet files of its table's current Delta version, so any DuckDB
client opens the catalog with no extension. The catalog is rebuilt in a temporary file
and swapped in with one atomic rename at the end of a run: a reader sees either the
previous run or this one, never a mix.

For an object-store warehouse the catalog file is in the local directory and its views
read ``s3://`` URIs, through an fsspec filesystem that ``newsetl sql`` registers on its
connection (another DuckDB client needs the httpfs extension and credentials for them).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from newsetl import storage
from newsetl.storage import Location

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


def catalog_path(root: Location | Path | str) -> Path:
    return storage.locate(root).local / CATALOG


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def view_sql(con: duckdb.DuckDBPyConnection, name: str, files: list[str], schema: pa.Schema) -> str:
    """A view with the contract's columns, not the files': a column added to a contract
    after some files were written reads as null there, and an empty table still has
    typed columns."""
    rel = con.from_arrow(schema.empty_table())
    types = dict(zip(rel.columns, rel.types, strict=True))
    present: set[str] = set()
    source = ""
    if files:
        listed = ", ".join(_literal(f) for f in files)
        source = f" FROM read_parquet([{listed}], union_by_name = true)"
        present = {row[0] for row in con.execute(f"DESCRIBE SELECT *{source}").fetchall()}
    columns = ", ".join(
        _quote(c) if c in present else f"CAST(NULL AS {t}) AS {_quote(c)}" for c, t in types.items()
    )
    return f"CREATE VIEW {_quote(name)} AS SELECT {columns}{source}" + ("" if files else " WHERE false")


def refresh(root: Location | Path | str, tables: Mapping[str, TableSnapshot],
            extra_views: Mapping[str, str] = {}) -> Path:
    """Write a new catalog with a view per table (and ``extra_views``: name -> SELECT)."""
    loc = storage.locate(root)
    final = catalog_path(loc)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(final.name + ".tmp")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        storage.register_filesystem(con, loc)  # creating a view reads its files' schema
        for name, snap in tables.items():
            con.execute(view_sql(con, name, snap.files, snap.schema))
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


def connect_read_only(root: Location | Path | str) -> duckdb.DuckDBPyConnection:
    loc = storage.locate(root)
    path = catalog_path(loc)
    if not path.is_file():
        raise FileNotFoundError(f"no catalog at {path}: run `newsetl run` first")
    # Files outside the warehouse are off limits, and so are extensions: a query cannot
    # read the rest of the disk (or of the bucket) or fetch code.
    con = duckdb.connect(
        str(path),
        read_only=True,
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False},
    )
    storage.register_filesystem(con, loc)
    # Order matters: the allow-list must be set while external access is still on.
    con.execute("SET allowed_directories = [?]", [loc.uri + ("/" if loc.remote else os.sep)])
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def query(root: Location | Path | str, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run a read-only query against the catalog: (column names, rows)."""
    con = connect_read_only(root)
    try:
        _check_read_only(con, sql)
        rel = con.execute(sql)
        columns = [d[0] for d in rel.description] if rel.description else []
        return columns, rel.fetchall()
    finally:
        con.close()
