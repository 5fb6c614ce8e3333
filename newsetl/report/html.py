"""The run report as HTML: one self-contained page per run.

``warehouse/reports/<run_id>.html`` shows the run's counts, every data-quality check with
its status, the open quarantine problems and charts of what the warehouse holds. The page
fetches nothing (inline CSS, inline SVG, no script) and every value is escaped: titles,
names and reasons are untrusted text from the web. Its Content-Security-Policy forbids
scripts as a second line of defence.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from newsetl.report import charts
from newsetl.report.data import DAYS, ReportData, counts, failure

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


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
