"""Contract of the ``claims`` table: who said, claimed, accused or warned what."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas._common import HEX16, Contract, key, run_id

KINDS = ["direct", "indirect", "mixed", "according_to"]
# What kind of attribution the cue makes (newsetl/data/cue_classes.yaml): said/told/warned,
# believes/wants/knows, a report or poll that "found"/"shows", anything else.
CUE_CLASSES = ["speech", "cognition", "document", "other"]
# pieces: a JSON list of [start, end] character spans, e.g. [[120,180],[201,260]];
# DuckDB reads it with from_json(pieces, '[["BIGINT"]]').
PIECES_RE = r"^\[\[\d+,\d+\](,\[\d+,\d+\])*\]$"


class ClaimModel(Contract):
    claim_id: Series[str] = key("Hash of (article_id, content_start, content_end).")
    article_id: Series[str] = pa.Field(str_matches=HEX16, description="The article (articles.article_id).")
    speaker_surface: Series[str] = pa.Field(nullable=True, description="The speaker as written.")
    speaker_name: Series[str] = pa.Field(nullable=True, description="Canonical name of the speaker, if resolved.")
    speaker_entity_id: Series[str] = pa.Field(nullable=True, description="mentions.entity_id of the speaker.")
    speaker_start: Series["Int64"] = pa.Field(nullable=True, ge=0, description="Speaker span start.")
    speaker_end: Series["Int64"] = pa.Field(nullable=True, ge=0, description="Speaker span end.")
    cue: Series[str] = pa.Field(description="Reporting verb or phrase as written.")
    cue_start: Series["int64"] = pa.Field(ge=0, description="Cue span start.")
    cue_end: Series["int64"] = pa.Field(ge=0, description="Cue span end.")
    content: Series[str] = pa.Field(str_length={"min_value": 1}, description="What was said.")
    content_start: Series["int64"] = pa.Field(ge=0, description="Content span start.")
    content_end: Series["int64"] = pa.Field(ge=0, description="Content span end.")
    kind: Series[str] = pa.Field(isin=KINDS, description="direct, indirect, mixed or according_to.")
    cue_class: Series[str] = pa.Field(
        nullable=True, isin=CUE_CLASSES,
        description="speech (said, told, warned ...), cognition (believes, wants, knows ...), document (a report or "
        "poll that found/shows ...) or other; null only on rows landed before the column existed.",
    )
    pieces: Series[str] = pa.Field(
        nullable=True, str_matches=PIECES_RE,
        description="All content spans of the claim this row belongs to, as JSON [[start,end],...] in text order "
        "(a quote split by its cue is two pieces, one row each); this row's content is one of them. "
        "DuckDB: from_json(pieces, '[[\"BIGINT\"]]'). Null only on rows landed before the column existed.",
    )
    confidence: Series["float64"] = pa.Field(
        nullable=True, ge=0, le=1,
        description="The model's probability that the claim is an attribution (its cue and content; not who the "
        "speaker resolves to): the second stage's accept probability (D81) when the weights have one (`accept` in "
        "attribution.json), else the cue decision's probability; the same on every piece of a claim. For ranking "
        "and thresholds within one model's rows: not calibrated across extractors or retrains. Null on the rules' "
        "rows (claims_extractor rules: no probability) and on rows landed before the column existed.",
    )
    target_name: Series[str] = pa.Field(nullable=True, description="Main entity the content is about.")
    target_entity_id: Series[str] = pa.Field(nullable=True, description="mentions.entity_id of the target.")
    sentence_index: Series["int64"] = pa.Field(ge=0, description="Sentence of the cue, from 0.")
    run_id: Series[str] = run_id()

    class Config:
        unique = ["claim_id"]
        description = "One row per attributed statement (primary key claim_id; article_id -> articles)."

    @pa.dataframe_check(description="the row's content span is one of its pieces")
    def content_is_a_piece(cls, df: pd.DataFrame) -> Series[bool]:
        spans = "[" + df["content_start"].astype(str) + "," + df["content_end"].astype(str) + "]"
        return df["pieces"].isna() | pd.Series([s in p for s, p in zip(spans, df["pieces"].fillna(""))], index=df.index)

    @pa.dataframe_check(description="content span is not empty")
    def content_span_not_empty(cls, df: pd.DataFrame) -> Series[bool]:
        return df["content_end"] > df["content_start"]
