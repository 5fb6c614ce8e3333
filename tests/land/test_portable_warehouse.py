"""A warehouse can be copied, moved, backed up and restored: the copy reads its own rows in
`newsetl sql`, in a plain DuckDB client and in the DuckDB command-line tool, and a run on it
carries on (journal, lock, incremental state). The catalog refresh behind it: only what
changed is loaded again, and nothing left beside the catalog stops it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from newsetl.land import catalog, warehouse
from schemas import TABLES
from support.pipeline import run_pipeline
from support.warehouse import query_catalog, warehouse_at

SEEDS = ["000_8f60cbc1a07930e3.txt", "001_cc9ea31035356c05.txt", "002_c211a52ca44ff17f.txt"]
COUNT = "SELECT count(*) FROM articles"


def _raw(tmp: Path, samples_dir: Path, names: list[str]) -> Path:
    raw = tmp / "raw"
    raw.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(samples_dir / "seeds" / name, raw / name)
    return raw


def _sql(root: Path, query: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newsetl.cli", "sql", "--warehouse", str(root), "--format", "csv",
                           query], capture_output=True, text=True, timeout=120, cwd=cwd)


def _plain(root: Path, query: str) -> list[tuple]:
    with duckdb.connect(str(root / catalog.CATALOG), read_only=True) as con:
        return con.execute(query).fetchall()


def _snapshots(root: Path) -> dict:
    return warehouse_at(root).snapshots()


@pytest.mark.slow
def test_a_copied_then_moved_warehouse_reads_its_own_rows_and_runs_on(tmp_path, samples_dir):
    raw = _raw(tmp_path, samples_dir, SEEDS[:2])
    original = tmp_path / "site" / "warehouse"
    assert run_pipeline(raw, original, incremental=True, lock=True)["articles_new"] == 2
    # A run that died mid-commit: its journal goes along with the copy.
    warehouse_at(original).begin_commit("r-died")

    laptop = tmp_path / "laptop" / "warehouse"
    shutil.copytree(original, laptop, symlinks=True)  # cp -r, rsync -a
    # The original moves on; the copy must not follow it, and must not need it.
    warehouse_at(original).roll_back()
    (raw / SEEDS[2]).write_bytes((samples_dir / "seeds" / SEEDS[2]).read_bytes())
    assert run_pipeline(raw, original, incremental=True, lock=True)["articles_new"] == 1
    assert _plain(original, COUNT) == [(3,)]
    assert str(original).encode() not in (laptop / catalog.CATALOG).read_bytes()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert _sql(laptop, COUNT, cwd=elsewhere).stdout.splitlines() == ["count_star()", "2"]
    assert _plain(laptop, COUNT) == [(2,)]

    moved = tmp_path / "restored" / "warehouse"
    moved.parent.mkdir()
    laptop.rename(moved)  # mv
    shutil.rmtree(tmp_path / "site")  # and the original is gone
    out = _sql(moved, COUNT, cwd=elsewhere)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["count_star()", "2"]
    assert _plain(moved, "SELECT count(*) FROM claims_by_speaker") == [(0,)]

    # The lock is the moved warehouse's own.
    with warehouse_at(moved).exclusive(), pytest.raises(warehouse.WarehouseBusy), warehouse_at(moved).exclusive():
        pass
    # A run on it: the dead run's journal is rolled back, the two old inputs are not read
    # again, the new one lands, and the catalog shows it.
    row = run_pipeline(raw, moved, incremental=True, lock=True)
    assert not warehouse_at(moved).journal_path.exists()
    assert row["status"] == "success" and row["inputs_skipped_unchanged"] == 2 and row["articles_new"] == 1
    assert _plain(moved, COUNT) == [(3,)]
    assert _plain(moved, "SELECT count(*) FROM runs") == [(2,)]


def test_the_duckdb_command_line_tool_reads_the_catalog(tmp_path, samples_dir):
    cli = Path(sys.executable).with_name("duckdb")
    raw = _raw(tmp_path, samples_dir, SEEDS[:1])
    root = tmp_path / "warehouse"
    run_pipeline(raw, root, incremental=True, lock=True)
    moved = tmp_path / "moved"
    root.rename(moved)
    out = subprocess.run([str(cli), "-readonly", "-csv", str(moved / catalog.CATALOG)],
                         input="SELECT count(*) AS n FROM articles;\nSELECT count(*) AS runs FROM runs;\n",
                         capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["n", "1", "runs", "1"]


def test_a_refresh_loads_only_what_changed_and_writes_nothing_when_nothing_did(tmp_path, samples_dir):
    raw = _raw(tmp_path, samples_dir, SEEDS[:1])
    root = tmp_path / "warehouse"
    run_pipeline(raw, root, incremental=True, lock=True)
    path = warehouse_at(root).catalog_path
    before = (path.stat().st_ino, path.read_bytes())
    catalog.refresh(warehouse_at(root).loc, _snapshots(root), catalog.VIEWS)
    assert (path.stat().st_ino, path.read_bytes()) == before  # not even swapped

    # A changed table is loaded again; the others are carried over from the last catalog.
    with duckdb.connect(str(path), read_only=True) as con:
        keys = dict(con.execute("SELECT name, key FROM _newsetl.catalog_objects").fetchall())
    (raw / SEEDS[1]).write_bytes((samples_dir / "seeds" / SEEDS[1]).read_bytes())
    run_pipeline(raw, root, incremental=True, lock=True)
    with duckdb.connect(str(path), read_only=True) as con:
        after = dict(con.execute("SELECT name, key FROM _newsetl.catalog_objects").fetchall())
        assert con.execute(COUNT).fetchone() == (2,)
    assert after["articles"] != keys["articles"] and after["runs"] != keys["runs"]
    assert after["mentions"] == keys["mentions"] and after["claims_by_speaker"] == keys["claims_by_speaker"]
    for name in (n for n, t in TABLES.items() if t.in_catalog):  # every table shows exactly its Delta table
        assert _plain(root, f'SELECT count(*) FROM "{name}"') == [(warehouse_at(root).read_table(name).num_rows,)]


def test_nothing_left_beside_the_catalog_stops_a_refresh(tmp_path, samples_dir):
    raw = _raw(tmp_path, samples_dir, SEEDS[:1])
    root = tmp_path / "warehouse"
    run_pipeline(raw, root, incremental=True, lock=True)
    # What DuckDB's spill, an old newsetl's build file, a killed refresh and a crashed
    # read-write client leave behind.
    (root / "catalog.duckdb.tmp").mkdir()
    (root / "catalog.duckdb.tmp" / "duckdb_temp_storage-0.tmp").write_bytes(b"x")
    (root / ".catalog-build-dead").mkdir()
    (root / ".catalog-build-dead" / catalog.CATALOG).write_bytes(b"half a catalog")
    (root / ".catalog-build-file").write_bytes(b"x")
    (root / "catalog.duckdb.wal").write_bytes(b"not this catalog's log")
    (raw / SEEDS[1]).write_bytes((samples_dir / "seeds" / SEEDS[1]).read_bytes())
    assert run_pipeline(raw, root, incremental=True, lock=True)["status"] == "success"
    assert _plain(root, COUNT) == [(2,)]
    assert not list(root.glob(".catalog-build-*")) and not (root / "catalog.duckdb.wal").exists()


def test_a_catalog_of_the_old_layout_is_rebuilt_and_refused_until_then(tmp_path, samples_dir):
    raw = _raw(tmp_path, samples_dir, SEEDS[:1])
    root = tmp_path / "warehouse"
    run_pipeline(raw, root, incremental=True, lock=True)
    path = warehouse_at(root).catalog_path
    path.unlink()
    with duckdb.connect(str(path)) as con:  # views over absolute paths, as before
        for name, snap in _snapshots(root).items():
            con.execute(catalog.view_sql(con, name, snap.files, snap.schema))
    with pytest.raises(catalog.OutdatedCatalog, match="next `newsetl run`"):
        query_catalog(root, COUNT)
    out = _sql(root, COUNT, cwd=tmp_path)
    assert out.returncode == 2 and "older newsetl" in out.stderr
    catalog.refresh(warehouse_at(root).loc, _snapshots(root), catalog.VIEWS)
    assert query_catalog(root, COUNT)[1] == [(1,)]
    assert _plain(root, "SELECT table_type FROM information_schema.tables WHERE table_name = 'articles'") == [
        ("BASE TABLE",)]


def test_the_catalog_is_written_for_the_pinned_command_line_tool(tmp_path, samples_dir):
    raw = _raw(tmp_path, samples_dir, SEEDS[:1])
    root = tmp_path / "warehouse"
    run_pipeline(raw, root, incremental=True, lock=True)
    with duckdb.connect(str(warehouse_at(root).catalog_path), read_only=True) as con:
        [(tags,)] = con.execute("SELECT tags FROM duckdb_databases() WHERE NOT internal AND database_name = "
                                "current_database()").fetchall()
    assert tags["storage_version"].startswith("v1.5")
