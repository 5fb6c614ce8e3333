"""Record contracts: the pandera models of every table, and what follows from them.

``TABLES`` names each table's model and foreign keys; its primary key is the model's
``Config.unique``. ``arrow_schema`` gives the Parquet/Delta schema that follows from a
model and ``frame`` a DataFrame with its columns and types, so neither storage nor the
pipeline's frames can drift from the contract. Nothing here imports the pipeline.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow

from schemas._common import UTC_TS
from schemas.article_versions import ArticleVersionModel
from schemas.articles import MIN_WORDS, ArticleModel
from schemas.claims import ClaimModel
from schemas.dq_results import DqResultModel
from schemas.entities import EntityModel
from schemas.fetches import FetchModel
from schemas.inputs import InputModel
from schemas.mentions import MentionModel
from schemas.quarantine import QuarantineModel
from schemas.runs import RunModel
from schemas.stories import StoryBandModel, StorySignatureModel
from schemas.words import count_words


@dataclass(frozen=True)
class Table:
    name: str
    model: type[pa.DataFrameModel]
    # (column, referenced table) pairs; checked by the pipeline before landing.
    foreign_keys: tuple[tuple[str, str], ...] = ()
    # Copied into the catalog file for analysts; the story index tables are the run's own.
    in_catalog: bool = True

    @property
    def primary_key(self) -> str:
        """The model's ``Config.unique``: one column."""
        [key] = self.model.Config.unique
        return key


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table("articles", ArticleModel),
        Table("mentions", MentionModel, (("article_id", "articles"),)),
        Table("claims", ClaimModel, (("article_id", "articles"),)),
        Table("entities", EntityModel),
        Table("quarantine", QuarantineModel),
        Table("runs", RunModel),
        Table("fetches", FetchModel),
        Table("inputs", InputModel),
        Table("dq_results", DqResultModel),
        Table("article_versions", ArticleVersionModel, (("article_id", "articles"),)),
        Table("story_signatures", StorySignatureModel, (("article_id", "articles"),), in_catalog=False),
        Table("story_bands", StoryBandModel, in_catalog=False),
    )
}

_ARROW_TYPES = {
    "str": pa_arrow.string(),
    "string": pa_arrow.string(),
    "string[pyarrow]": pa_arrow.string(),
    "string[python]": pa_arrow.string(),
    "int64": pa_arrow.int64(),
    "Int64": pa_arrow.int64(),
    "float64": pa_arrow.float64(),
    "Float64": pa_arrow.float64(),
    "bool": pa_arrow.bool_(),
    "boolean": pa_arrow.bool_(),
    "datetime64[us, UTC]": pa_arrow.timestamp("us", tz="UTC"),
}


def arrow_schema(model: type[pa.DataFrameModel]) -> pa_arrow.Schema:
    columns = model.to_schema().columns
    return pa_arrow.schema(
        [pa_arrow.field(name, _ARROW_TYPES[str(col.dtype)], nullable=col.nullable) for name, col in columns.items()]
    )


def columns(model: type[pa.DataFrameModel]) -> list[str]:
    """The model's columns, in its order."""
    return list(model.to_schema().columns)


def frame(model: type[pa.DataFrameModel], rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Rows -> a DataFrame with the model's columns in its order, integer and timestamp
    columns of its types (also when there are no rows); other columns as they come."""
    schema = model.to_schema().columns
    df = pd.DataFrame(list(rows), columns=list(schema))
    for name, column in schema.items():
        dtype = str(column.dtype)
        if dtype in ("int64", "Int64"):
            df[name] = df[name].astype(dtype)
        elif dtype == str(UTC_TS):
            df[name] = pd.to_datetime(df[name], utc=True).astype(UTC_TS)
    return df


__all__ = [
    "MIN_WORDS",
    "TABLES",
    "ArticleModel",
    "ArticleVersionModel",
    "ClaimModel",
    "DqResultModel",
    "EntityModel",
    "FetchModel",
    "InputModel",
    "MentionModel",
    "QuarantineModel",
    "RunModel",
    "StoryBandModel",
    "StorySignatureModel",
    "Table",
    "arrow_schema",
    "columns",
    "count_words",
    "frame",
]
