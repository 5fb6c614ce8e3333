"""The ``ingest`` flow: raw pages on disk -> validated tables in the warehouse.

The flow only orchestrates: every step is a plain function of ``newsetl``. Tasks work
on batches of documents (``batch_size``), never one task per document: see README,
"Batch size". Extraction and the NLP pass run on local worker processes (one per core)
or on a Dask cluster, a few batches ahead of staging, which stays in the flow's process.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# Defaults for running without a Prefect server (set before prefect is imported; the
# environment still wins):
# - the newsetl loggers show in Prefect's logs (tasks run in threads of this process);
# - the temporary API server that starts on first use gets 120 s, not 20, to come up
#   on a slow or busy machine;
# - no telemetry: the machines this runs on may reach nothing but their package index.
for _key, _value in {
    "PREFECT_LOGGING_EXTRA_LOGGERS": "newsetl",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
}.items():
    os.environ.setdefault(_key, _value)

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact, create_table_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.context import FlowRunContext  # noqa: E402
from prefect.futures import as_completed  # noqa: E402
from prefect.utilities.annotations import quote  # noqa: E402
import pandas as pd  # noqa: E402

from newsetl import report, run as pipeline  # noqa: E402
from newsetl.enrich import Analysis  # noqa: E402
from newsetl.extract import BatchOutput, extract_batch  # noqa: E402
from newsetl.land import Warehouse  # noqa: E402
from newsetl.quality import DataQualityError  # noqa: E402
from newsetl.run.progress import RunProgress  # noqa: E402
from newsetl.settings import Settings  # noqa: E402
from newsetl.sources import RawInput, WebSources  # noqa: E402

# Inputs are wrapped in quote() so Prefect does not walk (and copy) large batches.
_task = {"cache_policy": NO_CACHE}


@task(name="start-run", **_task)
def start_run(raw_dir: Path, warehouse: Warehouse) -> pipeline.Run:
    return pipeline.start_run(raw_dir, warehouse)


@task(name="fetch-web", **_task)
def fetch_web(run: pipeline.Run, raw_dir: Path, sources: WebSources, settings: Settings) -> dict[str, int]:
    # No task retries: the fetcher retries each URL itself, and a failed URL is a row.
    return pipeline.stage_fetches(run, raw_dir, sources, settings)


@task(name="plan-run", **_task)
def plan_run(run: pipeline.Run, raw_dir: Path, settings: Settings, only_sources: list[str] | None) -> pipeline.Plan:
    return pipeline.plan_run(run, raw_dir, settings, only_sources)


# The two CPU-bound tasks run where the task runner puts them: in a thread of the flow
# that hands the work to a local worker process (``pool``), or on a Dask worker (no pool).
@task(name="extract-batch", **_task)
def extract(batch: list[RawInput], settings: Settings, run_id: str, pool: Executor | None = None) -> BatchOutput:
    return pipeline.run_on(pool, extract_batch, batch, settings, run_id)


@task(name="analyse-batch", **_task)
def analyse(articles: pd.DataFrame, settings: Settings, run_id: str, pool: Executor | None = None) -> Analysis:
    return pipeline.analyse_on(pool, articles, settings, run_id)


# The staging tasks leave the run as it was and return what the batch adds; the flow folds
# it in once the task succeeded, so a retried task counts nothing twice.
@task(name="stage-batch", **_task)
def stage(run: pipeline.Run, part: int, batch: list[RawInput], output: BatchOutput,
          settings: Settings) -> pipeline.BatchResult:
    return pipeline.stage_batch(run, part, batch, output, settings=settings)


# One task for all the unchanged inputs of a run, however many: it reads none of them.
@task(name="stage-unchanged", **_task)
def stage_unchanged(run: pipeline.Run, part: int, unchanged: pipeline.Split, settings: Settings) -> pipeline.BatchResult:
    return pipeline.stage_unchanged(run, part, unchanged, settings)


@task(name="stage-analysis", **_task)
def stage_analysis(run: pipeline.Run, part: int, analysis: Analysis) -> pipeline.AnalysisResult:
    return pipeline.land_analysis(run, part, analysis)


def _retry_unless_data_quality(task, task_run, state) -> bool:
    # A data-quality stop is a verdict on the data, not a transient failure.
    try:
        state.result()
    except DataQualityError:
        return False
    except Exception:
        return True
    return True


@task(name="commit-run", retry_condition_fn=_retry_unless_data_quality, **_task)
def commit(run: pipeline.Run, settings: Settings) -> dict[str, Any]:
    return pipeline.commit_run(run, settings)


Submit = Callable[..., Any]


@contextmanager
def _task_runner(settings: Settings, inputs: int) -> Iterator[tuple[Submit, int]]:
    """``submit(task, **parameters) -> future`` for the batch tasks, and how many can run
    at once. Local worker processes by default; a Dask cluster when settings name one.
    Dask workers report their task runs to this flow's Prefect API: without
    PREFECT_API_URL each worker process would start its own temporary server (see README,
    "Speed and scale"), so a local cluster's workers get the URL of the one this flow uses."""
    if not (settings.dask_address or settings.dask_local):
        workers = pipeline.worker_count(settings, inputs)
        with pipeline.local_pool(workers) as pool:
            yield (lambda t, **params: t.submit(**{k: quote(v) for k, v in params.items()}, pool=quote(pool))), workers
        return
    from prefect_dask import DaskTaskRunner

    if settings.dask_address:
        runner = DaskTaskRunner(address=settings.dask_address)
    else:
        api_url = str(FlowRunContext.get().client.api_url)
        runner = DaskTaskRunner(cluster_kwargs={
            "n_workers": settings.dask_local, "threads_per_worker": 1, "processes": True,
            "dashboard_address": None, "env": {"PREFECT_API_URL": api_url},
        })
    with runner:
        slots = sum(runner.client.nthreads().values()) or 1
        # No quote() here: the Dask runner rebuilds the parameters it walks, and a quoted
        # list of dataclasses comes out as a list of tuples.
        yield (lambda t, **params: runner.submit(t, parameters=params)), slots


