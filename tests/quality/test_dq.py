"""Data-quality checks on real warehouses: cross-table checks pass on the samples and fail
on tables corrupted on purpose; the circuit breaker stops a mostly-junk run before any
article lands; quarantine rows are resolved when their input lands."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from deltalake import write_deltalake

from newsetl import quality as dq, run as pipeline
from newsetl.land import warehouse
from newsetl.extract import extract_batch
from newsetl.enrich.mentions import sentence_key_of
from newsetl.ids import short_hash
from newsetl.quality.run_checks import freshness
from newsetl.settings import Settings
from schemas import TABLES
from support.paths import REPO
from support.pipeline import MENU, SEEDS, page, results_of, run_pipeline, table, write_seeds
from support.warehouse import query_catalog, warehouse_at

def cross_table_checks(root) -> list:
    with warehouse_at(root).connect() as con:
        return dq.cross_table_checks(con)


def open_quarantine(root, **options) -> list:
    with warehouse_at(root).connect(("quarantine", "runs")) as con:
        return dq.open_quarantine(con, **options)


def by_check(results: list[dq.Result]) -> dict[tuple[str, str], dq.Result]:
    return {(r.table, r.check_name): r for r in results}


def enrichment_rows(root: Path, name: str | None = None) -> tuple[list[dict], list[dict]]:
    """A mention (``name``, else the text's first capitalised word after its start) and a
    claim that slice the first article's text exactly."""
    art = min(table(root, "articles"), key=lambda a: a["article_id"])
    text, aid = art["text"], art["article_id"]
    found = re.compile(re.escape(name) if name else r"\b[A-Z][a-z]{3,}\b").search(text, 1)
    start, end, surface = found.start(), found.end(), found.group()
    mention = {"mention_id": short_hash(aid, str(start), str(end)), "article_id": aid, "start_char": start,
               "end_char": end, "surface": surface, "label": "GPE", "entity_id": short_hash(surface.lower()),
               "canonical_name": surface, "sentence_index": 0,
               "sentence_key": sentence_key_of(short_hash(aid, str(start), str(end))), "run_id": "test"}
    words = text.split(" ")
    cue_start = len(words[0]) + 1
    cue = words[1]
    content_start = cue_start + len(cue) + 1
    content = " ".join(words[2:6])
    claim = {"claim_id": short_hash(aid, str(content_start), str(content_start + len(content))), "article_id": aid,
             "speaker_surface": None, "speaker_name": None, "speaker_entity_id": None, "speaker_start": None,
             "speaker_end": None, "cue": cue, "cue_start": cue_start, "cue_end": cue_start + len(cue),
             "content": content, "content_start": content_start, "content_end": content_start + len(content),
             "kind": "indirect", "cue_class": "speech", "pieces": f"[[{content_start},{content_start + len(content)}]]",
             "confidence": None,
             "target_name": None, "target_entity_id": None, "sentence_index": 0, "run_id": "test"}
    return [mention], [claim]


def land(root: Path, name: str, rows: list[dict]) -> None:
    """Append rows straight to the Delta table, as a buggy writer would (no merge on the key)."""
    write_deltalake(str(root / name), warehouse.to_arrow(name, pd.DataFrame.from_records(rows)), mode="append")


@pytest.fixture(scope="module")
def sample_warehouse(tmp_path_factory, samples_dir) -> Path:
    """The bundled samples landed (NLP off), plus a valid mention and claim."""
    root = tmp_path_factory.mktemp("warehouse")
    row = run_pipeline(samples_dir, root)
    assert row["status"] == "success" and row["articles"] == 16
    mentions, claims = enrichment_rows(root)
    land(root, "mentions", mentions)
    land(root, "claims", claims)
    return root


def copy_of(root: Path, tmp_path: Path) -> Path:
    target = tmp_path / "warehouse"
    shutil.copytree(root, target)
    return target


def test_cross_table_checks_pass_on_the_sample_warehouse(sample_warehouse):
    results = by_check(cross_table_checks(sample_warehouse))
    expected = {(t, "primary_key_unique") for t in TABLES} | {
        ("mentions", "fk_article_id_articles"), ("claims", "fk_article_id_articles"),
        ("story_signatures", "fk_article_id_articles"), ("article_versions", "fk_article_id_articles"),
        ("mentions", "span_slices_text"), ("claims", "span_slices_text")}
    assert set(results) == expected
    assert {k: r.status for k, r in results.items() if r.status != dq.PASS} == {}
    assert results[("articles", "primary_key_unique")].rows_checked == 16
    assert results[("mentions", "span_slices_text")].rows_checked == 1
    assert results[("claims", "span_slices_text")].rows_checked == 1


def test_each_cross_table_check_fails_on_a_corrupted_warehouse(sample_warehouse, tmp_path):
    root = copy_of(sample_warehouse, tmp_path)
    [mention], [claim] = enrichment_rows(root)
    shifted = {**mention, "mention_id": "00000000000000aa", "start_char": mention["start_char"] + 1,
               "end_char": mention["end_char"] + 1}
    orphan = {**claim, "claim_id": "00000000000000bb", "article_id": "ffffffffffffffff"}
    bad_cue = {**claim, "claim_id": "00000000000000cc", "cue": "whispered"}
    land(root, "mentions", [shifted])
    land(root, "claims", [orphan, bad_cue])
    land(root, "articles", [table(root, "articles")[0]])  # the same key twice
    results = by_check(cross_table_checks(root))
    failed = {k for k, r in results.items() if r.status == dq.FAIL}
    assert failed == {("mentions", "span_slices_text"), ("claims", "fk_article_id_articles"),
                      ("claims", "span_slices_text"), ("articles", "primary_key_unique")}
    assert results[("mentions", "span_slices_text")].sample == ("00000000000000aa",)
    assert results[("claims", "fk_article_id_articles")].sample == ("ffffffffffffffff",)
    assert results[("claims", "span_slices_text")].failure_count == 1  # the orphan has no text to slice
    assert results[("articles", "primary_key_unique")].failure_count == 1
    assert "1 duplicated" in results[("articles", "primary_key_unique")].message


def test_a_claim_piece_outside_its_text_fails_the_span_check(sample_warehouse, tmp_path):
    root = copy_of(sample_warehouse, tmp_path)
    _, [claim] = enrichment_rows(root)
    assert json.loads(claim["pieces"]) and claim["cue_class"] in ("speech", "cognition", "document", "other")
    end = claim["content_end"]
    beyond = {**claim, "claim_id": "00000000000000dd", "pieces": f"[[{claim['content_start']},{end}],[{end + 1},99999999]]"}
    empty = {**claim, "claim_id": "00000000000000ee", "pieces": f"[[{claim['content_start']},{end}],[{end + 2},{end + 2}]]"}
    land(root, "claims", [beyond, empty])
    result = by_check(cross_table_checks(root))[("claims", "span_slices_text")]
    assert result.status == dq.FAIL and result.failure_count == 2


def test_claim_pieces_are_checked_before_landing():
    from newsetl.quality.spans import span_problems

    text = "Asif said the talks failed, and added: they will resume."
    row = {"article_id": "0123456789abcdef", "speaker_start": 0, "speaker_end": 4, "speaker_surface": "Asif",
           "cue_start": 5, "cue_end": 9, "cue": "said", "content_start": 10, "content_end": 26,
           "content": "the talks failed", "pieces": "[[10,26],[39,56]]"}
    assert span_problems("claims", row, text) == []
    bad = {"[[39,56],[10,26]]": "precedes", "[[10,26],[39,99]]": "outside", "[[10,26],[2,6]]": "overlaps the speaker",
           "[[39,56]]": "not one of the pieces", "[[10,26],[5,8]]": "overlaps the cue", "nonsense": "not a JSON list"}
    for pieces, why in bad.items():
        problems = span_problems("claims", {**row, "pieces": pieces}, text)
        assert any(why in p for p in problems), (pieces, problems)


def test_span_check_counts_code_points_like_python(tmp_path, samples_dir):
    """A text with characters outside the BMP: DuckDB and Python must agree on offsets."""
    raw = tmp_path / "raw"
    raw.mkdir()
    body = " ".join(["Emoji 🇵🇰 and Pakistan’s café in Islamabad."] * 12)
    (raw / "emoji.txt").write_text(f"A headline\n\n{body}\n", encoding="utf-8")
    root = tmp_path / "warehouse"
    run_pipeline(raw, root)
    mentions, _ = enrichment_rows(root, "Islamabad")
    text = table(root, "articles")[0]["text"]
    assert mentions[0]["start_char"] > text.index("🇵🇰")
    land(root, "mentions", mentions)
    assert by_check(cross_table_checks(root))[("mentions", "span_slices_text")].status == dq.PASS


def test_a_failing_cross_table_check_rolls_the_run_back_and_records_why(sample_warehouse, tmp_path, samples_dir):
    from newsetl.sources import discover

    root = copy_of(sample_warehouse, tmp_path)
    [mention], _ = enrichment_rows(root)
    raw = tmp_path / "raw"
    write_seeds(raw, samples_dir, SEEDS[:1])
    (raw / "new.txt").write_text("Headline\n\n" + "A new article about trade and tariffs. " * 20, encoding="utf-8")
    # A buggy writer's mention of the article the run lands: the run answers for every row
    # of the articles it writes (D69), so its check finds the span that does not slice.
    [new_id] = [a["article_id"] for a in extract_batch(list(discover(raw)), Settings(), "x").articles
                if a["source_uri"].endswith("new.txt")]
    land(root, "mentions", [{**mention, "mention_id": "00000000000000aa", "article_id": new_id,
                             "surface": mention["surface"] + "s"}])
    def contents():
        return {name: sorted(map(str, table(root, name))) for name in ("articles", "mentions", "quarantine")}

    before = contents()
    with pytest.raises(dq.CrossTableCheckFailed, match="span that does not slice"):
        run_pipeline(raw, root)
    assert contents() == before  # the run's merges were restored
    [failed] = [r for r in table(root, "runs") if r["status"] == "failed"]
    results = results_of(root, failed["run_id"])
    assert results[("mentions", "span_slices_text")]["status"] == "fail"
    assert json.loads(results[("mentions", "span_slices_text")]["sample"]) == ["00000000000000aa"]
    assert results[("run", "quarantined_share")]["status"] == "pass"
    # The catalog shows why, and still the last complete run's articles.
    _, rows = query_catalog(root, "SELECT status, count(*) FROM dq_results WHERE run_id = "
                                  f"'{failed['run_id']}' GROUP BY ALL ORDER BY 1")
    assert dict(rows)["fail"] == 1
    assert query_catalog(root, "SELECT count(*) FROM articles")[1] == [(16,)]


def junk_raw(tmp_path: Path, samples_dir: Path) -> Path:
    """3 good pages and 5 junk ones: 62% of the inputs will be quarantined."""
    raw = tmp_path / "raw"
    write_seeds(raw, samples_dir)
    (raw / "junk").mkdir()
    (raw / "junk" / "empty.html").write_bytes(b"")
    (raw / "junk" / "menu.html").write_bytes(MENU)
    (raw / "junk" / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (raw / "junk" / "report.pdf").write_bytes(b"%PDF-1.4\n")
    (raw / "junk" / "short.txt").write_text("Too short to be an article.\n", encoding="utf-8")
    return raw


def test_circuit_breaker_stops_a_mostly_junk_run_before_any_article_lands(tmp_path, samples_dir):
    raw, root = junk_raw(tmp_path, samples_dir), tmp_path / "warehouse"
    warehouse_at(root).ensure_tables()
    articles_version = warehouse_at(root).table_version("articles")
    settings = Settings(enrich=False, dq_min_inputs=1)
    with pytest.raises(dq.CircuitBreakerTripped, match=r"stopped: 62% of inputs quarantined \(fail above 50%\)"):
        run_pipeline(raw, root, settings)
    assert warehouse_at(root).table_version("articles") == articles_version and table(root, "articles") == []
    [run] = table(root, "runs")
    assert run["status"] == "failed" and run["quarantined"] == 5 and run["inputs_seen"] == 8
    assert {q["source_uri"] for q in table(root, "quarantine")} == {
        "junk/empty.html", "junk/menu.html", "junk/binary.txt", "junk/report.pdf", "junk/short.txt"}
    results = results_of(root, run["run_id"])
    share = results[("run", "quarantined_share")]
    assert share["status"] == "fail" and share["observed"] == pytest.approx(5 / 8)
    assert share["threshold"] == "warn>0.1 fail>0.5" and len(json.loads(share["sample"])) == 5
    # menu.html and short.txt had bytes and gave no article; empty.html had none.
    no_text = results[("run", "no_text_from_input")]
    assert (no_text["failure_count"], no_text["rows_checked"], no_text["status"]) == (2, 7, "warn")
    assert ("articles", "primary_key_unique") not in results  # nothing merged, nothing cross-checked
    # The catalog was refreshed: people can see why.
    assert query_catalog(root, "SELECT status FROM runs")[1] == [("failed",)]
    assert not (root / warehouse.JOURNAL).exists() and not (root / warehouse.STAGING / run["run_id"]).exists()


def test_a_retried_commit_after_the_breaker_lands_nothing_more(tmp_path, samples_dir):
    raw, root = junk_raw(tmp_path, samples_dir), tmp_path / "warehouse"
    settings = Settings(enrich=False, dq_min_inputs=1)
    run = pipeline.start_run(raw, warehouse_at(root))
    for part, batch in enumerate(pipeline.plan_batches(raw, settings)):
        run.fold_batch(pipeline.stage_batch(run, part, batch, extract_batch(batch, settings, run.run_id)))
    with pytest.raises(dq.CircuitBreakerTripped):
        pipeline.commit_run(run, settings)
    versions = {name: warehouse_at(root).table_version(name) for name in TABLES}
    with pytest.raises(dq.CircuitBreakerTripped):
        pipeline.commit_run(run, settings)
    pipeline.fail_run(run)
    assert {name: warehouse_at(root).table_version(name) for name in TABLES} == versions


def test_few_inputs_only_warn_and_land(tmp_path, samples_dir):
    raw, root = junk_raw(tmp_path, samples_dir), tmp_path / "warehouse"
    row = run_pipeline(raw, root)  # 8 inputs, under dq_min_inputs (20)
    assert row["status"] == "success" and row["articles"] == 3
    share = results_of(root, row["run_id"])[("run", "quarantined_share")]
    assert share["status"] == "warn" and "only a warning" in share["message"]


@pytest.mark.slow
def test_article_count_and_word_count_against_history(tmp_path, samples_dir):
    raw, root = tmp_path / "raw", tmp_path / "warehouse"
    write_seeds(raw, samples_dir, SEEDS)
    first = run_pipeline(raw, root)
    first_results = results_of(root, first["run_id"])
    assert first_results[("run", "article_count")]["status"] == "pass"
    assert "only 0 earlier runs" in first_results[("run", "article_count")]["message"]
    for _ in range(2):
        run_pipeline(raw, root)
    one = tmp_path / "one"
    write_seeds(one, samples_dir, SEEDS[:1])
    row = run_pipeline(one, root)
    count = results_of(root, row["run_id"])[("run", "article_count")]
    assert count["status"] == "warn" and count["observed"] == 1
    assert "median of 3" in count["message"]
    # Same inputs again: 1 article against a history of 1, 3, 3, 3.
    again = run_pipeline(one, root, Settings(enrich=False, dq_history_runs=1))
    assert results_of(root, again["run_id"])[("run", "article_count")]["status"] == "pass"


def test_average_word_count_far_from_history_warns(tmp_path, samples_dir):
    root = tmp_path / "warehouse"
    settings = Settings(enrich=False, dq_history_min_runs=2)
    for i in range(2):  # two runs of new, long articles
        raw = tmp_path / f"long{i}"
        raw.mkdir()
        (raw / "a.txt").write_text(f"Long {i}\n\n" + f"Run {i} words about trade policy. " * 200, encoding="utf-8")
        run_pipeline(raw, root, settings)
    short = tmp_path / "short"
    short.mkdir()
    (short / "b.txt").write_text("Short\n\n" + "Few words about trade policy here. " * 12, encoding="utf-8")
    row = run_pipeline(short, root, settings)
    words = results_of(root, row["run_id"])[("run", "avg_word_count")]
    assert words["status"] == "warn" and words["observed"] < 100


def test_freshness_warns_on_old_news_only():
    settings = Settings()
    now = datetime(2026, 1, 10, tzinfo=UTC)
    assert freshness(now - timedelta(hours=5), now, settings).status == dq.PASS
    stale = freshness(now - timedelta(days=10), now, settings)
    assert stale.status == dq.WARN and stale.observed == pytest.approx(240)
    assert freshness(None, now, settings).status == dq.WARN


@pytest.mark.slow
def test_quarantine_row_is_resolved_when_its_input_lands_and_reopened_when_it_breaks_again(tmp_path, samples_dir):
    raw, root = junk_raw(tmp_path, samples_dir), tmp_path / "warehouse"
    first = run_pipeline(raw, root)
    [menu] = [q for q in table(root, "quarantine") if q["source_uri"] == "junk/menu.html"]
    assert menu["resolved_at"] is None and menu["run_id"] == first["run_id"]
    # The fix: the page behind the row is now a real article; replay only that input.
    (raw / "junk" / "menu.html").write_bytes(page(samples_dir / "seeds" / "003_9fa6333cba715c2c.txt"))
    (raw / "junk" / "short.txt").write_bytes((samples_dir / "seeds" / SEEDS[0]).read_bytes())  # a duplicate
    replay = run_pipeline(raw, root, only_sources=["junk/menu.html", "junk/short.txt", "junk/empty.html"])
    assert (replay["inputs_seen"], replay["articles_new"], replay["duplicates"], replay["quarantined"]) == (3, 1, 1, 1)
    rows = {q["source_uri"]: q for q in table(root, "quarantine")}
    assert rows["junk/menu.html"]["resolved_run_id"] == replay["run_id"]
    assert rows["junk/short.txt"]["resolved_run_id"] == replay["run_id"]
    assert rows["junk/empty.html"]["resolved_at"] is None
    assert rows["junk/menu.html"]["quarantined_at"] == menu["quarantined_at"]  # history kept
    open_now = {q["source_uri"] for q in open_quarantine(root).to_pylist()}
    assert open_now == {"junk/empty.html", "junk/binary.txt", "junk/report.pdf"}
    assert len(open_quarantine(root, include_resolved=True)) == 5
    # The same problem coming back reopens its row.
    (raw / "junk" / "menu.html").write_bytes(MENU)
    broken = run_pipeline(raw, root, only_sources=["junk/menu.html"])
    reopened = {q["source_uri"]: q for q in table(root, "quarantine")}["junk/menu.html"]
    assert reopened["resolved_at"] is None and reopened["run_id"] == broken["run_id"]
    # A re-run that changes nothing resolves nothing and rewrites no quarantine row.
    version = warehouse_at(root).table_version("quarantine")
    run_pipeline(raw, root, only_sources=["junk/menu.html", "junk/empty.html"])
    assert warehouse_at(root).table_version("quarantine") == version


@pytest.mark.slow
def test_a_replay_analyses_the_articles_of_its_inputs_again(tmp_path, samples_dir):
    """Problems of the NLP stage are quarantined against a landed article: replaying its
    input must analyse it again (an update), not skip it as unchanged."""
    raw, root = tmp_path / "raw", tmp_path / "wh"
    write_seeds(raw, samples_dir, SEEDS[:2])
    settings = Settings(enrich=True)
    first = run_pipeline(raw, root, settings)
    assert first["articles_new"] == 2 and first["mentions"] > 0
    source = sorted(r["source_uri"] for r in table(root, "articles"))[0]
    replay = run_pipeline(raw, root, settings, only_sources=[source])
    assert (replay["inputs_seen"], replay["articles_updated"], replay["articles_unchanged"]) == (1, 1, 0)
    assert replay["articles_enriched"] == 1 and replay["mentions"] > 0
    # Analysed again, not added twice: the mentions are the same rows as before.
    assert len(table(root, "mentions")) == first["mentions"]


def test_a_run_checks_the_rows_it_wrote_and_maintain_checks_every_row(sample_warehouse, tmp_path):
    """A run's cross-table checks cover its own rows and the rows of the articles it wrote
    (D69); a broken row another run left is not this run's failure, and the whole-table
    checks of ``newsetl maintain`` still find it."""
    from newsetl.land.upkeep import check_whole_tables

    root = copy_of(sample_warehouse, tmp_path)
    [mention], [claim] = enrichment_rows(root)
    old_run = {**mention, "mention_id": "00000000000000aa", "start_char": mention["start_char"] + 1,
               "end_char": mention["end_char"] + 1, "run_id": "old"}
    land(root, "mentions", [old_run])
    land(root, "claims", [{**claim, "claim_id": "00000000000000bb", "article_id": "ffffffffffffffff", "run_id": "r1"}])
    land(root, "articles", [{**table(root, "articles")[1], "run_id": "r1"}])  # the same key twice

    def failed(run_id):
        with warehouse_at(root).connect() as con:
            return {(r.table, r.check_name) for r in dq.cross_table_checks(con, run_id) if r.status == dq.FAIL}

    assert failed("r1") == {("claims", "fk_article_id_articles"), ("articles", "primary_key_unique")}
    assert failed("r2") == set()
    assert failed("old") == {("mentions", "span_slices_text")}
    # A run that rewrites an article's text is answerable for the spans of all its rows.
    article = next(a for a in table(root, "articles") if a["article_id"] == mention["article_id"])
    rewritten = {**article, "text": "x" + article["text"], "run_id": "r2"}
    warehouse_at(root).merge("articles", warehouse.to_arrow("articles", pd.DataFrame([rewritten])), "r2",
                             update_if=True)
    spans = {("mentions", "span_slices_text"), ("claims", "span_slices_text")}  # both of that article
    assert failed("r2") == spans
    everything = {(r.table, r.check_name) for r in check_whole_tables(warehouse_at(root)) if r.status == dq.FAIL}
    assert everything == failed("r1") | spans
    # ``newsetl maintain`` does its upkeep, then says which checks failed and exits 1.
    out = subprocess.run([sys.executable, "-m", "newsetl.cli", "maintain", "--warehouse", str(root)],
                         capture_output=True, text=True, timeout=300, cwd=REPO)
    assert out.returncode == 1, out.stderr
    assert "check failed over the whole table: claims fk_article_id_articles" in out.stderr
    assert "files before" in out.stdout
