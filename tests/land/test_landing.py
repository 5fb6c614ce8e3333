"""Validate, dedup and land: contracts, identity, Delta merges, the catalog, the run lock."""

from __future__ import annotations

import multiprocessing
import pickle
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from newsetl.land import catalog, warehouse
from newsetl.run.dedup import DUPLICATE, NEW, UNCHANGED, UPDATED, Ledger, classify
from newsetl.extract.identity import article_id_for, content_sha256, domain_of, normalize_url
from newsetl.quality.validate import validate_records
from schemas import TABLES, arrow_schema, count_words
from newsetl.settings import Settings
from support.warehouse import query_catalog, warehouse_at

TEXT = ("Pakistan's Foreign Office said the strike hit a refugee camp. " * 12).strip()


def article(source_uri: str, text: str = TEXT, **overrides) -> dict:
    row = {
        "article_id": article_id_for(None, source_uri),
        "source_uri": source_uri,
        "url": None,
        "domain": None,
        "title": "A title",
        "byline": None,
        "published_at": datetime(2018, 1, 24, tzinfo=UTC),
        "language": "en",
        "text": text,
        "word_count": count_words(text),
        "content_sha256": content_sha256(text),
        "extractor": "test/1",
        "story_id": None,
        "duplicate_of": None,
        "run_id": "r1",
        "ingested_at": datetime.now(UTC),
    }
    return {**row, **overrides}


def test_identity_is_stable_and_url_based_when_possible():
    assert normalize_url("HTTPS://WWW.Example.com/a/b/?utm_source=x&id=3#top") == "https://www.example.com/a/b?id=3"
    assert normalize_url("ftp://example.com/x") is None
    same = article_id_for("https://example.com/a?utm_medium=feed", "x.html")
    assert same == article_id_for("https://example.com/a/", "y.html")
    assert article_id_for(None, "seeds/a.txt") == article_id_for(None, "seeds/a.txt") != article_id_for(None, "b.txt")
    assert len(same) == 16 and int(same, 16) >= 0
    assert domain_of("https://www.foreignpolicy.com/x") == "foreignpolicy.com"


def test_one_article_id_whatever_the_spelling_of_its_url():
    one = {
        article_id_for(url, "x.html")
        for url in (
            "https://example.com/news?b=2&a=1",
            "https://example.com/news?a=1&b=2",
            "https://EXAMPLE.com:443/news/?a=1&utm_campaign=z&b=2&fbclid=abc#comments",
            "https://example.com/news?ref=rss&a=1&referrer=home&b=2",
            "https://user@example.com/x/../news?a=1&b=2",
        )
    }
    assert len(one) == 1
    # Percent-escapes, raw non-ASCII letters and IDN hosts are one spelling each.
    assert normalize_url("https://bücher.example/r%c3%a9sum%c3%a9") == normalize_url(
        "https://xn--bcher-kva.example/résumé") == "https://xn--bcher-kva.example/r%C3%A9sum%C3%A9"


def test_parameters_that_name_a_page_are_kept():
    assert normalize_url("https://example.com/a?reform=1") == "https://example.com/a?reform=1"
    ids = {article_id_for(f"https://example.com/a{q}", "x.html")
           for q in ("", "?reform=1", "?reference=2", "?refresh=1", "?story=5", "?story=6")}
    assert len(ids) == 6
    assert normalize_url("https://example.com/a?print=&id=3") == "https://example.com/a?id=3&print="
    assert normalize_url("http://example.com:443/a") == "http://example.com:443/a"  # not http's port
    assert normalize_url("https://example.com:99999/a") is None  # a broken port: no URL identity
    assert article_id_for("https://example.com:99999/a", "x.html") == article_id_for(None, "x.html")


@pytest.mark.parametrize(
    ("url", "landed_id"),
    [  # ids that warehouses already hold, computed by the rule before D53
        ("https://www.nytimes.com/2019/11/19/opinion/republicans-elections-impeachment.html", "020f577d7c42563e"),
        ("http://social.techcrunch.com/2019/11/18/new-york-state-attorney-general-reportedly-investigating-wework/",
         "7d523d695a1677c7"),
        ("https://www.wired.com/story/instagram-business-accounts-analytics/", "b47432f20ed659e7"),
        ("https://www.polygraph.info/a/fact-check-russia-us-al-tanf-rukban/30279001.html", "4277bec6d9e0612e"),
        ("https://foreignpolicy.com/2017/10/12/pakistan/?p=3&s=1", "0261d04d2ca1bc74"),
        ("https://example.com/news?id=7", "262f12d883174d81"),
    ],
)
def test_ids_of_urls_that_were_already_normal_do_not_change(url, landed_id):
    assert article_id_for(url, "x.html") == landed_id


