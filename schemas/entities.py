"""Contract of the ``entities`` table: one row per canonical entity, updated on each run."""

from __future__ import annotations

import json

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas._common import UTC_TS, Contract, key, utc_timestamp
from schemas.mentions import LABELS


def _is_json_string_list(value: object) -> bool:
    try:
        parsed = json.loads(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return isinstance(parsed, list) and len(parsed) > 0 and all(isinstance(v, str) and v for v in parsed)


class EntityModel(Contract):
    entity_id: Series[str] = key("Hash of the casefolded canonical name (mentions.entity_id).")
    canonical_name: Series[str] = pa.Field(
        str_length={"min_value": 1}, description="The entity's name (its most frequent canonical spelling)."
    )
    label: Series[str] = pa.Field(isin=LABELS, description="Entity type: the reference list's, else the most frequent.")
    aliases: Series[str] = pa.Field(
        description='JSON array of the distinct surfaces seen, sorted (e.g. ["America", "U.S.", "US"]).'
    )
    wikidata_id: Series[str] = pa.Field(
        nullable=True, str_matches=r"^Q[1-9][0-9]*$", description="Wikidata item, when the reference list knows it."
    )
    article_count: Series["int64"] = pa.Field(
        ge=1, description="Distinct stories that mention the entity: near-duplicate articles count once (D60)."
    )
    mention_count: Series["int64"] = pa.Field(
        ge=1, description="Mentions of the entity, each story counted once: its article that names it most (D60)."
    )
    first_seen: Series[UTC_TS] = utc_timestamp(
        "Earliest published_at of an article mentioning it (null when no such article is dated).", nullable=True
    )
    last_seen: Series[UTC_TS] = utc_timestamp("Latest published_at of an article mentioning it.", nullable=True)

    class Config:
        unique = ["entity_id"]
        description = "One row per canonical entity (primary key entity_id; mentions.entity_id -> entities)."

    @pa.dataframe_check(description="mention_count >= article_count")
    def mentions_cover_articles(cls, df: pd.DataFrame) -> Series[bool]:
        return df["mention_count"] >= df["article_count"]

    @pa.dataframe_check(description="first_seen <= last_seen")
    def seen_in_order(cls, df: pd.DataFrame) -> Series[bool]:
        return df["first_seen"].isna() | df["last_seen"].isna() | (df["first_seen"] <= df["last_seen"])

    @pa.dataframe_check(description="aliases is a non-empty JSON array of strings")
    def aliases_json(cls, df: pd.DataFrame) -> Series[bool]:
        return df["aliases"].map(_is_json_string_list)
