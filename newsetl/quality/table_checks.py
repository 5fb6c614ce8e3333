"""Cross-table checks: the tables as they will be published, right after the merges and
before the commit point. Primary keys unique, foreign keys, spans that slice their
article's text; in DuckDB over the Delta tables' Parquet files, so they stay cheap at
millions of rows.

A run checks the rows it wrote (``run_id``): the keys of its rows against the whole
table, its child rows' parents, the spans of its rows and of every row of an article it
wrote. That is all a run can break when the tables were whole before it: a row it did not
write kept its key and its parent (no run deletes an article), and a span can only stop
slicing when its article's text changed, which makes the article the run's row. The
whole tables are checked by ``newsetl maintain`` (D69)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from newsetl.quality.results import FAIL, PASS, SAMPLE_SIZE, Result
from newsetl.quality.spans import SPANS
from schemas import TABLES, arrow_schema

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection


def _sample(con: DuckDBPyConnection, sql: str) -> tuple[Any, ...]:
    return tuple(v for (v,) in con.execute(f"{sql} LIMIT {SAMPLE_SIZE}").fetchall())


def _of_run(table: str, run_id: str | None, alias: str = "") -> str | None:
    """A condition for the rows of ``table`` the run wrote; None: every row (no run given,
    or a table without run_id)."""
    if run_id is None or "run_id" not in arrow_schema(TABLES[table].model).names:
        return None
    return f"{alias + '.' if alias else ''}run_id = '{run_id.replace(chr(39), chr(39) * 2)}'"


def primary_key_unique(con: DuckDBPyConnection, table: str, run_id: str | None = None) -> Result:
    key = TABLES[table].primary_key
    mine = _of_run(table, run_id)
    # The run's keys, with every row of the table that has one of them.
    where = (f' WHERE "{key}" IN (SELECT "{key}" FROM "{table}" WHERE {mine}) OR ({mine} AND "{key}" IS NULL)'
             if mine else "")
    total, distinct, nulls = con.execute(
        f'SELECT count(*), count(DISTINCT "{key}"), count(*) FILTER ("{key}" IS NULL) FROM "{table}"{where}'
    ).fetchone()
    bad = total - distinct
    sample = _sample(con, f'SELECT "{key}" FROM "{table}"{where} GROUP BY ALL HAVING count(*) > 1') if bad else ()
    status = FAIL if bad else PASS
    message = f"{table}.{key}: {bad - nulls} duplicated and {nulls} null keys in {total} rows" if bad else \
        f"{table}.{key} unique over {total} rows"
    return Result(table, "primary_key_unique", status, bad, total, message, sample=sample)


def foreign_key(con: DuckDBPyConnection, table: str, column: str, parent: str, run_id: str | None = None) -> Result:
    ref = TABLES[parent].primary_key
    mine = _of_run(table, run_id, "c")
    where = f" WHERE {mine}" if mine else ""
    orphans = f'FROM "{table}" c ANTI JOIN "{parent}" p ON c."{column}" = p."{ref}"{where}'
    (bad,) = con.execute(f"SELECT count(*) {orphans}").fetchone()
    (total,) = con.execute(f'SELECT count(*) FROM "{table}" c{where}').fetchone()
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


def spans_slice_text(con: DuckDBPyConnection, table: str, run_id: str | None = None) -> Result:
    key = TABLES[table].primary_key
    broken = f"({' OR '.join(_span_broken(*span) for span in SPANS[table])})"
    if table == "claims":
        broken = f"({broken} OR {_PIECES_BROKEN})"
    mine, theirs = _of_run(table, run_id, "c"), _of_run("articles", run_id, "a")
    # The run's rows, and every row of an article whose text the run wrote.
    scope = f"({mine} OR {theirs})" if mine and theirs else "true"
    joined = f'FROM "{table}" c JOIN articles a USING (article_id)'
    # Distinct keys: a duplicated article (its own failure) must not count a row twice.
    bad, total = con.execute(
        f'SELECT count(DISTINCT c."{key}") FILTER ({broken}), count(DISTINCT c."{key}") {joined} WHERE {scope}'
    ).fetchone()
    sample = _sample(con, f'SELECT DISTINCT c."{key}" {joined} WHERE {scope} AND {broken}') if bad else ()
    message = (f"{bad} of {total} {table} rows have a span that does not slice their article's text" if bad
               else f"every {table} span slices its article's text")
    return Result(table, "span_slices_text", FAIL if bad else PASS, bad, total, message, sample=sample)


def cross_table_checks(con: DuckDBPyConnection, run_id: str | None = None) -> list[Result]:
    """Every cross-table check; ``con`` shows every table as merged. With ``run_id``, over
    what that run wrote (see the module's docstring); else over every row."""
    results = [primary_key_unique(con, name, run_id) for name in TABLES]
    for name, table in TABLES.items():
        results += [foreign_key(con, name, column, parent, run_id) for column, parent in table.foreign_keys]
    results += [spans_slice_text(con, name, run_id) for name in SPANS]
    return results

