"""The ``ingest`` flow: raw pages on disk -> validated tables in the warehouse.

The flow only orchestrates: every step is a plain function of ``newsetl``. Tasks work
on batches of documents (``batch_size``), never one task per document: see README,
"Batch size". Extraction of the next batch overlaps staging of the current one.
"""

from __future__ import annotations

import os
from collections import deque
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
from prefect.utilities.annotations import quote  # noqa: E402
from rich.progress import Progress  # noqa: E402

from newsetl import pipeline, warehouse  # noqa: E402
from newsetl.extract import BatchOutput, extract_batch  # noqa: E402
from newsetl.inputs import RawInput  # noqa: E402
from newsetl.settings import Settings  # noqa: E402

# Inputs are wrapped in quote() so Prefect does not walk (and copy) large batches.
_task = {"cache_policy": NO_CACHE}


@task(name="start-run", **_task)
def start_run(raw_dir: Path, warehouse_dir: Path) -> pipeline.Run:
    return pipeline.start_run(raw_dir, warehouse_dir)


@task(name="fetch-web", **_task)
def fetch_web(run: pipeline.Run, raw_dir: Path, sources: pipeline.WebSources, settings: Settings) -> dict[str, int]:
    # No task retries: the fetcher retries each URL itself, and a failed URL is a row.
    return pipeline.fetch_web(run, raw_dir, sources, settings)


@task(name="plan-batches", **_task)
def plan_batches(raw_dir: Path, settings: Settings) -> list[list[RawInput]]:
    return pipeline.plan_batches(raw_dir, settings)


@task(name="extract-batch", **_task)
def extract(batch: list[RawInput], settings: Settings, run_id: str) -> BatchOutput:
    return extract_batch(batch, settings, run_id)


@task(name="stage-batch", **_task)
def stage(run: pipeline.Run, batch: list[RawInput], output: BatchOutput) -> pipeline.Staged:
    return pipeline.stage_batch(run, batch, output)


@task(name="load-models", **_task)
def load_models(settings: Settings) -> pipeline.Models:
    return pipeline.load_models(settings)


@task(name="enrich-batch", **_task)
def enrich(run: pipeline.Run, staged: pipeline.Staged, models: pipeline.Models, settings: Settings) -> dict[str, int]:
    return pipeline.enrich_batch(run, staged, models, settings)


@task(name="commit-run", **_task)
def commit(run: pipeline.Run) -> dict[str, Any]:
    return pipeline.commit_run(run)


def _publish(row: dict[str, Any]) -> None:
    counts = {k: row[k] for k in ("inputs_seen", "articles", "articles_new", "articles_updated",
                                  "articles_unchanged", "duplicates", "quarantined", "articles_enriched",
                                  "enrich_skipped_non_english", "mentions", "claims", "urls_seen",
                                  "urls_fetched", "urls_unchanged", "urls_duplicate",
                                  "urls_robots_excluded", "urls_failed")}
    create_table_artifact(key="ingest-counts", table=[counts], description=f"Run {row['run_id']}")
    lines = [f"# Ingest run {row['run_id']}: {row['status']}", ""] + [f"- **{k}**: {v}" for k, v in counts.items()]
    create_markdown_artifact(key="ingest-summary", markdown="\n".join(lines))


@flow(name="ingest")
def ingest(
    raw_dir: str = "raw",
    warehouse_dir: str = "warehouse",
    batch_size: int | None = None,
    urls_file: str | None = None,
    feeds: list[str] | None = None,
    warcs: list[str] | None = None,
    sources_file: str | None = None,
    show_progress: bool = False,
) -> dict[str, Any]:
    """Fetch the web sources given (URL list, feeds/sitemaps, WARC files, a sources file)
    into ``raw_dir``, then load every page under ``raw_dir`` into the warehouse.
    Returns the run's row of the ``runs`` table."""
    overrides = {"raw_dir": raw_dir, "warehouse_dir": warehouse_dir}
    if batch_size is not None:
        overrides["batch_size"] = batch_size
    settings = Settings(**overrides)
    web = pipeline.WebSources(
        urls_file=Path(urls_file) if urls_file else None,
        feeds=tuple(feeds or ()),
        warcs=tuple(Path(w) for w in warcs or ()),
        sources_file=Path(sources_file) if sources_file else None,
    )
    logger = get_run_logger()
    retry = {"retries": settings.task_retries, "retry_delay_seconds": settings.task_retry_delay_seconds}

    with warehouse.exclusive(settings.warehouse_dir, wait_seconds=settings.lock_wait_seconds):
        run = start_run.with_options(**retry)(settings.raw_dir, settings.warehouse_dir)
        logger.info("run %s: %s -> %s", run.run_id, settings.raw_dir, run.root)
        try:
            if web:
                fetched = fetch_web(quote(run), settings.raw_dir, web, settings)
                logger.info("fetched: %s", fetched)
            models = load_models(settings) if settings.enrich else None
            batches = plan_batches(settings.raw_dir, settings)
            total = sum(len(b) for b in batches)
            logger.info("%d inputs in %d batches of up to %d", total, len(batches), settings.batch_size)
            extract_r = extract.with_options(**retry)
            pending: deque = deque()
            with Progress(disable=not show_progress, transient=True) as progress:
                bar = progress.add_task("pages", total=total)

                def stage_oldest() -> None:
                    batch, future = pending.popleft()
                    staged = stage(quote(run), quote(batch), quote(future.result()))
                    logger.info("batch staged: %s", staged.outcomes)
                    if models is not None and not staged.articles.empty:
                        logger.info("batch enriched: %s", enrich(quote(run), quote(staged), quote(models), settings))
                    progress.advance(bar, len(batch))

                for batch in batches:
                    pending.append((batch, extract_r.submit(quote(batch), settings, run.run_id)))
                    if len(pending) > 1:  # one batch extracts ahead while the last is staged
                        stage_oldest()
                while pending:
                    stage_oldest()
            row = commit.with_options(**retry)(quote(run))
        except BaseException:
            pipeline.fail_run(run)
            raise
    logger.info("run %s done: %s", run.run_id, run.counts.as_dict())
    _publish(row)
    return row


if __name__ == "__main__":
    defaults = Settings()
    ingest(raw_dir=str(defaults.raw_dir), warehouse_dir=str(defaults.warehouse_dir))
