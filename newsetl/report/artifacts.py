"""The run's summary as the Prefect flow publishes it: counts and checks as tables, and a
markdown summary with the top quarantine reasons."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from newsetl.report.data import ReportData, counts, failure


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
