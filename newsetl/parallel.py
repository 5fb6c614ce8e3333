"""Where the CPU-bound work of a batch runs: extraction and the NLP pass.

Both are plain functions of their inputs (``extract_batch``, ``analyse``), so they can run
in this process, in a local pool of worker processes (the default: one per core), or on a
Dask worker. The pool uses the ``spawn`` start method: the flow's process has threads
(Prefect's, the task runner's) and forking a threaded process can deadlock the child. Each
worker process loads the spaCy pipeline once, the first time it has something to analyse,
so a run with nothing new to analyse loads no model at all.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

import pandas as pd

from newsetl.pipeline import Analysis, Models, analyse_articles, load_models
from newsetl.settings import Settings

T = TypeVar("T")


# Below this many inputs to read, worker processes cost more than they save: each one
# imports the pipeline and loads the spaCy model (several seconds) to take over part of
# about 0.3 s of work per page (2-core machine).
MIN_INPUTS_FOR_WORKERS = 64


def worker_count(settings: Settings, inputs: int) -> int:
    """Worker processes for ``inputs`` inputs to read: ``settings.workers`` (0 = one per
    core), no more than there are batches, and none (1: this process) for small runs."""
    if inputs < MIN_INPUTS_FOR_WORKERS:
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


@functools.cache
def _models(max_chars: int) -> tuple[Models, threading.Lock]:
    # spaCy does not promise that one pipeline can serve two threads at once, and tasks
    # run in threads when there is no pool (or on a Dask worker with several threads).
    return load_models(Settings(nlp_max_chars=max_chars)), threading.Lock()


def analyse(articles: pd.DataFrame, settings: Settings, run_id: str) -> Analysis:
    """The NLP pass over a batch's new and changed articles, with this process's models
    (loaded on first use and kept for the life of the process: a worker analyses many
    batches, and a Dask worker many runs)."""
    models, lock = _models(settings.nlp_max_chars)
    with lock:
        return analyse_articles(articles, models, settings, run_id)


__all__ = ["MIN_INPUTS_FOR_WORKERS", "analyse", "local_pool", "run_on", "worker_count"]
