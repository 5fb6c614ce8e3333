"""`newsetl run` stopped by the circuit breaker, then `newsetl quarantine list` and
`newsetl quarantine replay` after a fix, through the CLI and the Prefect flow."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from deltalake import DeltaTable
from support.malformed_corpus import remove_tree, write_deep

from newsetl.cli import main
from newsetl.sources.disk import open_path
from support.pipeline import page

SEEDS = ["000_8f60cbc1a07930e3.txt", "001_cc9ea31035356c05.txt", "002_c211a52ca44ff17f.txt"]
JUNK = {
    "junk/empty.html": b"",
    "junk/menu.html": b"<html><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav></body></html>",
    "junk/binary.txt": bytes(range(256)) * 40,
    "junk/report.pdf": b"%PDF-1.4\n",
    "junk/short.txt": b"Too short to be an article.\n",
}


def listed(capsys, *args: str) -> list[dict]:
    capsys.readouterr()
    assert main(["quarantine", "list", "--format", "json", *args]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def quick_runs(monkeypatch):
    # A stopped commit is retried by Prefect and stopped again at once: no need to wait.
    monkeypatch.setenv("NEWSETL_TASK_RETRY_DELAY_SECONDS", "0")
    monkeypatch.setenv("NEWSETL_ENRICH", "false")


def test_breaker_then_list_then_replay(tmp_path, prefect_server, samples_dir, capsys, monkeypatch, quick_runs):
    raw, warehouse = tmp_path / "raw", tmp_path / "warehouse"
    raw.mkdir()
    for name in SEEDS:
        shutil.copy(samples_dir / "seeds" / name, raw / name)
    for rel, data in JUNK.items():
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (raw / rel).write_bytes(data)

    # 5 of 8 inputs are junk: the breaker stops the run and nothing lands in articles.
    monkeypatch.setenv("NEWSETL_DQ_MIN_INPUTS", "1")
    assert main(["run", "--raw", str(raw), "--warehouse", str(warehouse)]) == 1
    err = capsys.readouterr().err
    assert "stopped: 62% of inputs quarantined (fail above 50%)" in err and "dq_results" in err
    assert DeltaTable(str(warehouse / "articles")).to_pyarrow_table().num_rows == 0
    [run] = DeltaTable(str(warehouse / "runs")).to_pyarrow_table().to_pylist()
    assert run["status"] == "failed"

    rows = listed(capsys, "--warehouse", str(warehouse))
    assert sorted(r["source_uri"] for r in rows) == sorted(JUNK)
    assert set(rows[0]) == {"source_uri", "table", "check", "reason", "run_id", "quarantined_at"}
    assert {r["run_id"] for r in rows} == {run["run_id"]}
    [empty] = listed(capsys, "--warehouse", str(warehouse), "--check", "empty_file")
    assert empty["source_uri"] == "junk/empty.html" and empty["reason"] == "the file is empty"
    assert listed(capsys, "--warehouse", str(warehouse), "--run", "no-such-run") == []
    assert main(["quarantine", "list", "--warehouse", str(warehouse)]) == 0
    table = capsys.readouterr().out
    assert "junk/menu.html" in table and "source_uri" in table

    # The fix: two pages behind open rows are now real (one new, one a copy of a seed).
    (raw / "junk" / "menu.html").write_bytes(page(samples_dir / "seeds" / "003_9fa6333cba715c2c.txt"))
    shutil.copy(samples_dir / "seeds" / SEEDS[0], raw / "junk" / "short.txt")
    monkeypatch.delenv("NEWSETL_DQ_MIN_INPUTS")  # a replay of 5 inputs only warns
    assert main(["quarantine", "replay", "--raw", str(raw), "--warehouse", str(warehouse)]) == 0
    out = capsys.readouterr().out
    assert "replayed 5 inputs (2 articles, 0 duplicates, 3 quarantined)" in out
    assert "2 quarantine rows resolved, 3 still open" in out
    # The breaker's run never landed the seeds, so the copy is an article of its own here.
    articles = DeltaTable(str(warehouse / "articles")).to_pyarrow_table().column("source_uri").to_pylist()
    assert sorted(articles) == ["junk/menu.html", "junk/short.txt"]

    still_open = listed(capsys, "--warehouse", str(warehouse))
    assert sorted(r["source_uri"] for r in still_open) == ["junk/binary.txt", "junk/empty.html", "junk/report.pdf"]
    history = {r["source_uri"]: r for r in listed(capsys, "--warehouse", str(warehouse), "--all")}
    assert len(history) == 5 and history["junk/menu.html"]["resolved_at"]
    replay_run = history["junk/menu.html"]["resolved_run_id"]
    assert replay_run != run["run_id"] and history["junk/empty.html"]["resolved_run_id"] is None
    assert main(["quarantine", "list", "--warehouse", str(warehouse), "--all", "--format", "csv"]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert header == ("source_uri,table,check,reason,run_id,quarantined_at,resolved_at,resolved_run_id,"
                      "dismissed_at,dismissed_reason")


def test_replay_finds_inputs_whose_source_uri_is_not_their_path(tmp_path, prefect_server, samples_dir, capsys,
                                                                quick_runs):
    # A Latin-1 name (its source_uri escapes the byte) and a file 1,000 directories deep
    # (its path is past PATH_MAX): both quarantined, both fixed, both replayed.
    raw, warehouse = tmp_path / "raw", tmp_path / "warehouse"
    raw.mkdir()
    shutil.copy(samples_dir / "seeds" / SEEDS[0], raw / SEEDS[0])
    latin1 = raw / os.fsdecode(b"caf\xe9.txt")
    latin1.write_bytes(b"Too short to be an article.\n")
    dirs = [f"level-{i:04d}" for i in range(1000)]
    write_deep(raw / "deep", dirs, {"short.txt": b"Too short as well.\n"})
    deep = "/".join(["deep", *dirs, "short.txt"])
    try:
        assert main(["run", "--raw", str(raw), "--warehouse", str(warehouse)]) == 0
        assert sorted(r["source_uri"] for r in listed(capsys, "--warehouse", str(warehouse))) == [
            "caf%E9.txt", deep]
        shutil.copy(samples_dir / "seeds" / SEEDS[1], latin1)
        with os.fdopen(open_path(raw / deep, os.O_WRONLY | os.O_TRUNC), "wb") as f:
            f.write((samples_dir / "seeds" / SEEDS[2]).read_bytes())
        capsys.readouterr()
        assert main(["quarantine", "replay", "--raw", str(raw), "--warehouse", str(warehouse)]) == 0
        out = capsys.readouterr().out
        assert "replayed 2 inputs (2 articles, 0 duplicates, 0 quarantined)" in out
        assert "2 quarantine rows resolved, 0 still open" in out
    finally:
        remove_tree(raw / "deep")


def test_quarantine_commands_without_a_warehouse(tmp_path, capsys):
    assert main(["quarantine", "list", "--warehouse", str(tmp_path / "none")]) == 2
    assert "newsetl run" in capsys.readouterr().err
    assert main(["quarantine", "replay", "--warehouse", str(tmp_path / "none"), "--raw", str(tmp_path)]) == 2
