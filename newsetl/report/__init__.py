"""Report stage: what a run did, for people, read back from the warehouse.

* ``data``      - what a report shows, gathered from the tables as committed;
* ``html``      - the self-contained HTML page (D24), ``charts`` its inline SVG charts;
* ``files``     - ``reports/<run_id>.html``, ``latest.html`` and ``index.html``, written atomically;
* ``history``   - what the index shows: every run, and trends across runs;
* ``artifacts`` - the summary the Prefect flow publishes;
* ``runs``      - the recent runs, as ``newsetl runs`` lists them.
"""

from newsetl.report.artifacts import checks_table, summary_markdown
from newsetl.report.data import DAYS, TOP, ReportData, counts, failure, gather
from newsetl.report.files import INDEX, REPORTS, report_path, write_index, write_report
from newsetl.report.history import History, gather_history
from newsetl.report.html import CSP, render, render_index
from newsetl.report.runs import recent_runs

__all__ = ["CSP", "DAYS", "INDEX", "REPORTS", "TOP", "History", "ReportData", "checks_table", "counts", "failure",
           "gather", "gather_history", "recent_runs", "render", "render_index", "report_path", "summary_markdown",
           "write_index", "write_report"]
