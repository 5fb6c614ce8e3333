"""How many documents per Prefect task? Measures the ingest flow's wall time per batch size.

    .venv/bin/python bench/batch_size.py [PAGES]        (default 200; or BENCH_PAGES)

Builds a corpus of PAGES pages from raw/samples (each copy made distinct so dedup does
not skip its work), runs the flow once per batch size into a fresh warehouse, and prints
pages/s and the time per task beyond the work itself, against batch size 50 in the same
process. The NLP stage is off (NEWSETL_ENRICH=false) unless the environment turns it on. A temporary Prefect server is started once and shared by every run.
"""

from __future__ import annotations

import gzip
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="newsetl-bench-prefect-"))
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# Task overhead is what is measured: the NLP stage would only add the same work to every size.
os.environ.setdefault("NEWSETL_ENRICH", "false")
sys.path.insert(0, str(REPO))

from flows.ingest import ingest  # noqa: E402

BATCH_SIZES = (1, 10, 50, 200)
BASELINE = 50


def build_corpus(dest: Path, pages: int) -> None:
    sources = sorted((REPO / "raw" / "samples").rglob("*.txt")) + sorted((REPO / "raw" / "samples").rglob("*.html.gz"))
    for i in range(pages):
        src = sources[i % len(sources)]
        note = f"Edition {i}: this copy was made for the batch-size benchmark."
        if src.suffix == ".txt":
            (dest / f"{i:05d}.txt").write_text(src.read_text(encoding="utf-8") + f"\n\n{note}\n", encoding="utf-8")
        else:
            html = gzip.decompress(src.read_bytes()).decode("utf-8", errors="replace")
            (dest / f"{i:05d}.html").write_text(html.replace("</p>", f" {note}</p>", 1), encoding="utf-8")


def main() -> None:
    pages = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("BENCH_PAGES", "200"))
    work = Path(tempfile.mkdtemp(prefix="newsetl-bench-"))
    try:
        raw = work / "raw"
        raw.mkdir()
        build_corpus(raw, pages)
        warm = work / "warm"
        warm.mkdir()
        build_corpus(warm, 2)
        ingest(raw_dir=str(warm), warehouse_dir=str(work / "wh-warm"))  # starts the Prefect server
        results: dict[int, float] = {}
        # Two rounds in opposite orders, best of two: the machine's other load drifts.
        for size in BATCH_SIZES + BATCH_SIZES[::-1]:
            started = time.perf_counter()
            row = ingest(raw_dir=str(raw), warehouse_dir=str(work / f"wh-{size}-{len(results)}"), batch_size=size)
            wall = time.perf_counter() - started
            assert row["inputs_seen"] == pages
            results[size] = min(wall, results.get(size, wall))
        tasks = {size: 2 * -(-pages // size) for size in BATCH_SIZES}
        # wall = work + tasks * overhead: the slope between the extremes is the cost of a task.
        lo, hi = BATCH_SIZES[0], BATCH_SIZES[-1]
        per_task = (results[lo] - results[hi]) / (tasks[lo] - tasks[hi])
        base = results[BASELINE]
        print(f"\n{pages} pages; 2 tasks per batch (extract + stage)")
        print(f"{'batch':>6} {'tasks':>6} {'wall s':>8} {'pages/s':>8} {'vs ' + str(BASELINE):>7} {'task share':>11}")
        for size, wall in results.items():
            share = tasks[size] * per_task / wall
            print(f"{size:>6} {tasks[size]:>6} {wall:>8.2f} {pages / wall:>8.1f} {base / wall:>7.2f} {share:>10.0%}")
        print(f"overhead per task: {per_task * 1000:.0f} ms")
        print(f"batch_{BASELINE}_pages_per_s={pages / base:.1f} ms_per_task={per_task * 1000:.0f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
