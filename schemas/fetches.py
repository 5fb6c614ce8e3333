"""Contract of the ``fetches`` table: one row per URL outcome of the fetch stage.

Every page URL of a run ends as exactly one of ``fetched`` (a new page stored under
raw/), ``unchanged`` (same content as this URL's last fetch, or a 304), ``duplicate``
(content already stored for another URL), ``robots_excluded`` or ``failed``. Feed and
sitemap documents get rows too (source ``feed``); they are never stored as pages.

What the run's ``urls_*`` counts count (``counts_as_url``): every page and WARC row, and
every feed row that gave no links (``failed`` or ``robots_excluded``). A feed that gave
its links is counted through the page rows of those links; a feed that did not is a URL
the run asked for and did not get. So per run the counted rows add up to ``urls_seen``,
and a run whose feeds are all down shows them as failed URLs.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas._common import HEX64, UTC_TS, Contract, key, run_id, utc_timestamp

SOURCES = ["page", "feed", "warc"]
OUTCOMES = ["fetched", "unchanged", "duplicate", "robots_excluded", "failed"]
# Outcomes whose row points at a stored page (raw_path, content_sha256).
STORED_OUTCOMES = ["fetched", "unchanged", "duplicate"]
# Outcomes of a feed or sitemap document that gave no links.
NOT_OBTAINED = ["robots_excluded", "failed"]
ERROR_CLASSES = [
    # refused before any request
    "invalid_url",
    "scheme_refused",
    "private_host_refused",
    "dns_error",
    # robots.txt (outcome robots_excluded)
    "robots_disallowed",
    "robots_unavailable",
    # network (retried)
    "connect_timeout",
    "read_timeout",
    "timeout",
    "connection_error",
    # HTTP status
    "http_4xx",
    "http_5xx",
    "rate_limited",
    "unexpected_status",
    "invalid_status",  # outside 100-599 (HTTP/1.1 999) or unreadable: the status column stays null
    # redirects
    "too_many_redirects",
    "redirect_loop",
    "bad_redirect",
    # body
    "body_too_large",
    "decompressed_too_large",
    "decoding_error",
    "content_type_refused",
    "empty_body",
    # archives and everything else
    "warc_error",
    "internal_error",
]


class FetchModel(Contract):
    fetch_id: Series[str] = key("Hash of (run_id, source, url or WARC record id).")
    run_id: Series[str] = run_id()
    source: Series[str] = pa.Field(isin=SOURCES, description="page (an article URL), feed (RSS/Atom/sitemap) or warc.")
    url: Series[str] = pa.Field(
        str_length={"min_value": 1}, description="The URL asked for (WARC-Target-URI for warc)."
    )
    via_feed: Series[str] = pa.Field(
        nullable=True,
        description="The feed or sitemap entry of the run's sources that listed this URL (for a feed row: the "
        "entry it belongs to, itself or its sitemap index); null for URLs from a list and WARC records.",
    )
    final_url: Series[str] = pa.Field(nullable=True, description="URL after redirects, when a response came.")
    outcome: Series[str] = pa.Field(isin=OUTCOMES, description="How the URL ended.")
    status: Series["Int64"] = pa.Field(
        nullable=True, ge=100, le=599,
        description="HTTP status of the last response; null if none came or it was not 100-599.",
    )
    error_class: Series[str] = pa.Field(
        nullable=True, isin=ERROR_CLASSES, description="Why it failed or was excluded; null otherwise."
    )
    reason: Series[str] = pa.Field(nullable=True, description="The same, for people.")
    attempts: Series["int64"] = pa.Field(
        ge=0, description="Tries (1 + retries); redirect hops are not tries; 0 if nothing was sent."
    )
    redirects: Series["int64"] = pa.Field(ge=0, description="Redirect hops followed.")
    bytes: Series["int64"] = pa.Field(ge=0, description="Body bytes received on the wire (before Content-Encoding).")
    elapsed_s: Series["float64"] = pa.Field(ge=0, description="Wall time to the outcome, waits included.")
    fetched_at: Series[UTC_TS] = utc_timestamp("When the outcome was reached (WARC-Date for warc).")
    content_type: Series[str] = pa.Field(nullable=True, description="Content-Type of the last response.")
    raw_path: Series[str] = pa.Field(
        nullable=True, description="Stored page, POSIX path under raw_dir (web/ab/<sha256>.html.gz)."
    )
    content_sha256: Series[str] = pa.Field(
        nullable=True, str_matches=HEX64, description="SHA-256 of the page bytes (after Content-Encoding)."
    )

    class Config:
        unique = ["fetch_id"]
        description = "One row per URL outcome of the fetch stage (primary key fetch_id)."

    @pa.dataframe_check(description="feed rows belong to a feed entry")
    def feed_has_entry(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["source"] != "feed") | df["via_feed"].notna()

    @pa.dataframe_check(description="error_class is set exactly for failed and robots_excluded rows")
    def error_iff_not_ok(cls, df: pd.DataFrame) -> Series[bool]:
        bad = df["outcome"].isin(["failed", "robots_excluded"])
        return bad == df["error_class"].notna()

    @pa.dataframe_check(description="stored outcomes of pages point at a stored page and its hash")
    def stored_has_path(cls, df: pd.DataFrame) -> Series[bool]:
        needs = df["outcome"].isin(STORED_OUTCOMES) & (df["source"] != "feed")
        return ~needs | (df["raw_path"].notna() & df["content_sha256"].notna())


def counts_as_url(source: str, outcome: str) -> bool:
    """Whether a row counts in the run's ``urls_*`` columns (see the module docstring)."""
    return source != "feed" or outcome in NOT_OBTAINED
