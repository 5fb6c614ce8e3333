"""Data-quality checks beyond the row contracts, with one ``dq_results`` row per check.

Run-level checks look at what a run staged, before anything lands: the share of inputs
quarantined, inputs with bytes that gave no text, article count and average word count
against the last successful runs, freshness, and for runs that fetch from the web the
share of fetches that failed and the feeds that stopped giving new articles. A failing one
is the circuit breaker.
Cross-table checks look at the tables as they will be published, right after the merges:
foreign keys, spans that slice their article's text, primary keys unique. They run in
DuckDB over the Delta tables' Parquet files, so they stay cheap at millions of rows.
"""

from __future__ import annotations

import json
import re
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa

from newsetl import catalog, storage, warehouse
from newsetl.identity import short_hash
from newsetl.settings import Settings
from newsetl.spans import SPANS
from schemas import TABLES, arrow_schema
from schemas.fetches import NOT_OBTAINED, counts_as_url

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
    fetches: list[dict[str, Any]] = field(default_factory=list)  # this run's fetches rows (FETCH_COLUMNS)
    feeds: list[str] = field(default_factory=list)  # feed and sitemap entries the run followed
    staged_sources: list[str] = field(default_factory=list)  # source_uri of the articles it staged


FETCH_COLUMNS = ["source", "url", "via_feed", "outcome", "error_class", "raw_path", "fetched_at"]
# Rows of requests this run made over HTTP; a WARC record's outcome is its archive's history.
HTTP_SOURCES = ("page", "feed")


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


def fetch_failed_share(facts: RunFacts, settings: Settings) -> Result | None:
    """Share of the run's HTTP fetches that got nothing: failed, or refused by robots.txt.
    None when the run fetched nothing over HTTP."""
    asked = [f for f in facts.fetches if f["source"] in HTTP_SOURCES and counts_as_url(f["source"], f["outcome"])]
    if not asked:
        return None
    bad = [f for f in asked if f["outcome"] in NOT_OBTAINED]
    share = len(bad) / len(asked)
    warn, fail = settings.dq_fetch_failed_warn, settings.dq_fetch_failed_fail
    status = _share_status(share, warn, fail, enough_inputs=True)
    limit = {FAIL: f" (fail above {fail:.0%})", WARN: f" (warn above {warn:.0%})"}
    classes = ", ".join(f"{n} {c}" for c, n in Counter(f["error_class"] for f in bad).most_common())
    # Feeds first: one dead feed hides all the pages it would have listed.
    bad.sort(key=lambda f: f["source"] != "feed")
    return Result(
        RUN, "fetch_failed_share", status, len(bad), len(asked),
        f"{share:.0%} of fetched URLs failed or were refused by robots.txt{limit.get(status, '')}: "
        f"{len(bad)} of {len(asked)}" + (f" ({classes})" if classes else ""),
        observed=share, threshold=f"warn>{warn} fail>{fail}",
        sample=tuple(f"{f['url']} ({f['error_class']})" for f in bad),
    )


def _feed_history(con: duckdb.DuckDBPyConnection, facts: RunFacts) -> list[tuple[str, datetime | None, datetime | None]]:
    """(feed, first fetched, last page fetched that is an article's current text) for every
    feed the run followed, over the warehouse's fetches and this run's staged rows."""
    schema = arrow_schema(TABLES["fetches"].model)
    rows = pa.Table.from_pylist(facts.fetches, schema=pa.schema([schema.field(c) for c in FETCH_COLUMNS]))
    con.register("run_fetches", rows)
    con.register("run_articles", pa.table({"source_uri": pa.array(facts.staged_sources, pa.string())}))
    con.register("followed", pa.table({"feed": pa.array(facts.feeds, pa.string())}))
    return con.execute(f"""
        WITH f AS (SELECT {', '.join(FETCH_COLUMNS)} FROM fetches WHERE via_feed IS NOT NULL
                   UNION ALL SELECT * FROM run_fetches WHERE via_feed IS NOT NULL),
             articles_now AS (SELECT source_uri FROM articles UNION SELECT source_uri FROM run_articles),
             new_pages AS (SELECT via_feed, fetched_at FROM f
                           WHERE source = 'page' AND outcome = 'fetched'
                             AND raw_path IN (SELECT source_uri FROM articles_now))
        SELECT feed, (SELECT min(fetched_at) FROM f WHERE f.via_feed = feed),
               (SELECT max(fetched_at) FROM new_pages n WHERE n.via_feed = feed)
        FROM followed ORDER BY feed""").fetchall()


