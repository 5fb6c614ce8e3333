"""The run's inputs in batches, and which of a batch's inputs must be read."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from newsetl.run.incremental import Split, split_batch
from newsetl.run.state import Run
from newsetl.settings import Settings
from newsetl.sources import RawInput, discover


def _chunks(items: Iterator[RawInput], size: int) -> Iterator[list[RawInput]]:
    while chunk := list(islice(items, size)):
        yield chunk


def plan_batches(raw_dir: Path, settings: Settings, only_sources: list[str] | None = None) -> list[list[RawInput]]:
    """Every input under ``raw_dir`` in batches; ``only_sources`` (source_uri values)
    restricts the run to those inputs, as ``newsetl quarantine replay`` does."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw directory not found: {raw_dir}")
    inputs = discover(raw_dir, settings.ignore_globs)
    if only_sources is not None:
        wanted = set(only_sources)
        inputs = (inp for inp in inputs if inp.source_uri in wanted)
    return list(_chunks(inputs, settings.batch_size))


def split_inputs(run: Run, batch: list[RawInput], settings: Settings) -> Split:
    """The batch's inputs to read, and those unchanged since they were last processed."""
    return split_batch(batch, run.inputs_log, settings, run.ledger.landed)
