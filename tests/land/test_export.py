"""`newsetl export`: tables and views of a real warehouse (the samples, with the NLP pass)
as Parquet and CSV files, filtered by day and domain, read-only, and refused clearly."""

from __future__ import annotations

import hashlib
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from newsetl.cli import main
from newsetl.settings import Settings
from support.pipeline import run_pipeline
from support.warehouse import query_catalog


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, samples_dir):
    raw = tmp_path_factory.mktemp("raw")
    shutil.copytree(samples_dir, raw / "samples")
    root = tmp_path_factory.mktemp("warehouse")
    run_pipeline(raw, root, Settings(raw_dir=raw, warehouse_dir=root))
    return root


def _state(root: Path) -> dict[str, str]:
    """Every file of the warehouse and its content hash."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _export(root: Path, *args: str) -> int:
    return main(["export", "--warehouse", str(root), *args])


def _count(root: Path, sql: str) -> int:
    return query_catalog(root, sql)[1][0][0]


def test_a_table_as_parquet_is_the_catalog_table(warehouse, tmp_path, capsys):
    before = _state(warehouse)
    assert _export(warehouse, "--table", "articles", "--out", str(tmp_path / "out")) == 0
    path = tmp_path / "out" / "articles.parquet"
    n = _count(warehouse, "SELECT count(*) FROM articles")
    assert capsys.readouterr().out.strip() == f"{path}  ({n} rows)"
    table = pq.read_table(path)
    assert table.num_rows == n > 10
    assert sorted(table.column("article_id").to_pylist()) == [
        r[0] for r in query_catalog(warehouse, "SELECT article_id FROM articles ORDER BY 1")[1]]
    assert pa.types.is_timestamp(table.schema.field("published_at").type)
    assert table.schema.field("published_at").type.tz is not None
    assert _state(warehouse) == before  # nothing in the warehouse was written
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["articles.parquet"]  # no temporary file left


def test_csv_keeps_every_row_and_writes_nested_values_as_json(warehouse, tmp_path):
    import json

    assert _export(warehouse, "--table", "entities", "--format", "csv", "--out", str(tmp_path)) == 0
    table = pacsv.read_csv(tmp_path / "entities.csv")
    assert table.num_rows == _count(warehouse, "SELECT count(*) FROM entities") > 0
    aliases = table.column("aliases").to_pylist()
    assert all(isinstance(json.loads(a), list) for a in aliases if a is not None)


def test_a_view_exports_like_a_table(warehouse, tmp_path):
    assert _export(warehouse, "--table", "claims_by_speaker", "--out", str(tmp_path)) == 0
    assert pq.read_table(tmp_path / "claims_by_speaker.parquet").num_rows == _count(
        warehouse, "SELECT count(*) FROM claims_by_speaker") > 0


def test_since_and_source_filter_rows_and_their_mentions(warehouse, tmp_path):
    [(domain, day)] = query_catalog(warehouse, """
        SELECT domain, CAST(min(published_at) AS DATE) FROM articles WHERE domain IS NOT NULL
        AND published_at IS NOT NULL GROUP BY domain ORDER BY count(*) DESC, domain LIMIT 1""")[1]
    since = day.isoformat()
    assert _export(warehouse, "--table", "articles", "--out", str(tmp_path), "--source", domain) == 0
    got = pq.read_table(tmp_path / "articles.parquet")
    assert set(got.column("domain").to_pylist()) == {domain}
    assert got.num_rows == _count(warehouse, f"SELECT count(*) FROM articles WHERE domain = '{domain}'")

    assert _export(warehouse, "--table", "articles", "--out", str(tmp_path), "--since", since) == 0
    got = pq.read_table(tmp_path / "articles.parquet")
    start = datetime.fromisoformat(since).replace(tzinfo=UTC)
    assert all(t >= start for t in got.column("published_at").to_pylist())
    assert got.num_rows == _count(warehouse, f"SELECT count(*) FROM articles WHERE published_at >= '{since}'::TIMESTAMPTZ")
    assert 0 < got.num_rows < _count(warehouse, "SELECT count(*) FROM articles")  # the filter removed some

    # Mentions have no date nor domain: they follow their article.
    assert _export(warehouse, "--table", "mentions", "--format", "csv", "--out", str(tmp_path),
                   "--since", since, "--source", domain) == 0
    mentions = pacsv.read_csv(tmp_path / "mentions.csv")
    expected = _count(warehouse, f"""SELECT count(*) FROM mentions JOIN articles USING (article_id)
                                     WHERE published_at >= '{since}'::TIMESTAMPTZ AND domain = '{domain}'""")
    assert mentions.num_rows == expected > 0


@pytest.mark.parametrize("args, message", [
    (["--table", "articles; DROP TABLE runs"], "--table articles; DROP TABLE runs: no such table or view; one of: "),
    (["--table", "read_text('/etc/passwd')"], "no such table or view"),
    (["--table", "_newsetl.catalog_objects"], "no such table or view"),
    (["--table", "claims_by_speaker", "--since", "2020-01-01"], "--since: claims_by_speaker has no date"),
    (["--table", "runs", "--source", "example.com"], "--source: runs has no article domain"),
])
def test_refused_with_one_line_and_nothing_written(warehouse, tmp_path, capsys, args, message):
    before = _state(warehouse)
    assert _export(warehouse, *args, "--out", str(tmp_path / "out")) == 2
    err = capsys.readouterr().err
    assert err.startswith("newsetl export: ") and message in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
    assert _state(warehouse) == before


def test_out_inside_the_warehouse_is_refused(warehouse, tmp_path, capsys):
    before = _state(warehouse)
    for out in (warehouse, warehouse / "exports", warehouse / "articles"):
        assert _export(warehouse, "--table", "articles", "--out", str(out)) == 2
        assert "inside the warehouse" in capsys.readouterr().err
    link = tmp_path / "link"
    link.symlink_to(warehouse)  # the same directory under another name
    assert _export(warehouse, "--table", "articles", "--out", str(link / "x")) == 2
    assert "inside the warehouse" in capsys.readouterr().err
    assert _state(warehouse) == before


def test_bad_arguments_and_missing_warehouse(warehouse, tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    assert _export(warehouse, "--table", "articles", "--out", str(tmp_path / "file")) == 2
    assert "exists and is not a directory" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        _export(warehouse, "--table", "articles", "--out", str(tmp_path), "--since", "yesterday")
    assert stop.value.code == 2 and "not a date like 2026-01-31: yesterday" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        _export(warehouse, "--table", "articles", "--out", str(tmp_path), "--format", "xlsx")
    assert stop.value.code == 2
    assert main(["export", "--warehouse", str(tmp_path / "none"), "--table", "articles", "--out", str(tmp_path)]) == 2
    assert "no catalog at" in capsys.readouterr().err
