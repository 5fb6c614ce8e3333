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

from newsetl import __version__, catalog, warehouse
from newsetl.claims import Lexicon, claims_consumer, default_lexicon
from newsetl.dedup import DUPLICATE, NEW, UNCHANGED, UPDATED, Ledger, classify
from newsetl.enrich import enrich_articles
from newsetl.entities import build_entities
from newsetl.entity_reference import EntityReference, default_reference
from newsetl.extract import BatchOutput
from newsetl.fetch import FetchOutcome, fetch_all, load_sources, load_warc, read_url_list
from newsetl.inputs import RawInput, discover
from newsetl.nlp import CLAIM_COMPONENTS, load_nlp
from newsetl.quarantine import quarantine_row
from newsetl.settings import Settings
from newsetl.spans import check_spans
from newsetl.validate import validate_records
from schemas import TABLES, arrow_schema

log = logging.getLogger(__name__)


@dataclass
class RunCounts:
    inputs_seen: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    articles_unchanged: int = 0
    duplicates: int = 0
    quarantined: int = 0

    @property
    def articles(self) -> int:
        return self.articles_new + self.articles_updated + self.articles_unchanged

    def as_dict(self) -> dict[str, int]:
        return {**asdict(self), "articles": self.articles}


@dataclass
class Run:
    run_id: str
    root: Path
    source: str
    started_at: datetime
    ledger: Ledger
    counts: RunCounts = field(default_factory=RunCounts)
    parts: int = 0
    url_counts: dict[str, int] = field(default_factory=dict)
    enrich_counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ENRICH_COUNTS, 0))
    updated_ids: list[str] = field(default_factory=list)


# Run counts of the enrich stage, as columns of the runs table.
ENRICH_COUNTS = ("articles_enriched", "enrich_skipped_non_english", "enrich_skipped_empty", "enrich_failed",
                 "mentions", "claims", "enrich_quarantined")


@dataclass(frozen=True)
class Models:
    """What the enrich stage loads once per run."""

    nlp: Any
    reference: EntityReference
    lexicon: Lexicon


def load_models(settings: Settings) -> Models:
    # One pass of one pipeline serves mentions and claims; claims need the parser.
    return Models(load_nlp(CLAIM_COMPONENTS, max_chars=settings.nlp_max_chars), default_reference(), default_lexicon())


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


def start_run(raw_dir: Path, warehouse_dir: Path) -> Run:
    """Prepare the warehouse for a run. Call while holding ``warehouse.exclusive``."""
    root = Path(warehouse_dir).resolve()
    warehouse.ensure_tables(root)
    # A run that died mid-commit is undone, and its staged rows are never committed.
    warehouse.roll_back(root)
    warehouse.drop_staging(root)
    # A run that died between its commit point and the catalog swap left a stale catalog.
    catalog.refresh(root, _snapshots(root), VIEWS)
    now = datetime.now(UTC)
    ledger = Ledger.from_warehouse(warehouse.read_table(root, "articles", ["article_id", "content_sha256"]))
    return Run(run_id=new_run_id(now), root=root, source=str(raw_dir), started_at=now, ledger=ledger)


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


def plan_batches(raw_dir: Path, settings: Settings) -> list[list[RawInput]]:
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw directory not found: {raw_dir}")
    return list(_chunks(discover(raw_dir, settings.ignore_globs), settings.batch_size))


@dataclass
class Staged:
    outcomes: dict[str, int]
    articles: pd.DataFrame  # new and changed articles: what the enrich stage analyses
    part: int


def stage_batch(run: Run, batch: list[RawInput], output: BatchOutput) -> Staged:
    """Validate, dedup and stage one extracted batch."""
    checked = validate_records("articles", output.articles, run.run_id)
    quarantine = output.quarantine + checked.quarantine
    classified = classify(checked.valid, run.ledger)
    for source_uri, why in classified.duplicates:
        log.info("duplicate skipped: %s (%s)", source_uri, why)
    run.updated_ids.extend(classified.updated_ids)
    part = run.parts
    run.parts += 1
    warehouse.stage(run.root, run.run_id, "articles", classified.to_write, part)
    q_checked = validate_records("quarantine", quarantine, run.run_id)
    if q_checked.quarantine:  # a quarantine row that breaks its own contract is a bug
        raise ValueError(f"invalid quarantine rows: {q_checked.quarantine[:1]}")
    warehouse.stage(run.root, run.run_id, "quarantine", q_checked.valid, part)

    outcomes = classified.outcomes
    c = run.counts
    c.inputs_seen += len(batch)
    c.articles_new += outcomes[NEW]
    c.articles_updated += outcomes[UPDATED]
    c.articles_unchanged += outcomes[UNCHANGED]
    c.duplicates += outcomes[DUPLICATE]
    c.quarantined += len(quarantine)
    if c.articles + c.duplicates + c.quarantined != c.inputs_seen:
        raise AssertionError(f"run counts do not add up: {c.as_dict()}")
    return Staged({**outcomes, "quarantined": len(quarantine), "inputs": len(batch)}, classified.to_write, part)


