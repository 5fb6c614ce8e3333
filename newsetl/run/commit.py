"""The end of a run: checks, then one Delta commit per table under the commit journal,
the run recorded, the catalog swapped in, the report written; or, for a run that
failed, its commits rolled back and why it failed recorded."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from newsetl import __version__, quality
from newsetl.enrich import build_entities, default_reference
from newsetl.ids import short_hash
from newsetl.land.warehouse import Warehouse, to_arrow
from newsetl.quality import (
    CircuitBreakerTripped, CrossTableCheckFailed, RunFacts, cross_table_checks, failures, require_valid,
    resolved_quarantine, run_checks, summary,
)
from newsetl.quality.run_checks import FETCH_COLUMNS, TABLES_READ as RUN_CHECK_TABLES
from newsetl.report import gather, write_report
from newsetl.run import storylink
from newsetl.run.state import Run
from newsetl.run.stories import Params, Story
from newsetl.settings import Settings
from schemas import TABLES, arrow_schema
from schemas.fetches import OUTCOMES
from schemas.runs import ERROR_MESSAGE_MAX

log = logging.getLogger(__name__)


def _url_columns(counts: dict[str, int]) -> dict[str, int]:
    columns = {f"urls_{outcome}": counts.get(outcome, 0)
               for outcome in OUTCOMES}
    return {"urls_seen": sum(columns.values()), **columns}


def describe_error(error: BaseException) -> tuple[str, str]:
    """(error_class, error_message) of a failed run: the message on one line, bounded."""
    message = " ".join(str(error).split())
    if not message:  # KeyboardInterrupt and friends: the class says what happened
        message = (type(error).__doc__ or type(error).__name__).strip().splitlines()[0]
    if len(message) > ERROR_MESSAGE_MAX:
        message = message[: ERROR_MESSAGE_MAX - 1] + "…"
    return type(error).__name__, message


def run_row(run: Run, status: str, finished_at: datetime) -> dict[str, Any]:
    error_class, error_message = (run.error or ("Unknown", "the run stopped without saying why")) \
        if status == "failed" else (None, None)
    return {
        "run_id": run.run_id,
        "started_at": run.started_at,
        "finished_at": finished_at,
        "status": status,
        "source": run.source,
        "raw_dir": run.raw_dir or None,
        **run.counts.as_dict(),
        **run.enrich_counts,
        **_url_columns(run.url_counts),
        "error_class": error_class,
        "error_message": error_message,
        "newsetl_version": __version__,
    }


def commit_run(run: Run, settings: Settings) -> dict[str, Any]:
    """Land the staged rows (one Delta commit per table), record the run, then swap in
    a catalog that shows it. Until the swap, catalog readers see the previous run; a
    crash before the commit point is rolled back by the next run (or by ``fail_run``).

    Run-level data-quality checks come first. When one fails (the circuit breaker),
    articles, mentions, claims and entities are left alone; quarantine, fetches,
    dq_results and the failed run land, and ``CircuitBreakerTripped`` is raised.
    Cross-table checks run after the merges: a failure raises before the commit point,
    so the run is rolled back and ``fail_run`` records why."""
    if run.stopped is not None:  # a retry of a commit a check stopped must not land anything
        raise run.stopped
    now = datetime.now(UTC)
    with run.warehouse.connect(RUN_CHECK_TABLES) as con:
        run.dq_results = run_checks(con, _run_facts(run), settings, now)
    tripped = failures(run.dq_results)
    # Read-only, before the first write: decided from the tables as the last run left them.
    assigned = {} if tripped else storylink.assign(run.warehouse, run.run_id, run.updated_ids,
                                                    Params.from_settings(settings))
    run.warehouse.begin_commit(run.run_id)
    if not tripped:
        _merge_articles(run, assigned)
    _merge_quarantine(run, resolve=not tripped, now=now)
    staged = run.warehouse.staged(run.run_id, "fetches")
    if staged is not None:  # fetch rows are per run
        run.warehouse.merge("fetches", staged, run.run_id, update_if=False)
    if not tripped:
        with run.warehouse.connect() as con:
            checks = cross_table_checks(con, run.run_id)  # the rows it wrote; maintain checks all (D69)
        run.dq_results += checks
        if failed := failures(checks):
            run.stopped = CrossTableCheckFailed(summary(run.run_id, failed))
            raise run.stopped
    land_dq_results(run, update_if=True)
    stop = CircuitBreakerTripped(summary(run.run_id, tripped)) if tripped else None
    if stop is not None:
        run.error = describe_error(stop)  # recorded with the failed run
    row = record_run(run, "failed" if tripped else "success")
    run.warehouse.end_commit()
    run.warehouse.refresh_catalog()
    run.warehouse.drop_staging(run.run_id)
    if stop is not None:
        run.stopped = stop
        raise stop  # fail_run writes its report
    _write_report(run)
    return row


def _merge_articles(run: Run, assigned: dict[str, Story]) -> None:
    staged = run.warehouse.staged(run.run_id, "articles")
    if staged is not None:
        _keep_superseded(run, staged)
        # Only a changed text rewrites a row: re-running on the same inputs changes nothing.
        run.warehouse.merge("articles", storylink.with_stories(staged, assigned), run.run_id,
                            update_if="t.content_sha256 != s.content_sha256")
    _merge_story_index(run)
    # Entities whose mentions this run adds or removes: read before the merge removes them.
    touched = _touched_entities(run)
    enriched = False
    for table in ("mentions", "claims"):
        # A changed article's old mentions and claims go; its new ones come in.
        staged = run.warehouse.staged(run.run_id, table)
        if staged is not None or run.updated_ids:
            run.warehouse.merge(table, staged, run.run_id, update_if=True, replace_articles=run.updated_ids)
            enriched = True
    if enriched and touched:
        update_entities(run.warehouse, run.run_id, touched)
    staged = run.warehouse.staged(run.run_id, "inputs")
    if staged is not None:  # committed with the articles it describes (see newsetl.run.incremental)
        run.warehouse.merge("inputs", staged, run.run_id, update_if=True)


def _keep_superseded(run: Run, staged) -> None:
    """The landed text of each article whose text the run changes goes to
    ``article_versions`` before the articles merge replaces it: an update replaces
    nothing (D58). Insert only, and only texts other than the staged one, so a retried
    commit (its articles maybe merged already) adds nothing."""
    if not run.updated_ids:
        return
    new = staged.to_table(columns=["article_id", "content_sha256"])
    with run.warehouse.connect(("articles",)) as con:
        con.register("_changed", new)
        old = con.sql("""
            SELECT a.article_id, a.content_sha256, a.source_uri, a.title, a.published_at, a.text, a.word_count,
                   a.extractor, a.run_id, a.ingested_at
            FROM articles AS a JOIN _changed AS n
              ON n.article_id = a.article_id AND n.content_sha256 <> a.content_sha256""").to_arrow_table().to_pylist()
    if not old:
        return
    rows = [{"version_id": short_hash("version", r["article_id"], r["content_sha256"]), **r,
             "superseded_by_run": run.run_id} for r in old]
    valid = require_valid("article_versions", rows, run.run_id)
    run.warehouse.merge("article_versions", to_arrow("article_versions", valid), run.run_id, update_if=False)


def _merge_story_index(run: Run) -> None:
    """One commit per story table: the run's signatures upserted, and its band keys merged;
    a changed article's band rows its new text no longer has are deleted."""
    staged = run.warehouse.staged(run.run_id, "story_signatures")
    if staged is not None:
        run.warehouse.merge("story_signatures", staged, run.run_id,
                            update_if="t.content_sha256 != s.content_sha256 OR t.scheme != s.scheme")
    staged = run.warehouse.staged(run.run_id, "story_bands")
    if staged is not None:
        run.warehouse.merge("story_bands", staged, run.run_id, update_if="t.band_key != s.band_key",
                            replace_articles=run.updated_ids)


