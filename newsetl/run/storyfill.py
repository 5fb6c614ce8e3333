"""Stories for what runs did not give one (docs/decisions.md D73): articles landed before
stories were wired (null ``story_id``), and signatures of an older scheme (the story
settings changed). Run by ``newsetl maintain`` under the run lock, in chunks, each chunk
one journalled commit of the three story writes and the entities it changes, so a kill
half-way leaves the warehouse as the last whole chunk left it, and the next maintain
goes on from there.

Articles without a story are decided earliest first (published_at, undated last, then
article_id), as a run decides its new ones, against every article that has a story: a
story's name never changes, so an old article joins a story a later run founded rather
than renaming it. A re-keyed article keeps its story; only its signature and band keys
are written again.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyarrow as pa

from newsetl.land.upkeep import Maintenance, maintain as maintain_tables
from newsetl.land.warehouse import Warehouse, to_arrow
from newsetl.run import stories, storylink
from newsetl.run.commit import update_entities
from newsetl.run.stories import Candidate, NewArticle, Params
from newsetl.settings import Settings
from schemas import TABLES, arrow_schema

CHUNK = 2000  # articles a commit: their texts and signatures in memory, one journal entry


@dataclass
class StoryFill:
    storied: int = 0  # articles given a story
    joined: int = 0  # of them, found to be a near-duplicate of an earlier article
    rekeyed: int = 0  # signatures of an older scheme computed again


def maintain(warehouse: Warehouse, settings: Settings,
             retention_hours: int | None = None) -> tuple[Maintenance, StoryFill]:
    """``newsetl maintain``: stories filled in, then every table compacted and vacuumed
    and the catalog refreshed, all under the run lock (``newsetl.land.upkeep.maintain``)."""
    filled = StoryFill()

    def fill(held: Warehouse, op_id: str) -> None:
        nonlocal filled
        filled = fill_stories(held, settings, op_id)

    return maintain_tables(warehouse, settings, retention_hours, before_compaction=fill), filled


def fill_stories(warehouse: Warehouse, settings: Settings, op_id: str) -> StoryFill:
    """Give every article a story and every signature the current scheme. The caller holds
    the run lock and has rolled back any unfinished commit."""
    params = Params.from_settings(settings)
    done = StoryFill()
    while chunk := _next_chunk(warehouse, params):
        new, rekey = chunk
        _commit_chunk(warehouse, params, op_id, new, rekey, done)
    return done


def _next_chunk(warehouse: Warehouse, params: Params) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Up to CHUNK articles: those with no story, earliest first, else those whose
    signature is missing or of another scheme."""
    with warehouse.connect(("articles", "story_signatures")) as con:
        new = con.execute("""
            SELECT article_id, content_sha256, text, published_at FROM articles
            WHERE story_id IS NULL ORDER BY published_at NULLS LAST, article_id LIMIT ?""", [CHUNK]).df()
        if not new.empty:
            return new, new.iloc[0:0]
        rekey = con.execute("""
            SELECT a.article_id, a.content_sha256, a.text, a.published_at FROM articles AS a
            LEFT JOIN story_signatures AS s USING (article_id)
            WHERE s.scheme IS DISTINCT FROM ? ORDER BY a.article_id LIMIT ?""", [params.scheme, CHUNK]).df()
    return (rekey.iloc[0:0], rekey) if not rekey.empty else None


def _commit_chunk(warehouse: Warehouse, params: Params, op_id: str, new: pd.DataFrame, rekey: pd.DataFrame,
                  done: StoryFill) -> None:
    chunk = pd.concat([new, rekey], ignore_index=True)
    sigs, bands = storylink.staged_rows(chunk, params, op_id)
    assigned = _assign(warehouse, params, new, sigs) if not new.empty else {}
    warehouse.begin_commit(op_id)
    try:
        ids = chunk["article_id"].tolist()
        warehouse.merge("story_signatures", to_arrow("story_signatures", sigs), op_id, update_if=True)
        warehouse.merge("story_bands", to_arrow("story_bands", bands), op_id, update_if=True,
                        replace_articles=ids)
        if assigned:
            joined = [aid for aid, story in assigned.items() if story.duplicate_of is not None]
            touched = _entities_of(warehouse, joined)  # before the stories change
            warehouse.merge("articles", _with_stories(warehouse, assigned), op_id, update_if=True)
            if touched:  # a story now counted once: its entities' figures change
                update_entities(warehouse, op_id, touched)
            done.joined += len(joined)
        warehouse.end_commit()
    except BaseException:
        warehouse.roll_back()
        raise
    done.storied += len(new)
    done.rekeyed += len(rekey)


def _assign(warehouse: Warehouse, params: Params, new: pd.DataFrame, sigs: pd.DataFrame) -> dict:
    signatures = {r["article_id"]: storylink.signature_of(r) for r in sigs.to_dict("records")}
    keys = {aid: stories.band_keys(sig, params) for aid, sig in signatures.items()}
    with warehouse.connect(("articles", "story_signatures", "story_bands")) as con:
        pairs = stories.candidate_pairs(con, keys, con.table("story_bands"))
        con.register("_story_pairs", pairs)
        landed = [Candidate(aid, stories.Signature.from_bytes(bytes.fromhex(mh), n), story_id, pub)
                  for aid, n, mh, story_id, pub in con.execute("""
            SELECT s.article_id, s.shingles, s.minhash, a.story_id, a.published_at
            FROM story_signatures AS s JOIN articles AS a USING (article_id)
            WHERE s.scheme = ? AND a.story_id IS NOT NULL
              AND s.article_id IN (SELECT candidate_id FROM _story_pairs)""", [params.scheme]).fetchall()]
    articles = [NewArticle(aid, signatures[aid], None if pd.isna(pub) else pub.to_pydatetime())
                for aid, pub in zip(new["article_id"], new["published_at"], strict=True)]
    return stories.assign_stories(articles, landed, pairs, params.similarity)


def _entities_of(warehouse: Warehouse, article_ids: list[str]) -> list[str]:
    if not article_ids:
        return []
    with warehouse.connect(("mentions",)) as con:
        con.register("_joined", pa.table({"article_id": pa.array(article_ids, pa.string())}))
        return sorted(r[0] for r in con.execute(
            "SELECT DISTINCT entity_id FROM mentions SEMI JOIN _joined USING (article_id)").fetchall())


def _with_stories(warehouse: Warehouse, assigned: dict) -> pa.Table:
    """The chunk's articles rows as landed, with their story columns set."""
    schema = arrow_schema(TABLES["articles"].model)
    with warehouse.connect(("articles",)) as con:
        con.register("_chunk", pa.table({"article_id": pa.array(list(assigned), pa.string())}))
        rows = con.sql(f"SELECT {', '.join(schema.names)} FROM articles SEMI JOIN _chunk USING (article_id)")
        rows = rows.to_arrow_table().cast(schema)
    found = [assigned[aid] for aid in rows.column("article_id").to_pylist()]
    rows = rows.set_column(schema.get_field_index("story_id"), "story_id",
                           pa.array([s.story_id for s in found], pa.string()))
    return rows.set_column(schema.get_field_index("duplicate_of"), "duplicate_of",
                           pa.array([s.duplicate_of for s in found], pa.string()))
