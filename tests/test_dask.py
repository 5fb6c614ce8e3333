"""The flow's batch tasks on a local Dask cluster (two worker processes, started by the
flow through prefect-dask) land the same tables as the default runner."""

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


def test_dask_runner_lands_the_same_tables(raw, tmp_path, prefect_server):
    from flows.ingest import ingest

    default = ingest(raw_dir=str(raw), warehouse_dir=str(tmp_path / "default"), batch_size=3)
    dask = ingest(raw_dir=str(raw), warehouse_dir=str(tmp_path / "dask"), batch_size=3, dask_local=2)
    counts = ("inputs_seen", "articles_new", "duplicates", "quarantined", "articles_enriched", "mentions", "claims")
    assert {k: dask[k] for k in counts} == {k: default[k] for k in counts}
    assert dask["articles_new"] == 5 and dask["duplicates"] == 1 and dask["quarantined"] == 1
    assert dask["mentions"] > 100 and dask["claims"] > 10
    for table in KEYS:
        assert _contents(tmp_path / "dask", table) == _contents(tmp_path / "default", table), table
