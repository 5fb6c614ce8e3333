"""What a run's report shows, read from the warehouse's tables as committed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb

from newsetl.land.catalog import CLAIM_ONCE_KEY, CLAIMS_ONCE
from newsetl.land.warehouse import Warehouse
from newsetl.quality import OPEN
from schemas import TABLES

TOP = 10  # rows of the "top" charts
DAYS = 30  # days with articles shown in the per-day chart

# Counts of the runs table shown in the report and the Prefect artifacts, in this order.
COUNTS = ("inputs_seen", "inputs_skipped_unchanged", "articles", "articles_new", "articles_updated",
          "articles_unchanged", "duplicates", "quarantined", "articles_enriched", "enrich_skipped_non_english",
          "enrich_failed", "mentions", "claims", "enrich_quarantined", "urls_seen", "urls_fetched",
          "urls_unchanged", "urls_duplicate", "urls_robots_excluded", "urls_failed")
_SEVERITY = {"fail": 0, "warn": 1, "pass": 2}


@dataclass
class ReportData:
    run_id: str
    run: dict[str, Any] | None  # the run's row of the runs table; None if it was never recorded
    checks: list[dict[str, Any]] | None  # None: no dq_results table in this warehouse
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    articles: list[dict[str, Any]] = field(default_factory=list)
    per_source: list[tuple[str, float]] = field(default_factory=list)
    per_day: list[tuple[str, float]] = field(default_factory=list)
    undated: int = 0
    entities: list[tuple[str, float]] = field(default_factory=list)
    speakers: list[tuple[str, float]] = field(default_factory=list)
    claim_kinds: list[tuple[str, float]] = field(default_factory=list)


def _connect(warehouse: Warehouse) -> duckdb.DuckDBPyConnection:
    """Views over every existing table's live Parquet files (the tables as committed,
    whatever state the catalog is in); a warehouse older than a table lacks its view."""
    con = warehouse.connect([name for name in TABLES if warehouse.exists(name)])
    # Times and days in UTC, as the page says, whatever this machine's time zone.
    con.execute("SET TimeZone = 'UTC'")
    return con


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    rel = con.execute(sql, params or [])
    names = [d[0] for d in rel.description]
    return [dict(zip(names, row, strict=True)) for row in rel.fetchall()]


def _pairs(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple[str, float]]:
    return [(str(label), value) for label, value in con.execute(sql, params or []).fetchall()]


def _has(con: duckdb.DuckDBPyConnection, table: str, column: str | None = None) -> bool:
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if table not in tables:
        return False
    return column is None or column in [r[0] for r in con.execute(f'DESCRIBE "{table}"').fetchall()]


def gather(warehouse: Warehouse, run_id: str) -> ReportData:
    con = _connect(warehouse)
    try:
        runs = _rows(con, "SELECT * FROM runs WHERE run_id = ?", [run_id])
        checks = None
        if _has(con, "dq_results"):
            checks = _rows(con, """
                SELECT "table", check_name, status, failure_count, rows_checked, observed, threshold, message
                FROM dq_results WHERE run_id = ? ORDER BY "table", check_name""", [run_id])
            checks.sort(key=lambda c: _SEVERITY.get(c["status"], -1))
        # A quarantine row belongs to the run that first saw the problem (D6), so the report
        # lists the open problems of the warehouse and how many this run found first.
        open_only = f"WHERE {OPEN}" if _has(con, "quarantine", "dismissed_at") else ""
        quarantine = _rows(con, f"""
            SELECT "table", "check", count(*) AS rows, count(*) FILTER (run_id = ?) AS new_in_run,
                   min(source_uri) AS example, arg_min(reason, source_uri) AS reason
            FROM quarantine {open_only} GROUP BY ALL ORDER BY rows DESC, "check" """, [run_id])
        articles = _rows(con, """
            SELECT title, domain, source_uri, CAST(published_at AS DATE) AS published, word_count
            FROM articles WHERE run_id = ? ORDER BY published_at DESC NULLS LAST, source_uri LIMIT 20""", [run_id])
        per_source = _pairs(con, f"""
            SELECT coalesce(domain, '(no domain)'), count(*) FROM articles
            GROUP BY ALL ORDER BY 2 DESC, 1 LIMIT {TOP}""")
        per_day = _pairs(con, f"""
            SELECT * FROM (SELECT strftime(CAST(published_at AS DATE), '%Y-%m-%d') AS day, count(*) FROM articles
                           WHERE published_at IS NOT NULL GROUP BY ALL ORDER BY day DESC LIMIT {DAYS})
            ORDER BY day""")
        undated = con.execute("SELECT count(*) FROM articles WHERE published_at IS NULL").fetchone()[0]
        entities = _pairs(con, f"""
            SELECT canonical_name || ' (' || label || ')', mention_count FROM entities
            ORDER BY mention_count DESC, canonical_name LIMIT {TOP}""")
        # Speech claims by resolved name, as claims_by_speaker counts them: a story's
        # claims count once, whatever number of copies landed (D60).
        speakers = _pairs(con, f"""
            SELECT speaker_name, count(DISTINCT {CLAIM_ONCE_KEY}) FROM ({CLAIMS_ONCE})
            WHERE cue_class = 'speech' AND speaker_name IS NOT NULL GROUP BY ALL ORDER BY 2 DESC, 1 LIMIT {TOP}""")
        kinds = _pairs(con, f"""
            SELECT kind, count(DISTINCT {CLAIM_ONCE_KEY}) FROM ({CLAIMS_ONCE}) GROUP BY ALL ORDER BY 2 DESC, 1""")
    finally:
        con.close()
    return ReportData(run_id, runs[0] if runs else None, checks, quarantine, articles, per_source, per_day,
                      undated, entities, speakers, kinds)


def counts(data: ReportData) -> dict[str, Any]:
    return {k: data.run.get(k) for k in COUNTS} if data.run else {}


def failure(data: ReportData) -> str | None:
    """Why the run failed, in one line, if it did and says so."""
    run = data.run or {}
    if run.get("status") != "failed" or not run.get("error_class"):
        return None
    return f"{run['error_class']}: {run.get('error_message') or ''}".rstrip(": ")
