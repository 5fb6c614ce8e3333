"""The NLP stage of a batch: mentions and claims of its new and changed articles, from one
spaCy pass, checked against their contracts.

The enrich package imports only what that needs (no warehouse, DuckDB or Delta), because
each worker process imports it on start-up, and start-up is time a two-core run does not
spend on pages.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from newsetl.enrich.claims import Lexicon, claims_consumer, default_lexicon
from newsetl.enrich.claims.model.extract import attribution_consumer
from newsetl.enrich.claims.model.model import AttributionModel, default_model
from newsetl.enrich.mentions import EntityReference, default_reference, with_sentence_keys
from newsetl.enrich.nlp import CLAIM_COMPONENTS, load_nlp
from newsetl.enrich.nlp_pass import DocConsumer, enrich_articles
from newsetl.quality import check_spans, quarantine_row, require_valid, validate_records
from newsetl.settings import Settings


@dataclass(frozen=True)
class Models:
    """What the NLP stage loads once per process."""

    nlp: Any
    reference: EntityReference
    lexicon: Lexicon
    attribution: AttributionModel | None = None  # with claims_extractor=model


def load_models(settings: Settings) -> Models:
    """Loads the spaCy pipeline (about 1 s): call only when there is something to analyse."""
    # One pass of one pipeline serves mentions and claims; claims need the parser.
    attribution = default_model() if settings.claims_extractor == "model" else None
    return Models(load_nlp(CLAIM_COMPONENTS, max_chars=settings.nlp_max_chars), default_reference(), default_lexicon(),
                  attribution)


def claims_extractor(models: Models, run_id: str, bylines: dict[str, str | None]) -> DocConsumer:
    """The claims consumer of the NLP pass: the attribution model when loaded (an op-ed's
    "I" is the author its byline names), else the rules."""
    if models.attribution is None:
        return claims_consumer(run_id, models.lexicon)
    return attribution_consumer(run_id, models.attribution, models.lexicon, bylines)


def _bylines(articles: pd.DataFrame) -> dict[str, str | None]:
    if "byline" not in articles:
        return {}
    return {aid: b if isinstance(b, str) else None for aid, b in zip(articles["article_id"], articles["byline"], strict=True)}


@dataclass
class Analysis:
    """What the NLP stage made of a batch's articles, checked against the contracts.
    Plain data: it comes back from a worker process or a Dask worker."""

    mentions: pd.DataFrame
    claims: pd.DataFrame
    quarantine: pd.DataFrame
    counts: dict[str, int]


def analyse_articles(articles: pd.DataFrame, models: Models, settings: Settings, run_id: str) -> Analysis:
    """Mentions and claims of new and changed articles, from one NLP pass. Rows that break
    their contract or do not slice their article's text become quarantine rows."""
    ids, texts = list(articles["article_id"]), list(articles["text"])
    result = enrich_articles(
        zip(ids, texts, articles["language"], strict=True), models.nlp, models.reference, run_id,
        batch_size=settings.nlp_batch_size, max_chars=settings.nlp_max_chars,
        consumers={"claims": claims_extractor(models, run_id, _bylines(articles))},
    )
    by_id, sources = dict(zip(ids, texts, strict=True)), dict(zip(ids, articles["source_uri"], strict=True))
    now = datetime.now(UTC)
    quarantine = [
        quarantine_row(run_id=run_id, table="mentions", source_uri=sources[aid], check="enrich_error",
                       reason=message, record_key=aid, now=now)
        for aid, message in result.errors
    ]
    valid = {}
    for table, rows in (("mentions", result.mentions.to_dict("records")), ("claims", result.outputs["claims"])):
        rows, bad_spans = check_spans(table, rows, by_id, sources, run_id)
        checked = validate_records(table, rows, run_id)
        quarantine += bad_spans + checked.quarantine
        valid[table] = checked.valid
    valid["mentions"] = with_sentence_keys(valid["mentions"])
    counts = {
        "articles_enriched": result.counts["articles_enriched"],
        "enrich_skipped_non_english": result.counts["skipped_non_english"],
        "enrich_skipped_empty": result.counts["skipped_empty"],
        "enrich_failed": result.counts["failed"],
        "mentions": len(valid["mentions"]),
        "claims": len(valid["claims"]),
        "enrich_quarantined": len(quarantine) - len(result.errors),
    }
    return Analysis(valid["mentions"], valid["claims"], require_valid("quarantine", quarantine, run_id), counts)


def combine(parts: list[Analysis]) -> Analysis:
    """One batch's analysis from the analyses of its chunks (in the chunks' order)."""
    if len(parts) == 1:
        return parts[0]
    counts: dict[str, int] = {}
    for part in parts:
        for key, value in part.counts.items():
            counts[key] = counts.get(key, 0) + value
    return Analysis(*(_concat([getattr(p, name) for p in parts]) for name in ("mentions", "claims", "quarantine")), counts)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    # Empty frames are left out: concatenated, they can change the others' column dtypes.
    rows = [f for f in frames if not f.empty]
    if not rows:
        return frames[0]
    return rows[0] if len(rows) == 1 else pd.concat(rows, ignore_index=True)


# spaCy does not promise that one pipeline can serve two threads at once, and tasks run
# in threads when there is no pool (or on a Dask worker with several threads). The lock
# also makes the first two threads load the model once, not once each.
_ONE_AT_A_TIME = threading.Lock()
_MODELS: dict[tuple[int, str], Models] = {}


def _models(settings: Settings) -> Models:
    # Keyed by the settings the models depend on: a process (a pool worker, a Dask
    # worker) keeps them for its life and may serve runs with other settings.
    key = (settings.nlp_max_chars, settings.claims_extractor)
    if key not in _MODELS:
        _MODELS[key] = load_models(settings)
    return _MODELS[key]


def analyse(articles: pd.DataFrame, settings: Settings, run_id: str) -> Analysis:
    """The NLP pass over a batch's new and changed articles, with this process's models
    (loaded on first use and kept for the life of the process: a worker analyses many
    batches, and a Dask worker many runs)."""
    with _ONE_AT_A_TIME:
        return analyse_articles(articles, _models(settings), settings, run_id)