def test_validation_quarantines_each_bad_row_with_every_reason():
    good = article("good.txt")
    short = article("short.txt", text="Too short.")
    lying = article("lying.txt", word_count=999, language="english")
    result = validate_records("articles", [good, short, lying], "r1")
    assert list(result.valid["source_uri"]) == ["good.txt"]
    by_source = {q["source_uri"]: q for q in result.quarantine}
    assert set(by_source) == {"short.txt", "lying.txt"}
    assert "word_count" in by_source["short.txt"]["reason"]
    lying_reason = by_source["lying.txt"]["reason"]
    assert "language" in lying_reason and "word_count_matches_text" in lying_reason
    assert by_source["lying.txt"]["record_key"] == lying["article_id"]
    assert all(q["table"] == "articles" for q in result.quarantine)


def test_dedup_outcomes_do_not_depend_on_batching():
    landed = pd.DataFrame([article("old.txt"), article("changed.txt", text=TEXT + " More.")])
    ledger = Ledger.from_warehouse(pa.Table.from_pandas(landed[["article_id", "content_sha256"]]))
    batch1 = pd.DataFrame([article("old.txt"), article("changed.txt", text=TEXT + " Changed.")])
    batch2 = pd.DataFrame([article("copy-of-old.txt"), article("new.txt", text=TEXT + " New."),
                           article("new-again.txt", text=TEXT + " New.")])
    first = classify(batch1, ledger)
    second = classify(batch2, ledger)
    assert first.outcomes == {NEW: 0, UPDATED: 1, UNCHANGED: 1, DUPLICATE: 0}
    assert second.outcomes == {NEW: 1, UPDATED: 0, UNCHANGED: 0, DUPLICATE: 2}
    assert [d.source_uri for d in second.duplicates] == ["copy-of-old.txt", "new-again.txt"]
    # Each names the article it duplicates: one kept by the first batch, one by its own.
    old_id, new_id = article("old.txt")["article_id"], article("new.txt")["article_id"]
    assert [d.article_id for d in second.duplicates] == [old_id, new_id]
    fresh = Ledger.from_warehouse(pa.Table.from_pandas(landed[["article_id", "content_sha256"]]))
    [landed_copy] = classify(pd.DataFrame([article("copy-of-landed.txt", text=TEXT + " More.")]), fresh).duplicates
    assert landed_copy.article_id == article("changed.txt")["article_id"] and "already in the warehouse" in landed_copy.why
    assert list(first.to_write["source_uri"]) == ["changed.txt"]


def _land(root: Path | warehouse.Warehouse, run_id: str, rows: list[dict]) -> dict:
    wh = root if isinstance(root, warehouse.Warehouse) else warehouse_at(root)
    valid = validate_records("articles", rows, run_id).valid
    wh.stage(run_id, "articles", valid, 0)
    return wh.merge("articles", wh.staged(run_id, "articles"), run_id, update_if="t.content_sha256 != s.content_sha256")


def test_merge_is_idempotent_and_updates_only_changed_text(tmp_path):
    warehouse_at(tmp_path).ensure_tables()
    first = _land(tmp_path, "r1", [article("a.txt"), article("b.txt", text=TEXT + " B.")])
    assert first["num_target_rows_inserted"] == 2
    version = warehouse_at(tmp_path).table_version("articles")
    again = _land(tmp_path, "r2", [article("a.txt", run_id="r2"), article("b.txt", text=TEXT + " B.", run_id="r2")])
    assert again["num_target_rows_inserted"] == again["num_target_rows_updated"] == 0
    assert warehouse_at(tmp_path).table_version("articles") == version
    changed = _land(tmp_path, "r3", [article("b.txt", text=TEXT + " B, revised.", run_id="r3")])
    assert changed["num_target_rows_updated"] == 1
    rows = {r["source_uri"]: r for r in warehouse_at(tmp_path).read_table("articles").to_pylist()}
    assert rows["a.txt"]["run_id"] == "r1" and rows["b.txt"]["run_id"] == "r3"