def _run_facts(run: Run) -> RunFacts:
    quarantine = run.warehouse.staged(run.run_id, "quarantine")
    articles = run.warehouse.staged(run.run_id, "articles")
    fetches = run.warehouse.staged(run.run_id, "fetches")
    staged = (articles.to_table(columns=["word_count", "published_at", "source_uri"]).to_pydict()
              if articles is not None else {})
    c = run.counts
    return RunFacts(
        inputs_seen=c.inputs_seen, quarantined=c.quarantined, articles=c.articles,
        inputs_skipped=c.inputs_skipped_unchanged,
        quarantine=quarantine.to_table(columns=["table", "check", "reason", "source_uri"]).to_pylist()
        if quarantine is not None else [],
        word_counts=staged.get("word_count", []),
        newest_staged=max((d for d in staged.get("published_at", []) if d is not None), default=None),
        fetches=fetches.to_table(columns=FETCH_COLUMNS).to_pylist() if fetches is not None else [],
        feeds=run.feeds,
        staged_sources=staged.get("source_uri", []),
    )


# Enrich counts that mean an article went through the NLP stage in this run.
_ANALYSED = ("articles_enriched", "enrich_skipped_non_english", "enrich_skipped_empty", "enrich_failed")


def _merge_quarantine(run: Run, resolve: bool, now: datetime) -> None:
    """New problems are inserted and the same problem seen again keeps its first row.
    With ``resolve``, open rows this run fixed are closed: an input that now landed (as
    an article or a duplicate), or an article re-analysed without the problem; a closed
    problem that comes back is reopened."""
    staged = run.warehouse.staged(run.run_id, "quarantine")
    new = staged.to_table() if staged is not None else arrow_schema(TABLES["quarantine"].model).empty_table()
    parts = [new]
    if resolve:
        landed = set(run.ledger.kept_ids.values()) | set(run.duplicate_sources)
        analysed: set[str] = set()
        articles = run.warehouse.staged(run.run_id, "articles")
        if articles is not None and any(run.enrich_counts[k] for k in _ANALYSED):
            analysed = set(articles.to_table(columns=["source_uri"]).column("source_uri").to_pylist())
        with run.warehouse.connect(("quarantine",)) as con:
            parts.append(resolved_quarantine(con, landed, analysed, new.column("quarantine_id").to_pylist(),
                                             run.run_id, now))
    source = pa.concat_tables(parts)
    if source.num_rows:
        run.warehouse.merge("quarantine", source, run.run_id,
                        update_if="(t.resolved_at IS NULL) != (s.resolved_at IS NULL)")


