"""Nothing lost, nothing half-written: run 2 is killed by SIGKILL at many points of its
landing (tests/support/crash_driver.py), then the warehouse must still open, catalog readers must
see a complete run, and the next run must land exactly what a clean run 2 lands."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from queue import Queue
from typing import Any

import pytest
from deltalake import DeltaTable

from newsetl.land import warehouse
from schemas import TABLES
from support.paths import CRASH_DRIVER
from support.warehouse import query_catalog, warehouse_at

# Each test kills and replays real runs: minutes in all.
pytestmark = pytest.mark.slow

DRIVER = CRASH_DRIVER
# Columns that legitimately differ between two runs landing the same rows: run ids,
# ids derived from a run id, and the times rows were written or checked.
VOLATILE = {"run_id", "resolved_run_id", "dq_result_id", "ingested_at", "quarantined_at", "resolved_at",
            "started_at", "finished_at", "fetched_at", "checked_at"}
_ORDER = {"runs": ("started_at",)}  # keyed by run id: in start order
# dq_results measure the moment (data age, rows so far): only which check said what is stable.
_STABLE = {"dq_results": ("table", "check_name", "status")}
COMMIT_POINT = "journal.end (commit point)"
CATALOG_SWAP = "os.replace:catalog.duckdb"
MIN_POINTS = 20


def _drive(raw: Path, root: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(DRIVER), str(raw), str(root), *extra],
                          capture_output=True, text=True, timeout=300)


class ForkServer:
    """A ``crash_driver.py --serve`` process: runs forked from one warm process."""

    def __init__(self, log: Path):
        self.log = log
        self._stderr = open(log, "w")  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen([sys.executable, str(DRIVER), "--serve"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self._stderr, text=True)

    def run(self, raw: Path, root: Path, kill_at: int | None = None, side: str = "before") -> tuple[int, str]:
        """(return code, the end of the run's stderr); -9 when SIGKILL ended it."""
        start = self.log.stat().st_size
        self.proc.stdin.write(json.dumps({"raw": str(raw), "warehouse": str(root), "kill_at": kill_at,
                                          "side": side}) + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        if not answer:
            raise RuntimeError(f"fork server died: {self.log.read_text()[-3000:]}")
        self._stderr.flush()
        with open(self.log, encoding="utf-8", errors="replace") as handle:
            handle.seek(start)
            return json.loads(answer)["returncode"], handle.read()[-1500:]

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)
        self._stderr.close()


def _ok(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode == 0, proc.stderr[-3000:]


def _rows(table: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows without their volatile columns, in primary-key order (runs: in start order)."""
    if table in _STABLE:
        return sorted(({k: r[k] for k in _STABLE[table]} for r in rows), key=lambda r: tuple(r.values()))
    keys = _ORDER.get(table, (TABLES[table].primary_key,))
    ordered = sorted(rows, key=lambda r: tuple(r[k] for k in keys))
    return [{k: v for k, v in r.items() if k not in VOLATILE} for r in ordered]


def delta_content(root: Path) -> dict[str, list[dict[str, Any]]]:
    return {t: _rows(t, DeltaTable(str(root / t)).to_pyarrow_table().to_pylist()) for t in TABLES}


def catalog_content(root: Path, exact: bool = False) -> dict[str, list]:
    """What a catalog reader sees: every view, every column (``exact``) or the stable ones."""
    out = {}
    for t in (name for name, table in TABLES.items() if table.in_catalog):
        cols, rows = query_catalog(root, f'SELECT * FROM "{t}"')
        dicts = [dict(zip(cols, r, strict=True)) for r in rows]
        out[t] = sorted(map(str, dicts)) if exact else _rows(t, dicts)
    out["claims_by_speaker"] = sorted(map(str, query_catalog(root, "SELECT * FROM claims_by_speaker")[1]))
    return out


def copy_warehouse(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst)  # the catalog holds its rows: a copy needs nothing more


def rerun_row(run2: dict[str, Any]) -> dict[str, Any]:
    """The runs row of a second run on run 2's inputs: every article unchanged, no enrichment."""
    row = dict(run2)
    row.update(articles_new=0, articles_updated=0, articles_unchanged=run2["articles"],
               articles_enriched=0, enrich_skipped_non_english=0, enrich_skipped_empty=0, enrich_failed=0,
               mentions=0, claims=0, enrich_quarantined=0)
    return row


@pytest.fixture(scope="module")
def crash_setup(tmp_path_factory, samples_dir):
    """Run 1 landed in ``base``; run 2's inputs (an unchanged, a changed, a new article, a
    duplicate and a bad input); a clean run 2 as the reference, and its list of points."""
    tmp = tmp_path_factory.mktemp("crash")
    seeds, html = samples_dir / "seeds", samples_dir / "html"
    raw1, raw2 = tmp / "raw1", tmp / "raw2"
    for raw in (raw1, raw2):
        (raw / "seeds").mkdir(parents=True)
        shutil.copy(seeds / "004_6d7372103e3a1b89.txt", raw / "seeds")
        shutil.copy(html / "0ec95c7261d122f304728e90c983450ef1ce1e0b423546835c397d50aaf0d0f2.html.gz", raw)
    shutil.copy(seeds / "001_cc9ea31035356c05.txt", raw1 / "seeds")
    changed = (seeds / "001_cc9ea31035356c05.txt").read_text(encoding="utf-8")
    changed = changed.replace("has undoubtedly dealt", "has, officials said, dealt", 1)
    changed = changed.replace("\n\n", '\n\n"We will not be pushed around," the minister said in Islamabad.\n\n', 1)
    (raw2 / "seeds" / "001_cc9ea31035356c05.txt").write_text(changed, encoding="utf-8")
    shutil.copy(seeds / "000_8f60cbc1a07930e3.txt", raw2 / "seeds")
    shutil.copy(seeds / "004_6d7372103e3a1b89.txt", raw2 / "copy of 004.txt")
    (raw2 / "junk.html").write_bytes(bytes(range(256)) * 8)

    base = tmp / "base"
    _ok(_drive(raw1, base))
    run1_catalog = catalog_content(base, exact=True)
    run1_delta = delta_content(base)
    reference = tmp / "reference"
    copy_warehouse(base, reference)
    points_file = tmp / "points.json"
    _ok(_drive(raw2, reference, "--list", str(points_file)))
    points = json.loads(points_file.read_text(encoding="utf-8"))
    return {
        "tmp": tmp, "raw2": raw2, "base": base, "points": points,
        "run1_catalog": run1_catalog, "run1_delta": run1_delta,
        "run2_catalog": catalog_content(reference), "run2_delta": delta_content(reference),
    }


def choose_points(points: list[str]) -> list[tuple[int, str]]:
    """(1-based point, side): before every write of the commit phase, after the ones whose
    far side differs from "before the next" (the runs row, the commit point, the catalog
    swap, the end), and staging writes spread over the run before it. "After k" is
    otherwise the same state as "before k+1"."""
    begin = points.index("journal.begin") + 1
    commit = [(k, "before") for k in range(begin, len(points) + 1)]
    both = {"delta.merge:runs", COMMIT_POINT, CATALOG_SWAP}
    commit += [(k, "after") for k in range(begin, len(points) + 1) if points[k - 1] in both or k == len(points)]
    staging = list(range(1, begin))
    return [(k, "before") for k in staging[::3]] + [(k, "after") for k in staging[1::6]] + sorted(commit)


def test_the_dry_run_lists_points_across_staging_and_commit(crash_setup):
    points = crash_setup["points"]
    chosen = choose_points(points)
    assert len(chosen) >= MIN_POINTS
    labels = {(points[k - 1], side) for k, side in chosen}
    for both in (COMMIT_POINT, CATALOG_SWAP):
        assert (both, "before") in labels and (both, "after") in labels, both
    for table in ("articles", "mentions", "claims", "entities", "quarantine", "runs"):
        assert {f"delta.merge:{table}", f"write_deltalake:{table}"} & {p for p, _ in labels}, table
    assert sum(k < points.index("journal.begin") + 1 for k, _ in chosen) >= 6  # staging
    for staged in ("parquet.write_table:articles", "parquet.write_table:mentions", "parquet.write_table:claims",
                   "parquet.write_table:quarantine"):
        assert staged in points


def _scenario(setup: dict, server: ForkServer, k: int, side: str) -> list[str]:
    """Kill run 2 at one point, check what readers see, run again, compare. Returns failures."""
    points, where = setup["points"], f"{side} #{k} {setup['points'][k - 1]}"
    root = setup["tmp"] / f"kill-{k:03d}-{side}"
    copy_warehouse(setup["base"], root)
    returncode, stderr = server.run(setup["raw2"], root, k, side)
    if returncode != -signal.SIGKILL:
        return [f"{where}: driver was not killed (rc {returncode}): {stderr}"]
    failures = []
    # The kill lands before or after point k: the run is committed once the journal is gone.
    committed = k > points.index(COMMIT_POINT) + 1 or (k == points.index(COMMIT_POINT) + 1 and side == "after")
    swap = max(i for i, p in enumerate(points, 1) if p == CATALOG_SWAP)
    swapped = k > swap or (k == swap and side == "after")
    try:
        tables = delta_content(root)  # every Delta table opens and reads
        seen = catalog_content(root, exact=not swapped)
    except Exception as exc:  # noqa: BLE001 - any error here is the failure being tested
        return [f"{where}: warehouse unreadable after the kill: {type(exc).__name__}: {exc}"]
    if seen != (setup["run2_catalog"] if swapped else setup["run1_catalog"]):
        failures.append(f"{where}: catalog readers do not see run {2 if swapped else 1} exactly")
    if k < points.index("journal.begin") + 1 and tables != setup["run1_delta"]:
        failures.append(f"{where}: a table changed before the commit began")
    if committed and tables != setup["run2_delta"]:
        failures.append(f"{where}: tables are not run 2's after the commit point")

    returncode, stderr = server.run(setup["raw2"], root)
    if returncode != 0:
        return [*failures, f"{where}: the next run failed: {stderr}"]
    after, seen = delta_content(root), catalog_content(root)
    expected = dict(setup["run2_delta"])
    if committed:  # the next run re-ran on the same inputs: one more runs row, its own checks
        expected["runs"] = [*expected["runs"], rerun_row(expected["runs"][-1])]
        for content in (after, seen):
            checks = content.pop("dq_results", [])
            if any(r not in checks for r in expected.get("dq_results", [])):
                failures.append(f"{where}: after the next run, run 2's dq_results rows are not all there")
        expected.pop("dq_results", None)
    for table in expected:
        if after[table] != expected[table]:
            failures.append(f"{where}: after the next run, {table} differs from a clean run 2")
        if TABLES[table].in_catalog and seen[table] != expected[table]:  # the story index is not catalogued
            failures.append(f"{where}: after the next run, the catalog's {table} differs from the tables")
    if seen["claims_by_speaker"] != setup["run2_catalog"]["claims_by_speaker"]:
        failures.append(f"{where}: after the next run, claims_by_speaker differs")
    if warehouse_at(root).journal_path.exists() or any((root / warehouse.STAGING).glob("*")):
        failures.append(f"{where}: journal or staging left behind")
    shutil.rmtree(root, ignore_errors=True)
    return failures


@pytest.mark.timeout(1200)  # ~28 kill points x 2 runs; slow on a busy 2-core machine
def test_sigkill_at_any_point_loses_nothing_and_half_writes_nothing(crash_setup):
    chosen = choose_points(crash_setup["points"])
    # Two fork servers, one per core; each thread takes its own.
    servers = Queue()
    for i in range(2):
        servers.put(ForkServer(crash_setup["tmp"] / f"server-{i}.log"))

    def scenario(point: tuple[int, str]) -> list[str]:
        server = servers.get()
        try:
            return _scenario(crash_setup, server, *point)
        finally:
            servers.put(server)

    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(scenario, chosen))
    finally:
        while not servers.empty():
            servers.get().close()
    failures = [f for r in results for f in r]
    assert not failures, f"{len(failures)} failures over {len(chosen)} kill points:\n" + "\n".join(failures)
