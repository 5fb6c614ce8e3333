"""Contract of the ``mentions`` table: named people, organizations and places, with exact spans."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas._common import HEX16, Contract, key, run_id

LABELS = ["PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT"]


class MentionModel(Contract):
    mention_id: Series[str] = key("Hash of (article_id, start_char, end_char).")
    article_id: Series[str] = pa.Field(str_matches=HEX16, description="The article (articles.article_id).")
    start_char: Series["int64"] = pa.Field(ge=0, description="Start offset in articles.text.")
    end_char: Series["int64"] = pa.Field(ge=1, description="End offset (exclusive) in articles.text.")
    surface: Series[str] = pa.Field(str_length={"min_value": 1}, description="text[start_char:end_char].")
    label: Series[str] = pa.Field(isin=LABELS, description="Entity type.")
    entity_id: Series[str] = pa.Field(str_matches=HEX16, description="Canonical entity (same name, same id).")
    canonical_name: Series[str] = pa.Field(str_length={"min_value": 1}, description="One name per entity.")
    sentence_index: Series["int64"] = pa.Field(ge=0, description="Sentence number in the article, from 0.")
    sentence_key: Series["Int64"] = pa.Field(
        nullable=True,
        description="The sentence (article_id, sentence_index) as one integer, to join mentions of one sentence "
                    "on: the mention_id of its first mention read as a signed 64-bit integer, so equal keys are "
                    "the same sentence (mention_id is unique). Null on rows landed before it existed, until a "
                    "run analyses their article again (D68).")
    run_id: Series[str] = run_id()

    class Config:
        unique = ["mention_id"]
        description = "One row per mention (primary key mention_id; article_id -> articles)."

    @pa.dataframe_check(description="end_char > start_char")
    def span_not_empty(cls, df: pd.DataFrame) -> Series[bool]:
        return df["end_char"] > df["start_char"]
