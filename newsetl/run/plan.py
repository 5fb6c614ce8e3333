"""The run's plan: which inputs must be read, in batches, and which are unchanged.

Unchanged inputs are decided here, before any task exists: batches hold only inputs to
read, so a run over a large raw/ with few new pages starts few tasks, and its cost
follows the new inputs rather than the size of raw/ (D67)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from newsetl.run.incremental import Split, split_batch
from newsetl.run.state import Run
from newsetl.settings import Settings
from newsetl.sources import RawInput, discover


@dataclass
class Plan:
    """``batches``: the inputs to read; ``unchanged``: the inputs skipped (``todo`` empty),
    staged and counted once, without extraction."""

    batches: list[list[RawInput]] = field(default_factory=list)
    unchanged: Split = field(default_factory=Split)

    @property
    def inputs(self) -> int:
        return sum(len(b) for b in self.batches) + len(self.unchanged.skipped)

    @property
    def to_read(self) -> int:
        return sum(len(b) for b in self.batches)


def _chunks(items: Iterable[RawInput], size: int) -> Iterator[list[RawInput]]:
    items = iter(items)
    while chunk := list(islice(items, size)):
        yield chunk


def _inputs(raw_dir: Path, settings: Settings, only_sources: list[str] | None) -> Iterator[RawInput]:
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw directory not found: {raw_dir}")
    inputs = discover(raw_dir, settings.ignore_globs)
    if only_sources is not None:
        wanted = set(only_sources)
        inputs = (inp for inp in inputs if inp.source_uri in wanted)
    return inputs


def plan_batches(raw_dir: Path, settings: Settings, only_sources: list[str] | None = None) -> list[list[RawInput]]:
    """Every input under ``raw_dir`` in batches; ``only_sources`` (source_uri values)
    restricts the run to those inputs, as ``newsetl quarantine replay`` does."""
    return list(_chunks(_inputs(raw_dir, settings, only_sources), settings.batch_size))


def plan_run(run: Run, raw_dir: Path, settings: Settings, only_sources: list[str] | None = None) -> Plan:
    """The run's inputs cut into those unchanged since they were last processed and
    batches of those to read. A replay of chosen inputs (``only_sources``), or a run with
    ``incremental`` off, reads them all again, changed or not; articles analysed under
    another ``enrich_key`` are read and analysed again either way (``split_inputs``)."""
    inputs = list(_inputs(raw_dir, settings, only_sources))
    split = split_inputs(run, inputs, settings, skip=settings.incremental and only_sources is None)
    return Plan(list(_chunks(split.todo, settings.batch_size)), Split(skipped=split.skipped, touched=split.touched))


def split_inputs(run: Run, batch: list[RawInput], settings: Settings, skip: bool = True) -> Split:
    """The batch's inputs to read, and those unchanged since they were last processed
    (none with ``skip`` off: every input is read). Articles analysed under another
    ``enrich_key`` are marked changed in the ledger, so their mentions and claims are
    made again."""
    split = split_batch(batch, run.inputs_log, settings, run.ledger.landed, skip)
    for aid in split.reanalyse:
        run.ledger.landed[aid] = ""  # no text hashes to "": the next sight of it is an update
    return split
