"""Report stage: what a run did, for people, read back from the warehouse.

* ``data``      - what a report shows, gathered from the tables as committed;
* ``html``      - the self-contained HTML page (D24), ``charts`` its inline SVG charts;
* ``files``     - ``reports/<run_id>.html`` and ``latest.html``, written atomically;
* ``artifacts`` - the summary the Prefect flow publishes;
* ``runs``      - the recent runs, as ``newsetl runs`` lists them.
"""

from newsetl.report.artifacts import checks_table, summary_markdown
from newsetl.report.data import DAYS, TOP, ReportData, counts, failure, gather
from newsetl.report.files import REPORTS, report_path, write_report
from newsetl.report.html import CSP, render
from newsetl.report.runs import recent_runs

__all__ = ["CSP", "DAYS", "REPORTS", "TOP", "ReportData", "checks_table", "counts", "failure", "gather", "recent_runs", "render", "report_path",
           "summary_markdown", "write_report"]
