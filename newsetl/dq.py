"""Data-quality checks beyond the row contracts, with one ``dq_results`` row per check.

Run-level checks look at what a run staged, before anything lands: the share of inputs
quarantined, inputs with bytes that gave no text, article count and average word count
against the last successful runs, and freshness. A failing one is the circuit breaker.
Cross-table checks look at the tables as they will be published, right after the merges:
foreign keys, spans that slice their article's text, primary keys unique. They run in
DuckDB over the Delta tables' Parquet files, so they stay cheap at millions of rows.
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa

from newsetl import catalog, storage, warehouse
from newsetl.identity import short_hash
from newsetl.settings import Settings
from newsetl.spans import SPANS
from schemas import TABLES, arrow_schema

PASS, WARN, FAIL = "pass", "warn", "fail"
RUN = "run"  # the ``table`` of run-level checks
SAMPLE_SIZE = 5

# Quarantine rows that mean "the input had bytes but extraction gave no usable text":
# the extractor raised, or the article's text/word count failed its contract.
_NO_TEXT_REASON = re.compile(r"(^|; )(text|word_count): (str_length|greater_than_or_equal_to)")


class DataQualityError(RuntimeError):
    """A data-quality check failed; the message says which and why."""


class CircuitBreakerTripped(DataQualityError):
    """A run-level check failed: the run's articles, mentions and claims did not land."""


class CrossTableCheckFailed(DataQualityError):
    """The tables as merged break a cross-table invariant: the run was rolled back."""


@dataclass(frozen=True)
class Result:
    table: str
    check_name: str
    status: str
    failure_count: int
    rows_checked: int
    message: str
    observed: float | None = None
    threshold: str | None = None
    sample: tuple[Any, ...] = ()


def failures(results: Iterable[Result]) -> list[Result]:
    return [r for r in results if r.status == FAIL]


def rows(run_id: str, results: Iterable[Result], now: datetime) -> list[dict[str, Any]]:
    """The ``dq_results`` rows of a run."""
    return [
        {
            "dq_result_id": short_hash(run_id, r.table, r.check_name),
            "run_id": run_id,
            "table": r.table,
            "check_name": r.check_name,
            "status": r.status,
            "failure_count": r.failure_count,
            "rows_checked": r.rows_checked,
            "observed": r.observed,
            "threshold": r.threshold,
            "sample": json.dumps(list(r.sample[:SAMPLE_SIZE]), default=str, ensure_ascii=False) if r.sample else None,
            "message": r.message,
            "checked_at": now,
        }
        for r in results
    ]


def summary(run_id: str, failed: list[Result]) -> str:
    return f"run {run_id} stopped: " + "; ".join(r.message for r in failed)


# --- reading tables ----------------------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def connect(root: warehouse.Root, tables: Iterable[str] = TABLES) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with one view per table's current Delta version."""
    con = duckdb.connect()
    storage.register_filesystem(con, storage.locate(root))
    for name in tables:
        con.execute(catalog.view_sql(con, name, warehouse.live_files(root, name), arrow_schema(TABLES[name].model)))
    return con


def _share_status(share: float, warn: float, fail: float, enough_inputs: bool) -> str:
    if share > fail and enough_inputs:
        return FAIL
    return WARN if share > warn else PASS


# --- run level ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RunFacts:
    """What the run-level checks need to know about a run, gathered before it lands."""

    inputs_seen: int
    quarantined: int
    articles: int
    quarantine: list[dict[str, Any]]  # this run's quarantine rows: table, check, reason, source_uri
    word_counts: list[int]  # of the new and changed articles the run staged
    newest_staged: datetime | None  # newest published_at among them
    # Inputs skipped as unchanged are not read again: their quarantine rows are not
    # this run's, so shares of this run's rows are taken over the inputs it read.
    inputs_skipped: int = 0


def quarantined_share(facts: RunFacts, settings: Settings) -> Result:
    share = facts.quarantined / facts.inputs_seen if facts.inputs_seen else 0.0
    enough = facts.inputs_seen >= settings.dq_min_inputs
    status = _share_status(share, settings.dq_quarantined_warn, settings.dq_quarantined_fail, enough)
    limit = {FAIL: f" (fail above {settings.dq_quarantined_fail:.0%})",
             WARN: f" (warn above {settings.dq_quarantined_warn:.0%})"}
    note = ("" if enough or share <= settings.dq_quarantined_fail
            else f"; under {settings.dq_min_inputs} inputs, so only a warning")
    sample = [q["source_uri"] for q in facts.quarantine if q["table"] in ("input", "articles")]
    return Result(
        RUN, "quarantined_share", status, facts.quarantined, facts.inputs_seen,
        f"{share:.0%} of inputs quarantined{limit.get(status, '')}: {facts.quarantined} of {facts.inputs_seen}{note}",
        observed=share, threshold=f"warn>{settings.dq_quarantined_warn} fail>{settings.dq_quarantined_fail}",
        sample=tuple(sample),
    )


