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


def split_inputs(run: Run, batch: list[RawInput], settings: Settings, skip: bool = True) -> Split:
    """The batch's inputs to read, and those unchanged since they were last processed
    (none with ``skip`` off: every input is read). Articles analysed under another
    ``enrich_key`` are marked changed in the ledger, so their mentions and claims are
    made again."""
    split = split_batch(batch, run.inputs_log, settings, run.ledger.landed, skip)
    for aid in split.reanalyse:
        run.ledger.landed[aid] = ""  # no text hashes to "": the next sight of it is an update
    return split
