"""The run, as plain functions the Prefect flow calls in order:

    start_run -> [fetch_web] -> plan_batches
              -> (extract_batch -> stage_batch -> enrich_batch)* -> commit_run

Every input ends as exactly one of: an article (new, updated or unchanged), a duplicate,
or a quarantine row; ``RunCounts`` keeps that sum and the runs table checks it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from newsetl import __version__, catalog, dq, report, storage, warehouse
from newsetl.analysis import Analysis, Models, analyse_articles
from newsetl.dedup import DUPLICATE, NEW, UNCHANGED, UPDATED, Classified, Ledger, classify
from newsetl.entities import build_entities
from newsetl.entity_reference import default_reference
from newsetl.extract import BatchOutput
from newsetl.fetch import FetchOutcome, fetch_all, load_sources, load_warc, read_url_list
from newsetl.incremental import ARTICLE, QUARANTINED, InputLog, Split, input_key, record_row, split_batch
from newsetl.inputs import RawInput, discover
from newsetl.settings import Settings
from newsetl.storage import Location
from newsetl.validate import require_valid, validate_records
from schemas import TABLES, arrow_schema
from schemas.runs import ERROR_MESSAGE_MAX

log = logging.getLogger(__name__)


@dataclass
class RunCounts:
    inputs_seen: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    articles_unchanged: int = 0
    duplicates: int = 0
    quarantined: int = 0
    # Inputs not read again (see newsetl.incremental), also counted under their last outcome.
    inputs_skipped_unchanged: int = 0

    @property
    def articles(self) -> int:
        return self.articles_new + self.articles_updated + self.articles_unchanged

    def as_dict(self) -> dict[str, int]:
        return {**asdict(self), "articles": self.articles}


@dataclass
class Run:
    run_id: str
    root: Location
    source: str  # the raw directory as given
    started_at: datetime
    ledger: Ledger
    raw_dir: str = ""  # the same, absolute: where a replay finds the run's inputs
    inputs_log: InputLog = field(default_factory=InputLog)
    counts: RunCounts = field(default_factory=RunCounts)
    parts: int = 0
    url_counts: dict[str, int] = field(default_factory=dict)
    feeds: list[str] = field(default_factory=list)  # feed and sitemap entries the run followed
    enrich_counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ENRICH_COUNTS, 0))
    updated_ids: list[str] = field(default_factory=list)
    duplicate_sources: list[str] = field(default_factory=list)
    # Data-quality results so far; fail_run lands them when the run fails.
    dq_results: list[dq.Result] = field(default_factory=list)
    # Set when a data-quality check stopped the run: a retried commit raises it again.
    stopped: dq.DataQualityError | None = None
    # Why the run failed, (error_class, error_message), once it has.
    error: tuple[str, str] | None = None


# Run counts of the enrich stage, as columns of the runs table.
ENRICH_COUNTS = ("articles_enriched", "enrich_skipped_non_english", "enrich_skipped_empty", "enrich_failed",
                 "mentions", "claims", "enrich_quarantined")


@dataclass(frozen=True)
class WebSources:
    """Where a run fetches pages from, besides what is already under raw_dir."""

    urls_file: Path | None = None
    feeds: tuple[str, ...] = ()
    warcs: tuple[Path, ...] = ()
    sources_file: Path | None = None

    def __bool__(self) -> bool:
        return bool(self.urls_file or self.feeds or self.warcs or self.sources_file)


def new_run_id(now: datetime) -> str:
    # Sortable by time, unique across concurrent starts.
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def start_run(raw_dir: Path, warehouse_dir: Path | str | Location) -> Run:
    """Prepare the warehouse (a directory or an s3:// URI) for a run. Call while holding
    ``warehouse.exclusive``."""
    root = storage.locate(warehouse_dir)
    warehouse.ensure_tables(root)
    # A run that died mid-commit is undone, and its staged rows are never committed.
    warehouse.roll_back(root)
    warehouse.drop_staging(root)
    # A run that died between its commit point and the catalog swap left a stale catalog.
    refresh_catalog(root)
    now = datetime.now(UTC)
    ledger = Ledger.from_warehouse(warehouse.read_table(root, "articles", ["article_id", "content_sha256"]))
    inputs_log = InputLog.from_warehouse(warehouse.read_table(root, "inputs"))
    return Run(run_id=new_run_id(now), root=root, source=str(raw_dir), started_at=now, ledger=ledger,
               raw_dir=str(Path(raw_dir).resolve()), inputs_log=inputs_log)


def fetch_web(run: Run, raw_dir: Path, sources: WebSources, settings: Settings) -> dict[str, int]:
    """Fetch every page the sources name into ``raw_dir`` (stored before extraction, so the
    run can be replayed from raw/ alone) and stage one ``fetches`` row per URL."""
    urls = read_url_list(sources.urls_file) if sources.urls_file else []
    feeds, warcs = list(sources.feeds), list(sources.warcs)
    if sources.sources_file:
        listed = load_sources(sources.sources_file)
        urls += listed.urls
        feeds += listed.feeds
        warcs += listed.warcs
    outcome = FetchOutcome(run_id=run.run_id, raw_dir=Path(raw_dir))
    run.feeds = list(dict.fromkeys(f.strip() for f in feeds if f.strip()))
    if urls or feeds:
        outcome.extend(fetch_all(urls, settings, raw_dir, run.run_id, feeds=feeds))
    for warc in warcs:
        outcome.extend(load_warc(warc, raw_dir, run.run_id, settings))
    warehouse.stage(run.root, run.run_id, "fetches", outcome.frame(), 0)
    run.url_counts = outcome.counts()
    return run.url_counts


def _chunks(items: Iterator[RawInput], size: int) -> Iterator[list[RawInput]]:
    while chunk := list(islice(items, size)):
        yield chunk


def reanalyse(run: Run, sources: list[str]) -> int:
    """Treat the articles of these inputs as changed, so a replay analyses them again
    (their mentions and claims are replaced, and problems quarantined by the NLP stage
    are resolved when they do not come back). Returns how many articles."""
    wanted = set(sources)
    landed = warehouse.read_table(run.root, "articles", ["article_id", "source_uri"]).to_pylist()
    ids = [r["article_id"] for r in landed if r["source_uri"] in wanted]
    for aid in ids:
        run.ledger.landed[aid] = ""  # no text hashes to "": the next sight of it is an update
    return len(ids)


def plan_batches(raw_dir: Path, settings: Settings, only_sources: list[str] | None = None) -> list[list[RawInput]]:
    """Every input under ``raw_dir`` in batches; ``only_sources`` (source_uri values)
    restricts the run to those inputs, as ``newsetl quarantine replay`` does."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw directory not found: {raw_dir}")
    inputs = discover(raw_dir, settings.ignore_globs)
    if only_sources is not None:
        wanted = set(only_sources)
        inputs = (inp for inp in inputs if inp.source_uri in wanted)
    return list(_chunks(inputs, settings.batch_size))


