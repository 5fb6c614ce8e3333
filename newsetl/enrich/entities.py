"""The ``entities`` table: one row per canonical entity, rebuilt from all mentions."""

from __future__ import annotations

import json
import re
from typing import Any

import pandas as pd

from newsetl.enrich.mentions import EntityReference, load_reference
from schemas import frame
from schemas.entities import EntityModel
from schemas.mentions import LABELS

_WS = re.compile(r"\s+")


def build_entities(mentions: Any, articles: Any, reference: EntityReference | None = None) -> pd.DataFrame:
    """Aggregate ``mentions`` (all articles) into the ``entities`` table.

    ``mentions`` and ``articles`` are DataFrames or Arrow tables (anything DuckDB scans);
    ``mentions`` needs article_id, entity_id, canonical_name, label and surface,
    ``articles`` needs ``article_id`` and ``published_at`` (for first/last seen; articles
    that are missing or undated just do not contribute a date). ``aliases`` is a JSON
    array (string) of the distinct surfaces seen, whitespace-normalized and sorted; in
    DuckDB: ``from_json(aliases, '["VARCHAR"]')`` gives a list.
    The label is the reference list's when the entity is in it, else the most frequent
    label of its mentions (ties: the order of ``schemas.mentions.LABELS``).

    DuckDB does the counting, so only per-entity figures reach Python: at a million
    mentions this takes seconds and a few columns' worth of memory (see bench/duckdb_queries.py).
    """
    reference = reference or load_reference()
    import duckdb  # imported here: analysis workers import this package and never build entities

    con = duckdb.connect()
    con.register("m", mentions)
    con.register("a", articles)
    totals = con.execute("""
        SELECT m.entity_id, count(DISTINCT m.article_id) AS article_count, count(*) AS mention_count,
               min(d.published_at) AS first_seen, max(d.published_at) AS last_seen
        FROM m LEFT JOIN (SELECT article_id, any_value(published_at) AS published_at FROM a GROUP BY article_id) AS d
          ON d.article_id = m.article_id
        GROUP BY m.entity_id""").fetchall()
    if not totals:
        return _empty()
    # Most frequent canonical name; ties go to the first in sorted order (deterministic).
    names = dict(con.execute("""
        SELECT DISTINCT ON (entity_id) entity_id, canonical_name
        FROM (SELECT entity_id, canonical_name, count(*) AS n FROM m GROUP BY ALL)
        ORDER BY entity_id, n DESC, canonical_name""").fetchall())
    labels: dict[str, dict[str, int]] = {}
    for entity_id, label, n in con.execute("SELECT entity_id, label, count(*) FROM m GROUP BY ALL").fetchall():
        labels.setdefault(entity_id, {})[label] = n
    surfaces: dict[str, set[str]] = {}
    for entity_id, surface in con.execute("SELECT DISTINCT entity_id, surface FROM m").fetchall():
        surfaces.setdefault(entity_id, set()).add(_WS.sub(" ", surface).strip())
    con.close()

    rows = []
    label_rank = {label: i for i, label in enumerate(LABELS)}
    for entity_id, article_count, mention_count, first_seen, last_seen in totals:
        name = names[entity_id]
        ent = reference.by_canonical(name)
        if ent is not None:
            label = ent.label
        else:
            counts = labels[entity_id]
            top = max(counts.values())
            label = min((lab for lab, n in counts.items() if n == top), key=lambda lab: label_rank.get(lab, len(LABELS)))
        rows.append(
            {
                "entity_id": entity_id,
                "canonical_name": name,
                "label": label,
                "aliases": json.dumps(sorted(surfaces[entity_id]), ensure_ascii=False),
                "wikidata_id": ent.wikidata_id if ent is not None else None,
                "article_count": article_count,
                "mention_count": mention_count,
                "first_seen": first_seen,
                "last_seen": last_seen,
            }
        )
    return _typed(frame(EntityModel, rows))


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    df["wikidata_id"] = df["wikidata_id"].astype(object).where(df["wikidata_id"].notna(), None)
    order = ["article_count", "mention_count", "canonical_name"]
    return df.sort_values(order, ascending=[False, False, True]).reset_index(drop=True)


def _empty() -> pd.DataFrame:
    return _typed(frame(EntityModel, []))


__all__ = ["build_entities"]
