"""Stories in a run (docs/decisions.md D58): each staged batch stages its articles'
signatures and band keys; the commit looks up their candidates among the landed band
keys, decides each new article's story and lands the three story writes (``articles``'
story columns, ``story_signatures``, ``story_bands``) with the run's other tables, under
the same commit journal.

The lookup joins the run's keys with the landed ones (``stories.candidate_pairs``), so a
run's cost follows its new articles, not the warehouse: no pair is compared unless it
shares a band key.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds

from newsetl.land.warehouse import Warehouse
from newsetl.run import stories
from newsetl.run.stories import Candidate, NewArticle, Params, Signature, Story


def staged_rows(articles: pd.DataFrame, params: Params, run_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``story_signatures`` and ``story_bands`` rows of a batch's new and changed articles."""
    sigs, bands = [], []
    for aid, sha, text in zip(articles["article_id"], articles["content_sha256"], articles["text"], strict=True):
        sig = stories.signature(text, params)
        sigs.append({"article_id": aid, "content_sha256": sha, "scheme": params.scheme, "shingles": sig.shingles,
                     "minhash": sig.to_bytes().hex(), "run_id": run_id})
        bands += [{"band_id": f"{aid}-{band}", "article_id": aid, "band_key": key, "run_id": run_id}
                  for band, key in enumerate(stories.band_keys(sig, params))]
    return (pd.DataFrame(sigs, columns=["article_id", "content_sha256", "scheme", "shingles", "minhash", "run_id"]),
            pd.DataFrame(bands, columns=["band_id", "article_id", "band_key", "run_id"]))


def signature_of(row: dict) -> Signature:
    return Signature.from_bytes(bytes.fromhex(row["minhash"]), row["shingles"])


def _ids_sql(ids) -> str:
    return ", ".join("'" + a.replace("'", "''") + "'" for a in ids) or "NULL"


def assign(warehouse: Warehouse, run_id: str, updated_ids: list[str], params: Params) -> dict[str, Story]:
    """The story of every article the run staged. An article whose text changed keeps its
    landed story (it is re-keyed only); every other one is decided by
    ``stories.assign_stories`` against the landed candidates its band keys meet."""
    staged_sigs = warehouse.staged(run_id, "story_signatures")
    staged_articles = warehouse.staged(run_id, "articles")
    if staged_sigs is None or staged_articles is None:
        return {}
    sigs = {r["article_id"]: r for r in staged_sigs.to_table().to_pylist()}
    published = dict(zip(*staged_articles.to_table(columns=["article_id", "published_at"]).to_pydict().values(),
                         strict=True))
    with warehouse.connect(("articles", "story_signatures", "story_bands")) as con:
        # Changed articles landed with a story keep it; one landed before stories were
        # wired (no story_id) gets its story now, as a new one.
        kept = {aid: Story(sid, dup) for aid, sid, dup in con.execute(f"""
            SELECT article_id, story_id, duplicate_of FROM articles
            WHERE story_id IS NOT NULL AND article_id IN ({_ids_sql(set(updated_ids) & sigs.keys())})""").fetchall()}
        keys = {aid: stories.band_keys(signature_of(row), params) for aid, row in sigs.items()}
        pairs = stories.candidate_pairs(con, keys, con.table("story_bands"))
        con.register("_story_pairs", pairs)
        # Landed candidates of this scheme, with their stories; the run's own articles (also
        # landed already when a commit is retried) are taken from the run.
        landed = [Candidate(aid, Signature.from_bytes(bytes.fromhex(mh), n), story_id or aid, pub)
                  for aid, n, mh, story_id, pub in con.execute(f"""
            SELECT s.article_id, s.shingles, s.minhash, a.story_id, a.published_at
            FROM story_signatures AS s JOIN articles AS a USING (article_id)
            WHERE s.scheme = ? AND s.article_id IN (SELECT candidate_id FROM _story_pairs)
              AND s.article_id NOT IN ({_ids_sql(sigs)})""", [params.scheme]).fetchall()]
    landed += [Candidate(aid, signature_of(sigs[aid]), story.story_id, published.get(aid))
               for aid, story in kept.items()]
    new = [NewArticle(aid, signature_of(row), published.get(aid)) for aid, row in sigs.items() if aid not in kept]
    return {**stories.assign_stories(new, landed, pairs, params.similarity), **kept}


def with_stories(staged: ds.Dataset, assigned: dict[str, Story]) -> pa.RecordBatchReader:
    """The staged articles with their story columns set, streamed batch by batch."""
    schema = staged.schema

    def batches() -> Iterator[pa.RecordBatch]:
        for batch in staged.to_batches():
            ids = batch.column("article_id").to_pylist()
            found = [assigned.get(aid, Story(aid, None)) for aid in ids]
            columns = {name: batch.column(name) for name in schema.names}
            columns["story_id"] = pa.array([s.story_id for s in found], pa.string())
            columns["duplicate_of"] = pa.array([s.duplicate_of for s in found], pa.string())
            yield pa.RecordBatch.from_arrays([columns[n] for n in schema.names], schema=schema)

    return pa.RecordBatchReader.from_batches(schema, batches())
