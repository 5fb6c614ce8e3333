"""Failures you can see: failed fetches (feeds included) counted in the run and checked,
feeds that stop giving articles flagged, a failed run's reason in the runs table, the
report and `newsetl runs`, arguments checked before Prefect starts, duplicates naming the
article they duplicate, and quarantine replay/dismiss finding each run's raw directory.

Real servers on 127.0.0.1, real Delta tables and DuckDB, real Prefect runs, and the
command line as a real subprocess where its start-up is what is tested."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from deltalake import DeltaTable, write_deltalake
from support.fetch_servers import Site, closed_port
from support.pipeline import MENU, SEEDS, page, results_of, run_pipeline, write_seeds

from newsetl import quality as dq, report, run as pipeline
from newsetl.cli import main
from newsetl.settings import Settings
from schemas import TABLES, arrow_schema
from schemas.runs import ERROR_MESSAGE_MAX
from support.feeds import FETCH, backdate_fetches as _backdate_fetches, land
from support.warehouse import query_catalog, warehouse_at

def rows(root: Path, table: str) -> list[dict]:
    return DeltaTable(str(root / table)).to_pyarrow_table().to_pylist()


@pytest.fixture
def web_env(monkeypatch):
    for key, value in {"FETCH_ALLOW_PRIVATE_HOSTS": "true", "FETCH_PER_HOST_DELAY": "0", "FETCH_BACKOFF_BASE": "0.01",
                       "FETCH_TIMEOUT_READ": "2", "FETCH_TIMEOUT_CONNECT": "2", "FETCH_RETRIES": "1",
                       "ENRICH": "false", "TASK_RETRY_DELAY_SECONDS": "0"}.items():
        monkeypatch.setenv(f"NEWSETL_{key}", value)


# --- failed fetches ----------------------------------------------------------------------


def test_a_run_whose_feeds_all_fail_counts_them_and_is_stopped(tmp_path, prefect_server, web_env, samples_dir,
                                                                capsys):
    from flows.ingest import ingest

    raw, wh = tmp_path / "raw", tmp_path / "warehouse"
    write_seeds(raw, samples_dir)  # pages on disk too: a dead web must not pass for a quiet day
    with Site() as site, Site(robots="User-agent: *\nDisallow: /\n") as blocked:
        refused = f"http://127.0.0.1:{closed_port()}/feed.xml"
        feeds = [refused, site.url("/forbidden.xml"), blocked.url("/feed.xml")]
        with pytest.raises(dq.CircuitBreakerTripped, match="100% of fetched URLs failed"):
            ingest(raw_dir=str(raw), warehouse_dir=str(wh), feeds=feeds)

    [run] = rows(wh, "runs")
    assert run["status"] == "failed"
    assert (run["urls_seen"], run["urls_failed"], run["urls_robots_excluded"], run["urls_fetched"]) == (3, 2, 1, 0)
    assert run["error_class"] == "CircuitBreakerTripped"
    assert "100% of fetched URLs failed or were refused by robots.txt (fail above 80%): 3 of 3" in run["error_message"]
    fetched = {r["url"]: r for r in rows(wh, "fetches")}
    assert {u: (r["source"], r["outcome"], r["error_class"], r["via_feed"]) for u, r in fetched.items()} == {
        refused: ("feed", "failed", "connection_error", refused),
        site.url("/forbidden.xml"): ("feed", "failed", "http_4xx", site.url("/forbidden.xml")),
        blocked.url("/feed.xml"): ("feed", "robots_excluded", "robots_disallowed", blocked.url("/feed.xml")),
    }
    check = results_of(wh, run["run_id"])[("run", "fetch_failed_share")]
    assert (check["status"], check["failure_count"], check["rows_checked"]) == ("fail", 3, 3)
    assert sorted(json.loads(check["sample"])) == sorted(
        [f"{refused} (connection_error)", f"{site.url('/forbidden.xml')} (http_4xx)",
         f"{blocked.url('/feed.xml')} (robots_disallowed)"])
    assert rows(wh, "articles") == []  # the circuit breaker kept the disk pages out too

    # The reason is on the run's report and in `newsetl runs`.
    html = report.report_path(warehouse_at(wh).local, run["run_id"]).read_text(encoding="utf-8")
    assert '<p id="failure" class="failure"><b>Failed:</b> CircuitBreakerTripped: run ' in html
    capsys.readouterr()
    assert main(["runs", "--warehouse", str(wh), "--format", "json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["run_id"] == run["run_id"] and listed["status"] == "failed" and listed["urls_failed"] == 2
    assert listed["error_class"] == "CircuitBreakerTripped" and listed["error_message"] == run["error_message"]
    assert listed["duration_s"] >= 0


def test_a_run_without_web_sources_gets_no_fetch_checks(tmp_path, samples_dir):
    raw, wh = tmp_path / "raw", tmp_path / "warehouse"
    write_seeds(raw, samples_dir)
    row = run_pipeline(raw, wh)
    assert row["status"] == "success" and row["urls_seen"] == 0
    assert row["raw_dir"] == str(raw.resolve()) and row["error_class"] is None and row["error_message"] is None
    checks = {name for _, name in results_of(wh, row["run_id"])}
    assert "fetch_failed_share" not in checks and "source_stale" not in checks and "quarantined_share" in checks


def test_a_feed_that_gives_no_new_article_for_days_warns(tmp_path):
    raw, wh = tmp_path / "raw", tmp_path / "warehouse"
    settings = Settings(enrich=False, **FETCH)
    with Site() as quiet, Site() as busy:
        followed = (quiet.url("/news.xml"), busy.url("/news.xml"), quiet.url("/dead-links.xml"))
        first = land(raw, wh, settings, followed)
        assert first["status"] == "success" and first["articles_new"] == 4
        assert first["urls_seen"] == 5 and first["urls_failed"] == 1  # the dead feed's link: a 404
        fresh = results_of(wh, first["run_id"])[("run", "source_stale")]
        assert (fresh["status"], fresh["rows_checked"]) == ("pass", 3)

        _backdate_fetches(wh, days=5)
        busy.version = 2  # two new stories on one site; none on the other
        second = land(raw, wh, settings, (*followed, busy.url("/dead-links.xml")))

    assert second["status"] == "success" and second["articles_new"] == 2 and second["articles_unchanged"] == 4
    stale = results_of(wh, second["run_id"])[("run", "source_stale")]
    assert (stale["status"], stale["failure_count"], stale["rows_checked"]) == ("warn", 2, 4)
    assert sorted(json.loads(stale["sample"])) == [
        f"{quiet.url('/dead-links.xml')}: none in the 5 days since first followed",
        f"{quiet.url('/news.xml')}: last new article 5 days ago",
    ]
    assert stale["message"].startswith("2 of 4 feeds gave no new article for 3 days: ")
    # A new feed that has given nothing yet is not stale; its 404 counts as a failed fetch.
    failed = results_of(wh, second["run_id"])[("run", "fetch_failed_share")]
    assert (failed["status"], failed["failure_count"], failed["rows_checked"]) == ("warn", 2, 6)
    pages = {r["url"]: r["via_feed"] for r in rows(wh, "fetches") if r["source"] == "page"}
    assert pages[busy.url("/news/v2-0.html")] == busy.url("/news.xml")
    assert pages[quiet.url("/gone/story.html")] == quiet.url("/dead-links.xml")


# --- why a run failed -------------------------------------------------------------------


def test_a_failed_run_records_why(tmp_path, prefect_server, web_env, capsys):
    from flows.ingest import ingest

    wh = tmp_path / "warehouse"
    missing = tmp_path / "raw-that-is-not-there"
    with pytest.raises(FileNotFoundError):
        ingest(raw_dir=str(missing), warehouse_dir=str(wh))
    [run] = rows(wh, "runs")
    assert (run["status"], run["error_class"]) == ("failed", "FileNotFoundError")
    assert run["error_message"] == f"raw directory not found: {missing}"
    assert f"FileNotFoundError: raw directory not found: {missing}" in report.report_path(warehouse_at(wh).local).read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["runs", "--warehouse", str(wh)]) == 0
    table = capsys.readouterr().out
    assert run["run_id"] in table and "FileNotFoundError" in table


def test_error_messages_are_one_bounded_line():
    error_class, message = pipeline.describe_error(ValueError("first line\nsecond\tline  " + "x" * 1000))
    assert error_class == "ValueError" and "\n" not in message and len(message) == ERROR_MESSAGE_MAX
    assert message.startswith("first line second line xxx") and message.endswith("…")
    assert pipeline.describe_error(KeyboardInterrupt()) == ("KeyboardInterrupt", "Program interrupted by user.")


def test_an_old_warehouse_gains_the_new_columns(tmp_path, samples_dir, capsys):
    """Tables written before the runs, fetches and quarantine contracts gained columns still
    take a run, and `newsetl runs` lists old and new runs."""
    raw, wh = tmp_path / "raw", tmp_path / "warehouse"
    write_seeds(raw, samples_dir)
    added = {"runs": ("raw_dir", "error_class", "error_message"), "fetches": ("via_feed",),
             "quarantine": ("dismissed_at", "dismissed_reason")}
    old = {name: pa.schema([f for f in arrow_schema(TABLES[name].model) if f.name not in cols])
           for name, cols in added.items()}
    for name, schema in old.items():
        DeltaTable.create(str(wh / name), schema, name=name)
    when = datetime(2020, 1, 1, tzinfo=UTC)
    old_run = {f.name: 0 for f in old["runs"]} | {
        "run_id": "20200101T000000Z-old000", "started_at": when, "finished_at": when + timedelta(seconds=7),
        "status": "failed", "source": "raw", "newsetl_version": "0.0.1"}
    write_deltalake(str(wh / "runs"), pa.Table.from_pylist([old_run], schema=old["runs"]), mode="append")
    (raw / "menu.html").write_bytes(MENU)  # a quarantine row in the old-shaped table

    row = run_pipeline(raw, wh)
    assert row["status"] == "success"
    for name in ("runs", "quarantine"):  # the tables this run merged into (it fetched nothing)
        assert set(added[name]) <= {f.name for f in DeltaTable(str(wh / name)).schema().fields}
    # Views follow the contracts: a column the files lack reads as null.
    assert query_catalog(wh, "SELECT count(via_feed) FROM fetches")[1] == [(0,)]
    capsys.readouterr()
    assert main(["runs", "--warehouse", str(wh), "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["run_id"] for r in listed] == [row["run_id"], old_run["run_id"]]
    assert listed[1]["error_class"] is None and listed[1]["duration_s"] == 7.0
    assert main(["runs", "--warehouse", str(wh), "--limit", "1", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("run_id,status,started_at,duration_s,") and len(lines) == 2
    assert query_catalog(wh, "SELECT count(*) FROM runs WHERE raw_dir IS NOT NULL")[1] == [(1,)]


# --- arguments checked before Prefect starts ---------------------------------------------


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newsetl.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


BAD_RUNS = {
    "raw missing": (["--raw", "nope"], "--raw nope: no such directory"),
    "raw is a file": (["--raw", "file.txt"], "--raw file.txt: not a directory"),
    "warehouse is a file": (["--warehouse", "file.txt"], "--warehouse file.txt: exists and is not a directory"),
    "warehouse under a file": (["--warehouse", "file.txt/wh"],
                               "--warehouse file.txt/wh: cannot be created, {cwd}/file.txt is not a directory"),
    "urls missing": (["--urls", "today.txt"], "--urls today.txt: no such file"),
    "warc is a directory": (["--warc", "raw"], "--warc raw: a directory, not a file"),
    "sources not YAML": (["--sources", "broken.yaml"],
                         "--sources broken.yaml: not valid YAML at line 2, column 1: expected ',' or ']', but got "
                         "'<stream end>'"),
    "sources names a missing list": (["--sources", "lists.yaml"],
                                     "--sources lists.yaml: url_lists entry gone.txt: no such file"),
    "batch size 0": (["--batch-size", "0"], "--batch-size: Input should be greater than or equal to 1 (got 0)"),
    "batch size not a number": (["--batch-size", "many"],
                                "argument --batch-size: invalid int value: 'many' (see newsetl run --help)"),
}


@pytest.mark.parametrize("case", list(BAD_RUNS))
def test_newsetl_run_refuses_bad_arguments_in_one_line(tmp_path, case):
    (tmp_path / "raw").mkdir()
    (tmp_path / "file.txt").write_text("not a directory")
    (tmp_path / "broken.yaml").write_text("feeds: [https://example.org/feed\n")
    (tmp_path / "lists.yaml").write_text("url_lists: [gone.txt]\n")
    args, expected = BAD_RUNS[case]
    defaults = [] if "--raw" in args else ["--raw", "raw"]
    defaults += [] if "--warehouse" in args else ["--warehouse", "wh"]
    done = _cli("run", *defaults, *args, cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.splitlines() == ["newsetl run: " + expected.format(cwd=tmp_path)]
    assert not (tmp_path / "wh").exists()  # refused before anything was created


# --- duplicates --------------------------------------------------------------------------


def test_a_duplicate_names_the_article_it_duplicates(tmp_path, samples_dir):
    raw, wh = tmp_path / "raw", tmp_path / "warehouse"
    settings = Settings(enrich=False)
    write_seeds(raw, samples_dir, SEEDS[:2])
    shutil.copy(raw / SEEDS[0], raw / "copy.txt")  # the same text, after its original in input order
    first = land(raw, wh, settings)
    assert first["duplicates"] == 1
    ids = {a["source_uri"]: a["article_id"] for a in rows(wh, "articles")}
    inputs = {r["source_uri"]: r for r in rows(wh, "inputs")}
    assert (inputs["copy.txt"]["outcome"], inputs["copy.txt"]["article_id"]) == ("duplicate", ids[SEEDS[0]])
    assert inputs["copy.txt"]["content_sha256"] is None

    # The original's file is gone; a new copy of it duplicates the article already landed.
    shutil.copy(raw / SEEDS[1], raw / "later-copy.txt")
    (raw / SEEDS[1]).unlink()
    second = land(raw, wh, settings)
    assert second["duplicates"] == 2 and second["inputs_skipped_unchanged"] == 2
    assert {r["source_uri"]: r["article_id"] for r in rows(wh, "inputs")}["later-copy.txt"] == ids[SEEDS[1]]

    # A duplicate recorded without its article (before inputs named it) is read once more.
    table = DeltaTable(str(wh / "inputs")).to_pyarrow_table()
    i = table.schema.get_field_index("article_id")
    unnamed = pc.if_else(pc.equal(table.column("source_uri"), "copy.txt"), pa.scalar(None, pa.string()),
                         table.column(i))
    write_deltalake(str(wh / "inputs"), table.set_column(i, table.schema.field(i), unnamed), mode="overwrite")
    third = land(raw, wh, settings)
    assert third["duplicates"] == 2 and third["inputs_skipped_unchanged"] == 2  # copy.txt read again
    assert {r["source_uri"]: r["article_id"] for r in rows(wh, "inputs")}["copy.txt"] == ids[SEEDS[0]]


# --- replay and dismiss ------------------------------------------------------------------


def _listed(capsys, *args: str) -> list[dict]:
    capsys.readouterr()
    assert main(["quarantine", "list", "--format", "json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_replay_finds_each_runs_raw_directory_and_dismiss_closes_rows(tmp_path, prefect_server, web_env,
                                                                      samples_dir, capsys, monkeypatch):
    a, b, wh = tmp_path / "a" / "raw", tmp_path / "b" / "raw", tmp_path / "warehouse"
    write_seeds(a, samples_dir, SEEDS[:1])
    write_seeds(b, samples_dir, SEEDS[1:2])
    (a / "junk").mkdir()
    (b / "junk").mkdir()
    (a / "junk" / "menu.html").write_bytes(MENU)
    (a / "junk" / "empty.html").write_bytes(b"")
    (a / "junk" / "report.pdf").write_bytes(b"%PDF-1.4\n")
    (b / "junk" / "nav.html").write_bytes(MENU)
    monkeypatch.chdir(tmp_path)  # the runs are given relative raw directories
    assert main(["run", "--raw", "a/raw", "--warehouse", "warehouse"]) == 0
    assert main(["run", "--raw", "b/raw", "--warehouse", "warehouse"]) == 0

    # The fixes: both menus become real pages; the empty file is deleted upstream.
    (a / "junk" / "menu.html").write_bytes(page(samples_dir / "seeds" / "003_9fa6333cba715c2c.txt"))
    (b / "junk" / "nav.html").write_bytes(page(samples_dir / "seeds" / "004_6d7372103e3a1b89.txt"))
    (a / "junk" / "empty.html").unlink()
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")  # and no --raw: each run's own directory is used
    capsys.readouterr()
    assert main(["quarantine", "replay", "--warehouse", str(wh)]) == 0
    out, err = capsys.readouterr()
    assert f"replayed 2 inputs (1 articles, 0 duplicates, 1 quarantined) from {a}; " \
           "1 quarantine rows resolved, 1 still open" in out
    assert f"replayed 1 inputs (1 articles, 0 duplicates, 0 quarantined) from {b}; " \
           "1 quarantine rows resolved, 0 still open" in out
    assert f"1 inputs are no longer in their raw directory (first: junk/empty.html in {a})" in err
    recorded = {r["source"]: r["raw_dir"] for r in rows(wh, "runs")}
    assert recorded == {"a/raw": str(a), "b/raw": str(b), str(a): str(a), str(b): str(b)}
    assert sorted(r["source_uri"] for r in _listed(capsys, "--warehouse", str(wh))) == [
        "junk/empty.html", "junk/report.pdf"]

    assert main(["quarantine", "dismiss", "--missing", "--reason", "deleted\nupstream", "--warehouse", str(wh)]) == 0
    assert capsys.readouterr().out.strip() == "dismissed 1 quarantine rows (1 inputs): deleted upstream"
    assert [r["source_uri"] for r in _listed(capsys, "--warehouse", str(wh))] == ["junk/report.pdf"]
    closed = {r["source_uri"]: r for r in _listed(capsys, "--warehouse", str(wh), "--all")}
    assert closed["junk/empty.html"]["dismissed_reason"] == "deleted upstream"
    assert closed["junk/empty.html"]["dismissed_at"] and closed["junk/empty.html"]["resolved_at"] is None

    # A dismissal writes to the warehouse: it waits for no run and refuses while one runs.
    with warehouse_at(wh).exclusive():
        assert main(["quarantine", "dismiss", "--source", "junk/report.pdf", "--reason", "not news",
                     "--warehouse", str(wh)]) == 3
    assert "another newsetl run is writing" in capsys.readouterr().err
    assert main(["quarantine", "dismiss", "--source", "junk/report.pdf", "--source", "junk/nope.html",
                 "--reason", "PDFs are not news", "--warehouse", str(wh)]) == 0
    out, err = capsys.readouterr()
    assert "dismissed 1 quarantine rows (1 inputs)" in out and "no open quarantine row names junk/nope.html" in err
    assert main(["quarantine", "dismiss", "--source", "junk/nope.html", "--reason", "x", "--warehouse", str(wh)]) == 1
    assert _listed(capsys, "--warehouse", str(wh)) == []
    # The catalog was swapped in after each dismissal, and nothing is left to replay.
    assert query_catalog(wh, "SELECT count(*) FROM quarantine WHERE dismissed_at IS NOT NULL")[1] == [(2,)]
    capsys.readouterr()
    assert main(["quarantine", "replay", "--warehouse", str(wh)]) == 0
    assert capsys.readouterr().out.startswith("nothing to replay")


def test_a_file_name_with_terminal_escapes_is_logged_escaped(tmp_path, samples_dir, caplog):
    # A name is valid UTF-8 with an ESC sequence and a line break: the input keeps it as its
    # source_uri, but the run's log line shows it escaped (no recolouring, no forged line).
    raw, wh = tmp_path / "raw", tmp_path / "warehouse"
    write_seeds(raw, samples_dir, SEEDS[:1])
    odd = "\x1b[31mred\nINFO forged.txt"
    shutil.copy(raw / SEEDS[0], raw / odd)
    with caplog.at_level("INFO", logger="newsetl"):
        counts = land(raw, wh, Settings(enrich=False))
    assert counts["duplicates"] == 1
    assert odd in {r["source_uri"] for r in rows(wh, "inputs")}
    lines = [r.getMessage() for r in caplog.records if "duplicate skipped" in r.getMessage()]
    # Which of the two is the duplicate depends on input order; the name is in the line either way.
    assert len(lines) == 1 and "\\x1b[31mred\\nINFO forged.txt" in lines[0]
    assert "\x1b" not in lines[0] and "\n" not in lines[0]
