"""The ``maintain`` flow: ``newsetl maintain`` as a Prefect flow, for the weekly deployment
in prefect.yaml. One task: it holds the warehouse's run lock from start to end, so a
scheduled ingest that starts meanwhile waits for it (NEWSETL_LOCK_WAIT_SECONDS) or fails
as busy, and the tables never change under either."""

from __future__ import annotations

import flows.ingest  # noqa: F401 - the Prefect defaults it sets (logging, no telemetry) before prefect loads

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.artifacts import create_table_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402

from newsetl.land import Warehouse  # noqa: E402
from newsetl.land.upkeep import Maintenance  # noqa: E402
from newsetl.quality.results import WholeTableCheckFailed  # noqa: E402
from newsetl.run.storyfill import maintain as maintain_warehouse  # noqa: E402
from newsetl.settings import Settings  # noqa: E402


@task(name="maintain-tables", cache_policy=NO_CACHE)
def upkeep(warehouse: Warehouse, settings: Settings) -> Maintenance:
    done, filled = maintain_warehouse(warehouse, settings)
    if filled.storied or filled.rekeyed:
        get_run_logger().info("stories: %d articles given one (%d near-duplicates), %d signatures re-keyed",
                              filled.storied, filled.joined, filled.rekeyed)
    return done


@flow(name="maintain", log_prints=False)
def maintain(warehouse_dir: str = "warehouse", retention_hours: int | None = None) -> list[dict]:
    """Fill in missing stories, compact and vacuum every table of the warehouse, then refresh its catalog."""
    overrides = {"warehouse_dir": warehouse_dir}
    if retention_hours is not None:
        overrides["maintain_retention_hours"] = retention_hours
    settings = Settings(**overrides)
    done = upkeep(Warehouse.at(settings.warehouse_dir, settings), settings)
    rows = [{"table": t.table, "files_before": t.before.files, "files_after": t.after.files,
             "bytes_before": t.before.bytes, "bytes_after": t.after.bytes, "vacuumed_files": t.vacuumed}
            for t in done.tables]
    create_table_artifact(rows, key="maintain", description="files and bytes per table, before and after")
    get_run_logger().info("maintained %d tables of %s", len(rows), warehouse_dir)
    if done.failed_checks:  # the upkeep is done and kept; the flow fails so that a person looks
        raise WholeTableCheckFailed("; ".join(c.described() for c in done.failed_checks))
    return rows
