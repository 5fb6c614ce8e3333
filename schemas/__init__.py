"""Record contracts: the pandera models of every table, and nothing else.

``TABLES`` names each table's model and primary key; ``arrow_schema`` gives the
Parquet/Delta schema that follows from a model, so the storage layout cannot drift
from the contract.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandera.pandas as pa
import pyarrow as pa_arrow

from schemas.articles import MIN_WORDS, ArticleModel, count_words
from schemas.claims import ClaimModel
from schemas.dq_results import DqResultModel
from schemas.entities import EntityModel
from schemas.fetches import FetchModel
from schemas.inputs import InputModel
from schemas.mentions import MentionModel
from schemas.quarantine import QuarantineModel
from schemas.runs import RunModel


@dataclass(frozen=True)
class Table:
    name: str
    model: type[pa.DataFrameModel]
    primary_key: str
    # (column, referenced table) pairs; checked by the pipeline before landing.
    foreign_keys: tuple[tuple[str, str], ...] = ()


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table("articles", ArticleModel, "article_id"),
        Table("mentions", MentionModel, "mention_id", (("article_id", "articles"),)),
        Table("claims", ClaimModel, "claim_id", (("article_id", "articles"),)),
        Table("entities", EntityModel, "entity_id"),
        Table("quarantine", QuarantineModel, "quarantine_id"),
        Table("runs", RunModel, "run_id"),
        Table("fetches", FetchModel, "fetch_id"),
        Table("inputs", InputModel, "source_uri"),
        Table("dq_results", DqResultModel, "dq_result_id"),
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


__all__ = [
    "MIN_WORDS",
    "TABLES",
    "ArticleModel",
    "ClaimModel",
    "DqResultModel",
    "EntityModel",
    "FetchModel",
    "InputModel",
    "MentionModel",
    "QuarantineModel",
    "RunModel",
    "Table",
    "arrow_schema",
    "count_words",
]
