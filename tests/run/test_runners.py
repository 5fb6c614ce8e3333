"""The flow's three ways to run its batch tasks land the same tables: in the flow's own
process, on local worker processes (with each batch's analysis split across them), and
on a local Dask cluster (two worker processes, started by the flow through prefect-dask)."""

from __future__ import annotations

import shutil

import pytest
from deltalake import DeltaTable

# Columns that name the run or the time it ran: everything else must be equal.
RUN_COLUMNS = {"run_id", "ingested_at", "processed_at", "quarantined_at", "resolved_at", "resolved_run_id"}
KEYS = {"articles": "article_id", "mentions": "mention_id", "claims": "claim_id", "entities": "entity_id",
        "quarantine": "quarantine_id", "inputs": "source_uri"}


def _contents(warehouse, table: str) -> list[dict]:
    rows = DeltaTable(str(warehouse / table)).to_pyarrow_table().to_pylist()
    return sorted(({k: v for k, v in r.items() if k not in RUN_COLUMNS} for r in rows), key=lambda r: r[KEYS[table]])


@pytest.fixture(scope="module")
def raw(tmp_path_factory, samples_dir):
    raw = tmp_path_factory.mktemp("raw")
    for name in ("000_8f60cbc1a07930e3.txt", "004_6d7372103e3a1b89.txt"):
        shutil.copy(samples_dir / "seeds" / name, raw / name)
    for page in sorted((samples_dir / "html").glob("*.html.gz"))[:3]:
        shutil.copy(page, raw / page.name)
    (raw / "again.txt").write_bytes((samples_dir / "seeds" / "004_6d7372103e3a1b89.txt").read_bytes())
    (raw / "empty.html").write_bytes(b"")
    return raw


COUNTS = ("inputs_seen", "articles_new", "duplicates", "quarantined", "articles_enriched", "mentions", "claims")


@pytest.fixture(scope="module")
def in_process(raw, tmp_path_factory, prefect_server):
    from flows.ingest import ingest

    warehouse = tmp_path_factory.mktemp("in-process")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEWSETL_WORKERS", "1")
        row = ingest(raw_dir=str(raw), warehouse_dir=str(warehouse), batch_size=3)
    assert row["articles_new"] == 5 and row["duplicates"] == 1 and row["quarantined"] == 1
    assert row["mentions"] > 100 and row["claims"] > 10
    return warehouse, row


def _same_tables(warehouse, row, expected) -> None:
    expected_warehouse, expected_row = expected
    assert {k: row[k] for k in COUNTS} == {k: expected_row[k] for k in COUNTS}
    for table in KEYS:
        assert _contents(warehouse, table) == _contents(expected_warehouse, table), table


def test_local_worker_processes_land_the_same_tables(raw, tmp_path, in_process, monkeypatch):
    from flows.ingest import ingest
    from newsetl import run
    from newsetl.run import workers

    monkeypatch.setenv("NEWSETL_WORKERS", "2")
    monkeypatch.setenv("NEWSETL_WORKERS_MIN_INPUTS", "1")
    # One article per chunk: every batch's analysis is put back together from its parts.
    monkeypatch.setattr(workers, "ANALYSIS_CHUNK", 1)
    pools = []
    real_pool = run.local_pool

    def local_pool(workers):
        pools.append(workers)
        return real_pool(workers)

    monkeypatch.setattr(run, "local_pool", local_pool)
    row = ingest(raw_dir=str(raw), warehouse_dir=str(tmp_path), batch_size=3)
    assert pools == [2]
    _same_tables(tmp_path, row, in_process)


def test_dask_runner_lands_the_same_tables(raw, tmp_path, in_process):
    from flows.ingest import ingest

    row = ingest(raw_dir=str(raw), warehouse_dir=str(tmp_path), batch_size=3, dask_local=2)
    _same_tables(tmp_path, row, in_process)
