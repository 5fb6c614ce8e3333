"""One run through the pipeline functions the flow calls, without Prefect, and the pages
and checks the tests built around it read."""

from __future__ import annotations

import html
import shutil
from contextlib import nullcontext
from pathlib import Path

from deltalake import DeltaTable

from newsetl import enrich as analysis, run as pipeline
from newsetl.extract import extract_batch
from newsetl.land import Warehouse
from newsetl.settings import Settings
from support.warehouse import warehouse_at

SEEDS = ["000_8f60cbc1a07930e3.txt", "001_cc9ea31035356c05.txt", "002_c211a52ca44ff17f.txt"]
MENU = b"<html><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav></body></html>"


def page(seed: Path) -> bytes:
    """A seed's text as an HTML news page."""
    paragraphs = seed.read_text(encoding="utf-8").split("\n\n")
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return f"<html><head><title>A page</title></head><body><article>{body}</article></body></html>".encode()


def run_pipeline(raw: Path, root, settings: Settings | None = None, only_sources=None, *,
                 incremental: bool = False, lock: bool = False) -> dict:
    """One run through the pipeline functions the flow calls, without Prefect; its runs row.
    ``root``: a path or URI, or a Warehouse (used as it is). ``incremental``: inputs
    unchanged since they were last read are skipped and the inputs read are recorded, as
    the flow does by default. ``lock``: the run holds the warehouse's lock, as the flow does."""
    settings = settings or Settings(enrich=False)
    wh = root if isinstance(root, Warehouse) else warehouse_at(root)
    with wh.exclusive() if lock else nullcontext():
        run = pipeline.start_run(raw, wh)
        try:
            if only_sources is not None:  # as the flow does for a replay
                pipeline.reanalyse(run, only_sources)
            models = analysis.load_models(settings) if settings.enrich else None
            for part, batch in enumerate(pipeline.plan_batches(raw, settings, only_sources)):
                if incremental:
                    split = pipeline.split_inputs(run, batch, settings)
                    output = extract_batch(split.todo, settings, run.run_id)
                    staged = pipeline.stage_batch(run, part, batch, output, split, settings)
                else:
                    staged = pipeline.stage_batch(run, part, batch, extract_batch(batch, settings, run.run_id))
                run.fold_batch(staged)
                if models is not None and not staged.articles.empty:
                    run.fold_analysis(pipeline.enrich_batch(run, staged, models, settings))
            return pipeline.commit_run(run, settings)
        except BaseException:
            pipeline.fail_run(run)
            raise


def table(root: Path, name: str) -> list[dict]:
    return DeltaTable(str(root / name)).to_pyarrow_table().to_pylist()


def results_of(root: Path, run_id: str) -> dict[tuple[str, str], dict]:
    return {(r["table"], r["check_name"]): r for r in table(root, "dq_results") if r["run_id"] == run_id}


def write_seeds(raw: Path, samples_dir: Path, names=SEEDS) -> None:
    raw.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(samples_dir / "seeds" / name, raw / name)
