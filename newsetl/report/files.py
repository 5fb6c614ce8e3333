"""Where reports are written: ``reports/<run_id>.html`` and ``reports/latest.html``, local
files beside the catalog (for an object-store warehouse too)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from newsetl.land.warehouse import Warehouse
from newsetl.report.data import ReportData, gather
from newsetl.report.history import gather_history
from newsetl.report.html import render, render_index

REPORTS = "reports"
LATEST = "latest.html"
INDEX = "index.html"


def report_path(local: Path, run_id: str | None = None) -> Path:
    """Reports are local files, beside the catalog, for an object-store warehouse too."""
    return local / REPORTS / (f"{run_id}.html" if run_id else LATEST)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)  # a reader never sees half a page


def write_report(warehouse: Warehouse, run_id: str, data: ReportData | None = None) -> Path:
    """Write ``reports/<run_id>.html``, make ``reports/latest.html`` a copy of it, and write
    ``reports/index.html`` again, with this run in it. ``data``: the run's figures, when
    the caller gathered them already."""
    html = render(data or gather(warehouse, run_id), datetime.now(UTC))
    path = report_path(warehouse.local, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(path, html)
    _write_atomic(report_path(warehouse.local), html)
    write_index(warehouse)
    return path


def write_index(warehouse: Warehouse) -> Path:
    """``reports/index.html``: every run's report, newest first, with trends across runs."""
    reports = warehouse.local / REPORTS
    path = reports / INDEX
    reports.mkdir(parents=True, exist_ok=True)
    _write_atomic(path, render_index(gather_history(warehouse, reports), datetime.now(UTC)))
    return path
