"""Runs that fetch feeds from real servers on 127.0.0.1, as the flow runs them without Prefect,
and a way to age a warehouse's fetches (for the checks that look back in time)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable, write_deltalake

from newsetl import run as pipeline
from newsetl.extract import BatchOutput, extract_batch
from newsetl.settings import Settings
from newsetl.sources import WebSources
from support.warehouse import warehouse_at

FETCH = {"fetch_allow_private_hosts": True, "fetch_per_host_delay": 0, "fetch_backoff_base": 0.01,
         "fetch_retries": 0, "fetch_timeout_read": 2, "fetch_timeout_connect": 2}


def land(raw: Path, root: Path, settings: Settings, feeds: tuple[str, ...] = ()) -> dict:
    """One run as the flow runs it (fetch, incremental split, extract, stage with the inputs
    table, commit), without Prefect."""
    with warehouse_at(root).exclusive():
        run = pipeline.start_run(raw, warehouse_at(root))
        try:
            if feeds:
                pipeline.stage_fetches(run, raw, WebSources(feeds=feeds), settings)
            for part, batch in enumerate(pipeline.plan_batches(raw, settings)):
                split = pipeline.split_inputs(run, batch, settings)
                output = extract_batch(split.todo, settings, run.run_id) if split.todo else BatchOutput()
                run.fold_batch(pipeline.stage_batch(run, part, batch, output, split, settings))
            return pipeline.commit_run(run, settings)
        except BaseException as exc:
            pipeline.fail_run(run, exc)
            raise


def backdate_fetches(root: Path, days: int) -> None:
    """As if every fetch so far had happened ``days`` days earlier."""
    table = DeltaTable(str(root / "fetches")).to_pyarrow_table()
    i = table.schema.get_field_index("fetched_at")
    earlier = pc.subtract(table.column(i), pa.scalar(timedelta(days=days), pa.duration("us")))
    write_deltalake(str(root / "fetches"), table.set_column(i, table.schema.field(i), earlier), mode="overwrite")
