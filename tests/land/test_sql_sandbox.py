"""`newsetl sql` is read-only for real: every known way to write through it, tried on a
real warehouse, leaves every file of the warehouse byte-identical and the next run works;
each of the two layers holds on its own; runaway queries end by themselves."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from newsetl.land import catalog
from newsetl.settings import Settings
from support.pipeline import run_pipeline
from support.warehouse import query_catalog, warehouse_at

SEEDS = ["000_8f60cbc1a07930e3.txt", "001_cc9ea31035356c05.txt"]
CROSS_JOIN = "SELECT count(*) FROM range(100000) a, range(100000) b, range(100000) c"
# A hash join whose build side (20M rows) is far past 64MB: DuckDB would spill it to
# <catalog>.tmp, a directory beside the catalog, if it were allowed to.
BIG = ("SELECT count(*) FROM range(20000000) AS a "
       "JOIN (SELECT range AS k, random() AS r FROM range(20000000)) AS b ON a.range = b.k")


def tree(root: Path) -> dict[str, str]:
    """Every file, directory and link under ``root``: path -> content hash (or kind)."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            out[rel] = "link:" + os.readlink(path)
        elif path.is_dir():
            out[rel] = "dir"
        else:
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


@pytest.fixture(scope="module")
def landed(tmp_path_factory, samples_dir):
    tmp = tmp_path_factory.mktemp("sandbox")
    raw, root = tmp / "raw", tmp / "warehouse"
    raw.mkdir()
    for name in SEEDS:
        shutil.copy(samples_dir / "seeds" / name, raw / name)
    assert run_pipeline(raw, root, lock=True)["status"] == "success"
    # What import_database would run: a planted schema.sql beside the reports.
    (root / "reports").mkdir(exist_ok=True)
    (root / "reports" / "schema.sql").write_text(
        f"CREATE TABLE pwned AS SELECT 1 AS x;\nCOPY pwned TO '{root}/pwned.csv';\n", encoding="utf-8")
    (root / "reports" / "load.sql").write_text("", encoding="utf-8")
    return raw, root


def attacks(root: Path) -> list[str]:
    """The issue's attacks and their siblings, aimed at this warehouse's own files."""
    live = warehouse_at(root).live_files("articles")[0]
    log = root / "articles" / "_delta_log" / f"{99:020d}.json"
    plant = "(SELECT '{\"commitInfo\":{}}' AS line)"
    return [
        # Rewrite a live Parquet file of articles, plant a Delta log entry, a directory
        # where the catalog used to be built, a file of the Delta table's folder.
        f"EXPLAIN ANALYZE COPY (SELECT * FROM articles WHERE false) TO '{live}' (FORMAT parquet)",
        f"EXPLAIN ANALYZE COPY {plant} TO '{log}' (FORMAT csv, HEADER false, QUOTE '')",
        f"EXPLAIN ANALYZE COPY (SELECT 1 AS x) TO '{root}/catalog.duckdb.tmp' (FORMAT parquet, PER_THREAD_OUTPUT)",
        f"/* hidden */ EXPLAIN /* in comments */ ANALYZE COPY {plant} TO '{log}' (FORMAT csv, HEADER false)",
        f"explain analyse copy (select 1 as x) to '{root}/articles/x.parquet' (format parquet)",
        f"EXPLAIN EXPLAIN ANALYZE COPY (SELECT 1 AS x) TO '{root}/nested.csv'",
        f"PRAGMA import_database('{root}/reports')",
        f"IMPORT DATABASE '{root}/reports'",
        f"EXPORT DATABASE '{root}/exported'",
        f"SELECT * FROM articles; COPY articles TO '{root}/second.csv'",
        f"SELECT 1;\nCOPY (SELECT 1 AS x) TO '{root}/articles/_delta_log/{99:020d}.json'",
        f"COPY (WITH t AS (SELECT 1 AS x) SELECT * FROM t) TO '{root}/cte.csv'",
        f"WITH t AS (SELECT 1 AS x) SELECT * FROM t; COPY (SELECT 2 AS x) TO '{root}/cte2.csv'",
        "EXPLAIN ANALYZE CREATE TABLE made AS SELECT 1 AS x",
        "EXPLAIN ANALYZE INSERT INTO articles SELECT * FROM articles",
        f"EXPLAIN ANALYZE ATTACH '{root}/attached.duckdb' AS other",
        f"ATTACH '{root}/attached.duckdb' AS other",
        "CREATE TEMP TABLE made AS SELECT 1 AS x",
        "CHECKPOINT",
        f"SELECT * FROM query('COPY articles TO ''{root}/q.csv''')",
        f"SELECT * FROM query_table('articles'), read_text('{root}/reports/schema.sql')",
        "SELECT * FROM checkpoint()",
        f"SET profiling_output = '{root}/profile.json'",
        f"PRAGMA profiling_output = '{root}/profile.json'",
        "PRAGMA enable_profiling",
        "SET enable_external_access = true",
        "INSTALL httpfs",
        "LOAD httpfs",
        f"CALL enable_logging(storage_path => '{root}/logs')",
        "EXPLAIN (FORMAT json) COPY articles TO 'x.csv'",
        # Macros, settings, catalogs and extensions by path (D99)
        "CREATE MACRO m(x) AS x + 1",
        "CREATE TEMP MACRO t() AS TABLE SELECT 1",
        "SET threads = 1",
        "RESET memory_limit",
        "PRAGMA memory_limit = '100GB'",
        "USE memory",
        "DETACH catalog",
        f"LOAD '{root}/x.duckdb_extension'",
        "SELECT 1; SELECT 2",
    ]