def _no_text(row: dict[str, Any]) -> bool:
    if row["table"] == "input":
        return row["check"] == "extraction_error"
    return row["table"] == "articles" and bool(_NO_TEXT_REASON.search(row["reason"]))


def no_text_share(facts: RunFacts, settings: Settings) -> Result:
    empty = sum(1 for q in facts.quarantine if q["table"] == "input" and q["check"] == "empty_file")
    with_bytes = facts.inputs_seen - facts.inputs_skipped - empty
    no_text = [q["source_uri"] for q in facts.quarantine if _no_text(q)]
    share = len(no_text) / with_bytes if with_bytes else 0.0
    enough = with_bytes >= settings.dq_min_inputs
    status = _share_status(share, settings.dq_no_text_warn, settings.dq_no_text_fail, enough)
    return Result(
        RUN, "no_text_from_input", status, len(no_text), with_bytes,
        f"{len(no_text)} of {with_bytes} non-empty inputs gave no article text ({share:.0%})",
        observed=share, threshold=f"warn>{settings.dq_no_text_warn} fail>{settings.dq_no_text_fail}",
        sample=tuple(no_text),
    )


def _against_history(check: str, value: float, history: list[float], settings: Settings, unit: str) -> Result:
    threshold = f"warn outside median/{settings.dq_history_max_ratio:g}..median*{settings.dq_history_max_ratio:g}"
    if len(history) < settings.dq_history_min_runs:
        return Result(RUN, check, PASS, 0, 1, f"{unit} {value:g}: only {len(history)} earlier runs to compare with",
                      observed=value, threshold=threshold)
    median = statistics.median(history)
    ratio = settings.dq_history_max_ratio
    far = value > median * ratio or value < median / ratio
    return Result(
        RUN, check, WARN if far else PASS, int(far), 1,
        f"{unit} {value:g} against a median of {median:g} over the last {len(history)} successful runs",
        observed=value, threshold=threshold,
    )


def history(con: duckdb.DuckDBPyConnection, settings: Settings) -> tuple[list[float], list[float]]:
    """(article counts, average word counts) of the last successful runs, newest first."""
    runs = con.execute(
        "SELECT run_id, articles FROM runs WHERE status = 'success' ORDER BY started_at DESC LIMIT ?",
        [settings.dq_history_runs],
    ).fetchall()
    words = con.execute(
        "SELECT d.observed FROM dq_results d JOIN runs r USING (run_id) WHERE r.status = 'success' "
        "AND d.check_name = 'avg_word_count' AND d.observed IS NOT NULL ORDER BY r.started_at DESC LIMIT ?",
        [settings.dq_history_runs],
    ).fetchall()
    return [float(a) for _, a in runs], [float(w) for (w,) in words]


def freshness(newest: datetime | None, now: datetime, settings: Settings) -> Result:
    limit = timedelta(hours=settings.dq_freshness_warn_hours)
    threshold = f"warn>{settings.dq_freshness_warn_hours:g}h"
    if newest is None:
        return Result(RUN, "freshness", WARN, 1, 0, "no article has a published_at", threshold=threshold)
    age = now - newest
    hours = age.total_seconds() / 3600
    status = WARN if age > limit else PASS
    return Result(RUN, "freshness", status, int(status == WARN), 1,
                  f"newest published_at is {newest:%Y-%m-%d %H:%M} UTC, {hours:.0f} h old",
                  observed=hours, threshold=threshold, sample=(newest.isoformat(),) if status == WARN else ())


def run_checks(root: warehouse.Root, facts: RunFacts, settings: Settings, now: datetime) -> list[Result]:
    con = connect(root, ("runs", "dq_results", "articles"))
    try:
        counts, words = history(con, settings)
        (newest_landed,) = con.execute("SELECT max(published_at) FROM articles").fetchone()
    finally:
        con.close()
    results = [
        quarantined_share(facts, settings),
        no_text_share(facts, settings),
        _against_history("article_count", facts.articles, counts, settings, "articles"),
    ]
    if facts.word_counts:
        results.append(_against_history("avg_word_count", statistics.fmean(facts.word_counts), words, settings,
                                        "average word count"))
    newest = max((d for d in (newest_landed, facts.newest_staged) if d is not None), default=None)
    results.append(freshness(newest, now, settings))
    return results


