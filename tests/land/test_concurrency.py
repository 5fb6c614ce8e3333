"""Two runs at once on one warehouse, and a catalog reader during a run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from deltalake import DeltaTable

from schemas import TABLES
from support.paths import CRASH_DRIVER
from support.warehouse import query_catalog

# Real runs side by side, in subprocesses: half a minute or more each.
pytestmark = pytest.mark.slow

DRIVER = CRASH_DRIVER
SNAPSHOT_SQL = "SELECT article_id, content_sha256 FROM articles ORDER BY article_id"


@pytest.fixture(scope="module")
def cli_env(prefect_server, tmp_path_factory):
    """Environment for `newsetl run` subprocesses: the session's Prefect API server (so
    they do not each start one) and the session's PREFECT_HOME."""
    import prefect.settings

    env = dict(os.environ)
    env["PREFECT_API_URL"] = prefect.settings.PREFECT_API_URL.value()
    env["PREFECT_HOME"] = os.environ["PREFECT_HOME"]
    return env


def _raw(tmp: Path, samples: Path, html: int) -> Path:
    raw = tmp / f"raw-{html}"
    shutil.copytree(samples / "seeds", raw / "seeds")
    (raw / "html").mkdir()
    for page in sorted((samples / "html").glob("*.html.gz"))[:html]:
        shutil.copy(page, raw / "html")
    return raw


def _newsetl_run(raw: Path, root: Path, env: dict, wait: float = 0) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "newsetl.cli", "run", "--raw", str(raw), "--warehouse", str(root), "--batch-size", "2"],
        env={**env, "NEWSETL_LOCK_WAIT_SECONDS": str(wait)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=600)
    return proc.returncode, out, err


def _intact(root: Path) -> dict[str, list[dict]]:
    """Every Delta table reads; the catalog shows exactly the tables' rows."""
    tables = {t: DeltaTable(str(root / t)).to_pyarrow_table().to_pylist() for t in TABLES}
    for t in (name for name, table in TABLES.items() if table.in_catalog):
        cols, rows = query_catalog(root, f'SELECT * FROM "{t}"')
        assert len(rows) == len(tables[t]), t
    assert not (root / "_commit.json").exists() and not any((root / "_staging").glob("*"))
    return tables


def _until_mid_run(proc: subprocess.Popen, root: Path) -> None:
    """Wait until the run holds the lock and has staged a batch: it is mid-run."""
    deadline = time.monotonic() + 300
    while not any((root / "_staging").glob("*/articles/part-*")):
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        assert time.monotonic() < deadline, "the first run never staged a batch"
        time.sleep(0.05)


def test_a_second_run_started_during_the_first_exits_3_and_the_warehouse_is_one_clean_run(cli_env, tmp_path,
                                                                                        samples_dir):
    raw = _raw(tmp_path, samples_dir, 4)
    root = tmp_path / "warehouse"
    # Two processes started together overlap only if neither's start-up (Prefect's
    # included) outlasts the other's whole run: start the second once the first is mid-run.
    first = _newsetl_run(raw, root, cli_env)
    _until_mid_run(first, root)
    procs = [first, _newsetl_run(raw, root, cli_env)]
    results = [_finish(p) for p in procs]
    codes = sorted(rc for rc, _, _ in results)
    assert codes == [0, 3], [(rc, err[-2000:]) for rc, _, err in results]
    refused = next(err for rc, _, err in results if rc == 3)
    # Prefect logs the flow's exception with its traceback; newsetl's own line says what happened.
    assert any(line.startswith("newsetl run: another newsetl run is writing to") for line in refused.splitlines())
    tables = _intact(root)
    assert [r["status"] for r in tables["runs"]] == ["success"]
    run = tables["runs"][0]
    assert run["inputs_seen"] == 9 and run["articles"] == len(tables["articles"]) == run["articles_new"]


def test_with_lock_wait_the_second_run_waits_then_changes_nothing(cli_env, tmp_path, samples_dir):
    raw = _raw(tmp_path, samples_dir, 4)
    root = tmp_path / "warehouse"
    procs = [_newsetl_run(raw, root, cli_env, wait=600), _newsetl_run(raw, root, cli_env, wait=600)]
    results = [_finish(p) for p in procs]
    assert [rc for rc, _, _ in results] == [0, 0], [err[-2000:] for _, _, err in results]
    tables = _intact(root)
    first, second = sorted(tables["runs"], key=lambda r: r["started_at"])
    # The runs did not overlap: the second started after the first had committed.
    assert second["started_at"] >= first["finished_at"]
    assert second["articles_unchanged"] == first["articles"] and second["articles_new"] == 0
    assert len(tables["articles"]) == first["articles"]


def test_a_catalog_reader_during_a_run_sees_the_previous_run_then_the_new_one(tmp_path, samples_dir):
    root = tmp_path / "warehouse"
    raw1, raw2 = _raw(tmp_path, samples_dir, 1), _raw(tmp_path, samples_dir, 6)
    subprocess.run([sys.executable, str(DRIVER), str(raw1), str(root)], check=True, capture_output=True, timeout=300)
    before = query_catalog(root, SNAPSHOT_SQL)[1]
    observed: list = []
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            try:
                observed.append(query_catalog(root, SNAPSHOT_SQL)[1])
            except Exception as exc:  # noqa: BLE001 - an error is an observation that fails the test
                observed.append(exc)
            time.sleep(0.02)

    reader = threading.Thread(target=poll)
    reader.start()
    try:
        run = subprocess.run([sys.executable, str(DRIVER), str(raw2), str(root)], capture_output=True, text=True,
                             timeout=300)
    finally:
        done.set()
        reader.join()
    assert run.returncode == 0, run.stderr[-3000:]
    after = query_catalog(root, SNAPSHOT_SQL)[1]
    assert len(after) > len(before) and set(before) < set(after)
    errors = [o for o in observed if isinstance(o, Exception)]
    assert errors == []
    kinds = ["before" if o == before else "after" if o == after else "mixed" for o in observed]
    assert "mixed" not in kinds
    # Once the new run shows, the old one never comes back.
    assert kinds == sorted(kinds, key=("before", "after").index)
    assert kinds.count("before") >= 10
