"""The progress of `newsetl run` covers reading, the NLP pass and landing: a bar on a
terminal (a real pty), a line every interval when stderr is a pipe. Real runs of the
command line on the seeds, with the spaCy pass, against the tests' Prefect server."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsetl.run.progress import RunProgress

LINE = re.compile(r"^progress +(\d+)% +\d+ s  (\w+): read (\d+)/(\d+) inputs, analysed (\d+)/(\d+) articles$")


def _command(tmp_path: Path, samples_dir: Path) -> tuple[list[str], dict[str, str]]:
    from prefect.settings import PREFECT_API_URL

    raw = tmp_path / "raw"
    shutil.copytree(samples_dir / "seeds", raw)
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "NEWSETL_PROGRESS_INTERVAL_SECONDS": "0.3",
           "TERM": "xterm-256color", "COLUMNS": "160"}
    return [sys.executable, "-m", "newsetl.cli", "run", "--raw", str(raw), "--warehouse", str(tmp_path / "wh")], env


def test_progress_lines_when_stderr_is_not_a_terminal(tmp_path, samples_dir, prefect_server):
    command, env = _command(tmp_path, samples_dir)
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    assert not re.search(r"^progress ", out.stdout, flags=re.M)  # the counts stay alone on stdout
    lines = [LINE.match(line) for line in out.stderr.splitlines() if line.startswith("progress")]
    assert lines and all(lines), out.stderr[-3000:]
    steps = [(int(m[1]), m[2], *map(int, m.groups()[2:])) for m in lines]
    shares = [s[0] for s in steps]
    assert shares == sorted(shares)  # never backwards
    assert steps[-1] == (100, "landed", 5, 5, 5, 5)
    # Reading done is not the end: the NLP pass and the landing are still to come.
    read_done = [s for s in steps if s[2] == s[3] and s[4] < s[5]]
    assert read_done and all(s[0] < 100 and s[1] == "analysing" for s in read_done)
    assert all(s[0] < 100 for s in steps if s[1] != "landed")
    assert any(s[1] == "landing" for s in steps)
    # Lines come every interval, not only when a stage ends (the NLP pass loads its model
    # and takes seconds): more lines than the stage ends alone would print.
    assert len(steps) > 5, out.stderr[-3000:]


def test_progress_bar_on_a_terminal(tmp_path, samples_dir, prefect_server):
    import pty

    command, env = _command(tmp_path, samples_dir)
    master, slave = pty.openpty()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL)
    os.close(slave)
    seen = bytearray()
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the pty closed: the command ended
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    stdout = proc.stdout.read().decode()
    assert proc.wait(timeout=60) == 0, seen[-3000:]
    raw_screen = seen.decode("utf-8", errors="replace")
    assert "\x1b[" in raw_screen  # drawn for a terminal: colours, cursor moves
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", raw_screen)
    assert not re.search(r"progress +\d+%", screen)  # the bar, not the lines
    # Each redraw of the bar: its text (the stage), the bar, the share.
    draws = [m.groups() for m in re.finditer(r"(\w+): read (\d)/5 inputs, analysed (\d)/(\d) articles [━╸╺ ]+(\d+)%",
                                              screen)]
    assert draws, screen[-3000:]
    stages = [d[0] for d in draws]
    assert "reading" in stages and "analysing" in stages
    # While the NLP pass runs, with every input read, the bar is short of 100%.
    waiting = [int(d[4]) for d in draws if d[0] == "analysing" and d[2] == "0"]
    assert waiting and max(waiting) < 100
    assert stdout.startswith("run ") and ": success" in stdout.splitlines()[0]


def test_the_share_counts_analysis_and_landing():
    out = io.StringIO()
    with RunProgress("lines", interval_seconds=3600, out=out) as p:
        p.begin(inputs=10, to_read=8, enrich=True)  # 2 unchanged; 8 may become articles
        assert (p.done, p.total) == (0, 10 + 8 + 2)
        p.batch_staged(inputs=6, read=4, to_analyse=3)  # one input read gave no article
        p.batch_staged(inputs=4, read=4, to_analyse=4)
        assert (p.done, p.total, p.stage) == (10, 10 + 7 + 2, "analysing")
        p.batch_analysed(3)
        p.batch_analysed(4)
        p.landing()
        assert p.done < p.total
        p.landed()
        assert p.done == p.total
    shares = [int(m) for m in re.findall(r"^progress +(\d+)%", out.getvalue(), flags=re.M)]
    assert shares[0] == 0 and shares[-1] == 100 and shares == sorted(shares)
    assert "landed: read 10/10 inputs, analysed 7/7 articles" in out.getvalue()


def test_without_the_nlp_pass_nothing_waits_for_it():
    p = RunProgress("off", interval_seconds=1)
    p.begin(inputs=4, to_read=4, enrich=False)
    p.batch_staged(inputs=4, read=4, to_analyse=0)
    assert (p.done, p.total) == (4, 5) and p.describe() == "reading: read 4/4 inputs"
    with pytest.raises(ValueError):
        RunProgress("sometimes", interval_seconds=1)