def enrich_batch(run: Run, staged: Staged, models: Models, settings: Settings) -> dict[str, int]:
    """Mentions and claims of the batch's new and changed articles, from one NLP pass.
    Rows that break their contract or do not slice their article's text are quarantined."""
    articles = staged.articles
    if articles.empty:
        return {}
    ids, texts = list(articles["article_id"]), list(articles["text"])
    result = enrich_articles(
        zip(ids, texts, articles["language"], strict=True), models.nlp, models.reference, run.run_id,
        batch_size=settings.nlp_batch_size, n_process=settings.nlp_n_process, max_chars=settings.nlp_max_chars,
        consumers={"claims": claims_consumer(run.run_id, models.lexicon)},
    )
    by_id, sources = dict(zip(ids, texts, strict=True)), dict(zip(ids, articles["source_uri"], strict=True))
    now = datetime.now(UTC)
    quarantine = [
        quarantine_row(run_id=run.run_id, table="mentions", source_uri=sources[aid], check="enrich_error",
                       reason=message, record_key=aid, now=now)
        for aid, message in result.errors
    ]
    landed = {}
    for table, rows in (("mentions", result.mentions.to_dict("records")), ("claims", result.outputs["claims"])):
        rows, bad_spans = check_spans(table, rows, by_id, sources, run.run_id)
        checked = validate_records(table, rows, run.run_id)
        quarantine += bad_spans + checked.quarantine
        landed[table] = warehouse.stage(run.root, run.run_id, table, checked.valid, staged.part)
    warehouse.stage(run.root, run.run_id, "quarantine", validate_records("quarantine", quarantine, run.run_id).valid,
                    staged.part, step="enrich")
    counts = {
        "articles_enriched": result.counts["articles_enriched"],
        "enrich_skipped_non_english": result.counts["skipped_non_english"],
        "enrich_skipped_empty": result.counts["skipped_empty"],
        "enrich_failed": result.counts["failed"],
        "mentions": landed["mentions"],
        "claims": landed["claims"],
        "enrich_quarantined": len(quarantine) - len(result.errors),
    }
    for key, value in counts.items():
        run.enrich_counts[key] += value
    return counts


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


def _url_columns(counts: dict[str, int]) -> dict[str, int]:
    columns = {f"urls_{outcome}": counts.get(outcome, 0)
               for outcome in ("fetched", "unchanged", "duplicate", "robots_excluded", "failed")}
    return {"urls_seen": sum(columns.values()), **columns}


def run_row(run: Run, status: str, finished_at: datetime) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "started_at": run.started_at,
        "finished_at": finished_at,
        "status": status,
        "source": run.source,
        **run.counts.as_dict(),
        **run.enrich_counts,
        **_url_columns(run.url_counts),
        "newsetl_version": __version__,
    }


def commit_run(run: Run) -> dict[str, Any]:
    """Land the staged rows (one Delta commit per table), record the run, then swap in
    a catalog that shows it. Until the swap, catalog readers see the previous run; a
    crash before the commit point is rolled back by the next run (or by ``fail_run``)."""
    warehouse.begin_commit(run.root, run.run_id)
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
    # The same problem seen again keeps its first row; fetch rows are per run.
    for table in ("quarantine", "fetches"):
        staged = warehouse.staged(run.root, run.run_id, table)
        if staged is not None:
            warehouse.merge(run.root, table, staged, run.run_id, update_if=False)
    row = record_run(run, "success")
    warehouse.end_commit(run.root)
    catalog.refresh(run.root, _snapshots(run.root), VIEWS)
    warehouse.drop_staging(run.root, run.run_id)
    return row


def rebuild_entities(run: Run) -> None:
    """The entities table, rebuilt from all mentions (not only this run's)."""
    mentions = warehouse.read_table(run.root, "mentions").to_pandas()
    articles = warehouse.read_table(run.root, "articles", ["article_id", "published_at"]).to_pandas()
    entities = build_entities(mentions, articles, default_reference())
    checked = validate_records("entities", entities.to_dict("records"), run.run_id)
    if checked.quarantine:  # built from validated mentions: a failure here is a bug
        raise ValueError(f"entities break their contract: {checked.quarantine[0]['reason']}")
    warehouse.overwrite(run.root, "entities", warehouse.to_arrow("entities", checked.valid), run.run_id)


def record_run(run: Run, status: str) -> dict[str, Any]:
    row = run_row(run, status, datetime.now(UTC))
    checked = validate_records("runs", [row], run.run_id)
    if checked.quarantine:
        raise ValueError(f"run row breaks its contract: {checked.quarantine[0]['reason']}")
    # A merge, not an append: a retried commit records the run once, and a run whose
    # commit fails after this point is marked failed rather than left as a success.
    warehouse.merge(
        run.root, "runs", warehouse.to_arrow("runs", checked.valid), run.run_id, update_if="t.status != s.status"
    )
    return row


def fail_run(run: Run) -> None:
    """Record a failed run (its counts cover the batches it finished) and clean up.
    The catalog is left as it was, so readers keep seeing the last complete run."""
    try:
        warehouse.roll_back(run.root)
        record_run(run, "failed")
    finally:
        warehouse.drop_staging(run.root, run.run_id)