def _load(run: pipeline.Run, batches: list[list[RawInput]], settings: Settings, submit: Submit,
          slots: int, retry: dict[str, Any], progress: RunProgress) -> None:
    """Extract, stage, analyse and stage the analysis of every batch, with at most
    ``2 * slots`` batch tasks in flight (every worker busy and one more task queued for
    each, never the corpus in memory). Batches are staged in input order (dedup depends
    on it); analyses are landed as they finish, in any order, so a slow analysis never
    holds back staging and the next submissions."""
    logger = get_run_logger()
    extract_r = extract.with_options(**retry)
    reading: deque = deque()  # (part, batch, extract future), in input order
    analysing: dict = {}  # analyse future -> (part, articles)

    def stage_oldest() -> None:
        part, batch, future = reading.popleft()
        staged = stage(quote(run), part, quote(batch), quote(future.result()), settings)
        run.fold_batch(staged)
        logger.info("batch staged: %s", staged.outcomes)
        to_analyse = len(staged.articles) if settings.enrich else 0
        if to_analyse:
            analysing[submit(analyse, articles=staged.articles, settings=settings, run_id=run.run_id)] = (
                staged.part, to_analyse)
        progress.batch_staged(len(batch), len(batch), to_analyse)

    def step() -> None:
        """Stage the oldest batch or land an analysis, whichever finishes first."""
        first = next(as_completed([*([reading[0][2]] if reading else []), *analysing]))
        if first in analysing:
            part, articles = analysing.pop(first)
            landed = stage_analysis(quote(run), part, quote(first.result()))
            run.fold_analysis(landed)
            progress.batch_analysed(articles)
            logger.info("batch analysed: %s", landed.counts)
        else:
            stage_oldest()

    for part, batch in enumerate(batches):
        reading.append((part, batch, submit(extract_r, batch=batch, settings=settings, run_id=run.run_id)))
        while len(reading) + len(analysing) > 2 * slots:
            step()
    while reading or analysing:
        step()


def _publish(warehouse: Warehouse, run: pipeline.Run) -> None:
    """The run's summary as Prefect artifacts: counts and checks as tables, and a markdown
    summary with the top quarantine reasons and the report's path; from the figures the
    run's report was written from, else gathered here."""
    run_id = run.run_id
    # Artifacts only describe the run: failing to publish them must not fail it, nor hide
    # the exception a failed run is raising.
    try:
        data = run.report or report.gather(warehouse, run_id)
        create_table_artifact(key="ingest-counts", table=[report.counts(data)], description=f"Run {run_id}")
        create_table_artifact(key="ingest-checks", table=report.checks_table(data),
                              description=f"Data-quality checks of run {run_id}")
        create_markdown_artifact(key="ingest-summary",
                                 markdown=report.summary_markdown(data, report.report_path(warehouse.local, run_id)))
    except Exception:
        get_run_logger().exception("run %s: publishing the artifacts failed", run_id)


