"""What the reports index costs after a year of daily runs (docs/decisions.md, D63).

A synthetic history in DuckDB with the columns the index reads: ``--days`` daily runs of
``--pages`` inputs each (a tenth of them quarantined, from 20 sources), two fetches per
input (one failed in twenty) and 7 data-quality checks per run. Prints the time to gather
the history and to render the page, and the page's size. The tables are generated, not
landed: this measures the index's queries and template, not a run.

    .venv/bin/python bench/history_index.py [--days 365] [--pages 50]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from newsetl.report import history
from newsetl.report.html import render_index


def synthetic(days: int, pages: int) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"""
        CREATE TABLE runs AS SELECT 'run-' || d AS run_id, 'success' AS status,
            TIMESTAMPTZ '2026-01-01 06:00:00+00' + INTERVAL (d) DAY AS started_at,
            TIMESTAMPTZ '2026-01-01 06:02:00+00' + INTERVAL (d) DAY AS finished_at,
            {pages} AS inputs_seen, {pages - pages // 10} AS articles, {pages // 2} AS articles_new,
            {pages // 10} AS quarantined, {2 * pages} AS urls_seen, {2 * pages // 20} AS urls_failed,
            NULL::VARCHAR AS error_class, NULL::VARCHAR AS error_message
        FROM range({days}) t(d)""")
    con.execute(f"""
        CREATE TABLE articles AS SELECT 'a-' || i AS article_id, 'source' || (i % 20) || '.example' AS domain
        FROM range({days * pages}) t(i)""")
    con.execute(f"""
        CREATE TABLE inputs AS SELECT 'web/' || i || '.html.gz' AS source_uri,
            CASE WHEN i % 10 = 0 THEN 'quarantined' ELSE 'article' END AS outcome,
            CASE WHEN i % 10 = 0 THEN NULL ELSE 'a-' || i END AS article_id, 'run-' || (i // {pages}) AS run_id,
            TIMESTAMPTZ '2026-01-01 06:01:00+00' + INTERVAL (i // {pages}) DAY AS processed_at
        FROM range({days * pages}) t(i)""")
    con.execute(f"""
        CREATE TABLE fetches AS SELECT 'https://source' || (i % 20) || '.example/' || i AS url,
            CASE WHEN i % 20 = 0 THEN NULL ELSE 'web/' || (i // 2) || '.html.gz' END AS raw_path,
            CASE WHEN i % 20 = 0 THEN 'failed' ELSE 'fetched' END AS outcome,
            TIMESTAMPTZ '2026-01-01 06:00:30+00' + INTERVAL (i // {2 * pages}) DAY AS fetched_at
        FROM range({2 * days * pages}) t(i)""")
    con.execute("""
        CREATE TABLE dq_results AS SELECT 'run' AS "table", c AS check_name, 'run-' || d AS run_id,
            random() AS observed, 'pass' AS status, 'warn>0.1 fail>0.5' AS threshold
        FROM range(?) t(d), unnest(['quarantined_share', 'no_text_from_input', 'article_count',
            'avg_word_count', 'freshness', 'fetch_failed_share', 'source_stale']) u(c)""", [days])
    return con


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--pages", type=int, default=50)
    args = parser.parse_args()
    con = synthetic(args.days, args.pages)
    reports = Path(tempfile.mkdtemp())
    timings = []
    for _ in range(5):
        t0 = time.perf_counter()
        h = history.History(history._runs(con, reports), history._per_day(con), history._per_source(con),
                            history._checks(con))
        t1 = time.perf_counter()
        page = render_index(h, datetime.now(UTC))
        timings.append((t1 - t0, time.perf_counter() - t1))
    gather, render = min(t[0] for t in timings), min(t[1] for t in timings)
    print(f"{args.days} runs of {args.pages} inputs: gather {gather * 1000:.0f} ms, render {render * 1000:.0f} ms "
          f"(best of 5), page {len(page.encode()) / 1024:.0f} KiB, {len(h.runs)} runs listed, "
          f"{len(h.per_source)} source-day rows, {len(h.checks)} check charts")


if __name__ == "__main__":
    main()
