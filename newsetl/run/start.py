"""The start of a run: the warehouse made ready (a crashed run rolled back, leftovers
removed, a stale catalog refreshed) and what it already holds read once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from newsetl.land import location as storage, warehouse
from newsetl.land.location import Location
from newsetl.run.dedup import Ledger
from newsetl.run.incremental import InputLog
from newsetl.run.state import Run


def new_run_id(now: datetime) -> str:
    # Sortable by time, unique across concurrent starts.
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"



def start_run(raw_dir: Path, warehouse_dir: Path | str | Location) -> Run:
    """Prepare the warehouse (a directory or an s3:// URI) for a run. Call while holding
    ``warehouse.exclusive``."""
    root = storage.locate(warehouse_dir)
    warehouse.ensure_tables(root)
    # A run that died mid-commit is undone, and its staged rows are never committed.
    warehouse.roll_back(root)
    warehouse.drop_staging(root)
    # A run that died between its commit point and the catalog swap left a stale catalog.
    warehouse.refresh_catalog(root)
    now = datetime.now(UTC)
    ledger = Ledger.from_warehouse(warehouse.read_table(root, "articles", ["article_id", "content_sha256"]))
    inputs_log = InputLog.from_warehouse(warehouse.read_table(root, "inputs"))
    return Run(run_id=new_run_id(now), root=root, source=str(raw_dir), started_at=now, ledger=ledger,
               raw_dir=str(Path(raw_dir).resolve()), inputs_log=inputs_log)


def reanalyse(run: Run, sources: list[str]) -> int:
    """Treat the articles of these inputs as changed, so a replay analyses them again
    (their mentions and claims are replaced, and problems quarantined by the NLP stage
    are resolved when they do not come back). Returns how many articles."""
    wanted = set(sources)
    landed = warehouse.read_table(run.root, "articles", ["article_id", "source_uri"]).to_pylist()
    ids = [r["article_id"] for r in landed if r["source_uri"] in wanted]
    for aid in ids:
        run.ledger.landed[aid] = ""  # no text hashes to "": the next sight of it is an update
    return len(ids)
