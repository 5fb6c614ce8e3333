"""The run's local process pool against Prefect's own ProcessPoolTaskRunner (D47).

    .venv/bin/python bench/task_runners.py [PAGES] [--repeat N]     (default 100 pages, 2)

Builds PAGES distinct pages from raw/samples (as bench/throughput.py does), starts one
Prefect server (not timed), then runs the ingest flow with enrichment on, into a fresh
warehouse each time, in a fresh process, alternating the two variants N times:

  pool      the flow as it is: extract and analyse tasks are threads of the flow that hand
            their work to newsetl's spawn pool (one worker per core, models loaded once
            per worker, each batch's analysis split into chunks of ANALYSIS_CHUNK)
  prefect   the same tasks submitted to prefect.task_runners.ProcessPoolTaskRunner with
            as many workers: each task runs in a spawn worker through Prefect's task
            engine (a batch's analysis is one task); the models are kept per worker too

Both use the same worker count (newsetl.run.worker_count). Wall times are of the flow
call inside the child (imports and the server's start-up excluded). CPU is user + system
seconds of the child and its worker processes, whole (the workers' imports and model loads
included): unlike wall time it hardly moves when other jobs share the machine. Peak memory
is the largest sum of RSS over the child's process tree. The last line is machine-readable:

  pool_pages_per_s=<best> prefect_pages_per_s=<best> prefect_vs_pool=<prefect / pool>
  cpu_pool=<least s> cpu_prefect=<least s>
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import REPO, bench_setup, build_corpus, child  # noqa: E402

sys.path.insert(0, str(REPO))
VARIANTS = ("pool", "prefect")


@contextmanager
def prefect_process_pool(settings, inputs: int):
    """What ``flows.ingest._task_runner`` would be with Prefect's process pool."""
    from prefect.task_runners import ProcessPoolTaskRunner

    from newsetl.run import worker_count

    workers = worker_count(settings, inputs)
    with ProcessPoolTaskRunner(max_workers=workers) as runner:
        yield (lambda t, **params: runner.submit(t, parameters=params)), workers


def run_child(variant: str, raw: Path, warehouse: Path) -> dict:
    import flows.ingest

    if variant == "prefect":
        flows.ingest._task_runner = prefect_process_pool
    started = time.perf_counter()
    row = flows.ingest.ingest(raw_dir=str(raw), warehouse_dir=str(warehouse))
    seconds = time.perf_counter() - started
    cpu = sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
              for f in ("ru_utime", "ru_stime"))
    keys = ("inputs_seen", "articles_new", "duplicates", "quarantined", "articles_enriched", "mentions", "claims")
    return {"seconds": seconds, "cpu": cpu, "pages": row["inputs_seen"], **{k: row[k] for k in keys}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("pages", nargs="?", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    with bench_setup("newsetl-runners-") as (work, env, api_url):
        raw = work / "raw"
        raw.mkdir()
        build_corpus(raw, args.pages)
        print(f"{args.pages} pages; {os.cpu_count()} cores; Prefect server at {api_url} (start-up not timed)",
              flush=True)
        best: dict[str, float] = {}
        cpu: dict[str, float] = {}
        peaks: dict[str, float] = {}
        results: dict[str, dict] = {}
        for i in range(max(1, args.repeat)):
            for variant in VARIANTS:
                warehouse = work / f"wh-{variant}-{i}"
                result, peak = child([variant, str(raw), str(warehouse)], env, script=Path(__file__))
                shutil.rmtree(warehouse, ignore_errors=True)
                rate = result["pages"] / result["seconds"]
                print(f"{variant:8s} {result['seconds']:7.1f} s  {rate:6.2f} pages/s  CPU {result['cpu']:6.1f} s  "
                      f"peak RSS {peak / 2**20:6.0f} MiB  "
                      f"{json.dumps({k: v for k, v in result.items() if k not in ('seconds', 'cpu', 'pages')})}",
                      flush=True)
                best[variant] = max(best.get(variant, 0.0), rate)
                cpu[variant] = min(cpu.get(variant, float("inf")), result["cpu"])
                peaks[variant] = max(peaks.get(variant, 0.0), peak)
                results.setdefault(variant, result)
        counts = {v: {k: n for k, n in r.items() if k not in ("seconds", "cpu")} for v, r in results.items()}
        same = all(counts[v] == counts["pool"] for v in VARIANTS)
        print(f"same counts: {same}; peak RSS pool / prefect: {peaks['pool'] / 2**20:.0f} / "
              f"{peaks['prefect'] / 2**20:.0f} MiB")
        print(f"pool_pages_per_s={best['pool']:.2f} prefect_pages_per_s={best['prefect']:.2f} "
              f"prefect_vs_pool={best['prefect'] / best['pool']:.2f} cpu_pool={cpu['pool']:.1f} "
              f"cpu_prefect={cpu['prefect']:.1f}")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        variant, raw_dir, warehouse_dir = sys.argv[2:5]
        print(json.dumps(run_child(variant, Path(raw_dir), Path(warehouse_dir))))
    else:
        sys.exit(main())