def test_the_journal_records_the_versions_in_the_store_not_those_a_handle_saw(tmp_path):
    """A warehouse keeps its table handles for the operation; another writer's commit in
    the meantime must still be what the journal records and a roll-back keeps."""
    mine, other = warehouse_at(tmp_path), warehouse_at(tmp_path)
    mine.ensure_tables()  # every table opened
    _land(other, "r-other", [article("a.txt")])
    assert mine.begin_commit("r-mine")["articles"] == other.table_version("articles")
    assert mine.roll_back() == "r-mine"
    assert [r["source_uri"] for r in warehouse_at(tmp_path).read_table("articles").to_pylist()] == ["a.txt"]


def test_a_warehouse_pickles_without_its_table_handles(tmp_path):
    wh = warehouse_at(tmp_path)
    wh.ensure_tables()
    copy = pickle.loads(pickle.dumps(wh))
    assert copy.loc == wh.loc and copy.opens == 0
    assert copy.table_version("runs") == wh.table_version("runs") == 0


def _snapshots(root: Path) -> dict:
    return warehouse_at(root).snapshots()


def test_catalog_has_a_typed_table_per_table_and_is_swapped_atomically(tmp_path):
    warehouse_at(tmp_path).ensure_tables()
    catalog.refresh(warehouse_at(tmp_path).loc, _snapshots(tmp_path))
    reader = duckdb.connect(str(warehouse_at(tmp_path).catalog_path), read_only=True)
    assert reader.execute("SELECT count(*) FROM articles").fetchone() == (0,)
    types = dict(reader.execute("SELECT column_name, data_type FROM information_schema.columns "
                                "WHERE table_name = 'mentions'").fetchall())
    assert types["start_char"] == "BIGINT" and types["surface"] == "VARCHAR"
    _land(tmp_path, "r1", [article("a.txt")])
    catalog.refresh(warehouse_at(tmp_path).loc, _snapshots(tmp_path))
    # A reader that opened the old catalog keeps its snapshot; a new one sees the run.
    assert reader.execute("SELECT count(*) FROM articles").fetchone() == (0,)
    reader.close()
    cols, rows = query_catalog(tmp_path, "SELECT source_uri, word_count FROM articles")
    assert cols == ["source_uri", "word_count"] and rows == [("a.txt", 120)]


def test_user_sql_cannot_write_or_escape(tmp_path):
    warehouse_at(tmp_path).ensure_tables()
    catalog.refresh(warehouse_at(tmp_path).loc, _snapshots(tmp_path))
    for sql in ("CREATE TABLE x AS SELECT 1", "UPDATE articles SET title = 'x'", "SET enable_external_access = true",
                "SELECT 1; DROP TABLE runs", "LOAD httpfs",
                f"SELECT * FROM read_text('{Path(__file__).resolve()}')"):
        with pytest.raises(catalog.ReadOnlyViolation):
            query_catalog(tmp_path, sql)
    # Past the check, the connection itself can open no file.
    con = catalog.connect_read_only(warehouse_at(tmp_path).catalog_path, Settings().sql_memory_limit)
    with pytest.raises(duckdb.PermissionException):
        con.execute(f"SELECT * FROM read_text('{Path(__file__).resolve()}')")
    con.close()
    assert query_catalog(tmp_path, "SELECT count(*) FROM runs")[1] == [(0,)]


def _hold_lock(root: str, ready, release) -> None:
    with warehouse_at(root).exclusive():
        ready.set()
        release.wait(30)


@pytest.mark.slow
def test_a_second_run_on_the_same_warehouse_is_refused_then_admitted(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(tmp_path), ready, release))
    holder.start()
    try:
        assert ready.wait(60)
        with pytest.raises(warehouse.WarehouseBusy, match="another newsetl run"):
            with warehouse_at(tmp_path).exclusive(wait_seconds=0.5):
                pass
    finally:
        release.set()
        holder.join(30)
    started = time.monotonic()
    with warehouse_at(tmp_path).exclusive(wait_seconds=5):
        assert time.monotonic() - started < 5


