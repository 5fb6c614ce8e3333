"""``newsetl status``: the warehouse at a glance, read from the tables as committed: the
last run, the open quarantine by reason, and the feeds that went quiet."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from newsetl.land.warehouse import Warehouse
from newsetl.quality import OPEN
from newsetl.quality.run_checks import feed_history, source_stale
from newsetl.report.data import _connect, _has, _rows
from newsetl.settings import Settings


@dataclass
class Status:
    last_run: dict[str, Any] | None
    open_quarantine: list[dict[str, Any]]  # table, check, rows, reason (an example): most rows first
    feeds: int = 0  # feeds and sitemaps the last run that fetched any followed
    stale: list[str] = field(default_factory=list)  # "feed: why", the stalest first
    stale_days: float = 0.0


def _last_run(con) -> dict[str, Any] | None:
    runs = _rows(con, """
        SELECT *, round(epoch(finished_at) - epoch(started_at), 1) AS duration_s
        FROM runs ORDER BY started_at DESC, run_id DESC LIMIT 1""")
    return runs[0] if runs else None


def _open_quarantine(con) -> list[dict[str, Any]]:
    if not _has(con, "quarantine"):
        return []
    open_only = f"WHERE {OPEN}" if _has(con, "quarantine", "dismissed_at") else ""
    return _rows(con, f"""
        SELECT "table", "check", count(*) AS rows, arg_min(reason, source_uri) AS reason
        FROM quarantine {open_only} GROUP BY ALL ORDER BY rows DESC, "table", "check" """)


def _followed(con) -> list[str]:
    """The feed entries of the last run that fetched feeds or sitemaps."""
    if not _has(con, "fetches"):
        return []
    return [feed for (feed,) in con.execute("""
        SELECT DISTINCT f.via_feed FROM fetches f
        WHERE f.source = 'feed' AND f.run_id = (
            SELECT r.run_id FROM runs r SEMI JOIN fetches g ON g.run_id = r.run_id AND g.source = 'feed'
            ORDER BY r.started_at DESC, r.run_id DESC LIMIT 1)
        ORDER BY 1""").fetchall()]


def warehouse_status(warehouse: Warehouse, settings: Settings, now: datetime) -> Status:
    """The last run, the open quarantine by reason and the stale feeds (the ``source_stale``
    check's rule, at ``now``)."""
    con = _connect(warehouse)
    try:
        if not _has(con, "runs"):
            return Status(None, [])
        feeds = _followed(con)
        stale = source_stale(feed_history(con, feeds), now, settings) if feeds else None
        return Status(_last_run(con), _open_quarantine(con), len(feeds), list(stale.sample) if stale else [],
                      settings.dq_source_stale_days)
    finally:
        con.close()
