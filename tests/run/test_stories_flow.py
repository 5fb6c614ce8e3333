"""Stories in real Prefect runs of the flow (D58, D60, D61): a copy of a seed with one
added line joins the seed's story and does not double its entity counts; ``entities``,
updated from each run's changed articles only, equals a rebuild from all mentions after
every run, also when a re-extracted article's mentions change."""

from __future__ import annotations

import re
import shutil

import pytest
from deltalake import DeltaTable

from support.paths import REPO
from support.warehouse import query_catalog, warehouse_at
from newsetl.enrich import build_entities, default_reference
from newsetl.run.commit import entity_inputs

SEED, OTHER, THIRD = "004_6d7372103e3a1b89.txt", "000_8f60cbc1a07930e3.txt", "003_9fa6333cba715c2c.txt"
NAMED = ("In Geneva on Monday, Senator Lindsey Graham told Ambassador Maleeha Lodhi that the Senate Armed "
         "Services Committee would review the aid package before the end of the month.")
ADDED = "Update: Prime Minister Imran Khan said on Friday that Islamabad would answer Washington in writing."


def _rows(warehouse, table: str) -> list[dict]:
    return DeltaTable(str(warehouse / table)).to_pyarrow_table().to_pylist()


def _articles(warehouse) -> dict[str, dict]:
    return {r["source_uri"]: r for r in _rows(warehouse, "articles")}


def _entities(warehouse) -> dict[str, dict]:
    return {r["entity_id"]: r for r in _rows(warehouse, "entities")}


def _rebuilt(warehouse) -> dict[str, dict]:
    """The entities table as a full rebuild from every mention would make it."""
    with warehouse_at(warehouse).connect(("mentions", "articles")) as con:
        mentions, articles = entity_inputs(con, None)
    frame = build_entities(mentions, articles, default_reference())
    return {r["entity_id"]: r for r in frame.to_dict("records")}


def _same_as_rebuild(warehouse) -> None:
    landed, rebuilt = _entities(warehouse), _rebuilt(warehouse)
    assert landed.keys() == rebuilt.keys()
    for entity_id, row in rebuilt.items():
        got = landed[entity_id]
        for column in ("canonical_name", "label", "aliases", "wikidata_id", "article_count", "mention_count",
                       "first_seen", "last_seen"):
            want = row[column]
            want = None if want is None or want != want else want  # NaN/NaT -> None
            assert got[column] == want, (entity_id, column, got[column], want)


def _readme_stories_query() -> str:
    section = (REPO / "README.md").read_text(encoding="utf-8").split("## Stories", 1)[1].split("\n## ", 1)[0]
    [query] = re.findall(r"```sql\n(.*?)```", section, re.S)
    return query.strip().rstrip(";")


@pytest.fixture()
def raw(tmp_path, samples_dir):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(samples_dir / "seeds" / SEED, raw / SEED)
    shutil.copy(samples_dir / "seeds" / OTHER, raw / OTHER)
    return raw


def _with_added_line(text: str) -> str:
    paras = text.split("\n\n")
    return "\n\n".join([*paras[:3], ADDED, *paras[3:]])


