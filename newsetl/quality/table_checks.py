"""Cross-table checks: the tables as they will be published, right after the merges and
before the commit point. Primary keys unique, foreign keys, spans that slice their
article's text; in DuckDB over the Delta tables' Parquet files, so they stay cheap at
millions of rows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from newsetl.quality.results import FAIL, PASS, SAMPLE_SIZE, Result
from newsetl.quality.spans import SPANS
from schemas import TABLES

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection


def _sample(con: DuckDBPyConnection, sql: str) -> tuple[Any, ...]:
    return tuple(v for (v,) in con.execute(f"{sql} LIMIT {SAMPLE_SIZE}").fetchall())


def primary_key_unique(con: DuckDBPyConnection, table: str) -> Result:
    key = TABLES[table].primary_key
    total, distinct, nulls = con.execute(
        f'SELECT count(*), count(DISTINCT "{key}"), count(*) FILTER ("{key}" IS NULL) FROM "{table}"'
    ).fetchone()
    bad = total - distinct
    sample = _sample(con, f'SELECT "{key}" FROM "{table}" GROUP BY ALL HAVING count(*) > 1') if bad else ()
    status = FAIL if bad else PASS
    message = f"{table}.{key}: {bad - nulls} duplicated and {nulls} null keys in {total} rows" if bad else \
        f"{table}.{key} unique over {total} rows"
    return Result(table, "primary_key_unique", status, bad, total, message, sample=sample)


def foreign_key(con: DuckDBPyConnection, table: str, column: str, parent: str) -> Result:
    ref = TABLES[parent].primary_key
    orphans = f'FROM "{table}" c ANTI JOIN "{parent}" p ON c."{column}" = p."{ref}"'
    (bad,) = con.execute(f"SELECT count(*) {orphans}").fetchone()
    (total,) = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()
    sample = _sample(con, f'SELECT DISTINCT c."{column}" {orphans}') if bad else ()
    message = (f"{bad} of {total} {table} rows point to no {parent} row ({column})" if bad
               else f"every {table}.{column} is in {parent}")
    return Result(table, f"fk_{column}_{parent}", FAIL if bad else PASS, bad, total, message, sample=sample)


def _span_broken(start: str, end: str, surface: str | None) -> str:
    # Python slices by code point, and so does DuckDB's substring (1-based).
    ok = f'c."{start}" >= 0 AND c."{start}" < c."{end}" AND c."{end}" <= length(a.text)'
    if surface:
        ok += f' AND substring(a.text, c."{start}" + 1, c."{end}" - c."{start}") = c."{surface}"'
    return f'(c."{start}" IS NOT NULL AND c."{end}" IS NOT NULL AND NOT ({ok}))'


# A claim's pieces (JSON [[start, end], ...]) must be non-empty spans inside the text.
_PIECES = """from_json(c.pieces, '[["BIGINT"]]')"""
_PIECES_BROKEN = (f"(c.pieces IS NOT NULL AND (list_min(list_transform({_PIECES}, lambda p: p[1])) < 0"
                  f" OR list_max(list_transform({_PIECES}, lambda p: p[2])) > length(a.text)"
                  f" OR list_min(list_transform({_PIECES}, lambda p: p[2] - p[1])) <= 0))")


def spans_slice_text(con: DuckDBPyConnection, table: str) -> Result:
    key = TABLES[table].primary_key
    broken = " OR ".join(_span_broken(*span) for span in SPANS[table])
    if table == "claims":
        broken += f" OR {_PIECES_BROKEN}"
    joined = f'FROM "{table}" c JOIN articles a USING (article_id)'
    # Distinct keys: a duplicated article (its own failure) must not count a row twice.
    bad, total = con.execute(
        f'SELECT count(DISTINCT c."{key}") FILTER ({broken}), count(DISTINCT c."{key}") {joined}'
    ).fetchone()
    sample = _sample(con, f'SELECT DISTINCT c."{key}" {joined} WHERE {broken}') if bad else ()
    message = (f"{bad} of {total} {table} rows have a span that does not slice their article's text" if bad
               else f"every {table} span slices its article's text")
    return Result(table, "span_slices_text", FAIL if bad else PASS, bad, total, message, sample=sample)


def cross_table_checks(con: DuckDBPyConnection) -> list[Result]:
    """Every cross-table check; ``con`` shows every table as merged."""
    results = [primary_key_unique(con, name) for name in TABLES]
    for name, table in TABLES.items():
        results += [foreign_key(con, name, column, parent) for column, parent in table.foreign_keys]
    results += [spans_slice_text(con, name) for name in SPANS]
    return results