def reads(secret: Path) -> list[str]:
    """Ways to read a file outside the warehouse, straight or wrapped (D99)."""
    return [
        f"SELECT * FROM read_csv('{secret}')",
        f"SELECT * FROM '{secret}'",  # a replacement scan: a path as a table name
        f"FROM '{secret}'",
        f"SELECT * FROM (FROM '{secret}')",
        f"SELECT * FROM read_text('{secret}')",
        f"SELECT * FROM read_blob('{secret}')",
        f"SELECT * FROM glob('{secret.parent}/*')",
        f"SELECT (SELECT content FROM read_text('{secret}'))",
        f"WITH x AS (SELECT * FROM read_text('{secret}')) SELECT * FROM x",
        f"SELECT * FROM articles WHERE title IN (SELECT * FROM read_csv('{secret}'))",
        f"SUMMARIZE SELECT * FROM read_csv('{secret}')",
        f"DESCRIBE SELECT * FROM read_csv('{secret}')",
        f"EXPLAIN ANALYZE SELECT * FROM read_csv('{secret}')",
        f"PIVOT (SELECT * FROM read_csv('{secret}')) ON column0",
    ]


def test_every_attack_is_refused_and_the_warehouse_stays_byte_identical(landed):
    raw, root = landed
    before = tree(root)
    for sql in attacks(root):
        with pytest.raises((catalog.ReadOnlyViolation, duckdb.ParserException)):  # refused, or not SQL
            query_catalog(root, sql)
    assert tree(root) == before
    # Reading still works, and so does the next run.
    assert query_catalog(root, "SELECT count(*) FROM articles")[1] == [(2,)]
    assert run_pipeline(raw, root, lock=True)["status"] == "success"
    assert query_catalog(root, "SELECT count(*) FROM runs")[1][0][0] >= 2


def test_the_sandbox_holds_when_the_check_is_bypassed(landed):
    """The second layer alone: every attack sent straight to the connection `newsetl sql`
    uses, with no check. It may fail or do nothing, but it writes nothing anywhere."""
    raw, root = landed
    before = tree(root)
    outside = root.parent / "outside"
    outside.mkdir(exist_ok=True)
    for sql in [*attacks(root), f"COPY (SELECT 1 AS x) TO '{outside}/escaped.csv'"]:
        con = catalog.connect_read_only(warehouse_at(root).catalog_path, Settings().sql_memory_limit)
        try:
            for statement in con.extract_statements(sql):
                try:
                    con.execute(statement.query).fetchall()
                except duckdb.Error:
                    pass
        except duckdb.Error:
            pass
        finally:
            con.close()
    assert tree(root) == before
    assert not any(outside.iterdir())
    # The file writers are stopped by the engine itself, with DuckDB's own message.
    con = catalog.connect_read_only(warehouse_at(root).catalog_path, Settings().sql_memory_limit)
    with pytest.raises(duckdb.PermissionException):
        con.execute(f"COPY (SELECT 1 AS x) TO '{outside}/escaped.csv'")
    with pytest.raises(duckdb.PermissionException):
        con.execute(f"PRAGMA import_database('{root}/reports')")
    con.close()
    assert run_pipeline(raw, root, lock=True)["status"] == "success"


