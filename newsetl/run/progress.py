"""How far a run is, for the person who started it: a bar on a terminal, or a line every
``progress_interval_seconds`` (and at each stage's end) when stderr is a log file or pipe.

The work is counted in units the run knows ahead (docs/decisions.md, D64): one per input
to read; one per article to analyse, assumed for every input read until its batch is
staged (then the inputs that gave no article to analyse drop out of the total, so the
share only grows); and the landing (checks, merges, commit, catalog, report) as
``LANDING_SHARE`` of the rest. The bar therefore reaches 100% when the run has landed, not
when the last batch was read.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from typing import TextIO

BAR, LINES, OFF = "bar", "lines", "off"
# Landing's share of the work, as measured on the seeds and the benchmark pages (D64).
LANDING_SHARE = 0.1


def mode_of(show_progress: bool | str) -> str:
    """The flow's ``show_progress``: True or "bar", "lines", False or "off"."""
    if show_progress is True:
        return BAR
    if show_progress is False or show_progress is None:
        return OFF
    if show_progress not in (BAR, LINES, OFF):
        raise ValueError(f"show_progress must be true, false, 'bar', 'lines' or 'off', not {show_progress!r}")
    return show_progress


class RunProgress:
    def __init__(self, show_progress: bool | str, interval_seconds: float, out: TextIO | None = None,
                 clock=time.monotonic) -> None:
        self.mode = mode_of(show_progress)
        self.interval = interval_seconds
        self.out = out or sys.stderr
        self.clock = clock
        self.inputs = self.read = 0
        self.to_analyse = self.analysed = 0
        self.landing_units = 0
        self.enrich = False
        self._landing = self._landed = False
        self._bar = None
        self._task = None
        self._started = clock()
        self._lock = threading.Lock()  # the flow's thread and the ticker print
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    # --- what the flow tells it ---------------------------------------------------------

    def begin(self, inputs: int, to_read: int, enrich: bool) -> None:
        """``inputs`` in the run, ``to_read`` of them to read (the rest are unchanged);
        with ``enrich``, every input read may become an article to analyse."""
        self.inputs = inputs
        self.enrich = enrich
        self.to_analyse = to_read if enrich else 0
        self.landing_units = max(1, math.ceil(LANDING_SHARE * (inputs + self.to_analyse)))
        self._show(force=True)

    def batch_staged(self, inputs: int, read: int, to_analyse: int) -> None:
        """A batch of ``inputs`` is staged: ``read`` of them were read and ``to_analyse``
        articles went to the NLP pass (the other inputs read need none)."""
        self.read += inputs
        if self.enrich:
            self.to_analyse -= max(0, read - to_analyse)
        self._show(force=self.read == self.inputs)  # a line when reading ends

    def batch_analysed(self, articles: int) -> None:
        self.analysed += articles
        self._show(force=self.read == self.inputs and self.analysed == self.to_analyse)

    def landing(self) -> None:
        self._landing = True
        self._show(force=True)

    def landed(self) -> None:
        self._landed = True
        self._show(force=True)

    # --- what it shows ------------------------------------------------------------------

    @property
    def total(self) -> int:
        return self.inputs + self.to_analyse + self.landing_units

    @property
    def done(self) -> int:
        return self.read + self.analysed + (self.landing_units if self._landed else 0)

    @property
    def stage(self) -> str:
        if self._landed:
            return "landed"
        if self._landing:
            return "landing"
        return "analysing" if self.enrich and self.read == self.inputs else "reading"

    def describe(self) -> str:
        parts = [f"read {self.read}/{self.inputs} inputs"]
        if self.enrich:
            parts.append(f"analysed {self.analysed}/{self.to_analyse} articles")
        return f"{self.stage}: " + ", ".join(parts)

    def _show(self, force: bool = False) -> None:
        if self.mode == BAR and self._bar is not None:
            self._bar.update(self._task, total=self.total, completed=self.done, description=self.describe())
        elif self.mode == LINES and force:
            self._line()

    def _line(self) -> None:
        with self._lock:
            share = self.done / self.total if self.total else 0.0
            elapsed = self.clock() - self._started
            print(f"progress {share:4.0%}  {elapsed:6.0f} s  {self.describe()}", file=self.out, flush=True)

    def _tick(self) -> None:
        # A line every interval, whether or not anything finished: a long NLP batch still
        # shows the run is alive.
        while not self._stop.wait(self.interval):
            self._line()

    def __enter__(self) -> RunProgress:
        if self.mode == BAR:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

            self._bar = Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                                 TimeElapsedColumn(), console=Console(file=self.out), transient=True)
            self._bar.__enter__()
            self._task = self._bar.add_task(self.describe(), total=None)
        elif self.mode == LINES:
            self._ticker = threading.Thread(target=self._tick, name="newsetl-progress", daemon=True)
            self._ticker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._ticker is not None:
            self._stop.set()
            self._ticker.join()
            self._ticker = None
        if self._bar is not None:
            self._bar.__exit__(*exc)
            self._bar = None
