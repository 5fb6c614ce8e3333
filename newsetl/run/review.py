"""What a person does with open quarantine rows: find the raw inputs behind them, replay
them after a fix, or dismiss the ones that need nothing more.

Each row names its input by its path under the raw directory of the run that first saw it;
that run recorded the directory's absolute path (``runs.raw_dir``), so a replay finds the
input wherever the command is run from, and rows of runs over different raw directories
are replayed one run per directory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from newsetl.land.warehouse import Warehouse
from newsetl.quality import dismissed_quarantine, open_quarantine
from newsetl.settings import Settings
from newsetl.sources import discover


@dataclass
class Located:
    """Open quarantine rows by where their input is."""

    present: dict[Path, list[str]] = field(default_factory=dict)  # raw folder -> inputs there
    missing: list[dict[str, Any]] = field(default_factory=list)  # input no longer in its raw folder
    # No raw folder to look in: the run predates runs.raw_dir (pass --raw), or the folder
    # itself is gone (an unmounted disk is not proof that its inputs were deleted).
    unknown: list[dict[str, Any]] = field(default_factory=list)

    @property
    def missing_inputs(self) -> list[str]:
        return sorted({r["source_uri"] for r in self.missing})


def raw_folder(row: dict[str, Any], override: Path | None = None) -> Path | None:
    """Where the row's input should be: ``override`` (``--raw``), else its run's raw folder."""
    if override is not None:
        return Path(override)
    return Path(row["raw_dir"]) if row.get("raw_dir") else None


def locate(rows: list[dict[str, Any]], override: Path | None = None) -> Located:
    out = Located()
    present: dict[Path, set[str]] = {}
    # A source_uri is not always a path to open (escaped names, paths past PATH_MAX):
    # discovery gives the same ones again, once per folder.
    listed: dict[Path, set[str]] = {}
    for row in rows:
        folder = raw_folder(row, override)
        if folder is None or not folder.is_dir():
            out.unknown.append(row)
            continue
        if folder not in listed:
            listed[folder] = {inp.source_uri for inp in discover(folder)}
        if row["source_uri"] in listed[folder]:
            present.setdefault(folder, set()).add(row["source_uri"])
        else:
            out.missing.append(row)
    out.present = {folder: sorted(sources) for folder, sources in sorted(present.items())}
    return out


def one_line(text: str) -> str:
    return " ".join(text.split())


def dismiss(warehouse: Warehouse, quarantine_ids: list[str], reason: str, settings: Settings,
            now: datetime | None = None) -> int:
    """Mark these quarantine rows dismissed with ``reason``, if they are still open; returns
    how many. Holds the run lock and commits through Delta like a run, then swaps in a
    catalog that shows it."""
    now = now or datetime.now(UTC)
    with warehouse.exclusive(wait_seconds=settings.lock_wait_seconds):
        # A run that died mid-commit is undone first, as the next run would: its restore
        # must not undo this commit later.
        warehouse.roll_back()
        with warehouse.connect(("quarantine", "runs")) as con:
            rows = open_quarantine(con)
        rows = rows.filter(pc.is_in(rows.column("quarantine_id"), value_set=pa.array(quarantine_ids, pa.string())))
        if rows.num_rows:
            warehouse.merge("quarantine", dismissed_quarantine(rows, one_line(reason), now),
                            f"dismiss:{now:%Y%m%dT%H%M%SZ}",
                            update_if="t.resolved_at IS NULL AND t.dismissed_at IS NULL")
        warehouse.refresh_catalog()
    return rows.num_rows
