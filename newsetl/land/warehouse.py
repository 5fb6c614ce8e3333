"""Land stage: the Delta Lake tables under ``warehouse/<table>/``, as one object per operation.

Each table is a Delta table (ACID commits, time travel) whose data files are plain
Parquet. A run stages its rows as Parquet under ``warehouse/_staging/<run_id>/`` and
commits each table once at the end, merging on the primary key, so a re-run on the same
inputs changes no row and a crash before the commit leaves the tables as they were.

A ``Warehouse`` is made once per operation (a run, a dismissal, a report) from its
location and settings: the location is resolved once, and each Delta table is opened
once and its handle kept, since every write through a handle updates it in place. On an
object store an open costs a round trip or more (D29, D48).

The warehouse may also be an object-store URI (``s3://bucket/prefix``, see
``newsetl.land.location``): the tables and the commit journal then live there, and the
lock and the staging area in the local directory.
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
from deltalake.exceptions import TableNotFoundError

from newsetl.land import catalog, location
from newsetl.land.location import Location
from newsetl.settings import Settings
from schemas import TABLES, arrow_schema

log = logging.getLogger(__name__)

STAGING = "_staging"
LOCK_FILE = ".lock"
JOURNAL = "_commit.json"


class WarehouseBusy(RuntimeError):
    """Another run holds the warehouse lock."""


def to_arrow(table: str, frame: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(frame, schema=arrow_schema(TABLES[table].model), preserve_index=False)


def _props(run_id: str) -> CommitProperties:
    return CommitProperties(custom_metadata={"newsetl.run_id": run_id})


class Warehouse:
    """The warehouse at one location, for one operation."""

    def __init__(self, loc: Location) -> None:
        self.loc = loc
        self._tables: dict[str, DeltaTable] = {}
        self.opens = 0  # Delta table opens so far (what caching saves on an object store)

    def __getstate__(self) -> dict:
        # Delta table handles cannot be pickled; a copy (a run's state sent elsewhere)
        # opens its own.
        return {"loc": self.loc}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["loc"])

    @classmethod
    def at(cls, where: str | os.PathLike, settings: Settings) -> Warehouse:
        return cls(location.locate(where, settings))

    def __repr__(self) -> str:
        return f"Warehouse({self.loc.uri!r})"

    @property
    def local(self) -> Path:
        """This machine's directory: lock, staging, catalog and reports."""
        return self.loc.local

    @property
    def catalog_path(self) -> Path:
        return catalog.catalog_path(self.loc)

    # --- tables ----------------------------------------------------------------------

    def table_path(self, table: str) -> Path | str:
        """The table's directory, or its URI on an object store."""
        return self.loc.at(table) if self.loc.remote else Path(self.loc.at(table))

    def table(self, name: str) -> DeltaTable:
        """The table's handle, opened on first use."""
        if name not in self._tables:
            self._tables[name] = DeltaTable(self.loc.at(name), storage_options=location.delta_options(self.loc))
            self.opens += 1
        return self._tables[name]

    def _current(self, name: str) -> DeltaTable:
        """The table's handle brought up to the store's latest version. Only this run writes
        through the lock on this machine, but the journal must record (and a roll-back
        restore) the versions in the store, whoever wrote them."""
        if name not in self._tables:
            return self.table(name)
        delta = self._tables[name]
        delta.update_incremental()
        return delta

    def exists(self, name: str) -> bool:
        return name in self._tables or DeltaTable.is_deltatable(
            self.loc.at(name), storage_options=location.delta_options(self.loc))

    def ensure_tables(self, tables: Iterable[str] = tuple(TABLES)) -> None:
        """Open every table, creating a missing one empty, with the schema its contract implies."""
        self.local.mkdir(parents=True, exist_ok=True)
        for name in tables:
            try:
                self.table(name)  # one open, not a check and then an open
            except TableNotFoundError:
                self._tables[name] = DeltaTable.create(
                    self.loc.at(name), arrow_schema(TABLES[name].model), mode="ignore", name=name,
                    storage_options=location.delta_options(self.loc))

    def read_table(self, table: str, columns: list[str] | None = None) -> pa.Table:
        return self.table(table).to_pyarrow_dataset().to_table(columns=columns)

    def live_files(self, table: str) -> list[str]:
        """Absolute paths (``s3://`` URIs on an object store) of the Parquet files that make
        up the table's current version."""
        return [uri.removeprefix("file://") for uri in self.table(table).file_uris()]

    def table_version(self, table: str) -> int:
        return self.table(table).version()

    def connect(self, tables: Iterable[str] = tuple(TABLES)) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB connection with one view per table's current Delta version
        (the tables as committed, whatever state the catalog is in)."""
        con = duckdb.connect()
        location.register_filesystem(con, self.loc)
        for name in tables:
            con.execute(catalog.view_sql(con, name, self.live_files(name), arrow_schema(TABLES[name].model)))
        return con

    # --- staging ---------------------------------------------------------------------

    def staging_dir(self, run_id: str) -> Path:
        return self.local / STAGING / run_id

    def stage(self, run_id: str, table: str, frame: pd.DataFrame, part: int, step: str = "") -> int:
        """Write one batch of validated rows for ``table``; returns the rows written.
        ``step`` tells apart two stages that write the same table for the same batch.
        Writing the same part again replaces it (a retried task stages it once)."""
        if frame.empty:
            return 0
        data = to_arrow(table, frame)
        out = self.staging_dir(run_id) / table
        out.mkdir(parents=True, exist_ok=True)
        name = f"part-{part:06d}{'-' + step if step else ''}.parquet"
        tmp = out / f".{name}.tmp"
        pq.write_table(data, tmp)
        os.replace(tmp, out / name)  # a half-written part is never read
        return data.num_rows

    def staged(self, run_id: str, table: str) -> ds.Dataset | None:
        path = self.staging_dir(run_id) / table
        files = sorted(str(p) for p in path.glob("part-*.parquet")) if path.is_dir() else []
        if not files:
            return None
        return ds.dataset(files, schema=arrow_schema(TABLES[table].model), format="parquet")

    def drop_staging(self, run_id: str | None = None) -> None:
        """Remove one run's staging area, or (run_id None) every leftover of crashed runs."""
        target = self.staging_dir(run_id) if run_id else self.local / STAGING
        shutil.rmtree(target, ignore_errors=True)

    # --- commits ---------------------------------------------------------------------

    def merge(self, table: str, source: ds.Dataset | pa.Table | pa.RecordBatchReader | None, run_id: str,
              update_if: str | bool, replace_articles: list[str] | None = None,
              replace_keys: list[str] | None = None) -> dict:
        """Upsert on the primary key in one commit: insert new keys; update a matched row
        when ``update_if`` (a predicate over t. and s.) holds, always (True) or never
        (False), so unchanged rows are not rewritten. ``replace_articles``: rows of these
        articles that the source does not bring again are deleted (their article's text
        changed); ``replace_keys``: the same for rows of these primary keys."""
        key = TABLES[table].primary_key
        delta = self.table(table)
        _add_contract_columns(delta, table)
        replaced = [(column, values) for column, values in (("article_id", replace_articles), (key, replace_keys))
                    if values]
        if source is None:
            where = " OR ".join(f"{column} IN ({_sql_list(values)})" for column, values in replaced)
            return delta.delete(where, commit_properties=_props(run_id)) if where else {}
        gone = " OR ".join(f"t.{column} IN ({_sql_list(values)})" for column, values in replaced)
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

    def overwrite(self, table: str, data: pa.Table, run_id: str) -> None:
        write_deltalake(self.table(table), data, mode="overwrite", commit_properties=_props(run_id))

    # --- all tables or none ----------------------------------------------------------
    # A run commits several Delta tables one after the other. Before the first commit the
    # journal records every table's version; removing the journal is the run's commit
    # point. A run that dies in between (even by SIGKILL) leaves the journal behind, and
    # the next run, or the failing run itself, restores every table to the recorded
    # versions. On an object store the journal lives with the tables, not in the local
    # directory: the next run may start on another machine (or after the local directory
    # was lost), and a journal left on one machine would later "restore" tables that
    # other runs committed to.

    @property
    def journal_path(self) -> Path | str:
        return self.loc.at(JOURNAL) if self.loc.remote else Path(self.loc.at(JOURNAL))

    def begin_commit(self, run_id: str) -> dict[str, int]:
        versions = {name: self._current(name).version() for name in TABLES}
        journal = json.dumps({"run_id": run_id, "versions": versions}).encode("utf-8")
        location.write_file(self.loc, JOURNAL, journal)
        return versions

    def end_commit(self) -> None:
        """The commit point: from here on the run's rows are the warehouse's."""
        location.remove_file(self.loc, JOURNAL)

    def roll_back(self) -> str | None:
        """Undo the commits of a run that did not reach its commit point; returns its run_id.
        Safe to repeat: a restore interrupted half-way is finished by the next call."""
        data = location.read_file(self.loc, JOURNAL)
        if data is None:
            return None
        try:
            journal = json.loads(data)
        except ValueError:  # torn write of the journal itself: no table was touched yet
            location.remove_file(self.loc, JOURNAL)
            return None
        for name, version in journal["versions"].items():
            if not self.exists(name):
                continue
            # Another process wrote the journal: a handle opened before may predate its commits.
            delta = self._current(name)
            if delta.version() != version:
                delta.restore(version, commit_properties=_props(f"rollback:{journal['run_id']}"))
        location.remove_file(self.loc, JOURNAL)
        log.warning("rolled back the unfinished commit of run %s", journal["run_id"])
        return journal["run_id"]

    # --- the catalog -----------------------------------------------------------------

    def snapshots(self) -> dict[str, catalog.TableSnapshot]:
        """Every catalogued table's current version, as the catalog is built from it."""
        return {name: catalog.TableSnapshot(self.live_files(name), arrow_schema(t.model), t.primary_key)
                for name, t in TABLES.items() if t.in_catalog}

    def refresh_catalog(self) -> None:
        """Swap in a catalog that shows every table's current version."""
        catalog.refresh(self.loc, self.snapshots(), catalog.VIEWS)

    # --- one run at a time -----------------------------------------------------------

    @contextmanager
    def exclusive(self, wait_seconds: float = 0.0) -> Iterator[None]:
        """Hold the warehouse's run lock. A second run waits up to ``wait_seconds``, then
        raises WarehouseBusy. The OS frees the lock if the holder dies, even by SIGKILL.
        The lock is a file of the local directory: for an object-store warehouse it keeps
        out runs on this machine only (Delta's conditional-put commits still keep each
        table whole)."""
        self.local.mkdir(parents=True, exist_ok=True)
        with open(self.local / LOCK_FILE, "a+") as handle:
            deadline = time.monotonic() + wait_seconds
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise WarehouseBusy(
                            f"another newsetl run is writing to {self.loc.uri}; wait for it to finish"
                        ) from None
                    time.sleep(0.5)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _sql_list(values: Iterable[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def _add_contract_columns(delta: DeltaTable, table: str) -> None:
    # A table written before its contract gained a column lacks it, and a merge predicate
    # that names the column fails to plan (merge_schema adds columns only after planning).
    have = {f.name for f in delta.schema().fields}
    missing = [f for f in arrow_schema(TABLES[table].model) if f.name not in have]
    if missing:
        delta.alter.add_columns([Field.from_arrow(f) for f in missing])
