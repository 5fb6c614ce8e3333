"""Contract of the ``runs`` table: one row per pipeline run, with counts that add up.

Inputs: ``inputs_seen = articles + duplicates + quarantined``. URLs: ``urls_seen`` counts
every URL the run asked for that could end up as a page: each page URL (from URL lists and
feed links) and each WARC record, plus each feed or sitemap document that gave no links
(failed or robots-excluded). A feed that gave its links is counted through its pages; one
that failed is a URL the run asked for and did not get, so it counts as failed. Then
``urls_seen = fetched + unchanged + duplicate + robots_excluded + failed``, each of them the
count of ``fetches`` rows with that outcome under this rule.

A failed run says why: ``error_class`` and ``error_message`` (one line, at most
``ERROR_MESSAGE_MAX`` characters) are set exactly when ``status`` is ``failed``.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas._common import UTC_TS, Contract, run_id, utc_timestamp

STATUSES = ["success", "failed"]
ERROR_MESSAGE_MAX = 500


class RunModel(Contract):
    run_id: Series[str] = run_id()
    started_at: Series[UTC_TS] = utc_timestamp("Start of the run.")
    finished_at: Series[UTC_TS] = utc_timestamp("End of the run.")
    status: Series[str] = pa.Field(isin=STATUSES, description="success or failed.")
    source: Series[str] = pa.Field(description="What the run read (raw directory), as given.")
    raw_dir: Series[str] = pa.Field(
        nullable=True, description="Absolute path of that raw directory (where `quarantine replay` finds the inputs); null for runs recorded before it existed."
    )
    inputs_seen: Series["int64"] = pa.Field(ge=0, description="Input pages discovered.")
    articles: Series["int64"] = pa.Field(ge=0, description="Inputs that are a valid article (new + updated + unchanged).")
    articles_new: Series["int64"] = pa.Field(ge=0, description="Articles not in the warehouse before.")
    articles_updated: Series["int64"] = pa.Field(ge=0, description="Articles whose text changed.")
    articles_unchanged: Series["int64"] = pa.Field(ge=0, description="Articles already landed as they are.")
    duplicates: Series["int64"] = pa.Field(ge=0, description="Inputs whose article was already seen (same text or id).")
    quarantined: Series["int64"] = pa.Field(ge=0, description="Inputs quarantined with a reason.")
    inputs_skipped_unchanged: Series["int64"] = pa.Field(ge=0, description="Inputs not read again: unchanged since they were last processed, counted under that outcome (see the inputs table).")
    articles_enriched: Series["int64"] = pa.Field(ge=0, description="New or changed articles run through the NLP stage.")
    enrich_skipped_non_english: Series["int64"] = pa.Field(ge=0, description="New or changed articles not analysed: language known and not English.")
    enrich_skipped_empty: Series["int64"] = pa.Field(ge=0, description="New or changed articles not analysed: no text.")
    enrich_failed: Series["int64"] = pa.Field(ge=0, description="Articles whose analysis raised (quarantined as enrich_error).")
    mentions: Series["int64"] = pa.Field(ge=0, description="Mention rows staged by this run.")
    claims: Series["int64"] = pa.Field(ge=0, description="Claim rows staged by this run.")
    enrich_quarantined: Series["int64"] = pa.Field(ge=0, description="Mention and claim rows quarantined by this run.")
    urls_seen: Series["int64"] = pa.Field(ge=0, description="URLs asked for: page URLs (URL lists, feed links), WARC records, and feed or sitemap documents that gave no links.")
    urls_fetched: Series["int64"] = pa.Field(ge=0, description="Page URLs stored as new raw pages.")
    urls_unchanged: Series["int64"] = pa.Field(ge=0, description="Page URLs whose content had not changed (304 or same hash).")
    urls_duplicate: Series["int64"] = pa.Field(ge=0, description="Page URLs whose content was already stored for another URL.")
    urls_robots_excluded: Series["int64"] = pa.Field(ge=0, description="Page, feed or sitemap URLs robots.txt did not allow.")
    urls_failed: Series["int64"] = pa.Field(ge=0, description="Page, feed or sitemap URLs that failed: down, refused, HTTP errors (see the fetches table).")
    error_class: Series[str] = pa.Field(
        nullable=True, str_length={"min_value": 1}, description="Why a failed run failed: the exception's class (CircuitBreakerTripped for a data-quality stop); null for a success."
    )
    error_message: Series[str] = pa.Field(
        nullable=True, str_length={"min_value": 1, "max_value": ERROR_MESSAGE_MAX}, str_matches=r"^[^\r\n]*$",
        description=f"Its message, on one line, at most {ERROR_MESSAGE_MAX} characters; null for a success.",
    )
    newsetl_version: Series[str] = pa.Field(description="Version of the pipeline.")

    class Config:
        unique = ["run_id"]
        description = "One row per run (primary key run_id)."

    @pa.dataframe_check(description="inputs_seen = articles + duplicates + quarantined")
    def counts_add_up(cls, df: pd.DataFrame) -> Series[bool]:
        return df["inputs_seen"] == df["articles"] + df["duplicates"] + df["quarantined"]

    @pa.dataframe_check(description="urls_seen = fetched + unchanged + duplicate + robots_excluded + failed")
    def urls_add_up(cls, df: pd.DataFrame) -> Series[bool]:
        parts = ["urls_fetched", "urls_unchanged", "urls_duplicate", "urls_robots_excluded", "urls_failed"]
        return df["urls_seen"] == df[parts].sum(axis=1)

    @pa.dataframe_check(description="error_class and error_message are set exactly for failed runs")
    def failed_says_why(cls, df: pd.DataFrame) -> Series[bool]:
        failed = df["status"] == "failed"
        return (failed == df["error_class"].notna()) & (failed == df["error_message"].notna())

    @pa.dataframe_check(description="inputs_skipped_unchanged <= inputs_seen")
    def skipped_within_seen(cls, df: pd.DataFrame) -> Series[bool]:
        return df["inputs_skipped_unchanged"] <= df["inputs_seen"]

    @pa.dataframe_check(description="articles = new + updated + unchanged")
    def articles_add_up(cls, df: pd.DataFrame) -> Series[bool]:
        return df["articles"] == df["articles_new"] + df["articles_updated"] + df["articles_unchanged"]
