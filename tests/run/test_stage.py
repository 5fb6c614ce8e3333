"""Staging a batch returns what it adds to the run; the run folds it in once. A staging
step that is retried (the first attempt failed after staging some of its files) stages
the same rows under the same part and counts nothing twice."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from newsetl import run as pipeline
from newsetl.enrich import Analysis
from newsetl.extract import extract_batch
from newsetl.quality import quarantine_row, require_valid
from newsetl.settings import Settings
from support.warehouse import warehouse_at

SEEDS = ["000_8f60cbc1a07930e3.txt", "001_cc9ea31035356c05.txt"]


@pytest.fixture
def raw(tmp_path: Path, samples_dir: Path) -> Path:
    """Two articles, a copy of the first (a duplicate) and an empty file (quarantined)."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in SEEDS:
        shutil.copy(samples_dir / "seeds" / name, raw / name)
    shutil.copy(samples_dir / "seeds" / SEEDS[0], raw / "z_copy.txt")
    (raw / "empty.html").write_bytes(b"")
    return raw


def _staged_rows(run: pipeline.Run) -> dict[str, list[tuple[str, int]]]:
    """Per staged table: (file name, rows) of each staged part."""
    base = run.warehouse.staging_dir(run.run_id)
    return {table.name: sorted((p.name, pq.read_metadata(p).num_rows) for p in table.glob("*.parquet"))
            for table in sorted(base.iterdir())}


def _state(run: pipeline.Run) -> tuple:
    return (run.counts.as_dict(), dict(run.ledger.kept_ids), dict(run.ledger.kept_shas), list(run.updated_ids),
            list(run.duplicate_sources))


def test_a_retried_batch_is_staged_and_counted_once(raw, tmp_path):
    settings = Settings(enrich=False)
    once, retried = (pipeline.start_run(raw, warehouse_at(tmp_path / name)) for name in ("once", "retried"))
    [batch] = pipeline.plan_batches(raw, settings)

    first = pipeline.stage_batch(retried, 0, batch, extract_batch(batch, settings, retried.run_id))
    before = _state(retried)
    assert before == _state(pipeline.start_run(raw, warehouse_at(tmp_path / "fresh")))  # the run is untouched
    # The first attempt's result is lost (the task failed after staging); the retry meets
    # the same ledger, so its articles are not duplicates of themselves.
    result = pipeline.stage_batch(retried, 0, batch, extract_batch(batch, settings, retried.run_id))
    assert _state(retried) == before and result.outcomes == first.outcomes
    retried.fold_batch(result)
    once.fold_batch(pipeline.stage_batch(once, 0, batch, extract_batch(batch, settings, once.run_id)))

    assert retried.counts.as_dict() == once.counts.as_dict()
    counts = retried.counts
    assert (counts.inputs_seen, counts.articles_new, counts.duplicates, counts.quarantined) == (4, 2, 1, 1)
    assert sorted(retried.ledger.kept_ids.values()) == sorted(once.ledger.kept_ids.values()) == SEEDS
    assert retried.duplicate_sources == ["z_copy.txt"]
    assert _staged_rows(retried) == _staged_rows(once) == {
        "articles": [("part-000000.parquet", 2)], "quarantine": [("part-000000.parquet", 1)],
        "story_bands": [("part-000000.parquet", 64)], "story_signatures": [("part-000000.parquet", 2)]}
    # And the run commits as if the batch had been staged once.
    assert pipeline.commit_run(retried, settings)["articles_new"] == pipeline.commit_run(once, settings)["articles_new"] == 2


def test_a_later_batch_sees_the_articles_an_earlier_one_kept(raw, tmp_path):
    settings = Settings(enrich=False, batch_size=2)
    run = pipeline.start_run(raw, warehouse_at(tmp_path / "wh"))
    batches = pipeline.plan_batches(raw, settings)
    assert [len(b) for b in batches] == [2, 2] and batches[1][1].source_uri == "z_copy.txt"
    for part, batch in enumerate(batches):
        run.fold_batch(pipeline.stage_batch(run, part, batch, extract_batch(batch, settings, run.run_id)))
    assert run.duplicate_sources == ["z_copy.txt"]
    assert _staged_rows(run) == {"articles": [("part-000000.parquet", 2)], "quarantine": [("part-000001.parquet", 1)],
                                 "story_bands": [("part-000000.parquet", 64)],
                                 "story_signatures": [("part-000000.parquet", 2)]}


def test_a_result_is_folded_once(raw, tmp_path):
    settings = Settings(enrich=False)
    run = pipeline.start_run(raw, warehouse_at(tmp_path / "wh"))
    [batch] = pipeline.plan_batches(raw, settings)
    result = pipeline.stage_batch(run, 0, batch, extract_batch(batch, settings, run.run_id))
    run.fold_batch(result)
    with pytest.raises(ValueError, match="batch 0 of run .* is already counted"):
        run.fold_batch(result)
    assert run.counts.inputs_seen == 4


def test_a_retried_analysis_is_staged_and_counted_once(raw, tmp_path):
    run = pipeline.start_run(raw, warehouse_at(tmp_path / "wh"))
    now = datetime.now(UTC)
    problem = quarantine_row(run_id=run.run_id, table="mentions", source_uri="a.txt", check="enrich_error",
                             reason="parser failed", record_key="00000000000000aa", now=now)
    analysis = Analysis(pd.DataFrame(), pd.DataFrame(), require_valid("quarantine", [problem], run.run_id),
                        {"articles_enriched": 3, "enrich_failed": 1, "mentions": 0, "claims": 0})
    pipeline.land_analysis(run, 5, analysis)
    assert sum(run.enrich_counts.values()) == 0  # staging alone counts nothing
    run.fold_analysis(pipeline.land_analysis(run, 5, analysis))
    assert (run.enrich_counts["articles_enriched"], run.enrich_counts["enrich_failed"]) == (3, 1)
    assert _staged_rows(run) == {"quarantine": [("part-000005-enrich.parquet", 1)]}
    with pytest.raises(ValueError, match="analysis 5"):
        run.fold_analysis(pipeline.land_analysis(run, 5, analysis))
