"""What the reports index shows: every run, and trends across runs, read from the warehouse.

The runs table has each run's counts; ``inputs`` has each input as it was last read,
``fetches`` every URL of every run, ``dq_results`` every check of every run. A source is
the host an input came from (its article's domain, or the URL it was fetched from) and,
for inputs read from disk with no URL, their first directory under the raw directory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from newsetl.land.warehouse import Warehouse
from newsetl.report.data import _connect, _has, _rows

DAYS = 30  # days shown in the per-day trends and the per-source table
RUNS = 30  # runs shown in each check's chart
# "warn>0.1 fail>0.5", "warn>72h", "warn>3d": the numeric limits a chart can draw.
_LIMIT = re.compile(r"\b(warn|fail)>(-?\d+(?:\.\d+)?(?:e-?\d+)?)")
# The host of a URL, without www. (as articles.domain is written).
_HOST = r"regexp_replace(regexp_extract({}, '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/]*@)?([^/:?#]+)', 1), '^www\.', '')"


@dataclass
class CheckSeries:
    table: str
    check_name: str
    threshold: str | None
    points: list[dict[str, Any]]  # oldest first: run_id, started_at, observed, status
    limits: list[tuple[str, float]] = field(default_factory=list)  # ("warn", 0.1), ("fail", 0.5)


@dataclass
class History:
    runs: list[dict[str, Any]]  # newest first
    per_day: list[dict[str, Any]]  # oldest first
    per_source: list[dict[str, Any]]  # newest day first
    checks: list[CheckSeries]


def limits(threshold: str | None) -> list[tuple[str, float]]:
    """The numeric limits of a check's threshold text, to draw as lines; none for a
    relative threshold (against the median of earlier runs)."""
    return [(kind, float(value)) for kind, value in _LIMIT.findall(threshold or "")]


def _runs(con: duckdb.DuckDBPyConnection, reports: Path) -> list[dict[str, Any]]:
    runs = _rows(con, """
        SELECT run_id, status, started_at, round(epoch(finished_at) - epoch(started_at), 1) AS duration_s,
               inputs_seen, articles, articles_new, quarantined, urls_seen, urls_failed, error_class, error_message
        FROM runs ORDER BY started_at DESC, run_id DESC""")
    for run in runs:
        run["report"] = (reports / f"{run['run_id']}.html").is_file()
    return runs


def _per_day(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return _rows(con, f"""
        SELECT * FROM (
            SELECT strftime(CAST(started_at AS DATE), '%Y-%m-%d') AS day, count(*) AS runs,
                   sum(inputs_seen) AS inputs, sum(articles) AS articles, sum(quarantined) AS quarantined,
                   coalesce(sum(quarantined) / nullif(sum(inputs_seen), 0), 0) AS quarantined_share,
                   sum(urls_failed) AS urls_failed
            FROM runs GROUP BY ALL ORDER BY day DESC LIMIT {DAYS})
        ORDER BY day""")


def _per_source(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Inputs, articles and quarantined inputs by the day they were last read, and failed
    fetches by the day they failed, per source."""
    has_fetches = _has(con, "fetches")
    fetched = (f"""SELECT raw_path, any_value({_HOST.format('url')}) AS host FROM fetches
                   WHERE raw_path IS NOT NULL GROUP BY raw_path""" if has_fetches
               else "SELECT NULL::VARCHAR AS raw_path, NULL::VARCHAR AS host WHERE false")
    failed = (f"""SELECT CAST(fetched_at AS DATE) AS day, {_HOST.format('url')} AS source, count(*) AS fetches_failed
                  FROM fetches WHERE outcome = 'failed' GROUP BY ALL""" if has_fetches
              else "SELECT NULL::DATE AS day, NULL::VARCHAR AS source, 0 AS fetches_failed WHERE false")
    return _rows(con, f"""
        WITH fetched AS ({fetched}),
             read AS (
                SELECT CAST(i.processed_at AS DATE) AS day,
                       coalesce(a.domain, nullif(f.host, ''), split_part(i.source_uri, '/', 1)) AS source,
                       count(*) AS inputs, count(*) FILTER (i.outcome = 'article') AS articles,
                       count(*) FILTER (i.outcome = 'quarantined') AS quarantined
                FROM inputs i LEFT JOIN articles a ON a.article_id = i.article_id AND i.outcome = 'article'
                LEFT JOIN fetched f ON f.raw_path = i.source_uri
                GROUP BY ALL),
             failed AS ({failed}),
             days AS (SELECT DISTINCT day FROM (SELECT day FROM read UNION SELECT day FROM failed)
                      ORDER BY day DESC LIMIT {DAYS})
        SELECT strftime(day, '%Y-%m-%d') AS day, coalesce(source, '(unknown)') AS source,
               coalesce(inputs, 0) AS inputs, coalesce(articles, 0) AS articles,
               coalesce(quarantined, 0) AS quarantined,
               coalesce(quarantined / nullif(inputs, 0), 0) AS quarantined_share,
               coalesce(fetches_failed, 0) AS fetches_failed
        FROM read FULL JOIN failed USING (day, source) WHERE day IN (SELECT day FROM days)
        ORDER BY day DESC, inputs DESC, fetches_failed DESC, source""")


def _checks(con: duckdb.DuckDBPyConnection) -> list[CheckSeries]:
    """Each check that records a value: its value in each of the last runs, oldest first."""
    if not _has(con, "dq_results"):
        return []
    rows = _rows(con, f"""
        SELECT * FROM (
            SELECT d."table", d.check_name, d.threshold, d.run_id, r.started_at, d.observed, d.status,
                   row_number() OVER (PARTITION BY d."table", d.check_name
                                      ORDER BY r.started_at DESC, d.run_id DESC) AS age
            FROM dq_results d JOIN runs r USING (run_id)
            WHERE d.observed IS NOT NULL AND isfinite(d.observed))
        WHERE age <= {RUNS} ORDER BY "table", check_name, started_at, run_id""")
    series: dict[tuple[str, str], CheckSeries] = {}
    for row in rows:
        key = (row["table"], row["check_name"])
        if key not in series:
            series[key] = CheckSeries(row["table"], row["check_name"], None, [])
        s = series[key]
        s.threshold = row["threshold"]  # the latest run's: the one in force now
        s.points.append({k: row[k] for k in ("run_id", "started_at", "observed", "status")})
    for s in series.values():
        s.limits = limits(s.threshold)
    return list(series.values())


def gather_history(warehouse: Warehouse, reports: Path) -> History:
    """Every run (with whether its report is in ``reports``) and the trends across runs."""
    con = _connect(warehouse)
    try:
        if not _has(con, "runs"):
            return History([], [], [], [])
        return History(_runs(con, reports), _per_day(con), _per_source(con) if _has(con, "inputs") else [],
                       _checks(con))
    finally:
        con.close()


def when(value: datetime) -> str:
    return f"{value:%m-%d %H:%M}"