def test_nothing_outside_the_warehouse_is_read(landed):
    raw, root = landed
    secret = root.parent / "outside-secret" / "secret.csv"
    secret.parent.mkdir(exist_ok=True)
    secret.write_text("name,value\ntoken,s3cr3t-v4lue\n", encoding="utf-8")
    for sql in reads(secret):
        with pytest.raises((catalog.ReadOnlyViolation, duckdb.Error)):  # refused, or no such table
            query_catalog(root, sql)
        # the second layer alone: the engine opens no file but the catalog
        con = catalog.connect_read_only(warehouse_at(root).catalog_path, Settings().sql_memory_limit)
        try:
            with pytest.raises(duckdb.Error):
                rows = con.execute(sql).fetchall()
                assert "s3cr3t" not in repr(rows)  # (not reached)
        finally:
            con.close()


def test_read_only_queries_still_work(landed):
    _, root = landed
    for sql in ("SELECT count(*) FROM articles", "FROM runs LIMIT 1", "SHOW TABLES", "DESCRIBE articles",
                "SUMMARIZE runs", "EXPLAIN SELECT * FROM articles", "EXPLAIN ANALYZE SELECT count(*) FROM articles",
                "PRAGMA table_info('articles')", "PRAGMA show_tables", "SELECT * FROM range(3)",
                "WITH t AS (SELECT * FROM articles) SELECT count(*) FROM t;",
                "SELECT table_name FROM information_schema.tables", "SELECT * FROM duckdb_tables()",
                "PIVOT (SELECT language, word_count FROM articles) ON language IN ('en') USING sum(word_count)"):
        columns, _ = query_catalog(root, sql)
        assert columns, sql


def test_a_runaway_query_stops_at_the_timeout(landed):
    _, root = landed
    started = time.monotonic()
    with pytest.raises(catalog.QueryLimitExceeded, match=r"longer than 1 s"):
        query_catalog(root, CROSS_JOIN, timeout_seconds=1)
    assert time.monotonic() - started < 30  # ended by itself, not by the test's timeout


def test_a_query_past_the_memory_cap_stops_and_spills_nothing(landed):
    _, root = landed
    before = tree(root)
    with pytest.raises(catalog.QueryLimitExceeded, match="more than 64MB"):
        query_catalog(root, BIG, memory_limit="64MB")
    assert tree(root) == before  # DuckDB's default spill directory is catalog.duckdb.tmp


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newsetl.cli", "sql", *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, **(env or {})})


@pytest.mark.slow
def test_the_command_line_ends_runaway_queries_with_one_line(landed):
    _, root = landed
    flag = _cli("--warehouse", str(root), "--timeout", "1", CROSS_JOIN)
    setting = _cli("--warehouse", str(root), CROSS_JOIN, env={"NEWSETL_SQL_TIMEOUT_SECONDS": "1"})
    memory = _cli("--warehouse", str(root), "--memory-limit", "64MB", BIG)
    for out in (flag, setting, memory):
        assert out.returncode == 1 and out.stdout == ""
        assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert "longer than 1 s" in flag.stderr and "longer than 1 s" in setting.stderr
    assert "more than 64MB of memory" in memory.stderr
    refused = _cli("--warehouse", str(root), f"EXPLAIN ANALYZE COPY articles TO '{root}/a.csv'")
    assert refused.returncode == 2 and "not allowed" in refused.stderr
    bad = _cli("--warehouse", str(root), "--memory-limit", "lots", "SELECT 1")
    assert bad.returncode == 2 and "memory size" in bad.stderr


def test_limits_default_to_a_minute_and_two_gigabytes():
    settings = Settings()
    assert settings.sql_timeout_seconds == 60 and settings.sql_memory_limit == "2GB"