@dataclass
class Staged:
    outcomes: dict[str, int]
    articles: pd.DataFrame  # new and changed articles: what the enrich stage analyses
    part: int


def split_inputs(run: Run, batch: list[RawInput], settings: Settings) -> Split:
    """The batch's inputs to read, and those unchanged since they were last processed."""
    return split_batch(batch, run.inputs_log, settings, run.ledger.landed)


def stage_batch(run: Run, batch: list[RawInput], output: BatchOutput, split: Split | None = None,
                settings: Settings | None = None) -> Staged:
    """Validate, dedup and stage one extracted batch. ``split``: how ``split_inputs`` cut
    the batch (``output`` is then the extraction of ``split.todo``); its skipped inputs
    are counted under their last outcome. With ``settings``, the inputs read are recorded
    in the ``inputs`` table so that the next run can skip them."""
    skipped = split.skipped if split else []
    skipped_outcomes = dict.fromkeys((ARTICLE, DUPLICATE, QUARANTINED), 0)
    # Unchanged articles are kept first: a changed input of the batch with the same text or
    # id is the duplicate (in a full re-read, input order decides; both are consistent).
    for inp, seen in skipped:
        skipped_outcomes[seen.outcome] += 1
        if seen.outcome == ARTICLE:
            run.ledger.keep(seen.article_id, seen.content_sha256, inp.source_uri)
    checked = validate_records("articles", output.articles, run.run_id)
    quarantine = output.quarantine + checked.quarantine
    classified = classify(checked.valid, run.ledger)
    for dup in classified.duplicates:
        log.info("duplicate skipped: %s (%s)", dup.source_uri, dup.why)
        run.duplicate_sources.append(dup.source_uri)
    run.updated_ids.extend(classified.updated_ids)
    part = run.parts
    run.parts += 1
    warehouse.stage(run.root, run.run_id, "articles", classified.to_write, part)
    warehouse.stage(run.root, run.run_id, "quarantine", require_valid("quarantine", quarantine, run.run_id), part)
    if settings is not None:
        warehouse.stage(run.root, run.run_id, "inputs", _input_records(run, batch, output, classified, split, settings),
                        part)

    outcomes = classified.outcomes
    c = run.counts
    c.inputs_seen += len(batch)
    c.articles_new += outcomes[NEW]
    c.articles_updated += outcomes[UPDATED]
    c.articles_unchanged += outcomes[UNCHANGED] + skipped_outcomes[ARTICLE]
    c.duplicates += outcomes[DUPLICATE] + skipped_outcomes[DUPLICATE]
    c.quarantined += len(quarantine) + skipped_outcomes[QUARANTINED]
    c.inputs_skipped_unchanged += len(skipped)
    if c.articles + c.duplicates + c.quarantined != c.inputs_seen:
        raise AssertionError(f"run counts do not add up: {c.as_dict()}")
    return Staged({**outcomes, "quarantined": len(quarantine), "inputs": len(batch), "skipped": len(skipped)},
                  classified.to_write, part)