def source_stale(feeds: list[tuple[str, datetime | None, datetime | None]], now: datetime,
                 settings: Settings) -> Result | None:
    """Feeds (and sitemaps) the run follows that gave no new or changed article for
    ``dq_source_stale_days``: the last page fetched through them that is an article's
    current text is older than that, or there was none since they were first followed
    that long ago. A warning: the feed may be slow, moved, or list pages that fail."""
    if not feeds:
        return None
    days = settings.dq_source_stale_days
    stale: list[tuple[float, str, str]] = []
    for feed, first, last in feeds:
        since = last or first
        if since is None:
            continue
        age = (now - since).total_seconds() / 86400
        if age > days:
            what = f"last new article {age:.0f} days ago" if last else f"none in the {age:.0f} days since first followed"
            stale.append((age, feed, what))
    stale.sort(reverse=True)
    listed = "; ".join(f"{feed}: {what}" for _, feed, what in stale[:3]) + ("; …" if len(stale) > 3 else "")
    message = (f"{len(stale)} of {len(feeds)} feeds gave no new article for {days:g} days: {listed}" if stale
               else f"every one of {len(feeds)} feeds gave a new article in the last {days:g} days")
    return Result(RUN, "source_stale", WARN if stale else PASS, len(stale), len(feeds), message,
                  observed=stale[0][0] if stale else None, threshold=f"warn>{days:g}d",
                  sample=tuple(f"{feed}: {what}" for _, feed, what in stale))


def run_checks(root: warehouse.Root, facts: RunFacts, settings: Settings, now: datetime) -> list[Result]:
    con = connect(root, ("runs", "dq_results", "articles", "fetches"))
    try:
        counts, words = history(con, settings)
        [(newest_landed,)] = con.execute("SELECT max(published_at) FROM articles").fetchall()
        feeds = _feed_history(con, facts) if facts.feeds else []
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
    results += [r for r in (fetch_failed_share(facts, settings), source_stale(feeds, now, settings)) if r]
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


OPEN = "resolved_at IS NULL AND dismissed_at IS NULL"  # what still needs a person


def open_quarantine(root: warehouse.Root, run_id: str | None = None, check: str | None = None,
                    include_resolved: bool = False, sources: Iterable[str] | None = None) -> pa.Table:
    """Quarantine rows, oldest first: open ones (neither resolved nor dismissed) unless
    ``include_resolved``, each with ``raw_dir``, the raw directory of the run that first
    saw it (null for runs recorded before runs.raw_dir existed)."""
    where, params = [f"(? OR ({OPEN}))"], [include_resolved]
    if run_id:
        where.append("q.run_id = ?")
        params.append(run_id)
    if check:
        where.append('"check" = ?')
        params.append(check)
    if sources is not None:
        where.append("list_contains(?, source_uri)")
        params.append(sorted(set(sources)))
    con = connect(root, ("quarantine", "runs"))
    try:
        return con.sql(
            f"""SELECT q.*, r.raw_dir FROM quarantine q LEFT JOIN runs r USING (run_id)
                WHERE {' AND '.join(where)} ORDER BY quarantined_at, source_uri""", params=params
        ).to_arrow_table()
    finally:
        con.close()


def dismissed_quarantine(rows: pa.Table, reason: str, now: datetime) -> pa.Table:
    """Quarantine rows (as ``open_quarantine`` gives them) marked dismissed with ``reason``,
    ready to merge: the person's word that they need nothing more."""
    schema = arrow_schema(TABLES["quarantine"].model)
    n = rows.num_rows
    rows = rows.select(schema.names).cast(schema)
    rows = rows.set_column(schema.get_field_index("dismissed_at"), schema.field("dismissed_at"),
                           pa.array([now] * n, schema.field("dismissed_at").type))
    return rows.set_column(schema.get_field_index("dismissed_reason"), schema.field("dismissed_reason"),
                           pa.array([reason] * n, pa.string()))


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
