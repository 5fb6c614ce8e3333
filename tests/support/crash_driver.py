"""Crash driver for tests/land/test_crash_safety.py: one run of the pipeline, in the flow's
order, in its own process, optionally killed by SIGKILL at one write.

    python tests/support/crash_driver.py RAW WAREHOUSE [--list POINTS.json] [--kill-at K --side before|after]
    python tests/support/crash_driver.py --serve      # fork server: one JSON job per stdin line

The write primitives the run uses are wrapped here, in the driver (production code has
no test hooks): each call is a numbered point. ``--list`` writes every point of a
complete run; ``--kill-at K`` kills the process before or after the K-th one. The
Prefect flow itself is not used: its API server costs 10-25 s per process.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import signal
import sys
from pathlib import Path

from deltalake import DeltaTable
from deltalake.table import TableMerger

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from newsetl import enrich as analysis, run as pipeline  # noqa: E402
from newsetl.land import catalog, warehouse  # noqa: E402
from newsetl.extract import extract_batch  # noqa: E402
from newsetl.settings import Settings  # noqa: E402
from schemas import TABLES  # noqa: E402


class Points:
    def __init__(self, kill_at: int | None, side: str):
        self.kill_at, self.side = kill_at, side
        self.seen: list[str] = []

    def hit(self, label: str, fn, *args, **kwargs):
        self.seen.append(label)
        k = len(self.seen)
        if k == self.kill_at and self.side == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        result = fn(*args, **kwargs)
        if k == self.kill_at and self.side == "after":
            os.kill(os.getpid(), signal.SIGKILL)
        return result


def _name(path) -> str:
    return Path(str(path)).name


def _replaced(dst) -> str:
    # Staged parts are told apart by table; the catalog and the journal by name alone
    # (the warehouse directory's name differs from copy to copy).
    path = Path(dst)
    return path.name if path.parent.name not in TABLES else f"{path.parent.name}/{path.name}"


def instrument(points: Points) -> None:
    """Wrap every primitive that writes to the warehouse, where the pipeline looks it up."""

    def wrap(owner, attr: str, label):
        original = getattr(owner, attr)

        @functools.wraps(original)
        def wrapper(*args, **kwargs):
            return points.hit(label(*args, **kwargs), original, *args, **kwargs)

        setattr(owner, attr, wrapper)

    wrap(os, "replace", lambda src, dst, **_: f"os.replace:{_replaced(dst)}")
    wrap(warehouse.pq, "write_table", lambda table, where, **_: f"parquet.write_table:{Path(where).parent.name}")
    wrap(TableMerger, "execute", lambda self: f"delta.merge:{_name(self._table.table_uri())}")
    wrap(DeltaTable, "delete", lambda self, *a, **k: f"delta.delete:{_name(self.table_uri)}")
    wrap(DeltaTable, "restore", lambda self, *a, **k: f"delta.restore:{_name(self.table_uri)}")
    wrap(warehouse, "write_deltalake", lambda table, *a, **k: f"write_deltalake:{_name(table.table_uri)}")
    wrap(warehouse.Warehouse, "begin_commit", lambda *a, **k: "journal.begin")
    wrap(warehouse.Warehouse, "end_commit", lambda *a, **k: "journal.end (commit point)")
    wrap(warehouse.Warehouse, "drop_staging", lambda *a, **k: "drop_staging")
    wrap(catalog, "refresh", lambda *a, **k: "catalog.refresh")


def run(raw: Path, root: Path, settings: Settings, models: analysis.Models | None = None) -> dict:
    """start_run -> plan_batches -> (extract -> stage -> enrich)* -> commit_run, as the flow
    does it (tests/quality/test_malformed.py runs it in its own process)."""
    wh = warehouse.Warehouse.at(root, settings)
    with wh.exclusive():
        r = pipeline.start_run(raw, wh)
        try:
            models = models or analysis.load_models(settings)
            for part, batch in enumerate(pipeline.plan_batches(raw, settings)):
                staged = pipeline.stage_batch(r, part, batch, extract_batch(batch, settings, r.run_id))
                r.fold_batch(staged)
                if not staged.articles.empty:
                    r.fold_analysis(pipeline.enrich_batch(r, staged, models, settings))
            return pipeline.commit_run(r, settings)
        except BaseException:
            pipeline.fail_run(r)
            raise


def _settings(raw: Path, root: Path, batch_size: int) -> Settings:
    return Settings(raw_dir=raw, warehouse_dir=root, batch_size=batch_size, enrich=True)


def serve() -> int:
    """Fork server: import and load the models once, then fork one child per run asked on
    stdin (a JSON line: raw, warehouse, kill_at, side, batch_size) and answer on stdout
    with the child's wait status. Saves the ~3 s of start-up of a fresh process per run;
    no thread has started when the children fork."""
    models = analysis.load_models(Settings())
    for line in sys.stdin:
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 1
            os.dup2(2, 1)  # stdout carries the answers: the run's own output goes to stderr
            try:
                instrument(Points(job.get("kill_at"), job.get("side", "before")))
                raw, root = Path(job["raw"]), Path(job["warehouse"])
                run(raw, root, _settings(raw, root, job.get("batch_size", 2)), models)
                code = 0
            except BaseException:  # noqa: BLE001 - reported to the parent as a status
                import traceback

                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        rc = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        print(json.dumps({"returncode": rc}), flush=True)
    return 0


def main() -> int:
    if sys.argv[1:] == ["--serve"]:
        return serve()
    p = argparse.ArgumentParser()
    p.add_argument("raw", type=Path)
    p.add_argument("warehouse", type=Path)
    p.add_argument("--list", type=Path, help="write the labels of every point here")
    p.add_argument("--kill-at", type=int)
    p.add_argument("--side", choices=("before", "after"), default="before")
    p.add_argument("--batch-size", type=int, default=2)
    args = p.parse_args()
    points = Points(args.kill_at, args.side)
    instrument(points)
    row = run(args.raw, args.warehouse, _settings(args.raw, args.warehouse, args.batch_size))
    if args.list:
        args.list.write_text(json.dumps(points.seen), encoding="utf-8")
    print(json.dumps({k: row[k] for k in ("status", "inputs_seen", "articles", "duplicates", "quarantined")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