def _input_records(run: Run, batch: list[RawInput], output: BatchOutput, classified: Classified,
                   split: Split | None, settings: Settings) -> pd.DataFrame:
    """Rows of the ``inputs`` table for the inputs read (and for skipped ones whose time moved)."""
    now = datetime.now(UTC)
    duplicates = {d.source_uri: d.article_id for d in classified.duplicates}
    rows = []
    for inp in split.todo if split else batch:
        state = output.files.get(inp.source_uri)
        if state is None:  # not a regular file: nothing to compare next time
            continue
        kept = classified.kept.get(inp.source_uri)
        outcome = ARTICLE if kept else DUPLICATE if inp.source_uri in duplicates else QUARANTINED
        # A duplicate names the article it duplicates, so its input is never a dead end.
        aid, sha = kept or (duplicates.get(inp.source_uri), None)
        rows.append(record_row(inp, state, input_key(inp, settings), outcome, aid, sha, run.run_id, now))
    for inp, seen, state in split.touched if split else []:
        rows.append(record_row(inp, state, seen.input_key, seen.outcome, seen.article_id, seen.content_sha256,
                               run.run_id, now))
    return require_valid("inputs", rows, run.run_id)


def land_analysis(run: Run, part: int, analysis: Analysis) -> dict[str, int]:
    """Stage one batch's analysis and add its counts to the run's."""
    warehouse.stage(run.root, run.run_id, "mentions", analysis.mentions, part)
    warehouse.stage(run.root, run.run_id, "claims", analysis.claims, part)
    warehouse.stage(run.root, run.run_id, "quarantine", analysis.quarantine, part, step="enrich")
    for key, value in analysis.counts.items():
        run.enrich_counts[key] += value
    return analysis.counts


def enrich_batch(run: Run, staged: Staged, models: Models, settings: Settings) -> dict[str, int]:
    """``analyse_articles`` then ``land_analysis``, in this process."""
    if staged.articles.empty:
        return {}
    return land_analysis(run, staged.part, analyse_articles(staged.articles, models, settings, run.run_id))