# --- cross-table -----------------------------------------------------------------------


def _sample(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...]:
    return tuple(v for (v,) in con.execute(f"{sql} LIMIT {SAMPLE_SIZE}").fetchall())


def primary_key_unique(con: duckdb.DuckDBPyConnection, table: str) -> Result:
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


def foreign_key(con: duckdb.DuckDBPyConnection, table: str, column: str, parent: str) -> Result:
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


def spans_slice_text(con: duckdb.DuckDBPyConnection, table: str) -> Result:
    key = TABLES[table].primary_key
    broken = " OR ".join(_span_broken(*span) for span in SPANS[table])
    joined = f'FROM "{table}" c JOIN articles a USING (article_id)'
    # Distinct keys: a duplicated article (its own failure) must not count a row twice.
    bad, total = con.execute(
        f'SELECT count(DISTINCT c."{key}") FILTER ({broken}), count(DISTINCT c."{key}") {joined}'
    ).fetchone()
    sample = _sample(con, f'SELECT DISTINCT c."{key}" {joined} WHERE {broken}') if bad else ()
    message = (f"{bad} of {total} {table} rows have a span that does not slice their article's text" if bad
               else f"every {table} span slices its article's text")
    return Result(table, "span_slices_text", FAIL if bad else PASS, bad, total, message, sample=sample)


def cross_table_checks(root: warehouse.Root) -> list[Result]:
    con = connect(root)
    try:
        results = [primary_key_unique(con, name) for name in TABLES]
        for name, table in TABLES.items():
            results += [foreign_key(con, name, column, parent) for column, parent in table.foreign_keys]
        results += [spans_slice_text(con, name) for name in SPANS]
        return results
    finally:
        con.close()


# --- quarantine: open problems and their resolution --------------------------------------

INPUT_TABLES = ("input", "articles")  # quarantine rows about an input as a whole
ENRICH_TABLES = ("mentions", "claims")  # rows about one article's analysis


def open_quarantine(root: warehouse.Root, run_id: str | None = None, check: str | None = None,
                    include_resolved: bool = False) -> pa.Table:
    """Quarantine rows, open ones only unless ``include_resolved``, oldest first."""
    where, params = ["(? OR resolved_at IS NULL)"], [include_resolved]
    if run_id:
        where.append("run_id = ?")
        params.append(run_id)
    if check:
        where.append('"check" = ?')
        params.append(check)
    con = connect(root, ("quarantine",))
    try:
        return con.sql(
            f"SELECT * FROM quarantine WHERE {' AND '.join(where)} ORDER BY quarantined_at, source_uri", params=params
        ).to_arrow_table()
    finally:
        con.close()


def resolved_quarantine(root: warehouse.Root, landed: set[str], analysed: set[str], still_failing: list[str],
                        run_id: str, now: datetime) -> pa.Table:
    """Open quarantine rows that a run fixed, with resolved_at/resolved_run_id set:
    rows about an input that ``landed`` (as an article or duplicate), and rows about the
    analysis of an article the run ``analysed`` again, unless the run saw the same
    problem again (``still_failing`` quarantine ids)."""
    schema = arrow_schema(TABLES["quarantine"].model)
    if not landed and not analysed:
        return schema.empty_table()
    con = connect(root, ("quarantine",))
    try:
        con.register("landed", pa.table({"source_uri": pa.array(sorted(landed), pa.string())}))
        con.register("analysed", pa.table({"source_uri": pa.array(sorted(analysed), pa.string())}))
        con.register("failing", pa.table({"quarantine_id": pa.array(still_failing, pa.string())}))
        fixed = con.sql(
            f"""SELECT * REPLACE (?::TIMESTAMPTZ AS resolved_at, ?::VARCHAR AS resolved_run_id)
                FROM quarantine q
                WHERE resolved_at IS NULL
                  AND ((q."table" IN {INPUT_TABLES} AND source_uri IN (SELECT source_uri FROM landed))
                    OR (q."table" IN {ENRICH_TABLES} AND source_uri IN (SELECT source_uri FROM analysed)))
                  AND quarantine_id NOT IN (SELECT quarantine_id FROM failing)""",
            params=[now, run_id],
        ).to_arrow_table()
    finally:
        con.close()
    return fixed.select(schema.names).cast(schema)
