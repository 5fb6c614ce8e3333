"""The start of a run: the warehouse made ready (a crashed run rolled back, leftovers
removed, a stale catalog refreshed) and what it already holds read once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from newsetl.land.warehouse import Warehouse
from newsetl.run.dedup import Ledger
from newsetl.run.incremental import InputLog
from newsetl.run.state import Run


def new_run_id(now: datetime) -> str:
    # Sortable by time, unique across concurrent starts.
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"



def start_run(raw_dir: Path, warehouse: Warehouse) -> Run:
    """Prepare the warehouse (a directory or an s3:// URI) for a run. Call while holding
    ``warehouse.exclusive()``."""
    warehouse.ensure_tables()
    # A run that died mid-commit is undone, and its staged rows are never committed.
    warehouse.roll_back()
    warehouse.drop_staging()
    # A run that died between its commit point and the catalog swap left a stale catalog.
    warehouse.refresh_catalog()
    now = datetime.now(UTC)
    ledger = Ledger.from_warehouse(warehouse.read_table("articles", ["article_id", "content_sha256"]))
    inputs_log = InputLog.from_warehouse(warehouse.read_table("inputs"))
    return Run(run_id=new_run_id(now), warehouse=warehouse, source=str(raw_dir), started_at=now, ledger=ledger,
               raw_dir=str(Path(raw_dir).resolve()), inputs_log=inputs_log)


def reanalyse(run: Run, sources: list[str]) -> int:
    """Treat the articles of these inputs as changed, so a replay analyses them again
    (their mentions and claims are replaced, and problems quarantined by the NLP stage
    are resolved when they do not come back). Returns how many articles."""
    wanted = set(sources)
    landed = run.warehouse.read_table("articles", ["article_id", "source_uri"]).to_pylist()
    ids = [r["article_id"] for r in landed if r["source_uri"] in wanted]
    for aid in ids:
        run.ledger.landed[aid] = ""  # no text hashes to "": the next sight of it is an update
    return len(ids)