# Views over the tables, for analysts to start from.
VIEWS = {
    "claims_by_speaker": """
        SELECT coalesce(speaker_name, speaker_surface) AS speaker, speaker_entity_id, kind,
               count(*) AS claims, count(DISTINCT article_id) AS articles
        FROM claims GROUP BY ALL ORDER BY claims DESC""",
}


def _snapshots(root: Path) -> dict[str, catalog.TableSnapshot]:
    return {
        name: catalog.TableSnapshot(warehouse.live_files(root, name), arrow_schema(t.model))
        for name, t in TABLES.items()
    }


def refresh_catalog(root: warehouse.Root) -> None:
    """Swap in a catalog that shows every table's current version."""
    catalog.refresh(root, _snapshots(root), VIEWS)


def _url_columns(counts: dict[str, int]) -> dict[str, int]:
    columns = {f"urls_{outcome}": counts.get(outcome, 0)
               for outcome in ("fetched", "unchanged", "duplicate", "robots_excluded", "failed")}
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


def commit_run(run: Run, settings: Settings | None = None) -> dict[str, Any]:
    """Land the staged rows (one Delta commit per table), record the run, then swap in
    a catalog that shows it. Until the swap, catalog readers see the previous run; a
    crash before the commit point is rolled back by the next run (or by ``fail_run``).

    Run-level data-quality checks come first. When one fails (the circuit breaker),
    articles, mentions, claims and entities are left alone; quarantine, fetches,
    dq_results and the failed run land, and ``dq.CircuitBreakerTripped`` is raised.
    Cross-table checks run after the merges: a failure raises before the commit point,
    so the run is rolled back and ``fail_run`` records why."""
    if run.stopped is not None:  # a retry of a commit a check stopped must not land anything
        raise run.stopped
    # Only paths and batch size differ between the flow's settings and the environment's.
    settings = settings or Settings()
    now = datetime.now(UTC)
    run.dq_results = dq.run_checks(run.root, _run_facts(run), settings, now)
    tripped = dq.failures(run.dq_results)
    warehouse.begin_commit(run.root, run.run_id)
    if not tripped:
        _merge_articles(run)
    _merge_quarantine(run, resolve=not tripped, now=now)
    staged = warehouse.staged(run.root, run.run_id, "fetches")
    if staged is not None:  # fetch rows are per run
        warehouse.merge(run.root, "fetches", staged, run.run_id, update_if=False)
    if not tripped:
        checks = dq.cross_table_checks(run.root)
        run.dq_results += checks
        if failed := dq.failures(checks):
            run.stopped = dq.CrossTableCheckFailed(dq.summary(run.run_id, failed))
            raise run.stopped
    land_dq_results(run, update_if=True)
    stop = dq.CircuitBreakerTripped(dq.summary(run.run_id, tripped)) if tripped else None
    if stop is not None:
        run.error = describe_error(stop)  # recorded with the failed run
    row = record_run(run, "failed" if tripped else "success")
    warehouse.end_commit(run.root)
    refresh_catalog(run.root)
    warehouse.drop_staging(run.root, run.run_id)
    if stop is not None:
        run.stopped = stop
        raise stop  # fail_run writes its report
    _write_report(run)
    return row


def _merge_articles(run: Run) -> None:
    staged = warehouse.staged(run.root, run.run_id, "articles")
    if staged is not None:
        # Only a changed text rewrites a row: re-running on the same inputs changes nothing.
        warehouse.merge(run.root, "articles", staged, run.run_id, update_if="t.content_sha256 != s.content_sha256")
    enriched = False
    for table in ("mentions", "claims"):
        # A changed article's old mentions and claims go; its new ones come in.
        staged = warehouse.staged(run.root, run.run_id, table)
        if staged is not None or run.updated_ids:
            warehouse.merge(run.root, table, staged, run.run_id, update_if=True, replace_articles=run.updated_ids)
            enriched = True
    if enriched:
        rebuild_entities(run)
    staged = warehouse.staged(run.root, run.run_id, "inputs")
    if staged is not None:  # committed with the articles it describes (see newsetl.incremental)
        warehouse.merge(run.root, "inputs", staged, run.run_id, update_if=True)


