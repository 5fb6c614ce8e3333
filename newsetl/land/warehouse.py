"""Land stage: the Delta Lake tables under ``warehouse/<table>/``.

Each table is a Delta table (ACID commits, time travel) whose data files are plain
Parquet. A run stages its rows as Parquet under ``warehouse/_staging/<run_id>/`` and
commits each table once at the end, merging on the primary key, so a re-run on the same
inputs changes no row and a crash before the commit leaves the tables as they were.

The warehouse may also be an object-store URI (``s3://bucket/prefix``, see
``newsetl.land.location``): the tables and the commit journal then live there, and the lock and
the staging area in the local directory.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from deltalake import CommitProperties, DeltaTable, Field, write_deltalake

from newsetl.land import catalog, location as storage
from newsetl.land.location import Location
from schemas import TABLES, arrow_schema

log = logging.getLogger(__name__)

STAGING = "_staging"
LOCK_FILE = ".lock"
JOURNAL = "_commit.json"


class WarehouseBusy(RuntimeError):
    """Another run holds the warehouse lock."""


Root = Location | Path | str  # a warehouse, as storage.locate takes it


def table_path(root: Root, table: str) -> Path | str:
    """The table's directory, or its URI on an object store."""
    loc = storage.locate(root)
    return loc.at(table) if loc.remote else Path(loc.at(table))


def _open(root: Root, table: str) -> DeltaTable:
    loc = storage.locate(root)
    return DeltaTable(loc.at(table), storage_options=storage.delta_options(loc))


def ensure_tables(root: Root, tables: tuple[str, ...] = tuple(TABLES)) -> None:
    """Create every missing table, empty, with the schema its contract implies."""
    loc = storage.locate(root)
    loc.local.mkdir(parents=True, exist_ok=True)
    options = storage.delta_options(loc)
    for name in tables:
        if not DeltaTable.is_deltatable(loc.at(name), storage_options=options):
            DeltaTable.create(loc.at(name), arrow_schema(TABLES[name].model), mode="ignore", name=name,
                              storage_options=options)


def read_table(root: Root, table: str, columns: list[str] | None = None) -> pa.Table:
    return _open(root, table).to_pyarrow_dataset().to_table(columns=columns)


def live_files(root: Root, table: str) -> list[str]:
    """Absolute paths (``s3://`` URIs on an object store) of the Parquet files that make up
    the table's current version."""
    return [uri.removeprefix("file://") for uri in _open(root, table).file_uris()]


def table_version(root: Root, table: str) -> int:
    return _open(root, table).version()


def connect(root: Root, tables: Iterable[str] = tuple(TABLES)) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with one view per table's current Delta version
    (the tables as committed, whatever state the catalog is in)."""
    con = duckdb.connect()
    storage.register_filesystem(con, storage.locate(root))
    for name in tables:
        con.execute(catalog.view_sql(con, name, live_files(root, name), arrow_schema(TABLES[name].model)))
    return con


# --- staging -------------------------------------------------------------------------


def staging_dir(root: Root, run_id: str) -> Path:
    return storage.locate(root).local / STAGING / run_id


def stage(root: Root, run_id: str, table: str, frame: pd.DataFrame, part: int, step: str = "") -> int:
    """Write one batch of validated rows for ``table``; returns the rows written.
    ``step`` tells apart two stages that write the same table for the same batch."""
    if frame.empty:
        return 0
    data = to_arrow(table, frame)
    out = staging_dir(root, run_id) / table
    out.mkdir(parents=True, exist_ok=True)
    name = f"part-{part:06d}{'-' + step if step else ''}.parquet"
    tmp = out / f".{name}.tmp"
    pq.write_table(data, tmp)
    os.replace(tmp, out / name)  # a half-written part is never read
    return data.num_rows


def staged(root: Root, run_id: str, table: str) -> ds.Dataset | None:
    path = staging_dir(root, run_id) / table
    files = sorted(str(p) for p in path.glob("part-*.parquet")) if path.is_dir() else []
    if not files:
        return None
    return ds.dataset(files, schema=arrow_schema(TABLES[table].model), format="parquet")


def drop_staging(root: Root, run_id: str | None = None) -> None:
    """Remove one run's staging area, or (run_id None) every leftover of crashed runs."""
    target = staging_dir(root, run_id) if run_id else storage.locate(root).local / STAGING
    shutil.rmtree(target, ignore_errors=True)


# --- commits -------------------------------------------------------------------------


def _props(run_id: str) -> CommitProperties:
    return CommitProperties(custom_metadata={"newsetl.run_id": run_id})


