"""The ``entities`` table: one row per canonical entity, rebuilt from all mentions."""

from __future__ import annotations

import json
import re

import pandas as pd

from newsetl.entity_reference import EntityReference, load_reference
from schemas.mentions import LABELS

ENTITY_COLUMNS = [
    "entity_id",
    "canonical_name",
    "label",
    "aliases",
    "wikidata_id",
    "article_count",
    "mention_count",
    "first_seen",
    "last_seen",
]
_WS = re.compile(r"\s+")
_TS = pd.DatetimeTZDtype(unit="us", tz="UTC")


def _most_frequent(values: pd.Series) -> str:
    """The most frequent value; ties go to the first in sorted order (deterministic)."""
    counts = values.value_counts()
    top = counts[counts == counts.max()].index
    return sorted(top)[0]


def build_entities(
    mentions: pd.DataFrame,
    articles: pd.DataFrame,
    reference: EntityReference | None = None,
) -> pd.DataFrame:
    """Aggregate ``mentions`` (all articles) into the ``entities`` table.

    ``articles`` needs ``article_id`` and ``published_at`` (for first/last seen; articles
    that are missing or undated just do not contribute a date). ``aliases`` is a JSON
    array (string) of the distinct surfaces seen, whitespace-normalized and sorted; in
    DuckDB: ``from_json(aliases, '["VARCHAR"]')`` gives a list.
    The label is the reference list's when the entity is in it, else the most frequent
    label of its mentions (ties: the order of ``schemas.mentions.LABELS``).
    """
    reference = reference or load_reference()
    if mentions.empty:
        return _empty()
    m = mentions[["article_id", "entity_id", "canonical_name", "label", "surface"]].copy()
    dates = articles[["article_id", "published_at"]].drop_duplicates("article_id")
    published = pd.to_datetime(dates["published_at"], utc=True, errors="coerce")
    m = m.merge(dates.assign(published_at=published), on="article_id", how="left")
    m["surface"] = m["surface"].map(lambda s: _WS.sub(" ", s).strip())

    rows = []
    label_rank = {label: i for i, label in enumerate(LABELS)}
    for entity_id, g in m.groupby("entity_id", sort=True):
        name = _most_frequent(g["canonical_name"])
        ent = reference.by_canonical(name)
        if ent is not None:
            label = ent.label
        else:
            counts = g["label"].value_counts()
            best = counts[counts == counts.max()].index
            label = min(best, key=lambda lab: label_rank.get(lab, len(LABELS)))
        seen = g["published_at"].dropna()
        rows.append(
            {
                "entity_id": entity_id,
                "canonical_name": name,
                "label": label,
                "aliases": json.dumps(sorted(set(g["surface"])), ensure_ascii=False),
                "wikidata_id": ent.wikidata_id if ent is not None else None,
                "article_count": int(g["article_id"].nunique()),
                "mention_count": len(g),
                "first_seen": seen.min() if len(seen) else pd.NaT,
                "last_seen": seen.max() if len(seen) else pd.NaT,
            }
        )
    out = pd.DataFrame(rows, columns=ENTITY_COLUMNS)
    return _typed(out)


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    df["article_count"] = df["article_count"].astype("int64")
    df["mention_count"] = df["mention_count"].astype("int64")
    df["wikidata_id"] = df["wikidata_id"].astype(object).where(df["wikidata_id"].notna(), None)
    for col in ("first_seen", "last_seen"):
        df[col] = pd.to_datetime(df[col], utc=True).astype(_TS)
    order = ["article_count", "mention_count", "canonical_name"]
    return df.sort_values(order, ascending=[False, False, True]).reset_index(drop=True)


def _empty() -> pd.DataFrame:
    return _typed(pd.DataFrame({c: pd.Series(dtype=object) for c in ENTITY_COLUMNS}))


__all__ = ["ENTITY_COLUMNS", "build_entities"]
