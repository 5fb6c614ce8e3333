"""The run report: one self-contained HTML page per run, and the summary the Prefect flow
publishes as artifacts.

``warehouse/reports/<run_id>.html`` shows the run's counts, every data-quality check with
its status, the open quarantine problems and charts of what the warehouse holds. The page
fetches nothing (inline CSS, inline SVG, no script) and every value is escaped: titles,
names and reasons are untrusted text from the web. Its Content-Security-Policy forbids
scripts as a second line of defence.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

import duckdb
from deltalake import DeltaTable

from newsetl import charts, dq, storage, warehouse
from schemas import TABLES

REPORTS = "reports"
LATEST = "latest.html"
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
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


def report_path(root: warehouse.Root, run_id: str | None = None) -> Path:
    """Reports are local files, beside the catalog, for an object-store warehouse too."""
    return storage.locate(root).local / REPORTS / (f"{run_id}.html" if run_id else LATEST)


# --- data ----------------------------------------------------------------------------


def _connect(root: warehouse.Root) -> duckdb.DuckDBPyConnection:
    """Views over every existing table's live Parquet files (the tables as committed,
    whatever state the catalog is in); a warehouse older than a table lacks its view."""
    loc = storage.locate(root)
    options = storage.delta_options(loc)
    con = dq.connect(loc, [name for name in TABLES if DeltaTable.is_deltatable(loc.at(name), storage_options=options)])
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


def gather(root: warehouse.Root, run_id: str) -> ReportData:
    con = _connect(root)
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
        open_only = f"WHERE {dq.OPEN}" if _has(con, "quarantine", "dismissed_at") else ""
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
        speakers = _pairs(con, f"""
            SELECT coalesce(speaker_name, speaker_surface) AS speaker, count(*) FROM claims
            WHERE speaker IS NOT NULL GROUP BY ALL ORDER BY 2 DESC, 1 LIMIT {TOP}""")
        kinds = _pairs(con, "SELECT kind, count(*) FROM claims GROUP BY ALL ORDER BY 2 DESC, 1")
    finally:
        con.close()
    return ReportData(run_id, runs[0] if runs else None, checks, quarantine, articles, per_source, per_day,
                      undated, entities, speakers, kinds)


# --- the Prefect artifacts -----------------------------------------------------------


def counts(data: ReportData) -> dict[str, Any]:
    return {k: data.run.get(k) for k in COUNTS} if data.run else {}


def checks_table(data: ReportData) -> list[dict[str, Any]]:
    """The checks as rows of a Prefect table artifact."""
    return [
        {"status": c["status"], "table": c["table"], "check": c["check_name"], "failures": c["failure_count"],
         "checked": c["rows_checked"], "observed": c["observed"], "threshold": c["threshold"], "message": c["message"]}
        for c in data.checks or ()
    ]


def _md(text: Any) -> str:
    # Markdown that Prefect renders: keep untrusted text from opening links, images or tables.
    return "".join("\\" + ch if ch in "\\`*_[]()<>#|!" else ch for ch in str(text).replace("\n", " "))


def failure(data: ReportData) -> str | None:
    """Why the run failed, in one line, if it did and says so."""
    run = data.run or {}
    if run.get("status") != "failed" or not run.get("error_class"):
        return None
    return f"{run['error_class']}: {run.get('error_message') or ''}".rstrip(": ")


def summary_markdown(data: ReportData, report: Path | None = None) -> str:
    status = data.run["status"] if data.run else "not recorded"
    lines = [f"# Ingest run {_md(data.run_id)}: {status}", ""]
    if why := failure(data):
        lines += [f"**Failed:** {_md(why)}", ""]
    if report is not None:
        lines += [f"Report: `{report}`", ""]
    lines += ["## Counts", ""] + [f"- **{k}**: {v}" for k, v in counts(data).items() if v or k == "inputs_seen"]
    lines += ["", "## Checks", ""]
    if not data.checks:
        lines.append("No checks recorded.")
    for c in data.checks or ():
        lines.append(f"- **{c['status'].upper()}** {_md(c['table'])}.{_md(c['check_name'])}: {_md(c['message'])}")
    lines += ["", "## Top quarantine reasons", ""]
    if not data.quarantine:
        lines.append("Nothing quarantined.")
    for q in data.quarantine[:5]:
        lines.append(f"- {q['rows']} × {_md(q['table'])}/{_md(q['check'])} "
                     f"({q['new_in_run']} new in this run), e.g. {_md(q['example'])}: {_md(q['reason'][:200])}")
    return "\n".join(lines) + "\n"


# --- HTML ----------------------------------------------------------------------------


STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;background:#fff;max-width:1200px}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.9rem}td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;
vertical-align:top}td.n{text-align:right}.status{font-weight:bold;padding:.1rem .4rem;border-radius:3px;color:#fff}
.pass,.success{background:#2e7d32}.warn{background:#b26a00}.fail,.failed{background:#c62828}
.counts{display:flex;flex-wrap:wrap;gap:.5rem}.counts div{border:1px solid #ddd;padding:.4rem .7rem;min-width:8rem}
.counts b{display:block;font-size:1.3rem}.charts{display:flex;flex-wrap:wrap;gap:1.5rem}
figure{margin:0}figcaption{font-weight:bold;margin-bottom:.3rem}.muted{color:#666}
.failure{border-left:4px solid #c62828;background:#fdecea;padding:.5rem .8rem}
"""


