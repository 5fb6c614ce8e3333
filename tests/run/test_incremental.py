"""Incremental runs: inputs unchanged since they were last processed are not read again,
still counted under their outcome; a changed file, a changed setting or a missing article
makes them processed again."""

from __future__ import annotations

import os
import shutil

import pytest
from deltalake import DeltaTable

from newsetl.run.incremental import ARTICLE, InputLog, split_batch
from newsetl.sources.disk import discover
from newsetl.settings import Settings
from support.paths import REPO

SEEDS = ("000_8f60cbc1a07930e3.txt", "004_6d7372103e3a1b89.txt")


@pytest.fixture()
def raw(tmp_path, samples_dir):
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in SEEDS:
        shutil.copy(samples_dir / "seeds" / name, raw / name)
    shutil.copy(samples_dir / "seeds" / SEEDS[1], raw / "copy.txt")  # a duplicate
    (raw / "junk.html").write_bytes(b"<html><body><nav>Home</nav></body></html>")  # quarantined
    return raw


def _inputs(warehouse) -> dict[str, dict]:
    return {r["source_uri"]: r for r in DeltaTable(str(warehouse / "inputs")).to_pyarrow_table().to_pylist()}


def test_unchanged_inputs_are_skipped_and_still_counted(raw, tmp_path, prefect_server):
    from flows.ingest import ingest

    warehouse = tmp_path / "warehouse"
    first = ingest(raw_dir=str(raw), warehouse_dir=str(warehouse))
    assert (first["articles_new"], first["duplicates"], first["quarantined"]) == (2, 1, 1)
    assert first["inputs_skipped_unchanged"] == 0
    recorded = _inputs(warehouse)
    assert {uri: r["outcome"] for uri, r in recorded.items()} == {
        SEEDS[0]: "article", SEEDS[1]: "article", "copy.txt": "duplicate", "junk.html": "quarantined"}
    version = DeltaTable(str(warehouse / "articles")).version()

    again = ingest(raw_dir=str(raw), warehouse_dir=str(warehouse))
    assert again["inputs_skipped_unchanged"] == again["inputs_seen"] == 4
    assert (again["articles_unchanged"], again["duplicates"], again["quarantined"]) == (2, 1, 1)
    assert again["articles_enriched"] == 0
    assert DeltaTable(str(warehouse / "articles")).version() == version

    # Same bytes, new time (a copy, a checkout): still skipped, and the new time is recorded.
    st = os.stat(raw / SEEDS[0])
    os.utime(raw / SEEDS[0], ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    # A changed text is read again and updates its article.
    edited = raw / SEEDS[1]
    edited.write_text(edited.read_text(encoding="utf-8").replace("on a tour of South Asia", "on a tour of Asia"),
                      encoding="utf-8")
    third = ingest(raw_dir=str(raw), warehouse_dir=str(warehouse))
    assert third["inputs_skipped_unchanged"] == 3  # the touched seed, the copy, the junk page
    assert third["articles_updated"] == 1 and third["articles_enriched"] == 1
    assert (third["articles_unchanged"], third["duplicates"], third["quarantined"]) == (1, 1, 1)
    after = _inputs(warehouse)
    assert after[SEEDS[0]]["mtime_ns"] == st.st_mtime_ns + 10**9
    assert after[SEEDS[1]]["content_sha256"] != recorded[SEEDS[1]]["content_sha256"]


def test_a_changed_extraction_setting_reads_everything_again(raw, tmp_path, prefect_server, monkeypatch):
    from flows.ingest import ingest

    warehouse = tmp_path / "warehouse"
    monkeypatch.setenv("NEWSETL_ENRICH", "false")
    ingest(raw_dir=str(raw), warehouse_dir=str(warehouse))
    monkeypatch.setenv("NEWSETL_MAX_DECOMPRESSED_BYTES", str(30 * 1024 * 1024))
    row = ingest(raw_dir=str(raw), warehouse_dir=str(warehouse))
    assert row["inputs_skipped_unchanged"] == 0 and row["articles_unchanged"] == 2
    monkeypatch.setenv("NEWSETL_INCREMENTAL", "false")
    row = ingest(raw_dir=str(raw), warehouse_dir=str(warehouse))
    assert row["inputs_skipped_unchanged"] == 0 and row["articles_unchanged"] == 2


def test_the_code_an_outcome_depends_on_includes_the_sidecar_reader_and_the_word_rules():
    # The sidecar's JSON reader (its URL is the article's id) and the contract's words
    # (word_count, has_letter_or_digit) decide an input's outcome: an edit re-reads every input.
    from newsetl.run.incremental import _code_files

    names = {path.relative_to(REPO).as_posix() for path in _code_files()}
    assert {"newsetl/sources/jsonfile.py", "schemas/words.py", "schemas/articles.py",
            "newsetl/extract/document.py"} <= names


def test_an_article_no_longer_landed_is_read_again(raw, tmp_path):
    from newsetl.extract import extract_batch
    from newsetl.run.incremental import Seen, enrich_key, input_key

    settings = Settings()
    batch = list(discover(raw))
    output = extract_batch(batch, settings, "run")
    article = next(a for a in output.articles if a["source_uri"] == SEEDS[0])
    inp = next(i for i in batch if i.source_uri == SEEDS[0])
    log = InputLog({SEEDS[0]: Seen(output.files[SEEDS[0]], input_key(inp, settings), ARTICLE,
                                   article["article_id"], article["content_sha256"], enrich_key(settings))})
    landed = {article["article_id"]: article["content_sha256"]}
    assert [i.source_uri for i, _ in split_batch([inp], log, settings, landed).skipped] == [SEEDS[0]]
    assert [i.source_uri for i in split_batch([inp], log, settings, {}).todo] == [SEEDS[0]]
    assert [i.source_uri for i in split_batch([inp], InputLog(), settings, landed).todo] == [SEEDS[0]]


def test_a_change_of_what_analyses_articles_analyses_them_again(raw, tmp_path, prefect_server, monkeypatch):
    """The claims code, the attribution weights or the setting that chooses the extractor
    change ``enrich_key``: the articles' mentions and claims are made again, once."""
    from flows.ingest import ingest

    warehouse = tmp_path / "warehouse"
    monkeypatch.setenv("NEWSETL_CLAIMS_EXTRACTOR", "rules")
    first = ingest(raw_dir=str(raw), warehouse_dir=str(warehouse))
    assert first["articles_enriched"] == 2
    rules_claims = DeltaTable(str(warehouse / "claims")).to_pyarrow_table().num_rows
    monkeypatch.setenv("NEWSETL_CLAIMS_EXTRACTOR", "model")
    second = ingest(raw_dir=str(raw), warehouse_dir=str(warehouse))
    assert second["articles_enriched"] == 2 and second["articles_updated"] == 2
    assert second["inputs_skipped_unchanged"] == 2  # the duplicate and the junk page
    claims = DeltaTable(str(warehouse / "claims")).to_pyarrow_table()
    assert claims.num_rows != rules_claims and len(set(claims.column("run_id").to_pylist())) == 1
    third = ingest(raw_dir=str(raw), warehouse_dir=str(warehouse))
    assert third["inputs_skipped_unchanged"] == 4 and third["articles_enriched"] == 0


def test_an_article_analysed_under_another_key_is_read_again(raw, tmp_path):
    from newsetl.extract import extract_batch
    from newsetl.run.incremental import Seen, enrich_key, input_key

    settings = Settings()
    batch = list(discover(raw))
    output = extract_batch(batch, settings, "run")
    article = next(a for a in output.articles if a["source_uri"] == SEEDS[0])
    inp = next(i for i in batch if i.source_uri == SEEDS[0])
    landed = {article["article_id"]: article["content_sha256"]}

    def log(analysed_by):
        return InputLog({SEEDS[0]: Seen(output.files[SEEDS[0]], input_key(inp, settings), ARTICLE,
                                        article["article_id"], article["content_sha256"], analysed_by)})

    current = enrich_key(settings)
    assert current is not None and current != enrich_key(Settings(claims_extractor="rules"))
    assert split_batch([inp], log(current), settings, landed).skipped
    for stale in (None, enrich_key(Settings(claims_extractor="rules"))):  # enrich was off; the rules did it
        split = split_batch([inp], log(stale), settings, landed)
        assert [i.source_uri for i in split.todo] == [SEEDS[0]] and split.reanalyse == [article["article_id"]]
    # With enrich off nothing needs analysing, and a replay (skip off) still marks it.
    assert split_batch([inp], log(None), Settings(enrich=False), landed).skipped
    assert split_batch([inp], log(None), settings, landed, skip=False).reanalyse == [article["article_id"]]
    # Without the backfill, an article never analysed stays as it is; another key still counts.
    no_backfill = Settings(enrich_backfill=False)
    assert split_batch([inp], log(None), no_backfill, landed).skipped
    split = split_batch([inp], log(enrich_key(Settings(claims_extractor="rules"))), no_backfill, landed)
    assert split.reanalyse == [article["article_id"]]

def _task_runs(flow_run_id) -> list[str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
    return sorted(r.name.rsplit("-", 1)[0] for r in runs)


def test_a_run_over_unchanged_inputs_starts_no_batch_task(raw, tmp_path, prefect_server, monkeypatch):
    """The cost of a run follows its new inputs: unchanged ones are decided at planning and
    counted without a task per batch of them (before, every batch of 50 unchanged inputs
    still became an extract and a stage task, so a run's cost grew with raw/)."""
    from flows.ingest import ingest

    monkeypatch.setenv("NEWSETL_ENRICH", "false")
    for i in range(24):  # copies of a seed: duplicates, each its own input
        shutil.copy(raw / SEEDS[1], raw / f"copy_{i:02d}.txt")
    warehouse = tmp_path / "warehouse"
    first = ingest(raw_dir=str(raw), warehouse_dir=str(warehouse), batch_size=4, return_state=True)
    assert first.result()["inputs_seen"] == 28
    assert _task_runs(first.state_details.flow_run_id).count("extract-batch") == 7

    again = ingest(raw_dir=str(raw), warehouse_dir=str(warehouse), batch_size=4, return_state=True)
    row = again.result()
    assert row["inputs_skipped_unchanged"] == row["inputs_seen"] == 28
    assert (row["articles_unchanged"], row["duplicates"], row["quarantined"]) == (2, 25, 1)
    tasks = _task_runs(again.state_details.flow_run_id)
    assert "extract-batch" not in tasks and "stage-batch" not in tasks, tasks

    # One new input: one batch to read, whatever the size of raw/.
    shutil.copy(raw / SEEDS[0], raw / "copy2.txt")
    third = ingest(raw_dir=str(raw), warehouse_dir=str(warehouse), batch_size=4, return_state=True)
    row = third.result()
    assert row["inputs_seen"] == 29 and row["inputs_skipped_unchanged"] == 28 and row["duplicates"] == 26
    tasks = _task_runs(third.state_details.flow_run_id)
    assert tasks.count("extract-batch") == 1 and tasks.count("stage-batch") == 1, tasks


def test_mentions_landed_before_sentence_key_get_it_when_analysed_again(raw, tmp_path, prefect_server, monkeypatch):
    """A warehouse whose mentions files predate sentence_key (D68) still reads, its rows
    null there; the next run that analyses the articles again (a change of the NLP code,
    as the one that added the column, changes enrich_key) fills it."""
    import duckdb
    from deltalake import write_deltalake

    from flows.ingest import ingest
    from newsetl.land import Warehouse

    warehouse = tmp_path / "warehouse"
    monkeypatch.setenv("NEWSETL_CLAIMS_EXTRACTOR", "rules")
    ingest(raw_dir=str(raw), warehouse_dir=str(warehouse))
    old = DeltaTable(str(warehouse / "mentions")).to_pyarrow_table().drop_columns(["sentence_key"])
    write_deltalake(str(warehouse / "mentions"), old, mode="overwrite", schema_mode="overwrite")
    wh = Warehouse.at(warehouse, Settings())
    with wh.exclusive():
        wh.refresh_catalog()
    with duckdb.connect(str(wh.catalog_path), read_only=True) as con:
        assert con.execute("SELECT count(*), count(sentence_key) FROM mentions").fetchone() == (old.num_rows, 0)

    monkeypatch.setenv("NEWSETL_CLAIMS_EXTRACTOR", "model")  # another enrich_key, as a code change gives
    assert ingest(raw_dir=str(raw), warehouse_dir=str(warehouse))["articles_enriched"] == 2
    with duckdb.connect(str(wh.catalog_path), read_only=True) as con:
        total, keyed = con.execute("SELECT count(*), count(sentence_key) FROM mentions").fetchone()
    assert total == keyed == old.num_rows