def test_merge_adds_columns_a_contract_gained_before_planning_its_predicate(tmp_path):
    """A quarantine table written before rows could be resolved still takes a merge whose
    predicate names the new columns."""
    from deltalake import DeltaTable

    schema = arrow_schema(TABLES["quarantine"].model)
    old = pa.schema([f for f in schema if not f.name.startswith(("resolved_", "dismissed_"))])
    DeltaTable.create(str(warehouse_at(tmp_path).table_path("quarantine")), old, name="quarantine")
    row = {"quarantine_id": "0" * 16, "run_id": "r1", "table": "input", "record_key": None, "source_uri": "a.html",
           "check": "empty_file", "reason": "the file is empty", "record_json": None,
           "quarantined_at": datetime.now(UTC), "resolved_at": None, "resolved_run_id": None}
    warehouse_at(tmp_path).merge("quarantine", pa.Table.from_pylist([row], schema=schema), "r1",
                    update_if="(t.resolved_at IS NULL) != (s.resolved_at IS NULL)")
    landed = warehouse_at(tmp_path).read_table("quarantine")
    assert landed.schema.names == schema.names and landed.num_rows == 1


def _claim(claim_id: str, content_start: int, confidence: float | None = None) -> dict:
    content = "the strike hit a refugee camp"
    return {"claim_id": claim_id, "article_id": "0123456789abcdef", "speaker_surface": "Pakistan's Foreign Office",
            "speaker_name": None, "speaker_entity_id": None, "speaker_start": 0, "speaker_end": 24,
            "cue": "said", "cue_start": 25, "cue_end": 29, "content": content, "content_start": content_start,
            "content_end": content_start + len(content), "kind": "indirect", "cue_class": "speech",
            "pieces": f"[[{content_start},{content_start + len(content)}]]", "confidence": confidence,
            "target_name": None, "target_entity_id": None, "sentence_index": 0, "run_id": "r1"}


def test_a_claims_table_landed_before_confidence_reads_and_takes_new_rows(tmp_path):
    """A claims table (and its catalog) from before the contract gained ``confidence``
    (D84): its rows read as null there, a run merges rows that carry it, replacing one
    and adding another, and the catalog built from the old contract is rebuilt with it."""
    from deltalake import DeltaTable, write_deltalake

    schema = arrow_schema(TABLES["claims"].model)
    old = pa.schema([f for f in schema if f.name != "confidence"])
    wh = warehouse_at(tmp_path)
    wh.ensure_tables([t for t in TABLES if t != "claims"])
    rows = [_claim("00000000000000a1", 30), _claim("00000000000000a2", 100)]
    DeltaTable.create(str(wh.table_path("claims")), old, name="claims")
    write_deltalake(str(wh.table_path("claims")), pa.Table.from_pylist(rows, schema=old), mode="append")
    snaps = wh.snapshots()
    snaps["claims"] = catalog.TableSnapshot(snaps["claims"].files, old, snaps["claims"].key)
    catalog.refresh(wh.loc, snaps)  # the catalog as the code before the column built it
    with duckdb.connect(str(wh.catalog_path), read_only=True) as con:
        assert "confidence" not in [c for (c,) in con.execute("SELECT column_name FROM information_schema.columns "
                                                              "WHERE table_name = 'claims'").fetchall()]

    wh = warehouse_at(tmp_path)
    wh.refresh_catalog()  # the new contract, no new rows: the old rows read as null
    assert query_catalog(tmp_path, "SELECT claim_id, confidence FROM claims ORDER BY 1")[1] == [
        ("00000000000000a1", None), ("00000000000000a2", None)]

    new = [_claim("00000000000000a2", 100, 0.25), _claim("00000000000000a3", 200, 0.9)]
    wh.merge("claims", pa.Table.from_pylist(new, schema=schema), "r2", update_if=True)
    landed = {r["claim_id"]: r["confidence"] for r in warehouse_at(tmp_path).read_table("claims").to_pylist()}
    assert landed == {"00000000000000a1": None, "00000000000000a2": 0.25, "00000000000000a3": 0.9}
    wh.refresh_catalog()
    cols, got = query_catalog(tmp_path, "SELECT claim_id, confidence FROM claims ORDER BY 1")
    assert got == [("00000000000000a1", None), ("00000000000000a2", 0.25), ("00000000000000a3", 0.9)]
    assert query_catalog(tmp_path, "SELECT count(*) FROM claims WHERE confidence >= 0.6")[1] == [(1,)]
