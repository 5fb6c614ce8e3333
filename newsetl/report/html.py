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
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from newsetl.report import charts
from newsetl.report.data import DAYS, ReportData, counts, failure
from newsetl.report import history as hist

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
    # A file name as a relative link: every character that is not a letter, digit or -._~ quoted.
    env.filters["filename"] = lambda name: quote(str(name), safe="")
    env.tests["numeric"] = lambda value: isinstance(value, int | float)
    return env


_ENV = _environment()
_TEMPLATE = _ENV.get_template("report.html")
_INDEX = _ENV.get_template("index.html")


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


def _day_charts(history: hist.History) -> list[charts.Chart]:
    def per_day(column: str, scale: float = 1) -> list[tuple[str, float]]:
        return [(d["day"], d[column] * scale) for d in history.per_day]

    return [
        charts.column_chart(per_day("inputs"), "Inputs per day", "trend-inputs"),
        charts.column_chart(per_day("articles"), "Articles per day", "trend-articles"),
        charts.column_chart(per_day("quarantined_share", 100), "Quarantined share of inputs per day (%)",
                            "trend-quarantined"),
        charts.column_chart(per_day("urls_failed"), "Failed fetches per day", "trend-fetch-failed"),
    ]


def _check_charts(history: hist.History) -> list[charts.Chart]:
    return [
        charts.column_chart(
            [(f"{hist.when(p['started_at'])} {p['status']}", p["observed"]) for p in s.points],
            f"{s.table}.{s.check_name}" + (f" (threshold {s.threshold})" if s.threshold else ""),
            f"check-{i}", rules=s.limits)
        for i, s in enumerate(history.checks)
    ]


def render_index(history: hist.History, generated_at: datetime) -> str:
    """The reports index: every run, newest first, linked to its report; trends per day and
    per source; each check's value over the last runs against its limits."""
    return _INDEX.render(history=history, day_charts=_day_charts(history), check_charts=_check_charts(history),
                         days=hist.DAYS, check_runs=hist.RUNS, generated_at=generated_at, csp=Markup(CSP))
