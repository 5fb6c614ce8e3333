"""Upkeep of the Delta tables (``newsetl maintain``): compact, vacuum, refresh the catalog.

Every run adds a few small Parquet files per table (one per MERGE) and keeps every old
version's files; ``maintain`` rewrites each table's small files into few large ones and
then deletes files that no version younger than the retention needs (docs/decisions.md,
D62). It holds the run lock the whole time, so it never overlaps a run, and each step is
crash-safe on its own: a compaction is one Delta commit (a kill before it leaves the old
files in place, after it the new ones), vacuum deletes only files no current version
reads, and the catalog is swapped in with one rename.

The retention never goes below ``MIN_RETENTION_HOURS``: a reader outside the lock
(``newsetl runs``, ``quarantine list``, any Delta client) lists a version's files and then
reads them, and those files must outlive its query. The commit journal needs nothing
older than the current versions: a run's leftover journal is rolled back first, under the
lock, before anything is compacted.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from deltalake import CommitProperties

from newsetl.land.warehouse import Warehouse
from newsetl.quality.results import Result, failures
from newsetl.quality.table_checks import cross_table_checks
from newsetl.settings import MIN_RETENTION_HOURS, Settings
from schemas import TABLES

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Footprint:
    """A table's size: the files of its current version, and (local warehouses) every
    data file on disk, old versions' included."""

    files: int
    bytes: int
    stored_files: int | None
    stored_bytes: int | None


@dataclass(frozen=True)
class TableUpkeep:
    table: str
    before: Footprint
    after: Footprint
    compacted: int  # files rewritten by the compaction (0: nothing to do)
    vacuumed: int  # files deleted


def maintenance_id(now: datetime) -> str:
    return f"maintain-{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def check_retention(hours: int) -> int:
    if hours < MIN_RETENTION_HOURS:
        raise ValueError(f"retention of {hours} h is below the floor of {MIN_RETENTION_HOURS} h: files a reader "
                         "outside the run lock is reading could be deleted under it")
    return hours


def footprint(warehouse: Warehouse, table: str) -> Footprint:
    delta = warehouse.table(table)
    sizes = delta.get_add_actions(flatten=True).column("size_bytes").to_pylist()
    stored_files = stored_bytes = None
    if not warehouse.loc.remote:
        data = [p for p in Path(warehouse.table_path(table)).rglob("*.parquet") if "_delta_log" not in p.parts]
        stored_files, stored_bytes = len(data), sum(p.stat().st_size for p in data)
    return Footprint(len(sizes), sum(sizes), stored_files, stored_bytes)


def upkeep_table(warehouse: Warehouse, table: str, retention_hours: int, op_id: str,
                 target_mib: int) -> TableUpkeep:
    """Compact one table in one commit (into files of about ``target_mib``), then delete
    the files it no longer needs."""
    before = footprint(warehouse, table)
    delta = warehouse.table(table)
    props = CommitProperties(custom_metadata={"newsetl.run_id": op_id})
    metrics = delta.optimize.compact(target_size=target_mib * 2**20, commit_properties=props)
    # full: also the files of writers that died before their commit (a killed run's MERGE).
    removed = delta.vacuum(retention_hours=retention_hours, dry_run=False, enforce_retention_duration=False,
                           full=True, commit_properties=props)
    delta.create_checkpoint()  # a year of commits loads from one checkpoint, not thousands of JSON files
    delta.cleanup_metadata()  # log entries past delta.logRetentionDuration (30 days by default)
    return TableUpkeep(table, before, footprint(warehouse, table), metrics.get("numFilesRemoved", 0), len(removed))


@dataclass(frozen=True)
class Maintenance:
    tables: list[TableUpkeep]
    failed_checks: list[Result]  # whole-table checks that failed: a person decides


def check_whole_tables(warehouse: Warehouse) -> list[Result]:
    """The cross-table checks over every row (a run checks only the rows it wrote, D69);
    a failure is logged as an error and returned: the rows are landed already, and a
    person decides (``newsetl maintain`` exits 1, the flow fails)."""
    with warehouse.connect() as con:
        results = cross_table_checks(con)
    for r in failures(results):
        log.error("check over the whole table failed: %s", r.described())
    return results


def maintain(warehouse: Warehouse, settings: Settings, retention_hours: int | None = None,
             before_compaction: Callable[[Warehouse, str], object] | None = None) -> Maintenance:
    """Compact and vacuum every table, then refresh the catalog, holding the run lock
    (WarehouseBusy when a run holds it past ``settings.lock_wait_seconds``).
    ``before_compaction(warehouse, op_id)``: writes of a later stage (the stories
    backfill) made under the same lock, so compaction takes their files in too."""
    hours = check_retention(settings.maintain_retention_hours if retention_hours is None else retention_hours)
    op_id = maintenance_id(datetime.now(UTC))
    with warehouse.exclusive(wait_seconds=settings.lock_wait_seconds):
        warehouse.roll_back()  # a killed run's commits go before any version is compacted away
        warehouse.ensure_tables()
        if before_compaction is not None:
            before_compaction(warehouse, op_id)
        done = [upkeep_table(warehouse, name, hours, op_id, settings.maintain_target_file_mib) for name in TABLES]
        warehouse.drop_staging()  # leftovers of killed runs: no run is running
        checks = check_whole_tables(warehouse)
        warehouse.refresh_catalog()
    for t in done:
        log.info("%s: %d -> %d files, %d -> %d bytes, %d vacuumed", t.table, t.before.files, t.after.files,
                 t.before.bytes, t.after.bytes, t.vacuumed)
    return Maintenance(done, failures(checks))