def land_dq_results(run: Run, update_if: bool) -> None:
    records = quality.rows(run.run_id, run.dq_results, datetime.now(UTC))
    valid = require_valid("dq_results", records, run.run_id)
    if not valid.empty:
        run.warehouse.merge("dq_results", to_arrow("dq_results", valid), run.run_id,
                        update_if=update_if)


def _touched_entities(run: Run) -> list[str]:
    """Entities of the mentions the run stages, and of the landed mentions of its changed
    articles (which the mentions merge deletes)."""
    touched: set[str] = set()
    staged = run.warehouse.staged(run.run_id, "mentions")
    if staged is not None:
        touched.update(staged.to_table(columns=["entity_id"]).column("entity_id").to_pylist())
    if run.updated_ids:
        with run.warehouse.connect(("mentions",)) as con:
            con.register("_changed", pa.table({"article_id": pa.array(run.updated_ids, pa.string())}))
            touched.update(r[0] for r in con.execute(
                "SELECT DISTINCT entity_id FROM mentions SEMI JOIN _changed USING (article_id)").fetchall())
    return sorted(touched)


def entity_inputs(con, entity_ids: list[str] | None) -> tuple[pa.Table, pa.Table]:
    """The mentions ``build_entities`` needs (of these entities; all when None) and their
    articles' stories and dates, read by DuckDB from a ``Warehouse.connect`` connection."""
    where = ""
    if entity_ids is not None:
        con.register("_touched", pa.table({"entity_id": pa.array(entity_ids, pa.string())}))
        where = "SEMI JOIN _touched USING (entity_id)"
    con.execute(f"""CREATE TEMP TABLE _m AS
        SELECT article_id, entity_id, canonical_name, label, surface FROM mentions {where}""")
    mentions = con.table("_m").to_arrow_table()
    articles = con.sql("""
        SELECT article_id, story_id, published_at FROM articles
        SEMI JOIN (SELECT DISTINCT article_id FROM _m) USING (article_id)""").to_arrow_table()
    return mentions, articles


def update_entities(warehouse: Warehouse, run_id: str, touched: list[str]) -> None:
    """The rows of the entities the run touched, computed again from all their mentions
    and merged in one commit; an entity with no mention left is deleted. The other rows
    are not read nor written: no story changes once landed (D58), so an entity's figures
    change only when its own mentions do (D61)."""
    with warehouse.connect(("mentions", "articles")) as con:
        mentions, articles = entity_inputs(con, touched)
    entities = build_entities(mentions, articles, default_reference())
    valid = require_valid("entities", entities.to_dict("records"), run_id)
    warehouse.merge("entities", to_arrow("entities", valid), run_id, update_if=True, replace_keys=touched)


def record_run(run: Run, status: str) -> dict[str, Any]:
    row = run_row(run, status, datetime.now(UTC))
    valid = require_valid("runs", [row], run.run_id)
    # A merge, not an append: a retried commit records the run once, and a run whose
    # commit fails after this point is marked failed rather than left as a success.
    run.warehouse.merge(
        "runs", to_arrow("runs", valid), run.run_id, update_if="t.status != s.status"
    )
    return row


def fail_run(run: Run, error: BaseException | None = None) -> None:
    """Record a failed run (its counts cover the batches it finished) with why it failed
    (``error``, else what stopped it) and the data-quality results it got to, and clean
    up. After the roll-back every table holds the last complete run's rows, so the
    refreshed catalog shows them plus why this run failed. Results a stopped commit
    already landed are kept as they are."""
    if error is not None:
        run.error = describe_error(error)
    elif run.error is None and run.stopped is not None:
        run.error = describe_error(run.stopped)
    try:
        run.warehouse.roll_back()
        land_dq_results(run, update_if=False)
        record_run(run, "failed")
        run.warehouse.refresh_catalog()
    finally:
        run.warehouse.drop_staging(run.run_id)
    _write_report(run)


def _write_report(run: Run) -> None:
    # The report only shows the run: failing to write it must not fail (or un-commit) it.
    run.report = None  # figures of an earlier attempt must not outlive a failed one
    try:
        run.report = gather(run.warehouse, run.run_id)
        write_report(run.warehouse, run.run_id, run.report)
    except Exception:
        log.exception("run %s: writing the report failed", run.run_id)
