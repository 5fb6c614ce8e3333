"""Contracts of the two tables that find near-duplicate articles (newsetl/run/stories.py,
docs/decisions.md D58): each landed article's MinHash signature, and its LSH band keys
in a long table that DuckDB joins with a run's new keys. Story membership itself lives
in ``articles`` (story_id, duplicate_of); these tables hold no story."""

from __future__ import annotations

import pandera.pandas as pa
from pandera.typing import Series

from schemas._common import HEX16, HEX64, Contract, key, run_id


class StorySignatureModel(Contract):
    article_id: Series[str] = key("The article (articles.article_id).")
    content_sha256: Series[str] = pa.Field(str_matches=HEX64, description="SHA-256 of the text the signature is of.")
    scheme: Series[str] = pa.Field(
        str_length={"min_value": 1},
        description="What the signature depends on (tokeniser, permutations, seed, shingle words, values).",
    )
    shingles: Series["int64"] = pa.Field(ge=0, description="Distinct word shingles of the text.")
    minhash: Series[str] = pa.Field(
        str_matches=r"^([0-9a-f]{8})+$", description="The MinHash values, little-endian uint32, in hex."
    )
    run_id: Series[str] = run_id()

    class Config:
        unique = ["article_id"]
        description = "One MinHash signature per landed article (primary key article_id; article_id -> articles)."


class StoryBandModel(Contract):
    band_id: Series[str] = pa.Field(
        str_matches=r"^[0-9a-f]{16}-[0-9]+$", description="article_id, '-', the band's number."
    )
    article_id: Series[str] = pa.Field(str_matches=HEX16, description="The article (articles.article_id).")
    band_key: Series["int64"] = pa.Field(
        description="Hash of the scheme, the band's number and its MinHash values: articles sharing one are candidates."
    )
    run_id: Series[str] = run_id()

    class Config:
        unique = ["band_id"]
        description = "LSH band keys, one row per article and band (primary key band_id)."
