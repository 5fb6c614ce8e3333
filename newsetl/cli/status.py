"""``newsetl status``: the last run, open quarantine and stale sources, on one screen."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from newsetl.cli.common import add_warehouse, settings_of
from newsetl.settings import Settings

SHOWN = 8  # quarantine reasons and stale feeds listed; the rest are counted


def add_parser(sub: argparse._SubParsersAction, defaults: Settings) -> None:
    status = sub.add_parser("status", help="the last run, open quarantine and stale sources", description=(
        "One screen about the warehouse: the last run (status, counts, duration, why it failed), the open "
        "quarantine rows by reason, and the feeds or sitemaps that gave no new article for "
        "NEWSETL_DQ_SOURCE_STALE_DAYS days. Exits 0 whatever it shows, 2 when there is no warehouse."))
    add_warehouse(status, defaults)


def main(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from newsetl.land import Warehouse, catalog_path, locate
    from newsetl.report.status import warehouse_status

    settings = settings_of(args)
    loc = locate(args.warehouse, settings)
    if not catalog_path(loc).is_file():  # every run, even a failed one, writes it
        print(f"newsetl status: no warehouse at {args.warehouse}: run `newsetl run` first", file=sys.stderr)
        return 2
    print("\n".join(render(warehouse_status(Warehouse(loc), settings, datetime.now(UTC)))))
    return 0


def _more(items: list[Any]) -> list[str]:
    return [f"  … and {len(items) - SHOWN} more"] if len(items) > SHOWN else []


def render(status) -> list[str]:
    run = status.last_run
    if run is None:
        return ["last run    none recorded"]
    lines = [
        f"last run    {_one_line(run['run_id'])}  {_one_line(run['status']).upper()}  started {run['started_at']:%Y-%m-%d %H:%M:%S} UTC, "
        f"took {run['duration_s']:g} s",
        f"            inputs {run['inputs_seen']} (not read again: {run['inputs_skipped_unchanged']}) · articles "
        f"{run['articles']} (new {run['articles_new']}, updated {run['articles_updated']}) · duplicates "
        f"{run['duplicates']} · quarantined {run['quarantined']}"
        + (f" · URLs {run['urls_seen']} (failed {run['urls_failed']})" if run["urls_seen"] else ""),
    ]
    if run["status"] == "failed":
        why = _one_line(f"{run['error_class']}: {run['error_message'] or ''}") if run.get("error_class") else "not recorded"
        lines.append(f"            failed: {why}")
    problems = status.open_quarantine
    total = sum(q["rows"] for q in problems)
    lines.append(f"quarantine  {total} open" + (":" if total else " (newsetl quarantine list)"))
    for q in problems[:SHOWN]:
        lines.append(f"  {q['rows']:>6}  {_one_line(q['table'])}/{_one_line(q['check'])}  e.g. {_one_line(q['reason'])}")
    lines += _more(problems)
    if total:
        lines.append("            details: newsetl quarantine list")
    if not status.feeds:
        lines.append("sources     no feeds or sitemaps followed")
    elif not status.stale:
        lines.append(f"sources     every one of {status.feeds} feeds gave a new article in the last "
                     f"{status.stale_days:g} days")
    else:
        lines.append(f"sources     {len(status.stale)} of {status.feeds} feeds stale "
                     f"(no new article for {status.stale_days:g} days):")
        lines += [f"  {_one_line(feed)}" for feed in status.stale[:SHOWN]] + _more(status.stale)
    return lines


def _one_line(text: str, limit: int = 160) -> str:
    """Untrusted text on one line, with no control character (no terminal escape reaches
    the screen)."""
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in str(text)).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
