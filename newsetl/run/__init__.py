"""The run: its state and the protocol that lands it, as plain functions the Prefect
flow calls in order:

    start_run -> [stage_fetches] -> plan_run -> stage_unchanged
              -> (extract_batch -> stage_batch -> analyse -> land_analysis)* -> commit_run | fail_run

``stage_batch`` and ``land_analysis`` return what a batch adds to the run
(``BatchResult``, ``AnalysisResult``); the caller folds it in (``Run.fold_batch``,
``Run.fold_analysis``), once, in input order for batches.

* ``state``       - ``Run``, its counts, and the batch results it folds in;
* ``start``       - ``start_run``: the warehouse made ready, what it holds read once;
* ``plan``        - which inputs must be read (``incremental``), in batches, and which are unchanged;
* ``stage``       - what each step stages; ``dedup`` decides new, changed, unchanged, duplicate;
* ``stories``     - near-duplicates: signatures, band keys, the decision (``storylink``: in a run);
* ``commit``      - checks, one Delta commit per table under the journal, the run recorded;
* ``workers``     - where the CPU-bound batch work runs (local processes);
* ``review``      - open quarantine rows: their inputs found for a replay, or dismissed.
"""

from newsetl.run.commit import commit_run, describe_error, fail_run
from newsetl.run.incremental import Split
from newsetl.run.plan import Plan, plan_batches, plan_run, split_inputs
from newsetl.run.stage import enrich_batch, land_analysis, stage_batch, stage_fetches, stage_unchanged
from newsetl.run.start import reanalyse, start_run
from newsetl.run.state import AnalysisResult, BatchResult, Run
from newsetl.run.workers import analyse_on, local_pool, run_on, worker_count

__all__ = ["AnalysisResult", "BatchResult", "Plan", "Run", "Split", "analyse_on", "commit_run", "describe_error", "enrich_batch", "fail_run",
           "land_analysis", "local_pool", "plan_batches", "plan_run", "reanalyse", "run_on", "split_inputs", "stage_batch",
           "stage_fetches", "stage_unchanged", "start_run", "worker_count"]