@flow(name="ingest")
def ingest(
    raw_dir: str = "raw",
    warehouse_dir: str = "warehouse",
    batch_size: int | None = None,
    urls_file: str | None = None,
    feeds: list[str] | None = None,
    warcs: list[str] | None = None,
    sources_file: str | None = None,
    show_progress: bool | str = False,
    only_sources: list[str] | None = None,
    dask_address: str | None = None,
    dask_local: int | None = None,
) -> dict[str, Any]:
    """Fetch the web sources given (URL list, feeds/sitemaps, WARC files, a sources file)
    into ``raw_dir``, then load every page under ``raw_dir`` into the warehouse.
    ``dask_address`` runs the batch tasks on that Dask cluster, ``dask_local`` on a local
    Dask cluster of that many workers; by default they run on local worker processes.
    ``show_progress``: "bar" (or true) for a progress bar, "lines" for a line of progress
    every ``progress_interval_seconds``, on stderr; false or "off" for none.
    Returns the run's row of the ``runs`` table."""
    overrides: dict[str, Any] = {"raw_dir": raw_dir, "warehouse_dir": warehouse_dir}
    for name, value in (("batch_size", batch_size), ("dask_address", dask_address), ("dask_local", dask_local)):
        if value is not None:
            overrides[name] = value
    settings = Settings(**overrides)
    web = WebSources(
        urls_file=Path(urls_file) if urls_file else None,
        feeds=tuple(feeds or ()),
        warcs=tuple(Path(w) for w in warcs or ()),
        sources_file=Path(sources_file) if sources_file else None,
    )
    logger = get_run_logger()
    retry = {"retries": settings.task_retries, "retry_delay_seconds": settings.task_retry_delay_seconds}

    warehouse = Warehouse.at(settings.warehouse_dir, settings)
    with warehouse.exclusive(wait_seconds=settings.lock_wait_seconds):
        run = start_run.with_options(**retry)(settings.raw_dir, quote(warehouse))
        logger.info("run %s: %s -> %s", run.run_id, settings.raw_dir, warehouse.loc)
        try:
            if web:
                fetched = fetch_web(quote(run), settings.raw_dir, web, settings)
                logger.info("fetched: %s", fetched)
            plan = plan_run(quote(run), settings.raw_dir, settings, only_sources)
            if only_sources is not None:
                logger.info("replay: %d landed articles analysed again", pipeline.reanalyse(run, only_sources))
            logger.info("%d inputs: %d unchanged since they were last processed, %d to read in %d batches of up "
                        "to %d", plan.inputs, len(plan.unchanged.skipped), plan.to_read, len(plan.batches),
                        settings.batch_size)
            # Progress counts reading, the NLP pass and landing (D64), on stderr.
            with RunProgress(show_progress, settings.progress_interval_seconds) as progress:
                progress.begin(plan.inputs, plan.to_read, settings.enrich)
                if plan.unchanged.skipped:
                    # Staged first: the batches read after it dedup against its articles.
                    run.fold_batch(stage_unchanged(quote(run), len(plan.batches), quote(plan.unchanged), settings))
                    progress.batch_staged(len(plan.unchanged.skipped), 0, 0)
                with _task_runner(settings, plan.to_read) as (submit, slots):
                    _load(run, plan.batches, settings, submit, slots, retry, progress)
                progress.landing()
                row = commit.with_options(**retry)(quote(run), settings)
                progress.landed()
        except BaseException as exc:
            pipeline.fail_run(run, exc)
            _publish(warehouse, run)
            raise
    logger.info("run %s done: %s", run.run_id, run.counts.as_dict())
    _publish(warehouse, run)
    return row


if __name__ == "__main__":
    defaults = Settings()
    ingest(raw_dir=str(defaults.raw_dir), warehouse_dir=str(defaults.warehouse_dir))