def test_a_copy_with_one_added_line_joins_the_story_and_counts_once(raw, tmp_path, prefect_server, samples_dir):
    from flows.ingest import ingest

    warehouse = tmp_path / "warehouse"
    first = ingest(raw_dir=str(raw), warehouse_dir=str(warehouse))
    assert first["articles_new"] == 2
    seed = _articles(warehouse)[SEED]
    assert (seed["story_id"], seed["duplicate_of"]) == (seed["article_id"], None)
    before = _entities(warehouse)
    seed_mentions = sum(1 for m in _rows(warehouse, "mentions") if m["article_id"] == seed["article_id"])
    assert seed_mentions > 100
    _same_as_rebuild(warehouse)
    claims_before = dict(((s, k), c) for s, k, c, _ in query_catalog(
        warehouse, "SELECT speaker, kind, speech_claims, stories FROM claims_by_speaker")[1])

    # Run 2: the seed re-published under another name with one line added, and a new story.
    copy = raw / "elsewhere" / "tillerson-updated.txt"
    copy.parent.mkdir()
    copy.write_text(_with_added_line((samples_dir / "seeds" / SEED).read_text(encoding="utf-8")), encoding="utf-8")
    shutil.copy(samples_dir / "seeds" / THIRD, raw / THIRD)
    second = ingest(raw_dir=str(raw), warehouse_dir=str(warehouse))
    assert (second["articles_new"], second["duplicates"]) == (2, 0)  # both versions kept
    articles = _articles(warehouse)
    again = articles["elsewhere/tillerson-updated.txt"]
    assert (again["story_id"], again["duplicate_of"]) == (seed["article_id"], seed["article_id"])
    assert articles[SEED]["story_id"] == seed["article_id"] and articles[SEED]["duplicate_of"] is None
    for other in (OTHER, THIRD):  # other stories on the same topic stay apart
        assert (articles[other]["story_id"], articles[other]["duplicate_of"]) == (articles[other]["article_id"], None)
    copy_mentions = sum(1 for m in _rows(warehouse, "mentions") if m["article_id"] == again["article_id"])
    assert copy_mentions > seed_mentions  # the copy was analysed: all of its mentions landed

    after = _entities(warehouse)
    _same_as_rebuild(warehouse)
    # The copy's mentions count once: an entity the added line does not name keeps its counts.
    unchanged = [e for e, row in before.items()
                 if row["canonical_name"] not in ADDED and after[e]["mention_count"] == row["mention_count"]]
    third_ids = {m["entity_id"] for m in _rows(warehouse, "mentions")
                 if m["article_id"] == articles[THIRD]["article_id"]}
    for entity_id, row in before.items():
        if entity_id in third_ids or row["canonical_name"] in ADDED:
            continue
        assert (after[entity_id]["mention_count"], after[entity_id]["article_count"]) == \
            (row["mention_count"], row["article_count"]), row["canonical_name"]
    assert len(unchanged) > 10
    # What the added line names is counted (in the story's fullest version).
    khan = [row for row in after.values() if row["canonical_name"] == "Imran Khan"]
    assert khan and khan[0]["article_count"] == 1

    # The stories view: one story of two articles; claims of the copy count once.
    _, stories = query_catalog(warehouse, f"SELECT articles FROM stories WHERE story_id = '{seed['article_id']}'")
    assert stories == [(2,)]
    assert query_catalog(warehouse, "SELECT count(*) FROM stories")[1] == [(3,)]
    columns, _ = query_catalog(warehouse, _readme_stories_query())  # the README's example runs as written
    assert columns[:3] == ["story_id", "title", "articles"]
    claims_after = dict(((s, k), c) for s, k, c, _ in query_catalog(
        warehouse, "SELECT speaker, kind, speech_claims, stories FROM claims_by_speaker")[1])
    third_speakers = {(s, k) for s, k in query_catalog(warehouse, f"""
        SELECT DISTINCT coalesce(speaker_name, speaker_surface), kind FROM claims
        WHERE article_id = '{articles[THIRD]['article_id']}'""")[1]}
    for key, n in claims_before.items():
        if key not in third_speakers:
            assert claims_after[key] == n, key

    # Run 3: an article re-extracted with other mentions (a paragraph naming new people,
    # the second half gone) keeps its story; the entities follow, as a rebuild would.
    text = (raw / OTHER).read_text(encoding="utf-8")
    paras = text.split("\n\n")
    (raw / OTHER).write_text("\n\n".join([*paras[:2], NAMED, *paras[2: len(paras) // 2]]), encoding="utf-8")
    third = ingest(raw_dir=str(raw), warehouse_dir=str(warehouse))
    assert third["articles_updated"] == 1
    # The earlier text is kept, linked to its article; the article row holds the new one.
    [version] = _rows(warehouse, "article_versions")
    assert (version["article_id"], version["content_sha256"], version["text"]) == \
        (articles[OTHER]["article_id"], articles[OTHER]["content_sha256"], articles[OTHER]["text"])
    assert version["superseded_by_run"] == third["run_id"]
    rewritten = _articles(warehouse)[OTHER]
    assert (rewritten["story_id"], rewritten["duplicate_of"]) == (articles[OTHER]["article_id"], None)
    gone = after.keys() - _entities(warehouse).keys()
    assert gone  # entities named only in the removed half are deleted
    assert _entities(warehouse).keys() - after.keys()  # and those of the new paragraph added
    _same_as_rebuild(warehouse)
    # The story index holds one signature and one row per band for each article.
    signatures = _rows(warehouse, "story_signatures")
    assert len(signatures) == 4
    bands = _rows(warehouse, "story_bands")
    assert len(bands) == 4 * 32 and len({b["band_id"] for b in bands}) == len(bands)
