"""The contracts are the one source of truth: what the pipeline builds follows from them."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa

from newsetl.enrich.claims import CLAIM_COLUMNS, claims_frame
from newsetl.enrich.entities import build_entities
from newsetl.enrich.mentions import MENTION_COLUMNS, mentions_frame
from schemas import TABLES, arrow_schema, columns
from schemas.claims import ClaimModel
from schemas.entities import EntityModel
from schemas.mentions import MentionModel
from support.paths import REPO


def test_every_model_shares_the_base_config_and_names_one_primary_key():
    for table in TABLES.values():
        schema = table.model.to_schema()
        assert schema.strict is True and schema.coerce is True, table.name
        assert schema.unique == [table.primary_key], table.name


def test_empty_frames_have_the_contract_columns_and_types():
    entities = build_entities(mentions_frame([]), pa.table({"article_id": pa.array([], pa.string()),
                                                            "published_at": pa.array([], pa.timestamp("us", "UTC"))}))
    for model, frame, names in ((ClaimModel, claims_frame([]), CLAIM_COLUMNS),
                                (MentionModel, mentions_frame([]), MENTION_COLUMNS),
                                (EntityModel, entities, columns(EntityModel))):
        assert list(frame.columns) == names == columns(model)
        # Storable as the table's Arrow schema as it is: no column of another type.
        assert pa.Table.from_pandas(frame, schema=arrow_schema(model), preserve_index=False).num_rows == 0


def test_fetch_rows_take_the_contract_columns_and_types():
    from newsetl.sources.fetch.run import FetchOutcome
    from schemas.fetches import FetchModel

    empty = FetchOutcome("r", Path("raw")).frame(validate=False)
    assert list(empty.columns) == columns(FetchModel)
    assert pa.Table.from_pandas(empty, schema=arrow_schema(FetchModel), preserve_index=False).num_rows == 0


# What restating a contract looks like in code: a column cast to one of the contracts'
# types, a list of allowed values or a primary key written down again, a second word count.
RESTATED = re.compile(r"""astype\(\s*["'](Int64|int64|datetime64\[us, UTC\])["']|\bKINDS\s*=|\bunique\s*=\s*\[|def count_words\b""")


def test_no_contract_detail_is_restated_outside_schemas():
    root = REPO
    found = [f"{path.relative_to(root)}:{n}: {line.strip()}"
             for folder in ("newsetl", "flows") for path in sorted((root / folder).rglob("*.py"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if RESTATED.search(line)]
    assert found == []
