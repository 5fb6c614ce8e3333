"""The ``entities`` table: one row per canonical entity, from the mentions of the
entities it covers (all of them, or the ones a run touched: docs/decisions.md D61).

A story counts once (D60): near-duplicate articles share a ``story_id``, and an entity
counts, in each story, the mentions of the story's article that names it most often.
A wire copy adds nothing; an update that names someone new adds that person."""

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
    that are missing or undated just do not contribute a date) and may have
    ``story_id`` (an article without one is a story of its own). ``article_count`` counts
    stories and ``mention_count`` sums, over the stories, the most mentions one of the
    story's articles has. ``aliases`` is a JSON
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
    story = "story_id" if "story_id" in con.table("a").columns else "NULL"
    totals = con.execute(f"""
        WITH d AS (
            SELECT article_id, any_value({story}) AS story_id, any_value(published_at) AS published_at
            FROM a GROUP BY article_id
        ), per_article AS (
            SELECT m.entity_id, coalesce(d.story_id, m.article_id) AS story_id, count(*) AS n,
                   any_value(d.published_at) AS published_at
            FROM m LEFT JOIN d ON d.article_id = m.article_id
            GROUP BY m.entity_id, m.article_id, d.story_id
        ), per_story AS (
            SELECT entity_id, story_id, max(n) AS n, min(published_at) AS first_seen, max(published_at) AS last_seen
            FROM per_article GROUP BY entity_id, story_id
        )
        SELECT entity_id, count(*) AS article_count, sum(n)::BIGINT AS mention_count,
               min(first_seen) AS first_seen, max(last_seen) AS last_seen
        FROM per_story GROUP BY entity_id""").fetchall()
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
