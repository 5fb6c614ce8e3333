"""``newsetl run``: the ingest flow on raw pages (and web sources), with its counts."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from newsetl.cli.common import add_warehouse
from newsetl.settings import Settings


def add_parser(sub: argparse._SubParsersAction, defaults: Settings) -> None:
    run = sub.add_parser("run", help="run the ingest flow on raw pages", description=(
        "Run the Prefect ingest flow: every .html, .htm, .html.gz and .txt file under --raw becomes an "
        "article, a quarantine row with its reason, or a counted duplicate. Prints the run's counts; "
        "exits 1 if the run failed, 2 if an argument, path or setting is wrong (checked before the flow "
        "starts), 3 if another run holds the warehouse."))
    run.add_argument("--raw", type=Path, default=defaults.raw_dir, help="directory of raw pages (default: %(default)s)")
    add_warehouse(run, defaults)
    run.add_argument("--batch-size", type=int, default=None, help=f"documents per task (default: {defaults.batch_size})")
    where = run.add_argument_group("where the batch tasks run", "default: local worker processes, one per core (NEWSETL_WORKERS)")
    where.add_argument("--dask-address", metavar="tcp://HOST:PORT", default=None,
                       help="run them on this existing Dask cluster (its workers need PREFECT_API_URL set)")
    where.add_argument("--dask-local", type=int, metavar="N", default=None, help="run them on a local Dask cluster of N workers")
    web = run.add_argument_group("web sources", "fetched into --raw (under web/) before the run reads it")
    web.add_argument("--urls", type=Path, metavar="FILE", help="file of article URLs, one per line, # comments")
    web.add_argument("--feed", action="append", default=[], metavar="URL", help="RSS/Atom feed or sitemap URL (repeatable)")
    web.add_argument("--warc", action="append", default=[], type=Path, metavar="FILE", help="WARC or WARC.gz file (repeatable)")
    web.add_argument("--sources", type=Path, metavar="FILE", help="sources file naming feeds, sitemaps, URL lists, WARCs (e.g. raw/sources.yaml)")


def ingest(prog: str, settings: Settings, **params: Any) -> dict[str, Any] | int:
    """Run the ingest flow: its runs row, or the exit code of a run that did not finish."""
    from newsetl.land import Warehouse, WarehouseBusy

    try:
        # Fail fast and quietly when another run holds the warehouse, before Prefect starts
        # (the flow takes the lock itself; this only spares a traceback in its log).
        with Warehouse.at(params["warehouse_dir"], settings).exclusive(wait_seconds=settings.lock_wait_seconds):
            pass
    except WarehouseBusy as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 3
    from flows.ingest import ingest
    from newsetl.quality import DataQualityError

    try:
        # A bar on a terminal; periodic lines in a log or a pipe.
        return ingest(show_progress="bar" if sys.stderr.isatty() else "lines", **params)
    except WarehouseBusy as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 3
    except DataQualityError as exc:  # says which check stopped the run; see the dq_results table
        print(f"{prog}: {exc} (see the dq_results and quarantine tables)", file=sys.stderr)
        return 1
    except Exception as exc:  # the flow already logged the traceback
        print(f"{prog}: failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def main(args: argparse.Namespace) -> int:
    from newsetl.cli import preflight

    # Before Prefect starts: a wrong path or setting is one line and exit 2, at once.
    settings = preflight.settings_for({"raw_dir": args.raw, "warehouse_dir": args.warehouse,
                                       "batch_size": args.batch_size, "dask_address": args.dask_address,
                                       "dask_local": args.dask_local})
    preflight.check_run(args.raw, str(args.warehouse), settings, urls_file=args.urls, feeds=args.feed,
                        warcs=args.warc, sources_file=args.sources)
    from newsetl.land import catalog_path, locate

    row = ingest(
        "newsetl run", settings, raw_dir=str(args.raw), warehouse_dir=str(args.warehouse), batch_size=args.batch_size,
        urls_file=str(args.urls) if args.urls else None, feeds=args.feed,
        warcs=[str(w) for w in args.warc], sources_file=str(args.sources) if args.sources else None,
        dask_address=args.dask_address, dask_local=args.dask_local,
    )
    if isinstance(row, int):
        return row
    lines = [
        f"run {row['run_id']}: {row['status']}",
        f"  inputs seen   {row['inputs_seen']:>6}  (unchanged since last processed, not read again: "
        f"{row['inputs_skipped_unchanged']})",
        f"  articles      {row['articles']:>6}  (new {row['articles_new']}, updated {row['articles_updated']}, "
        f"unchanged {row['articles_unchanged']})",
        f"  duplicates    {row['duplicates']:>6}",
        f"  quarantined   {row['quarantined']:>6}",
        f"  enriched      {row['articles_enriched']:>6}  (mentions {row['mentions']}, claims {row['claims']}; "
        f"not English {row['enrich_skipped_non_english']}, rows quarantined {row['enrich_quarantined']})",
    ]
    if row["urls_seen"]:
        lines.append(
            f"  urls          {row['urls_seen']:>6}  (fetched {row['urls_fetched']}, unchanged {row['urls_unchanged']}, "
            f"duplicate {row['urls_duplicate']}, robots-excluded {row['urls_robots_excluded']}, "
            f"failed {row['urls_failed']}: see the fetches table)"
        )
    lines.append(f"  warehouse     {args.warehouse}  (DuckDB catalog: {catalog_path(locate(args.warehouse, settings))})")
    print("\n".join(lines))
    return 0 if row["status"] == "success" else 1