class _Html(str):
    """Markup built here from escaped parts: a table cell takes it as it is."""


def _cell(value: Any) -> str:
    if isinstance(value, _Html):
        return f"<td>{value}</td>"
    if value is None:
        return '<td class="muted">–</td>'
    if isinstance(value, int | float):
        text = f"{value:,.3g}" if isinstance(value, float) and abs(value) < 1000 else f"{value:,.0f}"
        return f'<td class="n">{text}</td>'
    return f"<td>{escape(str(value))}</td>"


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _status(status: str) -> _Html:
    return _Html(f'<span class="status {escape(status)}">{escape(status)}</span>')


def _section(section_id: str, title: str, body: str) -> str:
    return f'<section id="{section_id}"><h2>{escape(title)}</h2>{body}</section>'


def render(data: ReportData, generated_at: datetime) -> str:
    run = data.run
    status = run["status"] if run else "not recorded"
    parts = [f"<h1>newsetl run {escape(data.run_id)} {_status(status)}</h1>"]
    if run:
        parts.append(f'<p class="muted">source {escape(run["source"])} · started {run["started_at"]:%Y-%m-%d %H:%M:%S} '
                     f'UTC · finished {run["finished_at"]:%Y-%m-%d %H:%M:%S} UTC · newsetl '
                     f'{escape(run["newsetl_version"])}</p>')
        if why := failure(data):
            parts.append(f'<p id="failure" class="failure"><b>Failed:</b> {escape(why)}</p>')
        tiles = "".join(f"<div><b>{'–' if v is None else f'{v:,}'}</b>{escape(k.replace('_', ' '))}</div>"
                        for k, v in counts(data).items())
        parts.append(_section("counts", "Counts", f'<div class="counts">{tiles}</div>'))
    else:
        parts.append("<p>This run was not recorded in the runs table.</p>")

    checks = _table(["status", "table", "check", "failures", "checked", "observed", "threshold", "message"],
                    [[_status(c["status"]), c["table"], c["check_name"], c["failure_count"], c["rows_checked"],
                      c["observed"], c["threshold"], c["message"]] for c in data.checks or ()])
    parts.append(_section("checks", "Checks", checks if data.checks else "<p>No checks recorded.</p>"))

    quarantine = _table(["table", "check", "rows", "new in this run", "example", "reason"],
                        [[q["table"], q["check"], q["rows"], q["new_in_run"], q["example"], q["reason"]]
                         for q in data.quarantine])
    parts.append(_section("quarantine", "Quarantine: open problems",
                          quarantine if data.quarantine else "<p>Nothing quarantined.</p>"))

    undated = f" ({data.undated} undated articles not shown)" if data.undated else ""
    figures = "".join([
        charts.hbar_chart(data.per_source, "Articles per source", "chart-sources"),
        charts.column_chart(data.per_day, f"Articles per day (latest {DAYS} days with articles){undated}",
                            "chart-days"),
        charts.hbar_chart(data.entities, "Top entities (mentions)", "chart-entities"),
        charts.hbar_chart(data.speakers, "Top speakers (claims)", "chart-speakers"),
        charts.hbar_chart(data.claim_kinds, "Claims by kind", "chart-kinds"),
    ])
    parts.append(_section("warehouse", "The warehouse", f'<div class="charts">{figures}</div>'))

    articles = _table(["title", "source", "published", "words"],
                      [[a["title"], a["domain"] or a["source_uri"], a["published"], a["word_count"]]
                       for a in data.articles])
    parts.append(_section("articles", "Articles landed by this run", articles if data.articles else "<p>None.</p>"))
    parts.append(f'<p class="muted">Generated {generated_at:%Y-%m-%d %H:%M:%S} UTC.</p>')
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f"<title>newsetl run {escape(data.run_id)}: {escape(status)}</title><style>{STYLE}</style></head>"
        f"<body>{''.join(parts)}</body></html>\n"
    )


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)  # a reader never sees half a page


def write_report(root: warehouse.Root, run_id: str) -> Path:
    """Write ``reports/<run_id>.html`` and make ``reports/latest.html`` a copy of it."""
    html = render(gather(root, run_id), datetime.now(UTC))
    path = report_path(root, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(path, html)
    _write_atomic(report_path(root), html)
    return path
