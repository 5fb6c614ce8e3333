"""Contract of the ``inputs`` table: what each raw input was when it was last processed.

A later run skips an input whose file has the same size and modification time (or, when
only the time moved, the same bytes) and the same ``input_key`` (newsetl version,
extraction settings, fetch sidecar): its outcome cannot have changed, so it is counted
under that outcome without being read. The table is committed with the articles it
describes, so a rolled-back run rolls it back too.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas._common import HEX16, HEX64, UTC_TS, Contract, run_id, utc_timestamp

OUTCOMES = ["article", "duplicate", "quarantined"]


class InputModel(Contract):
    source_uri: Series[str] = pa.Field(str_length={"min_value": 1}, description="Input file, POSIX path under raw_dir.")
    size_bytes: Series["int64"] = pa.Field(ge=0, description="File size when it was processed.")
    mtime_ns: Series["int64"] = pa.Field(description="File modification time (ns since the epoch) when it was processed.")
    raw_sha256: Series[str] = pa.Field(str_matches=HEX64, description="SHA-256 of the file's bytes.")
    input_key: Series[str] = pa.Field(
        str_matches=HEX16, description="Hash of what else decides the outcome: newsetl version, extraction settings, sidecar URL and charset."
    )
    outcome: Series[str] = pa.Field(isin=OUTCOMES, description="article, duplicate or quarantined.")
    article_id: Series[str] = pa.Field(
        nullable=True, str_matches=HEX16,
        description="The article it became (outcome article), or the article it duplicates (outcome duplicate: "
        "kept earlier in the same run, or already landed); null when quarantined.",
    )
    content_sha256: Series[str] = pa.Field(nullable=True, str_matches=HEX64, description="That article's content hash.")
    enrich_key: Series[str] = pa.Field(
        nullable=True, str_matches=HEX16,
        description="Hash of what made that article's mentions and claims: the NLP stage's code and data, the spaCy "
        "and attribution models, their settings; null when it was not analysed (outcome not article, or enrich off). "
        "An article analysed under another key is analysed again.",
    )
    run_id: Series[str] = run_id()
    processed_at: Series[UTC_TS] = utc_timestamp("When the run processed it.")

    class Config:
        unique = ["source_uri"]
        description = "One row per raw input last processed (primary key source_uri)."

    @pa.dataframe_check(
        description="article_id is set exactly for outcomes article and duplicate, content_sha256 for article"
    )
    def article_iff_article(cls, df: pd.DataFrame) -> Series[bool]:
        is_article = df["outcome"] == "article"
        has_article = df["outcome"].isin(["article", "duplicate"])
        return (has_article == df["article_id"].notna()) & (is_article == df["content_sha256"].notna())
