"""Contract of the ``article_versions`` table: earlier texts of articles whose text changed."""

from __future__ import annotations

import pandera.pandas as pa
from pandera.typing import Series

from schemas._common import HEX16, HEX64, UTC_TS, Contract, key, run_id, utc_timestamp


class ArticleVersionModel(Contract):
    version_id: Series[str] = key("Hash of (article_id, content_sha256).")
    article_id: Series[str] = pa.Field(
        str_matches=HEX16, description="The article (articles.article_id) whose row now holds a later text."
    )
    content_sha256: Series[str] = pa.Field(str_matches=HEX64, description="SHA-256 of this version's text.")
    source_uri: Series[str] = pa.Field(str_length={"min_value": 1}, description="Where this version came from.")
    title: Series[str] = pa.Field(nullable=True, description="This version's headline.")
    published_at: Series[UTC_TS] = utc_timestamp("This version's publication date.", nullable=True)
    text: Series[str] = pa.Field(str_length={"min_value": 1}, description="This version's clean text.")
    word_count: Series["int64"] = pa.Field(ge=0, description="Words in `text`.")
    extractor: Series[str] = pa.Field(description="Extractor that produced `text`.")
    run_id: Series[str] = run_id()
    ingested_at: Series[UTC_TS] = utc_timestamp("When this version landed.")
    superseded_by_run: Series[str] = pa.Field(
        str_length={"min_value": 1}, description="The run that landed the article's next text."
    )

    class Config:
        unique = ["version_id"]
        description = ("An article's earlier text, kept when a later run lands a changed one under the same "
                       "article_id (primary key version_id; article_id -> articles).")
