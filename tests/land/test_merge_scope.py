"""A run's MERGE touches what its inputs touch: replacing one updated article's mentions
rewrites the file holding that article's rows, not every file of the table (D66)."""

from __future__ import annotations

import hashlib

import pyarrow as pa

from newsetl.enrich.mentions.rows import mention_id_for
from newsetl.land import Location, Warehouse
from schemas import TABLES, arrow_schema


def _mentions(article_ids: list[str], per: int, run_id: str) -> pa.Table:
    rows = [{"mention_id": mention_id_for(a, i * 10, i * 10 + 4), "article_id": a, "start_char": i * 10,
             "end_char": i * 10 + 4, "surface": "Lahore", "label": "GPE", "entity_id": "0123456789abcdef",
             "canonical_name": "Lahore", "sentence_index": i, "run_id": run_id}
            for a in article_ids for i in range(per)]
    return pa.Table.from_pylist(rows, schema=arrow_schema(TABLES["mentions"].model))


def test_replacing_an_updated_articles_mentions_leaves_other_files_alone(tmp_path):
    wh = Warehouse(Location(str(tmp_path), tmp_path))
    wh.ensure_tables(["mentions"])
    # Five runs' articles; ids are hashes, so every file's min/max spans nearly all of them.
    days = [[hashlib.sha256(f"{d}/{a}".encode()).hexdigest()[:16] for a in range(3)] for d in range(5)]
    for day, ids in enumerate(days):
        wh.merge("mentions", _mentions(ids, 20, f"r{day}"), f"r{day}", update_if=True)
    files = set(wh.live_files("mentions"))
    assert len(files) == 5

    updated = days[2][1]  # its text changed: 5 mentions now, where there were 20
    wh.merge("mentions", _mentions([updated], 5, "r5"), "r5", update_if=True, replace_articles=[updated])

    kept = files & set(wh.live_files("mentions"))
    assert len(kept) == 4  # only the file of day 2 was rewritten
    with wh.connect(("mentions",)) as con:
        per_article = dict(con.execute("SELECT article_id, count(*) FROM mentions GROUP BY 1").fetchall())
    assert per_article[updated] == 5 and len(per_article) == 15
    assert sum(per_article.values()) == 14 * 20 + 5

    # An article that lost every mention: its rows go, the other files stay.
    gone = days[4][0]
    before = set(wh.live_files("mentions"))
    wh.merge("mentions", None, "r6", update_if=True, replace_articles=[gone])
    assert len(before & set(wh.live_files("mentions"))) == len(before) - 1
    with wh.connect(("mentions",)) as con:
        assert con.execute(f"SELECT count(*) FROM mentions WHERE article_id = '{gone}'").fetchone()[0] == 0


def test_after_a_compaction_an_update_rewrites_one_file_of_the_target_size(tmp_path):
    """A compaction writes files of about ``maintain_target_file_mib``, not one file of the
    whole table: an update after it rewrites the file holding the article, not the table."""
    import os

    from newsetl.land.upkeep import upkeep_table

    wh = Warehouse(Location(str(tmp_path), tmp_path))
    wh.ensure_tables(["mentions"])
    days = [[hashlib.sha256(f"{d}/{a}".encode()).hexdigest()[:16] for a in range(40)] for d in range(8)]
    for day, ids in enumerate(days):
        data = _mentions(ids, 50, f"r{day}")
        # Surfaces that do not compress: each day's file is about 0.5 MiB.
        noise = pa.array([os.urandom(100).hex() for _ in range(data.num_rows)])
        data = data.set_column(data.schema.get_field_index("surface"), "surface", noise)
        wh.merge("mentions", data, f"r{day}", update_if=True)
    upkeep_table(wh, "mentions", 0, "m1", 1)
    compacted = set(wh.live_files("mentions"))
    assert 2 <= len(compacted) < 8

    updated = days[5][7]
    wh.merge("mentions", _mentions([updated], 5, "r9"), "r9", update_if=True, replace_articles=[updated])
    assert len(compacted - set(wh.live_files("mentions"))) == 1
