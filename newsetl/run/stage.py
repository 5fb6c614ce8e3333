"""What each step of the run stages: the fetches, an extracted batch (validated and
deduplicated), a batch's analysis. Staged rows are Parquet parts, merged at the commit."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from newsetl.enrich import Analysis, Models, analyse_articles
from newsetl.extract import BatchOutput
from newsetl.quality import require_valid, validate_records
from newsetl.run.dedup import DUPLICATE, NEW, UNCHANGED, UPDATED, Classified, classify
from newsetl.run import storylink
from newsetl.run.incremental import ARTICLE, QUARANTINED, Split, enrich_key, input_key, record_row
from newsetl.run.stories import Params
from newsetl.run.state import AnalysisResult, BatchResult, Run, RunCounts
from newsetl.settings import Settings
from newsetl.shown import shown
from newsetl.sources import RawInput, WebSources, fetch_web

log = logging.getLogger(__name__)


def stage_fetches(run: Run, raw_dir: Path, sources: WebSources, settings: Settings) -> dict[str, int]:
    """Fetch every page the sources name into ``raw_dir`` and stage one ``fetches`` row
    per URL."""
    fetched = fetch_web(sources, raw_dir, run.run_id, settings)
    run.feeds = fetched.feeds
    run.warehouse.stage(run.run_id, "fetches", fetched.outcome.frame(), 0)
    run.url_counts = fetched.outcome.counts()
    return run.url_counts


def stage_batch(run: Run, part: int, batch: list[RawInput], output: BatchOutput, split: Split | None = None,
                settings: Settings | None = None) -> BatchResult:
    """Validate, dedup and stage one extracted batch, the run's ``part``-th; returns what
    it adds to the run (``Run.fold_batch`` takes it in) and leaves the run as it was, so a
    retry stages the same rows under the same part. ``split``: how ``split_inputs`` cut
    the batch (``output`` is then the extraction of ``split.todo``); its skipped inputs
    are counted under their last outcome. With ``settings``, the inputs read are recorded
    in the ``inputs`` table so that the next run can skip them."""
    ledger, kept = run.ledger.overlay()
    skipped = split.skipped if split else []
    skipped_outcomes = dict.fromkeys((ARTICLE, DUPLICATE, QUARANTINED), 0)
    # Unchanged articles are kept first: a changed input of the batch with the same text or
    # id is the duplicate (in a full re-read, input order decides; both are consistent).
    for inp, seen in skipped:
        skipped_outcomes[seen.outcome] += 1
        if seen.outcome == ARTICLE:
            ledger.keep(seen.article_id, seen.content_sha256, inp.source_uri)
    checked = validate_records("articles", output.articles, run.run_id)
    quarantine = output.quarantine + checked.quarantine
    classified = classify(checked.valid, ledger)
    for dup in classified.duplicates:
        log.info("duplicate skipped: %s (%s)", shown(dup.source_uri), shown(dup.why))
    run.warehouse.stage(run.run_id, "articles", classified.to_write, part)
    params = Params.from_settings(settings) if settings is not None else Params()
    for table, rows in zip(("story_signatures", "story_bands"),
                           storylink.staged_rows(classified.to_write, params, run.run_id), strict=True):
        run.warehouse.stage(run.run_id, table, rows, part)
    run.warehouse.stage(run.run_id, "quarantine", require_valid("quarantine", quarantine, run.run_id), part)
    if settings is not None:
        run.warehouse.stage(run.run_id, "inputs", _input_records(run, batch, output, classified, split, settings),
                            part)

    outcomes = classified.outcomes
    counts = RunCounts(
        inputs_seen=len(batch),
        articles_new=outcomes[NEW],
        articles_updated=outcomes[UPDATED],
        articles_unchanged=outcomes[UNCHANGED] + skipped_outcomes[ARTICLE],
        duplicates=outcomes[DUPLICATE] + skipped_outcomes[DUPLICATE],
        quarantined=len(quarantine) + skipped_outcomes[QUARANTINED],
        inputs_skipped_unchanged=len(skipped),
    )
    return BatchResult(
        part=part, counts=counts, articles=classified.to_write, kept=kept, updated_ids=classified.updated_ids,
        duplicate_sources=[d.source_uri for d in classified.duplicates],
        outcomes={**outcomes, "quarantined": len(quarantine), "inputs": len(batch), "skipped": len(skipped)},
    )


def stage_unchanged(run: Run, part: int, unchanged: Split, settings: Settings) -> BatchResult:
    """Stage the inputs ``plan_run`` found unchanged as one part, read nothing: they are
    counted under their last outcome, their articles kept for the dedup of the batches
    read after them, and those whose time moved get their ``inputs`` row updated."""
    return stage_batch(run, part, [inp for inp, _ in unchanged.skipped], BatchOutput(), unchanged, settings)


def _input_records(run: Run, batch: list[RawInput], output: BatchOutput, classified: Classified,
                   split: Split | None, settings: Settings) -> pd.DataFrame:
    """Rows of the ``inputs`` table for the inputs read (and for skipped ones whose time moved)."""
    now = datetime.now(UTC)
    duplicates = {d.source_uri: d.article_id for d in classified.duplicates}
    analysed_by = enrich_key(settings)
    rows = []
    for inp in split.todo if split else batch:
        state = output.files.get(inp.source_uri)
        if state is None:  # not a regular file: nothing to compare next time
            continue
        kept = classified.kept.get(inp.source_uri)
        outcome = ARTICLE if kept else DUPLICATE if inp.source_uri in duplicates else QUARANTINED
        # A duplicate names the article it duplicates, so its input is never a dead end.
        aid, sha = kept or (duplicates.get(inp.source_uri), None)
        rows.append(record_row(inp, state, input_key(inp, settings), outcome, aid, sha, run.run_id, now, analysed_by))
    for inp, seen, state in split.touched if split else []:
        rows.append(record_row(inp, state, seen.input_key, seen.outcome, seen.article_id, seen.content_sha256,
                               run.run_id, now, seen.enrich_key))
    return require_valid("inputs", rows, run.run_id)


def land_analysis(run: Run, part: int, analysis: Analysis) -> AnalysisResult:
    """Stage one batch's analysis; returns its counts for ``Run.fold_analysis``."""
    run.warehouse.stage(run.run_id, "mentions", analysis.mentions, part)
    run.warehouse.stage(run.run_id, "claims", analysis.claims, part)
    run.warehouse.stage(run.run_id, "quarantine", analysis.quarantine, part, step="enrich")
    return AnalysisResult(part, dict(analysis.counts))


def enrich_batch(run: Run, staged: BatchResult, models: Models, settings: Settings) -> AnalysisResult:
    """``analyse_articles`` then ``land_analysis``, in this process."""
    if staged.articles.empty:
        return AnalysisResult(staged.part, {})
    return land_analysis(run, staged.part, analyse_articles(staged.articles, models, settings, run.run_id))
