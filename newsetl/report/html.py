"""The run report as HTML: one self-contained page per run.

``warehouse/reports/<run_id>.html`` shows the run's counts, every data-quality check with
its status, the open quarantine problems and charts of what the warehouse holds. The page
fetches nothing (inline CSS, inline SVG, no script). It is a Jinja2 template
(``templates/report.html``) with autoescape on, so every value is escaped where it is
printed: titles, names and reasons are untrusted text from the web (D55). Its
Content-Security-Policy forbids scripts as a second line of defence.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from newsetl.report import charts
from newsetl.report.data import DAYS, ReportData, counts, failure

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _number(value: int | float) -> str:
    if isinstance(value, float) and abs(value) < 1000:
        return f"{value:,.3g}"
    return f"{value:,.0f}"


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("newsetl.report", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["number"] = _number
    env.filters["when"] = lambda t: f"{t:%Y-%m-%d %H:%M:%S}"
    env.tests["numeric"] = lambda value: isinstance(value, int | float)
    return env


_TEMPLATE = _environment().get_template("report.html")


def _figures(data: ReportData) -> list[charts.Chart]:
    undated = f" ({data.undated} undated articles not shown)" if data.undated else ""
    return [
        charts.hbar_chart(data.per_source, "Articles per source", "chart-sources"),
        charts.column_chart(data.per_day, f"Articles per day (latest {DAYS} days with articles){undated}",
                            "chart-days"),
        charts.hbar_chart(data.entities, "Top entities (mentions)", "chart-entities"),
        charts.hbar_chart(data.speakers, "Top speakers (speech claims: said, told, warned ...; resolved names only)", "chart-speakers"),
        charts.hbar_chart(data.claim_kinds, "Claims by kind", "chart-kinds"),
    ]


def render(data: ReportData, generated_at: datetime) -> str:
    run: dict[str, Any] | None = data.run
    return _TEMPLATE.render(
        data=data, run=run, status=run["status"] if run else "not recorded", failure=failure(data),
        counts=counts(data), figures=_figures(data), generated_at=generated_at,
        csp=Markup(CSP),  # our constant, written as it is (its quotes are part of the policy)
    )
