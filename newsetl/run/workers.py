"""Where the CPU-bound work of a batch runs: extraction and the NLP pass.

Both are plain functions of their inputs (``newsetl.extract.extract_batch``,
``newsetl.enrich.analyse``), so they can run
in this process, in a local pool of worker processes (the default: one per core), or on a
Dask worker. The pool uses the ``spawn`` start method: the flow's process has threads
(Prefect's, the task runner's) and forking a threaded process can deadlock the child. Each
worker process loads the spaCy pipeline once, the first time it has something to analyse,
so a run with nothing new to analyse loads no model at all.

This pool and Dask are the run's only ways to use several cores (D47). Prefect's own
ProcessPoolTaskRunner, measured against it (bench/task_runners.py), used 11% more CPU
and 42% more memory for the same run: its workers import Prefect's task engine and the
flow module (the warehouse with it), and it analyses a batch as one task, not in chunks.
spaCy's own processes (``nlp.pipe(n_process=...)``) are not used.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

import pandas as pd

from newsetl.enrich import Analysis, analyse, combine
from newsetl.settings import Settings

T = TypeVar("T")


# A batch's articles go to the pool's workers in chunks of this many. At about 0.3 s of
# NLP per article, a chunk is a few seconds of work: small enough that the last chunks of
# a run keep every worker busy to the end (whole batches of 50 left one worker idle for
# up to 15 s), large enough that shipping it costs nothing in comparison.
ANALYSIS_CHUNK = 10


def worker_count(settings: Settings, inputs: int) -> int:
    """Worker processes for ``inputs`` inputs to read: ``settings.workers`` (0 = one per
    core), no more than there are batches, and none (1: this process) for small runs."""
    if inputs < settings.workers_min_inputs:
        return 1
    batches = -(-inputs // settings.batch_size)
    return max(1, min(settings.workers or os.cpu_count() or 1, batches))


@contextmanager
def local_pool(workers: int) -> Iterator[Executor | None]:
    """A pool of ``workers`` processes, or None (run in this process) for one worker: a
    single worker process would only add the cost of shipping batches to it."""
    if workers <= 1:
        yield None
        return
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def run_on(pool: Executor | None, fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in the pool when there is one, else here."""
    return pool.submit(fn, *args).result() if pool is not None else fn(*args)


def analyse_on(pool: Executor | None, articles: pd.DataFrame, settings: Settings, run_id: str) -> Analysis:
    """``analyse`` over a batch's articles: here when there is no pool, else in chunks of
    ``ANALYSIS_CHUNK`` articles spread over the pool's workers."""
    if pool is None:
        return analyse(articles, settings, run_id)
    chunks = [articles.iloc[i:i + ANALYSIS_CHUNK] for i in range(0, len(articles), ANALYSIS_CHUNK)]
    futures = [pool.submit(analyse, chunk, settings, run_id) for chunk in chunks]
    return combine([f.result() for f in futures])


__all__ = ["ANALYSIS_CHUNK", "analyse_on", "local_pool", "run_on", "worker_count"]
