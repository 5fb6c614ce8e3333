"""One typed settings object for the whole pipeline.

Every field can be set from the environment as ``NEWSETL_<FIELD>`` (for example
``NEWSETL_BATCH_SIZE=100``); CLI options and flow parameters override it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


# Shortest retention ``newsetl maintain`` accepts (hours): a reader outside the run lock
# lists a table version's files, then reads them; they must outlive its query (D62).
MIN_RETENTION_HOURS = 1

# A size as DuckDB's memory_limit takes it: 512MB, 2GB, 1.5GiB.
MEMORY_SIZE = r"(?i)^\s*\d+(\.\d+)?\s*(B|[KMGT]i?B)\s*$"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSETL_", extra="ignore")

    raw_dir: Path = Path("raw")
    # A directory, or an object-store URI (s3://bucket/prefix): see "object store" below.
    # A string, since Path("s3://b/p") would be "s3:/b/p"; paths are accepted as well.
    warehouse_dir: Annotated[str, BeforeValidator(lambda v: os.fspath(v) if isinstance(v, os.PathLike) else v)] = (
        "warehouse"
    )
    # Files under raw_dir that are documentation, not pages: not counted as inputs.
    ignore_globs: tuple[str, ...] = ("LICENSE*", "README*", "SOURCE*", "*.md", "*.yaml", "*.yml", ".*")

    # Documents per Prefect task. See README "Batch size" and docs/decisions.md.
    batch_size: int = Field(50, ge=1, le=10_000)

    # Input limits: a file larger than this on disk, or a gzip that unpacks past the
    # second cap, is quarantined instead of read.
    max_file_bytes: int = Field(10 * 1024 * 1024, ge=1024)
    max_decompressed_bytes: int = Field(20 * 1024 * 1024, ge=1024)

    # How long a run waits for another run on the same warehouse before giving up.
    lock_wait_seconds: float = Field(0.0, ge=0)

    task_retries: int = Field(2, ge=0)
    task_retry_delay_seconds: float = Field(2.0, ge=0)

    # --- fetch ---
    # Sent with every request; names the crawler and how to reach its operator.
    # The first token ("newsetl") is the robots.txt product token.
    # Deployments set NEWSETL_USER_AGENT with a real contact address.
    user_agent: str = "newsetl/0.1 (+mailto:newsetl-operator@example.org; batch news ETL)"
    fetch_timeout_connect: float = Field(10.0, gt=0)
    fetch_timeout_read: float = Field(30.0, gt=0)
    # Whole-response deadline per try (a server dribbling bytes is cut off).
    fetch_timeout_total: float = Field(120.0, gt=0)
    # Body bytes on the wire, and bytes after Content-Encoding (a gzip bomb stops here).
    fetch_max_bytes: int = Field(5 * 1024 * 1024, ge=1024)
    fetch_max_decompressed_bytes: int = Field(10 * 1024 * 1024, ge=1024)
    fetch_max_redirects: int = Field(5, ge=0, le=30)
    # Retries after the first try (timeouts, connection errors, 5xx, 429).
    fetch_retries: int = Field(3, ge=0, le=10)
    # Backoff before retry n is about base * 2**(n-1) seconds, with jitter.
    fetch_backoff_base: float = Field(1.0, ge=0)
    # Longest wait a server may ask for (Retry-After, Crawl-delay) and longest backoff;
    # a Retry-After above it ends the URL as rate_limited instead of waiting.
    fetch_max_retry_after: float = Field(120.0, ge=0)
    fetch_per_host_concurrency: int = Field(2, ge=1)
    # Minimum seconds between the starts of two requests to the same host.
    fetch_per_host_delay: float = Field(1.0, ge=0)
    fetch_concurrency: int = Field(8, ge=1, le=256)
    # Off: hosts resolving to loopback/private/link-local addresses are refused.
    fetch_allow_private_hosts: bool = False
    # Most page links taken from one feed or sitemap (sitemap indexes included).
    fetch_max_links_per_feed: int = Field(1000, ge=1)

    # --- enrich (mentions) ---
    # Run the NLP stage (mentions, claims, entities) on new and changed articles.
    enrich: bool = True
    # Texts per nlp.pipe batch; at most one batch of Docs is held in memory.
    nlp_batch_size: int = Field(32, ge=1, le=10_000)
    # Longest piece of text given to the model at once (also nlp.max_length); longer
    # articles are analysed in chunks cut at paragraph breaks, with exact offsets.
    nlp_max_chars: int = Field(20_000, ge=1_000, le=2_000_000)
    # Who finds the claims: "model" (the trained attribution model of
    # newsetl/enrich/claims/model, which takes the rules' answers as features; F1 0.747
    # against the rules' 0.703 on PolNeAR dev, D50) or "rules" (the rules alone).
    claims_extractor: Literal["model", "rules"] = "model"

    # --- data quality ---
    # Share of a run's inputs quarantined: above warn the run is flagged in dq_results;
    # above fail the circuit breaker stops it before any article, mention or claim changes
    # (its raw pages stay in raw/ and a replay lands them after the fix).
    dq_quarantined_warn: float = Field(0.10, ge=0, le=1)
    dq_quarantined_fail: float = Field(0.50, ge=0, le=1)
    # Share of non-empty inputs whose extraction gave no usable text (or raised): a broken
    # extractor or a site redesign, not bad pages.
    dq_no_text_warn: float = Field(0.10, ge=0, le=1)
    dq_no_text_fail: float = Field(0.30, ge=0, le=1)
    # Runs with fewer inputs only warn: two junk files out of three say nothing about a source.
    dq_min_inputs: int = Field(20, ge=1)
    # Article count and average word count are compared with the median of the last
    # successful runs (when there are at least dq_history_min_runs of them); a value above
    # dq_history_max_ratio times that median, or below it divided by the ratio, warns.
    dq_history_runs: int = Field(7, ge=1)
    dq_history_min_runs: int = Field(3, ge=1)
    dq_history_max_ratio: float = Field(2.0, gt=1)
    # Newest published_at older than this warns (a daily feed that stopped updating).
    dq_freshness_warn_hours: float = Field(72.0, gt=0)
    # Share of the run's HTTP fetches (page URLs, and feeds or sitemaps that gave no links)
    # that failed or robots.txt refused. Some failures are daily life (removed pages,
    # paywalls); most of them mean the network, a block or the sources are broken. The
    # fail applies to runs of any size: a run asked to fetch that got nothing has failed.
    # Runs that fetch nothing (disk inputs, WARCs) are not checked.
    dq_fetch_failed_warn: float = Field(0.20, ge=0, le=1)
    dq_fetch_failed_fail: float = Field(0.80, ge=0, le=1)
    # A feed or sitemap entry the run follows that gave no new or changed article for this
    # many days warns (a feed that stopped updating, moved, or lists pages that fail).
    dq_source_stale_days: float = Field(3.0, gt=0)

    # --- speed and scale ---
    # Skip inputs unchanged since they were last processed (see newsetl/incremental.py);
    # false re-reads every input (a replay of chosen inputs always re-reads them).
    incremental: bool = True
    # An article landed by a run that did not analyse it (enrich off) is read and analysed
    # by the next run that does. False: only articles analysed under another enrich_key are
    # (the year bench analyses a sample of days, not its whole backlog on each, D69).
    enrich_backfill: bool = True
    # Worker processes for extraction and the NLP pass when tasks run locally; 0 = one per
    # core, 1 = everything in the flow's process. See README "Speed and scale".
    workers: int = Field(0, ge=0, le=256)
    # Runs with fewer inputs to read stay in the flow's process: each worker imports the
    # pipeline and loads the spaCy model (about 4 s) to take over about 0.3 s per page.
    workers_min_inputs: int = Field(64, ge=1)
    # Run the batch tasks on an existing Dask cluster (tcp://host:port) instead of local
    # worker processes, or (dask_local > 0) on a local Dask cluster of that many workers.
    dask_address: str | None = None
    dask_local: int = Field(0, ge=0, le=256)

    # Progress of `newsetl run` when stderr is not a terminal: a line this often (and at
    # the end of each stage). On a terminal it is a bar (docs/decisions.md D64).
    progress_interval_seconds: float = Field(10.0, gt=0, allow_inf_nan=False)

    # --- stories (near-duplicates, newsetl/run/stories.py, docs/decisions.md D58) ---
    # Two articles are one story when at least this share of the shorter one's word
    # shingles are in the longer one (estimated from their MinHash signatures).
    story_similarity: float = Field(0.5, gt=0, le=1)
    # Words per shingle; LSH bands and MinHash values per band (bands x rows values in
    # a signature). Changing any of the three changes every signature and band key:
    # landed articles must then be re-keyed.
    story_shingle_words: int = Field(5, ge=1, le=20)
    story_bands: int = Field(32, ge=1, le=512)
    story_rows: int = Field(3, ge=1, le=32)

    # --- upkeep (newsetl maintain, docs/decisions.md D62) ---
    # Files a compaction or MERGE replaced are deleted this many hours later: time travel
    # and readers outside the run lock reach back this far. Never below MIN_RETENTION_HOURS.
    maintain_retention_hours: int = Field(168, ge=MIN_RETENTION_HOURS)
    # Compaction writes files of about this size: a MERGE that updates one article rewrites
    # the file that holds it, so a bounded file keeps an update's cost from growing with the
    # table (Delta's default, 100 MiB, made every update rewrite all of `articles`, D69).
    maintain_target_file_mib: int = Field(16, ge=1, le=1024)

    # --- newsetl sql (ad-hoc queries on the catalog) ---
    # A query running longer is interrupted; one needing more memory fails (it never spills
    # to disk). Both end with a one-line error; --timeout and --memory-limit override them.
    sql_timeout_seconds: float = Field(60.0, gt=0, allow_inf_nan=False)
    sql_memory_limit: str = Field("2GB", pattern=MEMORY_SIZE)

    # --- object store ---
    # With an s3:// warehouse_dir, the Delta tables and the commit journal live there, and
    # the run lock, staging, catalog file and reports in local_dir (default
    # .newsetl/s3/<bucket>/<prefix>). Credentials come from the usual AWS_* environment;
    # storage_options (JSON, deltalake's AWS_* keys, e.g. {"AWS_ENDPOINT_URL": "http://..",
    # "AWS_ALLOW_HTTP": "true"}) overrides it for both deltalake and DuckDB's reader.
    storage_options: dict[str, SecretStr] = {}
    local_dir: Path | None = None
