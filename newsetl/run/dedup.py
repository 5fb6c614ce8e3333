"""Dedup: decide for each valid article whether it is new, changed, unchanged or a duplicate.

The ledger starts from what the warehouse holds and learns what this run keeps, so the
outcome does not depend on how inputs were cut into batches.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import NamedTuple

import pandas as pd
import pyarrow as pa

NEW, UPDATED, UNCHANGED, DUPLICATE = "new", "updated", "unchanged", "duplicate"


@dataclass
class Kept:
    """Articles kept: article_id -> source_uri, and content sha -> (source_uri, article_id)."""

    ids: dict[str, str] = field(default_factory=dict)
    shas: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass
class Ledger:
    landed: dict[str, str] = field(default_factory=dict)  # article_id -> sha in the warehouse
    landed_shas: dict[str, str] = field(default_factory=dict)  # sha -> article_id in the warehouse
    kept_ids: MutableMapping[str, str] = field(default_factory=dict)  # article_id -> source_uri, this run
    # sha -> (source_uri, article_id), this run
    kept_shas: MutableMapping[str, tuple[str, str]] = field(default_factory=dict)

    def keep(self, article_id: str, sha: str, source_uri: str) -> None:
        """Record an article this run keeps (classified here, or skipped as unchanged)."""
        self.kept_ids[article_id] = source_uri
        self.kept_shas[sha] = (source_uri, article_id)

    def overlay(self) -> tuple[Ledger, Kept]:
        """A ledger that reads this one and writes what it keeps to the ``Kept`` returned,
        leaving this one as it was: a batch classifies against it, and the run takes its
        articles in (``take``) once the batch is staged, so a retried batch meets the
        same ledger as the first attempt."""
        kept = Kept()
        return Ledger(self.landed, self.landed_shas, ChainMap(kept.ids, self.kept_ids),
                      ChainMap(kept.shas, self.kept_shas)), kept

    def take(self, kept: Kept) -> None:
        self.kept_ids.update(kept.ids)
        self.kept_shas.update(kept.shas)

    @classmethod
    def from_warehouse(cls, ids_and_shas: pa.Table) -> Ledger:
        ids = ids_and_shas.column("article_id").to_pylist()
        shas = ids_and_shas.column("content_sha256").to_pylist()
        return cls(landed=dict(zip(ids, shas, strict=True)), landed_shas=dict(zip(shas, ids, strict=True)))


class Duplicate(NamedTuple):
    source_uri: str
    article_id: str  # the article it duplicates: kept earlier in the run, or already landed
    why: str


@dataclass
class Classified:
    to_write: pd.DataFrame  # new and updated rows
    outcomes: dict[str, int]  # NEW/UPDATED/UNCHANGED/DUPLICATE -> count
    duplicates: list[Duplicate]
    updated_ids: list[str]  # articles whose text changed: their old enrichments must go
    kept: dict[str, tuple[str, str]]  # source_uri -> (article_id, content_sha256) of every article kept


def _duplicate_of(aid: str, sha: str, src: str, ledger: Ledger) -> Duplicate | None:
    if aid in ledger.kept_ids:
        return Duplicate(src, aid, f"same article id as {ledger.kept_ids[aid]}")
    if sha in ledger.kept_shas:
        kept_src, kept_id = ledger.kept_shas[sha]
        return Duplicate(src, kept_id, f"same text as {kept_src}")
    if sha in ledger.landed_shas and ledger.landed_shas[sha] != aid:
        landed = ledger.landed_shas[sha]
        return Duplicate(src, landed, f"same text as article {landed} already in the warehouse")
    return None


def classify(articles: pd.DataFrame, ledger: Ledger) -> Classified:
    """Classify valid articles in input order; records what it keeps in ``ledger``."""
    outcomes = dict.fromkeys((NEW, UPDATED, UNCHANGED, DUPLICATE), 0)
    duplicates: list[Duplicate] = []
    keep: list[int] = []
    updated: list[str] = []
    kept: dict[str, tuple[str, str]] = {}
    for i, (aid, sha, src) in enumerate(
        zip(articles["article_id"], articles["content_sha256"], articles["source_uri"], strict=True)
    ):
        duplicate = _duplicate_of(aid, sha, src, ledger)
        if duplicate is not None:
            outcomes[DUPLICATE] += 1
            duplicates.append(duplicate)
            continue
        ledger.keep(aid, sha, src)
        kept[src] = (aid, sha)
        previous = ledger.landed.get(aid)
        if previous == sha:
            outcomes[UNCHANGED] += 1
        else:
            outcomes[NEW if previous is None else UPDATED] += 1
            keep.append(i)
            if previous is not None:
                updated.append(aid)
    return Classified(articles.iloc[keep].reset_index(drop=True), outcomes, duplicates, updated, kept)
