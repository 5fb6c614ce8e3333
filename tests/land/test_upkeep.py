"""``newsetl maintain`` on a warehouse built by real runs: fewer files, the same answers,
runs still work after it, old files kept for the retention floor, the run lock respected,
and a kill half-way leaves a warehouse that reads and maintains again."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from newsetl.land import WarehouseBusy
from newsetl.land.upkeep import check_retention, footprint, maintain, upkeep_table
from newsetl.settings import MIN_RETENTION_HOURS, Settings
from schemas import TABLES
from support.paths import REPO
from support.warehouse import query_catalog, warehouse_at

SEEDS = ("000_8f60cbc1a07930e3.txt", "001_cc9ea31035356c05.txt", "002_c211a52ca44ff17f.txt",
         "003_9fa6333cba715c2c.txt", "004_6d7372103e3a1b89.txt")


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newsetl.cli", *args], capture_output=True, text=True,
                          timeout=300, cwd=REPO)


@pytest.fixture(scope="module")
def built(tmp_path_factory, samples_dir, prefect_server):
    """(raw, warehouse) after four runs: seeds in three days, then the HTML pages and an
    edited seed (an update: its old mentions and claims replaced)."""
    from flows.ingest import ingest

    root = tmp_path_factory.mktemp("built")
    raw, wh = root / "raw", root / "warehouse"
    raw.mkdir()
    for names in (SEEDS[:2], SEEDS[2:4], SEEDS[4:]):
        for name in names:
            shutil.copy(samples_dir / "seeds" / name, raw / name)
        assert ingest(raw_dir=str(raw), warehouse_dir=str(wh))["status"] == "success"
    for page in sorted((samples_dir / "html").glob("*.html.gz"))[:4]:
        shutil.copy(page, raw / page.name)
    edited = raw / SEEDS[1]
    edited.write_text(edited.read_text(encoding="utf-8").replace("has undoubtedly dealt", "has dealt"),
                      encoding="utf-8")
    row = ingest(raw_dir=str(raw), warehouse_dir=str(wh))
    assert row["status"] == "success" and row["articles_updated"] == 1
    return raw, wh


@pytest.fixture()
def copy(built, tmp_path):
    raw, wh = built
    shutil.copytree(raw, tmp_path / "raw")
    shutil.copytree(wh, tmp_path / "warehouse")
    return tmp_path / "raw", tmp_path / "warehouse"


def _answers(root) -> dict[str, list]:
    """Every table's rows read from the Delta files, sorted; for the tables the catalog
    holds (the story index is kept out of it, D58), the same from the catalog."""
    out = {}
    for name, table in TABLES.items():
        with warehouse_at(root).connect((name,)) as con:
            out[name] = sorted(map(repr, con.execute(f'SELECT * FROM "{name}"').fetchall()))
        if table.in_catalog:
            _, rows = query_catalog(root, f'SELECT * FROM "{name}"')
            assert sorted(map(repr, rows)) == out[name]
    return out


def _settings(**kw) -> Settings:
    return Settings(**{"lock_wait_seconds": 0.0, **kw})


def test_maintain_compacts_every_table_and_every_answer_stays(copy):
    _, root = copy
    before = _answers(root)
    wh = warehouse_at(root)
    files = {name: footprint(wh, name).files for name in TABLES}
    assert max(files.values()) >= 3  # four runs: several MERGE files per table

    done = {t.table: t for t in maintain(warehouse_at(root), _settings()).tables}
    assert set(done) == set(TABLES)
    for name, t in done.items():
        assert t.before.files == files[name]
        assert t.after.files <= 1, name  # small tables: one file each
        assert t.after.files < t.before.files or t.before.files <= 1
    assert _answers(root) == before
    again = maintain(warehouse_at(root), _settings()).tables  # nothing left to compact
    assert all(t.compacted == 0 and t.after.files == t.before.files for t in again)


def test_replaced_files_are_kept_for_the_retention_then_deleted(copy):
    _, root = copy
    wh = warehouse_at(root)
    old_files = wh.live_files("mentions")
    with wh.connect(("mentions",)) as con:  # a reader that listed its files before maintain
        count = con.execute("SELECT count(*) FROM mentions").fetchone()[0]
    [mentions] = [t for t in maintain(warehouse_at(root), _settings(maintain_retention_hours=MIN_RETENTION_HOURS)).tables
                  if t.table == "mentions"]
    # At the floor, the files the reader listed are still there for its query.
    assert mentions.vacuumed == 0 and all(os.path.exists(f) for f in old_files)
    assert mentions.after.stored_bytes > mentions.after.bytes  # old versions' files on disk too
    with warehouse_at(root).connect(("mentions",)) as con:
        assert con.execute(f"SELECT count(*) FROM read_parquet({old_files!r})").fetchone()[0] == count

    # Past the retention (here: none), vacuum deletes them and only the current files stay.
    after = upkeep_table(warehouse_at(root), "mentions", 0, "test", 16)
    assert after.vacuumed >= len(old_files) and not any(os.path.exists(f) for f in old_files)
    assert (after.after.stored_files, after.after.stored_bytes) == (after.after.files, after.after.bytes)
    with warehouse_at(root).connect(("mentions",)) as con:
        assert con.execute("SELECT count(*) FROM mentions").fetchone()[0] == count


def test_retention_below_the_floor_is_refused(copy):
    from pydantic import ValidationError

    _, root = copy
    with pytest.raises(ValueError, match="floor"):
        check_retention(MIN_RETENTION_HOURS - 1)
    with pytest.raises(ValueError, match="floor"):
        maintain(warehouse_at(root), _settings(), retention_hours=0)
    with pytest.raises(ValidationError):
        Settings(maintain_retention_hours=0)
    out = _cli("maintain", "--warehouse", str(root), "--retention-hours", "0")
    assert out.returncode == 2 and "at least 1" in out.stderr
    env_out = subprocess.run([sys.executable, "-m", "newsetl.cli", "maintain", "--warehouse", str(root)],
                             capture_output=True, text=True, timeout=300, cwd=REPO,
                             env={**os.environ, "NEWSETL_MAINTAIN_RETENTION_HOURS": "0"})
    assert env_out.returncode == 2 and "NEWSETL_MAINTAIN_RETENTION_HOURS" in env_out.stderr


def test_maintain_never_runs_while_a_run_holds_the_lock(copy):
    _, root = copy
    versions = {name: warehouse_at(root).table_version(name) for name in TABLES}
    with warehouse_at(root).exclusive():
        with pytest.raises(WarehouseBusy):
            maintain(warehouse_at(root), _settings())
        out = _cli("maintain", "--warehouse", str(root))
        assert out.returncode == 3 and "another newsetl run" in out.stderr
    assert {name: warehouse_at(root).table_version(name) for name in TABLES} == versions


def test_a_run_after_maintain_lands_and_skips_as_before(copy, samples_dir, prefect_server):
    from flows.ingest import ingest

    raw, root = copy
    out = _cli("maintain", "--warehouse", str(root))
    assert out.returncode == 0, out.stderr
    assert "mentions" in out.stdout and "files before" in out.stdout
    same = ingest(raw_dir=str(raw), warehouse_dir=str(root))
    assert same["status"] == "success" and same["inputs_skipped_unchanged"] == same["inputs_seen"]
    page = sorted((samples_dir / "html").glob("*.html.gz"))[5]
    shutil.copy(page, raw / page.name)
    new = ingest(raw_dir=str(raw), warehouse_dir=str(root))
    assert new["status"] == "success" and new["articles_new"] == 1
    _, [(n,)] = query_catalog(root, "SELECT count(*) FROM articles")
    assert n == new["articles"]


# A maintain killed by SIGKILL right after its first compaction commit, before that
# table's vacuum (the driver patches vacuum; production code has no test hooks).
_KILLED = textwrap.dedent("""
    import os, signal, sys
    from deltalake import DeltaTable
    from newsetl.land import Warehouse
    from newsetl.land.upkeep import maintain
    from newsetl.settings import Settings
    DeltaTable.vacuum = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
    maintain(Warehouse.at(sys.argv[1], Settings()), Settings())
""")


def test_a_maintain_killed_half_way_leaves_a_readable_warehouse(copy):
    _, root = copy
    before = _answers(root)
    killed = subprocess.run([sys.executable, "-c", _KILLED, str(root)], capture_output=True, text=True,
                            timeout=300, cwd=REPO)
    assert killed.returncode == -9, killed.stderr
    compacted = [name for name in TABLES if footprint(warehouse_at(root), name).files == 1]
    assert compacted  # the kill came after a compaction commit
    assert _answers(root) == before
    assert maintain(warehouse_at(root), _settings()).tables
    assert _answers(root) == before


def test_the_weekly_maintain_flow_runs_through_prefect(copy, prefect_server):
    from flows.maintain import maintain as flow

    _, root = copy
    before = _answers(root)
    rows = flow(warehouse_dir=str(root))
    assert {r["table"] for r in rows} == set(TABLES)
    assert all(r["files_after"] <= 1 for r in rows)
    assert _answers(root) == before