def merge(
    root: Root,
    table: str,
    source: ds.Dataset | pa.Table | None,
    run_id: str,
    update_if: str | bool,
    replace_articles: list[str] | None = None,
) -> dict:
    """Upsert on the primary key in one commit: insert new keys; update a matched row when
    ``update_if`` (a predicate over t. and s.) holds, always (True) or never (False), so
    unchanged rows are not rewritten. ``replace_articles``: rows of these articles that
    the source does not bring again are deleted (their article's text changed)."""
    key = TABLES[table].primary_key
    delta = _open(root, table)
    _add_contract_columns(delta, table)
    ids = ", ".join("'" + a.replace("'", "''") + "'" for a in replace_articles or ())
    if source is None:
        return delta.delete(f"article_id IN ({ids})", commit_properties=_props(run_id)) if ids else {}
    gone = f"t.article_id IN ({ids})" if ids else None
    merger = delta.merge(
        source=source.scanner().to_reader() if isinstance(source, ds.Dataset) else source,
        predicate=f"t.{key} = s.{key}",
        source_alias="s",
        target_alias="t",
        merge_schema=True,  # a column added to a contract is added to the table
        commit_properties=_props(run_id),
    )
    if update_if is True:
        merger = merger.when_matched_update_all()
    elif update_if:
        merger = merger.when_matched_update_all(predicate=update_if)
    merger = merger.when_not_matched_insert_all()
    if gone:
        merger = merger.when_not_matched_by_source_delete(predicate=gone)
    return merger.execute()


def _add_contract_columns(delta: DeltaTable, table: str) -> None:
    # A table written before its contract gained a column lacks it, and a merge predicate
    # that names the column fails to plan (merge_schema adds columns only after planning).
    have = {f.name for f in delta.schema().fields}
    missing = [f for f in arrow_schema(TABLES[table].model) if f.name not in have]
    if missing:
        delta.alter.add_columns([Field.from_arrow(f) for f in missing])


def overwrite(root: Root, table: str, data: pa.Table, run_id: str) -> None:
    loc = storage.locate(root)
    write_deltalake(loc.at(table), data, mode="overwrite", commit_properties=_props(run_id),
                    storage_options=storage.delta_options(loc))


def to_arrow(table: str, frame: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(frame, schema=arrow_schema(TABLES[table].model), preserve_index=False)


# --- all tables or none ------------------------------------------------------------------
# A run commits several Delta tables one after the other. Before the first commit the
# journal records every table's version; removing the journal is the run's commit point.
# A run that dies in between (even by SIGKILL) leaves the journal behind, and the next
# run, or the failing run itself, restores every table to the recorded versions.
# On an object store the journal lives with the tables, not in the local directory: the
# next run may start on another machine (or after the local directory was lost), and a
# journal left on one machine would later "restore" tables that other runs committed to.


def journal_path(root: Root) -> Path | str:
    loc = storage.locate(root)
    return loc.at(JOURNAL) if loc.remote else Path(loc.at(JOURNAL))


def begin_commit(root: Root, run_id: str) -> dict[str, int]:
    versions = {name: table_version(root, name) for name in TABLES}
    journal = json.dumps({"run_id": run_id, "versions": versions}).encode("utf-8")
    storage.write_file(storage.locate(root), JOURNAL, journal)
    return versions


def end_commit(root: Root) -> None:
    """The commit point: from here on the run's rows are the warehouse's."""
    storage.remove_file(storage.locate(root), JOURNAL)


def roll_back(root: Root) -> str | None:
    """Undo the commits of a run that did not reach its commit point; returns its run_id.
    Safe to repeat: a restore interrupted half-way is finished by the next call."""
    loc = storage.locate(root)
    data = storage.read_file(loc, JOURNAL)
    if data is None:
        return None
    try:
        journal = json.loads(data)
    except ValueError:  # torn write of the journal itself: no table was touched yet
        storage.remove_file(loc, JOURNAL)
        return None
    for name, version in journal["versions"].items():
        if not DeltaTable.is_deltatable(loc.at(name), storage_options=storage.delta_options(loc)):
            continue
        delta = _open(loc, name)
        if delta.version() != version:
            delta.restore(version, commit_properties=_props(f"rollback:{journal['run_id']}"))
    storage.remove_file(loc, JOURNAL)
    log.warning("rolled back the unfinished commit of run %s", journal["run_id"])
    return journal["run_id"]


# --- one run at a time -----------------------------------------------------------------


@contextmanager
def exclusive(root: Root, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold the warehouse's run lock. A second run waits up to ``wait_seconds``, then
    raises WarehouseBusy. The OS frees the lock if the holder dies, even by SIGKILL.
    The lock is a file of the local directory: for an object-store warehouse it keeps out
    runs on this machine only (Delta's conditional-put commits still keep each table whole)."""
    local = storage.locate(root).local
    local.mkdir(parents=True, exist_ok=True)
    with open(local / LOCK_FILE, "a+") as handle:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        f"another newsetl run is writing to {root}; wait for it to finish"
                    ) from None
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- the catalog ------------------------------------------------------------------------


def _snapshots(root: Root) -> dict[str, catalog.TableSnapshot]:
    return {
        name: catalog.TableSnapshot(live_files(root, name), arrow_schema(t.model))
        for name, t in TABLES.items()
    }


def refresh_catalog(root: Root) -> None:
    """Swap in a catalog that shows every table's current version."""
    catalog.refresh(root, _snapshots(root), catalog.VIEWS)