def _run_facts(run: Run) -> dq.RunFacts:
    quarantine = warehouse.staged(run.root, run.run_id, "quarantine")
    articles = warehouse.staged(run.root, run.run_id, "articles")
    fetches = warehouse.staged(run.root, run.run_id, "fetches")
    staged = (articles.to_table(columns=["word_count", "published_at", "source_uri"]).to_pydict()
              if articles is not None else {})
    c = run.counts
    return dq.RunFacts(
        inputs_seen=c.inputs_seen, quarantined=c.quarantined, articles=c.articles,
        inputs_skipped=c.inputs_skipped_unchanged,
        quarantine=quarantine.to_table(columns=["table", "check", "reason", "source_uri"]).to_pylist()
        if quarantine is not None else [],
        word_counts=staged.get("word_count", []),
        newest_staged=max((d for d in staged.get("published_at", []) if d is not None), default=None),
        fetches=fetches.to_table(columns=dq.FETCH_COLUMNS).to_pylist() if fetches is not None else [],
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
    staged = warehouse.staged(run.root, run.run_id, "quarantine")
    new = staged.to_table() if staged is not None else arrow_schema(TABLES["quarantine"].model).empty_table()
    parts = [new]
    if resolve:
        landed = set(run.ledger.kept_ids.values()) | set(run.duplicate_sources)
        analysed: set[str] = set()
        articles = warehouse.staged(run.root, run.run_id, "articles")
        if articles is not None and any(run.enrich_counts[k] for k in _ANALYSED):
            analysed = set(articles.to_table(columns=["source_uri"]).column("source_uri").to_pylist())
        parts.append(dq.resolved_quarantine(run.root, landed, analysed, new.column("quarantine_id").to_pylist(),
                                            run.run_id, now))
    source = pa.concat_tables(parts)
    if source.num_rows:
        warehouse.merge(run.root, "quarantine", source, run.run_id,
                        update_if="(t.resolved_at IS NULL) != (s.resolved_at IS NULL)")


def land_dq_results(run: Run, update_if: bool) -> None:
    records = dq.rows(run.run_id, run.dq_results, datetime.now(UTC))
    valid = require_valid("dq_results", records, run.run_id)
    if not valid.empty:
        warehouse.merge(run.root, "dq_results", warehouse.to_arrow("dq_results", valid), run.run_id,
                        update_if=update_if)


def rebuild_entities(run: Run) -> None:
    """The entities table, rebuilt from all mentions (not only this run's): DuckDB counts
    over the five columns it needs, so the cost stays seconds at a million mentions."""
    mentions = warehouse.read_table(run.root, "mentions", ["article_id", "entity_id", "canonical_name", "label", "surface"])
    articles = warehouse.read_table(run.root, "articles", ["article_id", "published_at"])
    entities = build_entities(mentions, articles, default_reference())
    valid = require_valid("entities", entities.to_dict("records"), run.run_id)
    warehouse.overwrite(run.root, "entities", warehouse.to_arrow("entities", valid), run.run_id)


def record_run(run: Run, status: str) -> dict[str, Any]:
    row = run_row(run, status, datetime.now(UTC))
    valid = require_valid("runs", [row], run.run_id)
    # A merge, not an append: a retried commit records the run once, and a run whose
    # commit fails after this point is marked failed rather than left as a success.
    warehouse.merge(
        run.root, "runs", warehouse.to_arrow("runs", valid), run.run_id, update_if="t.status != s.status"
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
        warehouse.roll_back(run.root)
        land_dq_results(run, update_if=False)
        record_run(run, "failed")
        refresh_catalog(run.root)
    finally:
        warehouse.drop_staging(run.root, run.run_id)
    _write_report(run)


def _write_report(run: Run) -> None:
    # The report only shows the run: failing to write it must not fail (or un-commit) it.
    try:
        report.write_report(run.root, run.run_id)
    except Exception:
        log.exception("run %s: writing the report failed", run.run_id)
